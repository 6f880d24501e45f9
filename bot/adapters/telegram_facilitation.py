"""Facilitated sessions in Telegram: the commands, the agenda's and ballot's buttons, the ticker.

`/facilitate` makes the sender the facilitator and shows the agenda (buttons,
or a reply to it such as "records 15, team 20, skip competitor"); `/next`,
`/pause`, `/resume`, `/end` and `/assign @member records|amot` steer it, and
only the facilitator or a group admin may (others get a one-line note).
Without a facilitated session `/pause` and `/resume` go to the interview as
they always did. Button presses carry `fac:` callback data, handled here
before the generic button handler sees them.

The timers live in the database (`bot.facilitation_service`): one background
ticker per adapter asks what is due every `MOT_FACILITATION_TICK_SECONDS`,
sends the half-time and time-up nudges (marked sent before they go, so a
restart repeats none) and keeps each running phase's announcement (time
left, who has answered what) up to date by editing it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import facilitation_service as service
from bot.adapters.telegram_conversation import CHANNEL, converse, post, reply, send_report
from bot.adapters.telegram_language import announce_session_language, facilitator_language
from bot.adapters.telegram_state import AnyApplication, shared
from bot.adapters.telegram_text import TELEGRAM_LIMIT, split_escaped
from bot.core import facilitation as fac
from bot.core.facilitation import Facilitation, FacilitationError, Status
from bot.core.identity import participant_key
from bot.core.taxonomy import MOMENTS, Method, Mot
from bot.core.texts import render, set_language, text, use_language

log = logging.getLogger(__name__)

PREFIX = "fac:"  # callback data of this module's buttons; the generic handler never sees them
COMMANDS = ("facilitate", "next", "pause", "resume", "end", "assign")
_RUNTIME_KEY = "facilitation_runtime"

Incoming = TypeVar("Incoming")
Handler = Callable[[Incoming, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
Wrap = Callable[[Handler[Any]], Handler[Any]]


@dataclass
class Runtime:
    """What this adapter process keeps about facilitation: one lock, so the ticker and the
    handlers never write the same facilitation at once, and the announcements as last shown."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    shown: dict[tuple[str, int], str] = field(default_factory=dict)


def runtime(application: AnyApplication) -> Runtime:
    found = application.bot_data.get(_RUNTIME_KEY)
    if not isinstance(found, Runtime):
        found = application.bot_data[_RUNTIME_KEY] = Runtime()
    return found


def _is_ours(workspace_key: str) -> bool:
    return workspace_key.startswith(CHANNEL + ":")


def _chat_id(workspace_key: str) -> int:
    return int(workspace_key.split(":", 1)[1])


def _where(update: Update) -> tuple[Chat, User, Message]:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        raise ValueError("an update without chat, user or message")
    return chat, user, message


def _reply_to(chat: Chat, message: Message) -> int | None:
    return None if chat.type == ChatType.PRIVATE else message.message_id


async def _is_admin(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User) -> bool:
    """A private chat's only person, or a group's owner or administrator (getChatMember)."""
    if chat.type == ChatType.PRIVATE:
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("getChatMember failed: %s", error)
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def _who(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User, running: Facilitation | None
) -> service.Who:
    """The person acting; asks Telegram whether they are an admin only when that matters."""
    key = participant_key(CHANNEL, user.id)
    admin = False
    if running is not None and running.facilitator != key:
        admin = await _is_admin(context, chat, user)
    return service.Who(key, user.full_name, admin)


async def _call(context: ContextTypes.DEFAULT_TYPE, work: Callable[[], Any]) -> Any:
    """A service call on a worker thread, one at a time per adapter (see `Runtime`)."""
    async with runtime(context.application).lock:
        return await asyncio.to_thread(work)


# --- keyboards --------------------------------------------------------------------------------


def agenda_keyboard(f: Facilitation) -> InlineKeyboardMarkup | None:
    """While planning: each phase shorter, longer or left out, and the button to begin."""
    if f.status is not Status.PLANNING:
        return None
    rows = [
        [
            InlineKeyboardButton(
                text("fac.button.shorter", phase=render(fac.phase_name(p.kind))),
                callback_data=f"{PREFIX}a:{p.kind}:less",
            ),
            InlineKeyboardButton(
                text("fac.button.longer"), callback_data=f"{PREFIX}a:{p.kind}:more"
            ),
            InlineKeyboardButton(text("fac.button.drop"), callback_data=f"{PREFIX}a:{p.kind}:drop"),
        ]
        for p in f.agenda
    ]
    rows.append([InlineKeyboardButton(text("fac.button.begin"), callback_data=f"{PREFIX}begin")])
    return InlineKeyboardMarkup(rows)


