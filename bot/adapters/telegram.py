"""The Telegram front-end: a python-telegram-bot Application in front of Rasa's REST channel.

Every message becomes a Rasa message from `tg:<chat>:<user>` (so members of a
group never share a dialogue state); Rasa's answers come back as escaped HTML,
split under Telegram's limit, with buttons as inline keyboards. Commands that
need no dialogue (/report, /status, /delete_me) go straight to `bot.services`.

Updates are acknowledged to Telegram only after they were handled: the adapter
runs its own long-polling loop (or webhook server, `telegram_transport`) around
`Application.process_update` instead of PTB's Updater, which confirms updates
as soon as it has fetched them; repeats of handled updates are skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import shutil
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot import services
from bot.adapters.rest import (
    AsyncRestClient,
    BotMessage,
    EngineUnavailable,
    EngineUnreachable,
)
from bot.adapters.telegram_text import (
    addressed_text,
    escape_html,
    keyboard,
    safe_file_name,
    split_escaped,
)
from bot.adapters.telegram_transport import once_only, poll, serve_webhook
from bot.app import App
from bot.config import Settings
from bot.core.errors import SurveyNotFound
from bot.core.identity import anonymous_sender, pseudonym, sender_for
from bot.core.messages import MessageTooLong, check_message
from bot.core.texts import text
from bot.report import METHOD_NAMES, workspace_report

log = logging.getLogger(__name__)

CHANNEL = "tg"
COMMANDS = [
    ("start", "Start or continue the interview"),
    ("help", "What I can do, and how to talk to me in a group"),
    ("status", "Where the session stands"),
    ("report", "The findings as a document"),
    ("cancel", "Stop the current question"),
    ("close_survey", "Close this chat's customer survey"),
    ("delete_me", "Remove your personal data and answers"),
]
SURVEY_CODE = re.compile(r"[0-9a-f]{8}")
READABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx"}
FORGET, KEEP = "adapter:forget", "adapter:keep"
KEYBOARDS_REMEMBERED = 10_000
IN_FLIGHT_WAIT_S = 300.0  # a deletion waits at most as long as a turn waits for Rasa
TYPING_EVERY_S = 4.0  # Telegram shows "typing" for 5 s


class TelegramUnavailable(Exception):
    """The adapter cannot start: the token is refused or the Bot API is out of reach."""


# --- Telegram's own errors: retried with backoff ---------------------------------------


def _retry_after(error: RetryAfter) -> float:
    """Seconds to wait; PTB 22 warns that the attribute turns into a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = error.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class RetryingLimiter(BaseRateLimiter[None]):
    """Retries every Bot API call on 429 (after `retry_after`), 5xx and timeouts.

    PTB's public hook for wrapping requests; bad requests and forbidden chats are
    not retried because sending them again cannot succeed.
    """

    def __init__(self, attempts: int = 5, first_delay: float = 0.5, max_delay: float = 30) -> None:
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        delay = self.first_delay
        attempt = 1
        while True:
            try:
                return await callback(*args, **kwargs)
            except (BadRequest, Forbidden, InvalidToken, Conflict):
                raise  # sending it again cannot succeed
            except RetryAfter as error:
                if attempt >= self.attempts:
                    raise
                wait = _retry_after(error)
            except NetworkError as error:  # 5xx, timeouts, connection errors
                if attempt >= self.attempts:
                    raise
                wait, delay = delay, delay * 2
                log.warning("Telegram %s failed (%s), attempt %d", endpoint, error, attempt)
            attempt += 1
            await asyncio.sleep(min(wait, self.max_delay))


class TokenFilter(logging.Filter):
    """Blanks the bot token out of every log line (URLs of the Bot API carry it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = record.exc_text.replace(self.token, "<token>")
            record.exc_info = None
        return True


def protect_logs(token: str) -> None:
    """Keep the token out of all logs: httpx's request lines off, a filter on every handler."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    token_filter = TokenFilter(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)


# --- The front-end's state and its conversation with Rasa ------------------------------


_turn_of: ContextVar[frozenset[int]] = ContextVar("turn_of", default=frozenset())


