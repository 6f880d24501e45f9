"""The Telegram front-end: plain async handlers, and `build_application` that wires them all.

Every message becomes a Rasa message from `tg:<chat>:<user>` (so members of a
group never share a dialogue state); Rasa's answers come back as escaped HTML,
split under Telegram's limit, with buttons as inline keyboards. Commands that
need no dialogue (/report, /status, /delete_me) go straight to `bot.services`.

Updates are acknowledged to Telegram only after they were handled: the adapter
runs its own long-polling loop (or webhook server, `telegram_transport`) around
`Application.process_update` instead of PTB's Updater, which confirms updates
as soon as it has fetched them; repeats of handled updates are skipped.

The parts: `telegram_conversation` (a turn with Rasa), `telegram_state` (what
handlers share), `telegram_uploads` (files on disk), `telegram_render` (/status,
/report, /help texts), `telegram_limits` (retrying the Bot API), `telegram_logging`
(the token out of logs), `telegram_transport` (polling, webhook), `telegram_text`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from contextlib import suppress

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import services
from bot.adapters.rasa_pool import async_rasa_router
from bot.adapters.rest import AsyncRasaClient
from bot.adapters.telegram_conversation import (
    CHANNEL,
    addressed,
    converse,
    is_reply_to,
    reply,
    send_report,
    survey_taker,
    typing,
)
from bot.adapters.telegram_facilitation import add_handlers as add_facilitation_handlers
from bot.adapters.telegram_facilitation import start_ticker
from bot.adapters.telegram_language import (
    LANGUAGE_BUTTON,
    on_language,
    speaking,
    switch_language,
)
from bot.adapters.telegram_limits import RetryingLimiter
from bot.adapters.telegram_logging import protect_logs
from bot.adapters.telegram_memory import keyboard_memory
from bot.adapters.telegram_render import commands, help_for_commands, report_format, status_text
from bot.adapters.telegram_state import SharedState, attach_state, shared
from bot.adapters.telegram_text import escape_html
from bot.adapters.telegram_transport import once_only, poll, serve_webhook
from bot.adapters.telegram_uploads import ChatUploads, remove_uploads
from bot.app import App
from bot.config import Settings
from bot.core.catalogue import available
from bot.core.errors import SurveyNotFound
from bot.core.identity import pseudonym, sender_for
from bot.core.messages import MessageTooLong, check_message
from bot.core.texts import text, use_language

log = logging.getLogger(__name__)

SURVEY_CODE = re.compile(r"[0-9a-f]{8}")
FORGET, KEEP = "adapter:forget", "adapter:keep"
IN_FLIGHT_WAIT_S = 300.0  # a deletion waits at most as long as a turn waits for Rasa


class TelegramUnavailable(Exception):
    """The adapter cannot start: the token is refused or the Bot API is out of reach."""


# --- Who said what, and was it meant for the bot (its language: telegram_language) ----


def _where(update: Update) -> tuple[Chat, User, Message]:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        raise ValueError("an update without chat, user or message")
    return chat, user, message


def _group_reply_to(chat: Chat, message: Message) -> int | None:
    """In groups the bot answers as a reply, so everyone sees whose question it is."""
    return None if chat.type == ChatType.PRIVATE else message.message_id


# --- Handlers: plain async functions ---------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user, message = _where(update)
    said = addressed(context, chat, message, message.text or "")
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
    state = shared(context)
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
        person = pseudonym(state.settings.secret_key, CHANNEL, user.id)
        try:
            await asyncio.to_thread(services.start_survey_taking, state.app.uow, person, code)
        except SurveyNotFound:
            await reply(context, chat.id, text("survey.unknown"), reply_to)
            return
        payload = "/answer_survey" + json.dumps({"survey_code": code})
        # Asked in the team's language (`telegram_language.speaking` saw the link).
        await converse(context, chat, user, payload, reply_to=reply_to, person=person,
                       shown=f"/start {code}")  # fmt: skip
        return
    taker = await survey_taker(context, chat, user)
    if taker is not None:  # a plain /start leaves the survey for the bot's own dialogue
        await asyncio.to_thread(services.stop_survey_taking, state.app.uow, taker)
    await converse(context, chat, user, "/greet", reply_to=reply_to, shown="/start")


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user, message = _where(update)
    reply_to = _group_reply_to(chat, message)
    help_text = help_for_commands()
    if chat.type != ChatType.PRIVATE:
        help_text += "\n\n" + text("tg.help_group", bot=shared(context).bot_username)
    await reply(context, chat.id, help_text, reply_to)
    await converse(context, chat, user, "/help", reply_to=reply_to, shown="/help")


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the current question; a survey taker's goes to their anonymous conversation."""
    chat, user, message = _where(update)
    person = await survey_taker(context, chat, user)
    await converse(
        context, chat, user, "/cancel", reply_to=_group_reply_to(chat, message), person=person
    )


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The chat's findings as a document (this chat's session only): `/report` sends the PDF,
    `/report html|md|csv|json` that format; anything else gets the list of formats."""
    chat, _user, message = _where(update)
    args = list(context.args or [])
    anonymous_words = {"anonymous", text("tg.report_anonymous_word").lower()}
    anonymous = any(a.lower() in anonymous_words for a in args)
    fmt = report_format([a for a in args if a.lower() not in anonymous_words])
    if fmt is None:
        await reply(context, chat.id, text("tg.report_formats"), _group_reply_to(chat, message))
        return
    await send_report(context, chat, _group_reply_to(chat, message), fmt, anonymous)


async def on_name_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member's own say on being named in the team's reports: `/name_me`, `/name_me off`."""
    chat, user, message = _where(update)
    said = [a.lower() for a in context.args or []]
    if said not in ([], ["on"], ["yes"], ["off"], ["no"]):
        await reply(context, chat.id, text("tg.name_me_how"), _group_reply_to(chat, message))
        return
    named = said not in (["off"], ["no"])
    sender = sender_for(CHANNEL, chat.id, user.id)
    app = shared(context).app
    await asyncio.to_thread(services.set_naming_consent, app.uow, sender, user.full_name, named)
    answer = text("tg.name_me_on", name=user.full_name) if named else text("tg.name_me_off")
    await reply(context, chat.id, answer, _group_reply_to(chat, message))