def phase_keyboard(f: Facilitation) -> InlineKeyboardMarkup | None:
    """A method's phase: one button for each member to begin it; the vote: the ballot."""
    phase = f.current()
    if phase is None or not f.active:
        return None
    if phase.kind == fac.VOTE:
        rows = [
            [
                InlineKeyboardButton(
                    text("fac.button.vote", code=code.upper(), name=MOMENTS[Mot(code)].name),
                    callback_data=f"{PREFIX}v:{code}",
                )
            ]
            for code in f.candidates
        ]
        rows.append(
            [InlineKeyboardButton(text("fac.button.reset_votes"), callback_data=f"{PREFIX}v:reset")]
        )
        return InlineKeyboardMarkup(rows)
    name = render(fac.phase_name(phase.kind))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    text("fac.button.go", phase=name), callback_data=f"{PREFIX}go:{phase.kind}"
                )
            ]
        ]
    )


# --- sending without a handler's context (the ticker) ---------------------------------------


async def _edit(
    bot: Bot, chat_id: int, message_id: int, said: str, buttons: InlineKeyboardMarkup | None
) -> None:
    """A posted message made to say `said` (its first part, if it grew too long)."""
    pieces = split_escaped(said, TELEGRAM_LIMIT) or ["…"]
    with suppress(TelegramError):  # unchanged, deleted, too old: the next change tries again
        await bot.edit_message_text(
            pieces[0], chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=buttons
        )


async def _announce(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, moved: service.Moved, reply_to: int | None
) -> None:
    """A phase begins (its keyboard with it), or the agenda is over: the summary and report."""
    state = shared(context)
    if moved.phase is None:
        await _close(context, chat, render(moved.said), reply_to)
        return
    agenda = moved.facilitation.messages.get("agenda")
    if moved.facilitation.phase == 0 and agenda is not None:  # agreed: its buttons go
        with suppress(TelegramError):
            await context.bot.edit_message_reply_markup(chat.id, agenda, reply_markup=None)
    said = render(moved.said)
    sent = await reply(context, chat.id, said, reply_to, phase_keyboard(moved.facilitation))
    if sent is not None:
        workspace = f"{CHANNEL}:{chat.id}"
        runtime(context.application).shown[(workspace, sent.message_id)] = said
        await _call(
            context,
            lambda: service.remember_message(state.app.uow, workspace, "phase", sent.message_id),
        )


async def _close(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, summary: str, reply_to: int | None
) -> None:
    """`/end`: the summary (top moments with their votes), then the report document."""
    await reply(context, chat.id, summary, reply_to)
    await send_report(context, chat, reply_to)


async def _show_agenda(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, f: Facilitation, reply_to: int | None
) -> None:
    sent = await reply(context, chat.id, render(fac.agenda_text(f)), reply_to, agenda_keyboard(f))
    if sent is not None and f.status is Status.PLANNING:
        uow, workspace = shared(context).app.uow, f"{CHANNEL}:{chat.id}"
        await _call(
            context, lambda: service.remember_message(uow, workspace, "agenda", sent.message_id)
        )


# --- commands ---------------------------------------------------------------------------------