class Turns:
    """Turns in flight per Telegram user, across chats, so deleting a person can wait for them.

    A turn (a message on its way through Rasa and the actions) writes the person's
    tracker events and answers; deleting meanwhile would see them written back.
    """

    def __init__(self) -> None:
        self.busy: Counter[int] = Counter()
        self.held: dict[int, asyncio.Event] = {}
        self.changed = asyncio.Condition()

    @asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        """One turn of `user_id`; waits while their data is being deleted. Re-entrant."""
        if user_id in _turn_of.get():
            yield
            return
        while (held := self.held.get(user_id)) is not None:
            await held.wait()
        self.busy[user_id] += 1
        token = _turn_of.set(_turn_of.get() | {user_id})
        try:
            yield
        finally:
            _turn_of.reset(token)
            async with self.changed:
                self.busy[user_id] -= 1
                if self.busy[user_id] <= 0:
                    del self.busy[user_id]
                self.changed.notify_all()

    @asynccontextmanager
    async def alone(self, user_id: int, timeout: float) -> AsyncIterator[bool]:
        """Hold `user_id`'s new turns and wait (at most `timeout`) for those in flight.

        Yields whether they all ended in time.
        """
        while (other := self.held.get(user_id)) is not None:
            await other.wait()
        released = asyncio.Event()
        self.held[user_id] = released
        try:
            async with self.changed:
                try:
                    await asyncio.wait_for(
                        self.changed.wait_for(lambda: not self.busy.get(user_id)), timeout
                    )
                    idle = True
                except TimeoutError:
                    idle = False
            yield idle
        finally:
            del self.held[user_id]
            released.set()


@dataclass
class FrontEnd:
    """Everything the handlers share, kept in `application.bot_data`."""

    engine: AsyncRestClient
    app: App
    settings: Settings
    engine_retry_s: float = 60.0
    bot_username: str = ""
    turns: Turns = field(default_factory=Turns)
    long_payloads: dict[str, str] = field(default_factory=dict)
    # (chat, message) of a keyboard in a group -> (user id, first name) it was meant for
    keyboard_owner: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)

    def remember_owner(self, chat_id: int, message_id: int, user: User) -> None:
        """Note whose question a group keyboard is; only the newest 10,000 are kept."""
        self.keyboard_owner[(chat_id, message_id)] = (user.id, user.first_name)
        while len(self.keyboard_owner) > KEYBOARDS_REMEMBERED:
            del self.keyboard_owner[next(iter(self.keyboard_owner))]


def front_end(context: ContextTypes.DEFAULT_TYPE) -> FrontEnd:
    fe: FrontEnd = context.application.bot_data["front_end"]
    return fe


@asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing..." in the chat until the block ends (Telegram's lasts 5 s, so repeat)."""

    async def keep_typing() -> None:
        while True:
            with suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY_S)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def reply(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    said: str,
    reply_to: int | None = None,
    buttons: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send our own text (escaped, split); the keyboard goes with the last piece."""
    last = None
    pieces = split_escaped(said) or ["…"]
    for number, piece in enumerate(pieces):
        last = await context.bot.send_message(
            chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=buttons if number == len(pieces) - 1 else None,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to and number == 0
                else None
            ),
        )
    return last


async def send_bot_message(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    user: User,
    message: BotMessage,
    reply_to: int | None,
) -> None:
    fe = front_end(context)
    rows, long_payloads = keyboard(message.buttons)
    fe.long_payloads.update(long_payloads)
    markup = None
    if rows:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.title, callback_data=b.callback_data) for b in row]
             for row in rows]
        )  # fmt: skip
    sent = await reply(context, chat.id, message.text, reply_to, markup)
    if markup is not None and sent is not None and chat.type != ChatType.PRIVATE:
        fe.remember_owner(chat.id, sent.message_id, user)


async def ask_engine(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    sender: str,
    said: str,
    metadata: dict[str, Any],
    reply_to: int | None,
) -> list[BotMessage] | None:
    """Rasa's answer; while Rasa is down, apologise once and keep retrying for a while."""
    fe = front_end(context)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + fe.engine_retry_s
    delay, apologised = 1.0, False
    while True:
        try:
            return await fe.engine.send(sender, said, metadata)
        except EngineUnreachable as error:
            log.warning("Rasa unreachable for chat %s: %s", chat.id, error)
            if loop.time() + delay > deadline:
                return None
            if not apologised:
                await reply(context, chat.id, text("tg.engine_retrying"), reply_to)
                apologised = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
        except EngineUnavailable as error:  # reached, then failed: never sent twice
            log.warning("Rasa failed for chat %s: %s", chat.id, error)
            return None


async def converse(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    user: User,
    said: str,
    *,
    reply_to: int | None = None,
    person: str | None = None,
    shown: str | None = None,
) -> None:
    """One turn with Rasa: send what the person said, show what Rasa answers.

    `person` is a survey taker's pseudonym: the turn then goes to their anonymous
    sender, with neither their user id nor their name.
    """
    fe = front_end(context)
    metadata: dict[str, Any] = {"bot_username": fe.bot_username}
    if person is None:
        metadata["display_name"] = user.full_name
        sender = sender_for(CHANNEL, chat.id, user.id)
    else:
        sender = anonymous_sender(person)
    async with fe.turns.turn(user.id):
        async with typing(context, chat.id):
            answers = await ask_engine(context, chat, sender, said, metadata, reply_to)
        if answers is None:
            quoted = shown if shown is not None else said
            quoted = quoted if len(quoted) <= 60 else quoted[:57] + "..."
            await reply(context, chat.id, text("tg.engine_failed", said=quoted), reply_to)
            return
        answered = False
        for answer in answers:
            if answer.custom:
                answered |= await follow_instruction(context, chat, answer.custom, reply_to, person)
            if answer.text or answer.buttons:  # a custom payload is never shown as text
                await send_bot_message(context, chat, user, answer, reply_to)
                answered = True
        if not answered:
            await reply(context, chat.id, text("tg.engine_silent"), reply_to)


async def follow_instruction(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    custom: dict[str, Any],
    reply_to: int | None,
    person: str | None,
) -> bool:
    """Do what an action asked of the front-end; True when the user got something to see.

    Unknown instructions are ignored (an action may address another front-end).
    """
    fe = front_end(context)
    if custom.get("survey_finished") and person is not None:
        await asyncio.to_thread(services.stop_survey_taking, fe.app.uow, person)
    if custom.get("report") and person is None:
        await send_report(context, chat, reply_to)
        return True
    return False


async def survey_taker(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User) -> str | None:
    """The pseudonym of a private chat's user while they answer a survey, else None."""
    if chat.type != ChatType.PRIVATE:
        return None
    fe = front_end(context)
    person = pseudonym(fe.settings.secret_key, CHANNEL, user.id)
    code = await asyncio.to_thread(services.survey_taking, fe.app.uow, person)
    return person if code else None


def _where(update: Update) -> tuple[Chat, User, Message]:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        raise ValueError("an update without chat, user or message")
    return chat, user, message


def _addressed(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, message: Message, said: str
) -> str | None:
    """What the message says to the bot; None for group talk not meant for it."""
    return addressed_text(
        said,
        private=chat.type == ChatType.PRIVATE,
        replied_to_bot=_is_reply_to(message, context.bot.id),
        bot_username=front_end(context).bot_username,
    )


def _is_reply_to(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def _group_reply_to(chat: Chat, message: Message) -> int | None:
    """In groups the bot answers as a reply, so everyone sees whose question it is."""
    return None if chat.type == ChatType.PRIVATE else message.message_id


# --- Handlers: plain async functions ---------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user, message = _where(update)
    said = _addressed(context, chat, message, message.text or "")
    if said is None:
        return  # group members talking among themselves
    reply_to = _group_reply_to(chat, message)
    try:
        said = check_message(said)
    except MessageTooLong as error:
        await reply(context, chat.id, text("tg.too_long", error=error), reply_to)
        return
    if said.startswith("/"):
        # Rasa reads "/..." as an intent; people's text never gets to say one.
        await reply(context, chat.id, text("tg.unknown_command", command=said.split()[0]), reply_to)
        return
    if not said:
        said = "/help"
    person = await survey_taker(context, chat, user)
    await converse(context, chat, user, said, reply_to=reply_to, person=person)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start`, or `/start <code>` from a survey link: the customer answers anonymously."""
    chat, user, message = _where(update)
    reply_to = _group_reply_to(chat, message)
    if context.args:
        code = context.args[0].strip().lower()
        if chat.type != ChatType.PRIVATE:
            # Answers given in a group would be seen by the group: not anonymous.
            await reply(context, chat.id, text("tg.survey_private_only"), reply_to)
            return
        if not SURVEY_CODE.fullmatch(code):
            await reply(context, chat.id, text("tg.bad_start_code"), reply_to)
            return
        # From here on this person talks to Rasa only under a keyed pseudonym.
        fe = front_end(context)
        person = pseudonym(fe.settings.secret_key, CHANNEL, user.id)
        try:
            await asyncio.to_thread(services.start_survey_taking, fe.app.uow, person, code)
        except SurveyNotFound:
            await reply(context, chat.id, text("survey.unknown"), reply_to)
            return
        payload = "/answer_survey" + json.dumps({"survey_code": code})
        await converse(context, chat, user, payload, reply_to=reply_to, person=person,
                       shown=f"/start {code}")  # fmt: skip
        return
    taker = await survey_taker(context, chat, user)
    if taker is not None:  # a plain /start leaves the survey for the bot's own dialogue
        await asyncio.to_thread(services.stop_survey_taking, front_end(context).app.uow, taker)
    await converse(context, chat, user, "/greet", reply_to=reply_to, shown="/start")


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user, message = _where(update)
    reply_to = _group_reply_to(chat, message)
    help_text = help_for_commands()
    if chat.type != ChatType.PRIVATE:
        help_text += "\n\n" + text("tg.help_group", bot=front_end(context).bot_username)
    await reply(context, chat.id, help_text, reply_to)
    await converse(context, chat, user, "/help", reply_to=reply_to, shown="/help")


def help_for_commands() -> str:
    """The help text; its command list is the menu's (`COMMANDS`), so the two never differ."""
    lines = [text("tg.help_intro"), "", text("tg.help_commands")]
    lines += [f"/{name}: {about[:1].lower()}{about[1:]}" for name, about in COMMANDS]
    return "\n".join([*lines, "", text("tg.help_files")])


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the current question; a survey taker's goes to their anonymous conversation."""
    chat, user, message = _where(update)
    person = await survey_taker(context, chat, user)
    await converse(
        context, chat, user, "/cancel", reply_to=_group_reply_to(chat, message), person=person
    )


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The chat's findings as a Markdown document (this chat's session only)."""
    chat, _user, message = _where(update)
    await send_report(context, chat, _group_reply_to(chat, message))


async def on_close_survey(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close this chat's survey: the link stops taking answers; those given stay."""
    chat, _user, message = _where(update)
    fe = front_end(context)
    said = await asyncio.to_thread(_close_survey, fe.app, f"{CHANNEL}:{chat.id}")
    await reply(context, chat.id, said, _group_reply_to(chat, message))


def _close_survey(app: App, workspace_key: str) -> str:
    session_id = services.workspace_session(app.uow, workspace_key)
    if session_id is None:
        return text("tg.report_none")
    survey = services.close_survey(app.uow, session_id)
    if survey is None:
        return text("survey.none_to_close")
    return text("survey.closed_now", code=survey.code, responses=survey.responses)


async def send_report(context: ContextTypes.DEFAULT_TYPE, chat: Chat, reply_to: int | None) -> None:
    """The chat's report document (for /report and for an action asking for it)."""
    fe = front_end(context)
    async with typing(context, chat.id):
        document = await asyncio.to_thread(_report_document, fe.app, f"{CHANNEL}:{chat.id}")
    if isinstance(document, str):
        await reply(context, chat.id, document, reply_to)
        return
    name, content, caption = document
    await context.bot.send_document(
        chat.id,
        InputFile(content, filename=name),
        caption=caption,
        reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
        if reply_to
        else None,
    )


def _report_document(app: App, workspace_key: str) -> tuple[str, bytes, str] | str:
    """(file name, bytes, caption) of the workspace's report, or why there is none."""
    report = workspace_report(app.uow, workspace_key)
    if report is None:
        return text("tg.report_none")
    if not report.moments:
        return text("tg.report_empty", product=report.product)
    caption = text("tg.report_caption", product=report.product, count=report.moments)
    return report.name, report.content.encode(), caption


async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, _user, message = _where(update)
    fe = front_end(context)
    status = await asyncio.to_thread(_status_text, fe.app, f"{CHANNEL}:{chat.id}")
    await reply(context, chat.id, status, _group_reply_to(chat, message))


def _status_text(app: App, workspace_key: str) -> str:
    session_id = services.workspace_session(app.uow, workspace_key)
    if session_id is None:
        return text("tg.report_none")
    status = services.session_status(app.uow, session_id)
    context = status.session.context
    if context is None:
        return text("tg.status_unnamed")
    business = context.business.value.upper()
    lines = [text("tg.status", product=context.product_name, business=business)]
    for method, name in METHOD_NAMES.items():
        answers = status.answers_per_method.get(method, 0)
        mark = "✅" if answers else "⬜"
        lines.append(text("tg.status_method", mark=mark, method=name, answers=answers))
    open_methods = [METHOD_NAMES[m] for m in status.open_methods]
    lines.append(
        text("tg.status_open", methods=", ".join(open_methods))
        if open_methods
        else text("tg.status_all_done")
    )
    people = ", ".join(f"{name} ({count})" for name, count in status.participants)
    lines.append(text("tg.status_people", people=people) if people else text("tg.status_nobody"))
    if status.survey_code:
        lines.append(
            text("tg.status_survey", code=status.survey_code, responses=status.survey_responses)
        )
    return "\n".join(lines)


async def on_delete_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask first: deleting cannot be undone."""
    chat, user, message = _where(update)
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text("tg.delete_yes"), callback_data=FORGET)],
            [InlineKeyboardButton(text("tg.delete_no"), callback_data=KEEP)],
        ]
    )
    sent = await reply(
        context, chat.id, text("tg.delete_confirm"), _group_reply_to(chat, message), buttons
    )
    if sent is not None and chat.type != ChatType.PRIVATE:
        front_end(context).remember_owner(chat.id, sent.message_id, user)


async def _forget(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User) -> None:
    """Delete once the person's turns in flight (in any chat) have ended, holding new ones.

    Otherwise a turn still in Rasa (a long file analysis in a group) would write their
    events and answers back after the deletion, and the counts reported would be wrong.
    """
    fe = front_end(context)
    try:
        async with fe.turns.alone(user.id, IN_FLIGHT_WAIT_S) as idle:
            if not idle:
                log.warning("deleting a person's data while a turn of theirs is still running")
            removed = await asyncio.to_thread(
                services.forget_person, fe.app.uow, CHANNEL, str(user.id)
            )
            # Files sent in the private chat are the person's; a group's belong to the group.
            files = await asyncio.to_thread(_remove_uploads, fe.settings.uploads_dir / str(user.id))
            person = pseudonym(fe.settings.secret_key, CHANNEL, user.id)
            await asyncio.to_thread(services.stop_survey_taking, fe.app.uow, person)
    except Exception:
        log.exception("could not delete a person's data")
        await reply(context, chat.id, text("tg.delete_failed"))
        return
    await reply(
        context,
        chat.id,
        text(
            "tg.deleted",
            answers=removed.answers,
            memberships=removed.memberships,
            sessions=removed.own_sessions,
            events=removed.conversation_events,
            files=files,
        ),
    )


def _remove_uploads(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    count = sum(1 for path in folder.rglob("*") if path.is_file())
    shutil.rmtree(folder)
    return count


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on an inline button: close the keyboard, send its payload as the presser."""
    query = update.callback_query
    if query is None:
        return
    fe = front_end(context)
    message = query.message if isinstance(query.message, Message) else None
    chat, user = message.chat if message else None, query.from_user
    if chat is None or message is None:
        await query.answer(text("tg.button_expired"))
        return
    owner = fe.keyboard_owner.get((chat.id, message.message_id))
    if owner is not None and owner[0] != user.id:
        await query.answer(text("tg.not_your_question", name=owner[1]), show_alert=True)
        return
    data = query.data or ""
    payload = fe.long_payloads.get(data, data)
    if not _has_button(message, data) or payload.startswith("k:"):
        # Not a button of this message (forged by a client), or one we no longer know.
        await query.answer(text("tg.button_expired"), show_alert=True)
        return
    await query.answer()
    await _close_keyboard(query, message, chat, user)
    if payload in (FORGET, KEEP):
        if payload == FORGET:
            await _forget(context, chat, user)
        else:
            await reply(context, chat.id, text("tg.delete_kept"))
        return
    reply_to = None if chat.type == ChatType.PRIVATE else message.message_id
    person = await survey_taker(context, chat, user)
    await converse(
        context, chat, user, payload, reply_to=reply_to, person=person,
        shown=_title_of(message, data),
    )  # fmt: skip


def _has_button(message: Message, data: str) -> bool:
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup else ()
    return any(button.callback_data == data for row in rows for button in row)


def _title_of(message: Message, data: str) -> str:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return data


async def _close_keyboard(query: CallbackQuery, message: Message, chat: Chat, user: User) -> None:
    """Show the choice under the question and remove the buttons, so nobody presses twice."""
    chosen = escape_html(_title_of(message, query.data or ""))
    who = "" if chat.type == ChatType.PRIVATE else f" ({escape_html(user.first_name)})"
    try:
        await query.edit_message_text(
            f"{message.text_html}\n\n<i>→ {chosen}{who}</i>", parse_mode=ParseMode.HTML
        )
    except TelegramError:
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A helpdesk export or survey file: download it, then let the dialogue analyse it."""
    chat, user, message = _where(update)
    fe = front_end(context)
    document = message.document
    if document is None:
        return
    if _addressed(context, chat, message, message.caption or "") is None:
        return
    reply_to = _group_reply_to(chat, message)
    name = document.file_name or "file"
    limit = fe.settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        await reply(
            context,
            chat.id,
            text("tg.file_too_large", size=_mb(document.file_size), limit=_mb(limit)),
            reply_to,
        )
        return
    if Path(name).suffix.lower() not in READABLE_SUFFIXES:
        await reply(context, chat.id, text("tg.file_type", name=name), reply_to)
        return
    # Every chat's raw uploads share a quota, so one chat cannot fill the server's disk.
    folder = fe.settings.uploads_dir / str(chat.id)
    quota = fe.settings.upload_quota_bytes
    used = await asyncio.to_thread(_folder_bytes, folder)
    over_quota = text("tg.upload_quota", limit=_mb(quota), used=_mb(used))
    if used + (document.file_size or 0) > quota:
        await reply(context, chat.id, over_quota, reply_to)
        return
    await reply(context, chat.id, text("tg.file_received", name=name), reply_to)
    relative = Path(str(chat.id)) / f"{secrets.token_hex(4)}-{safe_file_name(name)}"
    target = fe.settings.uploads_dir / relative
    async with fe.turns.turn(user.id):  # from the download on, this is the person's turn
        try:
            async with typing(context, chat.id):
                await asyncio.to_thread(_private_folders, fe.settings.uploads_dir, folder)
                telegram_file = await context.bot.get_file(document.file_id)
                with _private_file(target) as handle:
                    await telegram_file.download_to_memory(handle)
        except (TelegramError, OSError) as error:
            log.warning("download of an upload failed: %s", error)
            target.unlink(missing_ok=True)
            await reply(
                context, chat.id, text("tg.file_download_failed", name=name, error=error), reply_to
            )
            return
        if used + target.stat().st_size > quota:  # Telegram may not announce the size
            target.unlink()
            await reply(context, chat.id, over_quota, reply_to)
            return
        payload = "/upload_file" + json.dumps({"file_path": relative.as_posix()})
        await converse(context, chat, user, payload, reply_to=reply_to, shown=name)


def _folder_bytes(folder: Path) -> int:
    """What a chat's raw uploads take on disk now."""
    if not folder.is_dir():
        return 0
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _private_folders(*folders: Path) -> None:
    """Upload folders only this OS user can enter (0700), whatever the umask."""
    for folder in folders:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)


def _private_file(path: Path) -> BinaryIO:
    """A new file only this OS user can read (0600); never follows a planted link."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(descriptor, "wb")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice...: say what the bot can read (in groups only when addressed)."""
    chat, _user, message = _where(update)
    if chat.type != ChatType.PRIVATE and not _is_reply_to(message, context.bot.id):
        return
    await reply(context, chat.id, text("tg.only_text"), _group_reply_to(chat, message))


async def on_added_to_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Introduce the bot, and how a group talks to it, when someone adds it."""
    chat, _user, message = _where(update)
    if not any(member.id == context.bot.id for member in message.new_chat_members):
        return
    intro = (
        help_for_commands() + "\n\n" + text("tg.help_group", bot=front_end(context).bot_username)
    )
    await reply(context, chat.id, intro)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, _user, message = _where(update)
    command = (message.text or "/").split()[0].split("@")[0]
    await reply(
        context,
        chat.id,
        text("tg.unknown_command", command=command),
        _group_reply_to(chat, message),
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One failing update is logged and apologised for; the others go on."""
    log.error("an update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        with suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, text("tg.internal_error"))


# --- Wiring ------------------------------------------------------------------------------


def build_application(
    settings: Settings, app: App, engine: AsyncRestClient, engine_retry_s: float = 60.0
) -> Application:  # type: ignore[type-arg]
    """The PTB application with every handler: the one place the adapter is wired."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .updater(None)
        .rate_limiter(RetryingLimiter())
        .connect_timeout(10)
        .read_timeout(30)
        .get_updates_read_timeout(40)
    )
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(_file_base(base))
    application = builder.build()
    application.bot_data["front_end"] = FrontEnd(engine, app, settings, engine_retry_s)
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("cancel", on_cancel))
    application.add_handler(CommandHandler("report", on_report))
    application.add_handler(CommandHandler("status", on_status))
    application.add_handler(CommandHandler("close_survey", on_close_survey))
    application.add_handler(CommandHandler("delete_me", on_delete_me))
    application.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, on_document)
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, on_added_to_group)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, on_other)
    )
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
    return application


def _file_base(api_base: str) -> str:
    """Where files are downloaded from: `.../bot` becomes `.../file/bot`, as Telegram's are."""
    head, sep, _tail = api_base.rpartition("/bot")
    return f"{head}/file/bot" if sep else api_base + "/file/bot"


async def prepare(application: Application) -> None:  # type: ignore[type-arg]
    """Initialise, learn the bot's name, and register the commands for Telegram's menu."""
    await application.initialize()
    fe: FrontEnd = application.bot_data["front_end"]
    fe.bot_username = application.bot.username or ""
    try:
        await application.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])
    except TelegramError as error:  # only the menu is missing: getMe answered, so serve
        log.warning("setMyCommands failed, the command menu may be stale: %s", error)


async def run_telegram(
    settings: Settings,
    app: App,
    progress: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve Telegram until `stop` is set (or the task is cancelled).

    Raises TelegramUnavailable when the token is refused or the Bot API cannot be reached.
    """
    assert settings.telegram_bot_token
    protect_logs(settings.telegram_bot_token)
    engine = AsyncRestClient(settings.rasa_url)
    application = build_application(settings, app, engine, settings.engine_retry_s)
    stop = stop or asyncio.Event()
    try:
        try:
            await prepare(application)
        except InvalidToken as error:
            raise TelegramUnavailable(
                "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN."
            ) from error
        except TelegramError as error:
            where = settings.telegram_api_base_url or "api.telegram.org"
            raise TelegramUnavailable(f"Cannot reach the Bot API at {where}: {error}") from error
        fe: FrontEnd = application.bot_data["front_end"]
        mode = "webhook" if settings.telegram_webhook_url else "long polling"
        progress(f"Telegram: serving @{fe.bot_username} ({mode}). Ctrl-C stops.")
        # The application's own handler errors go to on_error; repeats are skipped.
        process = once_only(application.process_update, app.uow, str(application.bot.id))
        if settings.telegram_webhook_url:
            await serve_webhook(application.bot, process, settings, stop)
        else:
            await poll(application.bot, process, stop)
    finally:
        with suppress(Exception):
            await application.shutdown()
        await engine.close()