async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, _user, message = _where(update)
    status = await asyncio.to_thread(status_text, shared(context).app, f"{CHANNEL}:{chat.id}")
    await reply(context, chat.id, status, _group_reply_to(chat, message))


async def on_close_survey(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close this chat's survey: the link stops taking answers; those given stay."""
    chat, _user, message = _where(update)
    said = await asyncio.to_thread(_close_survey, shared(context).app, f"{CHANNEL}:{chat.id}")
    await reply(context, chat.id, said, _group_reply_to(chat, message))


def _close_survey(app: App, workspace_key: str) -> str:
    session_id = services.workspace_session(app.uow, workspace_key)
    if session_id is None:
        return text("tg.report_none")
    survey = services.close_survey(app.uow, session_id)
    if survey is None:
        return text("survey.none_to_close")
    return text("survey.closed_now", code=survey.code, responses=survey.responses)


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
        shared(context).remember_owner(chat.id, sent.message_id, user)


async def _forget(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User) -> None:
    """Delete once the person's turns in flight (in any chat) have ended, holding new ones.

    Otherwise a turn still in Rasa (a long file analysis in a group) would write their
    events and answers back after the deletion, and the counts reported would be wrong.
    """
    state = shared(context)
    try:
        async with state.turns.alone(user.id, IN_FLIGHT_WAIT_S) as idle:
            if not idle:
                log.warning("deleting a person's data while a turn of theirs is still running")
            removed = await asyncio.to_thread(
                services.forget_person, state.app.uow, CHANNEL, str(user.id)
            )
            # Files sent in the private chat are the person's; a group's belong to the group.
            files = await asyncio.to_thread(
                remove_uploads, state.settings.uploads_dir / str(user.id)
            )
            person = pseudonym(state.settings.secret_key, CHANNEL, user.id)
            await asyncio.to_thread(services.stop_survey_taking, state.app.uow, person)
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


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on an inline button: close the keyboard, send its payload as the presser."""
    query = update.callback_query
    if query is None:
        return
    state = shared(context)
    message = query.message if isinstance(query.message, Message) else None
    chat, user = message.chat if message else None, query.from_user
    if chat is None or message is None:
        await query.answer(text("tg.button_expired"))
        return
    owner = state.owner_of(chat.id, message.message_id)
    if owner is not None and owner[0] != user.id:
        await query.answer(text("tg.not_your_question", name=owner[1]), show_alert=True)
        return
    data = query.data or ""
    payload = state.payload_of(data)
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
    if payload.startswith(LANGUAGE_BUTTON):
        language = payload.removeprefix(LANGUAGE_BUTTON)
        if language in state.settings.chat_languages:
            await switch_language(context, chat, user, language, reply_to)
        return
    person = await survey_taker(context, chat, user)
    answered = await converse(
        context, chat, user, payload, reply_to=reply_to, person=person,
        shown=_title_of(message, data),
    )  # fmt: skip
    if not answered:  # asked to send it again: with the buttons it was sent with
        await _reopen_keyboard(query, message)


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


async def _reopen_keyboard(query: CallbackQuery, message: Message) -> None:
    """The question as it was before the press, buttons and all (the turn failed)."""
    try:
        await query.edit_message_text(
            message.text_html, parse_mode=ParseMode.HTML, reply_markup=message.reply_markup
        )
    except TelegramError:
        with suppress(TelegramError):
            await query.edit_message_reply_markup(message.reply_markup)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A helpdesk export or survey results file: download it, then let the dialogue read it."""
    chat, user, message = _where(update)
    state = shared(context)
    document = message.document
    if document is None:
        return
    if addressed(context, chat, message, message.caption or "") is None:
        return
    reply_to = _group_reply_to(chat, message)
    name = document.file_name or text("tg.file_unnamed")
    uploads = ChatUploads.of(state.settings, chat.id)
    refusal = uploads.refusal(name, document.file_size)
    if refusal is not None:
        await reply(context, chat.id, refusal, reply_to)
        return
    used = await asyncio.to_thread(uploads.used_bytes)
    if used + (document.file_size or 0) > uploads.quota_bytes:
        await reply(context, chat.id, uploads.over_quota(used), reply_to)
        return
    await reply(context, chat.id, text("tg.file_received", name=name), reply_to)
    relative = uploads.new_path(name)
    async with state.turns.turn(user.id):  # from the download on, this is the person's turn
        try:
            async with typing(context, chat.id):
                await uploads.download(context.bot, document.file_id, relative)
        except (TelegramError, OSError) as error:
            log.warning("download of an upload failed: %s", error)
            await reply(
                context, chat.id, text("tg.file_download_failed", name=name, error=error), reply_to
            )
            return
        if not uploads.keep_within_quota(relative, used):
            await reply(context, chat.id, uploads.over_quota(used), reply_to)
            return
        payload = "/upload_file" + json.dumps({"file_path": relative.as_posix()})
        await converse(context, chat, user, payload, reply_to=reply_to, shown=name)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice...: say what the bot can read (in groups only when addressed)."""
    chat, _user, message = _where(update)
    if chat.type != ChatType.PRIVATE and not is_reply_to(message, context.bot.id):
        return
    await reply(context, chat.id, text("tg.only_text"), _group_reply_to(chat, message))


async def on_added_to_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Introduce the bot, and how a group talks to it, when someone adds it."""
    chat, _user, message = _where(update)
    if not any(member.id == context.bot.id for member in message.new_chat_members):
        return
    intro = help_for_commands() + "\n\n" + text("tg.help_group", bot=shared(context).bot_username)
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
    settings: Settings,
    app: App,
    rasa: AsyncRasaClient,
    rasa_retry_s: float = 60.0,
    request: BaseRequest | None = None,
) -> Application:  # type: ignore[type-arg]
    """The PTB application with every handler: the one place the adapter is wired.

    `request` replaces PTB's HTTP client for every Bot API call (tests answer in memory).
    """
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .updater(None)
        .rate_limiter(RetryingLimiter())
    )
    if request is None:
        builder = builder.connect_timeout(10).read_timeout(30).get_updates_read_timeout(40)
    else:
        builder = builder.request(request).get_updates_request(request)
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(_file_base(base))
    application = builder.build()
    keyboards = keyboard_memory(settings.redis_url)
    attach_state(application, SharedState(rasa, app, settings, rasa_retry_s, keyboards=keyboards))
    for command, handler in (
        ("start", on_start),
        ("help", on_help),
        ("cancel", on_cancel),
        ("report", on_report),
        ("status", on_status),
        ("close_survey", on_close_survey),
        ("language", on_language),
        ("delete_me", on_delete_me),
        ("name_me", on_name_me),
    ):
        application.add_handler(CommandHandler(command, speaking(handler)))
    add_facilitation_handlers(application, speaking)  # before the generic command and buttons
    message = filters.UpdateType.MESSAGE
    for wanted, handler in (
        (filters.COMMAND, on_unknown_command),
        (message & filters.TEXT & ~filters.COMMAND, on_text),
        (message & filters.Document.ALL, on_document),
        (filters.StatusUpdate.NEW_CHAT_MEMBERS, on_added_to_group),
        (message & ~filters.StatusUpdate.ALL, on_other),
    ):
        application.add_handler(MessageHandler(wanted, speaking(handler)))
    application.add_handler(CallbackQueryHandler(speaking(on_button)))
    application.add_error_handler(speaking(on_error))
    return application