async def on_facilitate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start a facilitated session (the sender facilitates), or show it; `/facilitate records
    15, skip survey` changes the agenda too."""
    chat, user, message = _where(update)
    reply_to = _reply_to(chat, message)
    uow, workspace = shared(context).app.uow, f"{CHANNEL}:{chat.id}"
    edits = " ".join(context.args or [])
    running = await _call(context, lambda: service.active(uow, workspace))
    who = await _who(context, chat, user, running)
    try:
        if running is None:
            # The session runs in the group's language, now the facilitator's choice.
            language = await facilitator_language(context, user, chat)
            set_language(language)  # the session's stored language and these replies
            running = await _call(context, lambda: service.start(uow, workspace, who))
            await announce_session_language(context, chat, language, reply_to)
        elif not edits and running.status is not Status.PLANNING:
            said = await _call(context, lambda: service.phase_text(uow, workspace))
            await reply(context, chat.id, render(said), reply_to)
            return
        if edits:
            running = await _call(context, lambda: service.edit_agenda(uow, workspace, who, edits))
    except FacilitationError as error:
        await reply(context, chat.id, render(error.said), reply_to)
        return
    await _show_agenda(context, chat, running, reply_to)


async def _steer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    step: Callable[[service.Who, str], Any],
) -> tuple[Chat, Any, int | None] | None:
    """Run one steering step; a refusal is said in one line (None comes back then)."""
    chat, user, message = _where(update)
    reply_to = _reply_to(chat, message)
    uow, workspace = shared(context).app.uow, f"{CHANNEL}:{chat.id}"
    running = await _call(context, lambda: service.active(uow, workspace))
    who = await _who(context, chat, user, running)
    try:
        return chat, await _call(context, lambda: step(who, workspace)), reply_to
    except FacilitationError as error:
        await reply(context, chat.id, render(error.said), reply_to)
        return None


async def on_next(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = shared(context)
    done = await _steer(
        update,
        context,
        lambda who, ws: service.next_phase(
            state.app.uow, ws, who, state.settings.facilitation_minute_s
        ),
    )
    if done is not None:
        chat, moved, reply_to = done
        await _announce(context, chat, moved, reply_to)


async def _pause_or_resume(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str
) -> None:
    """The facilitated session's clock; without one, the interview's pause or resume."""
    chat, user, message = _where(update)
    uow, workspace = shared(context).app.uow, f"{CHANNEL}:{chat.id}"
    if await _call(context, lambda: service.active(uow, workspace)) is None:
        await converse(
            context, chat, user, "/" + command, reply_to=_reply_to(chat, message),
            shown="/" + command,
        )  # fmt: skip
        return
    step = service.pause if command == "pause" else service.resume
    done = await _steer(update, context, lambda who, ws: step(uow, ws, who))
    if done is not None:
        await reply(context, done[0].id, render(done[1]), done[2])


async def on_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _pause_or_resume(update, context, "pause")


async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _pause_or_resume(update, context, "resume")


async def on_end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    uow = shared(context).app.uow
    done = await _steer(update, context, lambda who, ws: service.end(uow, ws, who))
    if done is not None:
        chat, summary, reply_to = done
        await _close(context, chat, render(summary), reply_to)


async def on_assign(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/assign @cara records`, `/assign Ben amot`, or `/assign records` as a reply to a
    member's message."""
    chat, _user, message = _where(update)
    args = list(context.args or [])
    replied = message.reply_to_message
    member: str | service.Who
    if replied is not None and replied.from_user and not replied.from_user.is_bot and args:
        person = replied.from_user
        member = service.Who(participant_key(CHANNEL, person.id), person.full_name)
        target = " ".join(args)
    elif len(args) >= 2:
        member, target = " ".join(args[:-1]), args[-1]
    else:
        await reply(context, chat.id, text("fac.assign_how"), _reply_to(chat, message))
        return
    uow = shared(context).app.uow
    done = await _steer(
        update, context, lambda who, ws: service.assign(uow, ws, who, member, target)
    )
    if done is not None:
        await reply(context, chat.id, render(done[1]), done[2])


# --- a reply to the agenda --------------------------------------------------------------------


async def on_agenda_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to the agenda message while it is being agreed changes it; other messages go
    on to the dialogue (this handler runs in a group of its own, before the others)."""
    chat, user, message = _where(update)
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    uow, workspace = shared(context).app.uow, f"{CHANNEL}:{chat.id}"
    running = await _call(context, lambda: service.active(uow, workspace))
    if running is None or running.messages.get("agenda") != replied.message_id:
        return
    said = (message.text or "").replace("@" + shared(context).bot_username, " ").strip()
    who = await _who(context, chat, user, running)
    try:
        changed = await _call(context, lambda: service.edit_agenda(uow, workspace, who, said))
    except FacilitationError as error:
        await reply(context, chat.id, render(error.said), _reply_to(chat, message))
        raise ApplicationHandlerStop from None
    await _show_agenda(context, chat, changed, _reply_to(chat, message))
    raise ApplicationHandlerStop


# --- buttons ----------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on one of this module's buttons: the agenda's, the phase's, the ballot's."""
    query = update.callback_query
    if query is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        await query.answer(text("tg.button_expired"))
        return
    chat, user = message.chat, query.from_user
    kind, _, rest = (query.data or "").removeprefix(PREFIX).partition(":")
    uow, workspace = shared(context).app.uow, f"{CHANNEL}:{chat.id}"
    running = await _call(context, lambda: service.active(uow, workspace))
    if running is None:
        await query.answer(text("fac.none"), show_alert=True)
        return
    try:
        if kind == "v":
            await _vote(context, query, message, user, rest)
        elif kind == "go":
            await _go(context, query, message, user, rest)
        elif kind == "begin" and running.status is not Status.PLANNING:
            await query.answer(text("fac.begun"), show_alert=True)  # a stale agenda's button
        elif kind in ("a", "begin"):
            who = await _who(context, chat, user, running)
            await _agenda_press(context, query, message, who, kind, rest)
        else:
            await query.answer(text("tg.button_expired"), show_alert=True)
    except FacilitationError as error:
        await query.answer(render(error.said), show_alert=True)


async def _vote(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    message: Message,
    user: User,
    code: str,
) -> None:
    uow, workspace = shared(context).app.uow, f"{CHANNEL}:{message.chat.id}"
    voter = service.Who(participant_key(CHANNEL, user.id), user.full_name)
    chosen = None if code == "reset" else code
    voted = await _call(context, lambda: service.vote(uow, workspace, voter, chosen))
    await query.answer(render(voted.said))  # only the voter sees their votes
    said = render(await _call(context, lambda: service.phase_text(uow, workspace)))
    key = (workspace, message.message_id)
    if runtime(context.application).shown.get(key) != said:
        runtime(context.application).shown[key] = said
        await _edit(
            context.bot, message.chat.id, message.message_id, said,
            phase_keyboard(voted.facilitation),
        )  # fmt: skip


async def _go(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    message: Message,
    user: User,
    method: str,
) -> None:
    """A member begins the phase's method: the interview's question comes to them."""
    if method not in {m.value for m in Method}:
        await query.answer(text("tg.button_expired"), show_alert=True)
        return
    await query.answer()
    chat = message.chat
    payload = "/choose_method" + json.dumps({"method": method})
    shown = render(fac.phase_name(method))
    await converse(context, chat, user, payload, reply_to=_reply_to(chat, message), shown=shown)


async def _agenda_press(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    message: Message,
    who: service.Who,
    kind: str,
    rest: str,
) -> None:
    state = shared(context)
    uow, workspace, chat = state.app.uow, f"{CHANNEL}:{message.chat.id}", message.chat
    if kind == "begin":
        minute_s = state.settings.facilitation_minute_s
        moved = await _call(context, lambda: service.next_phase(uow, workspace, who, minute_s))
        await query.answer()
        await _announce(context, chat, moved, _reply_to(chat, message))
        return
    phase, _, change = rest.partition(":")
    if phase not in fac.PHASE_KINDS or change not in ("less", "more", "drop"):
        await query.answer(text("tg.button_expired"), show_alert=True)
        return
    step = {"less": -fac.MINUTE_STEP, "more": fac.MINUTE_STEP, "drop": None}[change]
    changed: Facilitation = await _call(
        context, lambda: service.change_phase(uow, workspace, who, phase, step)
    )
    await query.answer()
    await _edit(
        context.bot, chat.id, message.message_id, render(fac.agenda_text(changed)),
        agenda_keyboard(changed),
    )  # fmt: skip


# --- the ticker -------------------------------------------------------------------------------


async def tick(application: AnyApplication, now: datetime | None = None) -> int:
    """Send the nudges due now and bring running phases' announcements up to date; returns
    how many nudges went out."""
    state = shared(application)
    uow, bot, shown = state.app.uow, application.bot, runtime(application).shown
    async with runtime(application).lock:
        fired = await asyncio.to_thread(service.due, uow, now, _is_ours)
    for nudge in fired:
        with use_language(nudge.language or state.settings.language):
            said = render(nudge.said)
        try:
            await post(bot, _chat_id(nudge.workspace_key), said, nudge.reply_to)
        except TelegramError as error:  # marked sent already: said once at most, never twice
            log.warning("a facilitation nudge could not be sent: %s", error)
    async with runtime(application).lock:
        running = await asyncio.to_thread(service.live, uow, _is_ours, now)
    for phase in running:
        key = (phase.facilitation.workspace_key, phase.message_id)
        with use_language(phase.facilitation.language or state.settings.language):
            said = render(phase.said)
            buttons = phase_keyboard(phase.facilitation)
        if shown.get(key) == said:
            continue
        shown[key] = said
        await _edit(bot, _chat_id(key[0]), phase.message_id, said, buttons)
    return len(fired)


async def run_ticker(application: AnyApplication) -> None:
    """Tick until cancelled; a failing tick is logged and the next one tries again."""
    every = shared(application).settings.facilitation_tick_s
    while True:
        try:
            await tick(application)
        except Exception:
            log.exception("the facilitation ticker failed")
        await asyncio.sleep(every)


def start_ticker(application: AnyApplication) -> asyncio.Task[None]:
    return asyncio.create_task(run_ticker(application), name="facilitation-ticker")


# --- wiring -----------------------------------------------------------------------------------


def add_handlers(application: AnyApplication, wrap: Wrap) -> None:
    """Register the commands and buttons (before the generic ones of `build_application`, which
    must come after) and the reply to the agenda (in a group of its own that runs first)."""
    for command, handler in (
        ("facilitate", on_facilitate),
        ("next", on_next),
        ("pause", on_pause),
        ("resume", on_resume),
        ("end", on_end),
        ("assign", on_assign),
    ):
        application.add_handler(CommandHandler(command, wrap(handler)))
    application.add_handler(CallbackQueryHandler(wrap(on_button), pattern=f"^{PREFIX}"))
    replies = filters.UpdateType.MESSAGE & filters.REPLY & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(replies, wrap(on_agenda_reply)), group=-1)