def _file_base(api_base: str) -> str:
    """Where files are downloaded from: `.../bot` becomes `.../file/bot`, as Telegram's are."""
    head, sep, _tail = api_base.rpartition("/bot")
    return f"{head}/file/bot" if sep else api_base + "/file/bot"


async def prepare(application: Application) -> None:  # type: ignore[type-arg]
    """Initialise, learn the bot's name, and register the commands for Telegram's menu.

    The menu is in the deployment's language, and in each other language the bot
    speaks for the Telegram apps set to it.
    """
    await application.initialize()
    state = shared(application)
    state.bot_username = application.bot.username or ""
    default = state.settings.language
    others = sorted(lang for lang in available() if len(lang) == 2 and lang != default)
    try:
        for language in (None, *others):
            with use_language(language or default):
                menu = [BotCommand(name, about) for name, about in commands()]
            await application.bot.set_my_commands(menu, language_code=language)
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
    # One Rasa server per language the teams may talk in (see `telegram_language`).
    rasa = async_rasa_router(settings)
    application = build_application(settings, app, rasa, settings.rasa_retry_s)
    stop = stop or asyncio.Event()
    ticker: asyncio.Task[None] | None = None
    try:
        try:
            await prepare(application)
        except InvalidToken as error:
            raise TelegramUnavailable(text("tg.token_refused")) from error
        except TelegramError as error:
            where = settings.telegram_api_base_url or "api.telegram.org"
            raise TelegramUnavailable(
                text("tg.api_unreachable", where=where, error=error)
            ) from error
        mode = text("tg.mode_webhook" if settings.telegram_webhook_url else "tg.mode_polling")
        progress(text("tg.serving", bot=shared(application).bot_username, mode=mode))
        ticker = start_ticker(application)  # facilitated sessions' timers, from the database
        # The application's own handler errors go to on_error; repeats are skipped.
        process = once_only(application.process_update, app.uow, str(application.bot.id))
        if settings.telegram_webhook_url:
            await serve_webhook(application.bot, process, settings, stop)
        else:
            await poll(application.bot, process, stop)
    finally:
        if ticker is not None:
            ticker.cancel()
        with suppress(Exception):
            await application.shutdown()
        await rasa.close()
