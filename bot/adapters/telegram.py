"""The Telegram front-end: a python-telegram-bot Application in front of Rasa's REST channel.

Every message becomes a Rasa message from `tg:<chat>:<user>` (so members of a
group never share a dialogue state); Rasa's answers come back as escaped HTML,
split under Telegram's limit, with buttons as inline keyboards. Commands that
need no dialogue (/report, /status, /delete_me) go straight to `bot.services`.

Updates are acknowledged to Telegram only after they were handled: the adapter
runs its own long-polling loop (or webhook server) around
`Application.process_update` instead of PTB's Updater, which confirms updates
as soon as it has fetched them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import shutil
import warnings
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

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
from bot.app import App
from bot.config import Settings
from bot.core.identity import sender_for
from bot.core.messages import MessageTooLong, check_message
from bot.core.texts import text
from bot.report import METHOD_NAMES, RENDERERS, build_report

log = logging.getLogger(__name__)

CHANNEL = "tg"
COMMANDS = [
    ("start", "Start or continue the interview"),
    ("help", "What I can do, and how to talk to me in a group"),
    ("status", "Where the session stands"),
    ("report", "The findings as a document"),
    ("cancel", "Stop the current question"),
    ("delete_me", "Remove your personal data and answers"),
]
SURVEY_CODE = re.compile(r"[0-9a-f]{8}")
READABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx"}
FORGET, KEEP = "adapter:forget", "adapter:keep"
KEYBOARDS_REMEMBERED = 10_000
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


@dataclass
class FrontEnd:
    """Everything the handlers share, kept in `application.bot_data`."""

    engine: AsyncRestClient
    app: App
    settings: Settings
    engine_retry_s: float = 60.0
    bot_username: str = ""
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
    anonymous: bool = False,
    shown: str | None = None,
) -> None:
    """One turn with Rasa: send what the person said, show what Rasa answers."""
    fe = front_end(context)
    metadata: dict[str, Any] = {"bot_username": fe.bot_username}
    if not anonymous:
        metadata["display_name"] = user.full_name
    sender = sender_for(CHANNEL, chat.id, user.id)
    async with typing(context, chat.id):
        answers = await ask_engine(context, chat, sender, said, metadata, reply_to)
    if answers is None:
        quoted = shown if shown is not None else said
        quoted = quoted if len(quoted) <= 60 else quoted[:57] + "..."
        await reply(context, chat.id, text("tg.engine_failed", said=quoted), reply_to)
        return
    answers = [a for a in answers if a.text or a.buttons]
    if not answers:
        await reply(context, chat.id, text("tg.engine_silent"), reply_to)
        return
    for answer in answers:
        await send_bot_message(context, chat, user, answer, reply_to)


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
    await converse(context, chat, user, said, reply_to=reply_to)


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
        payload = "/answer_survey" + json.dumps({"survey_code": code})
        await converse(context, chat, user, payload, reply_to=reply_to, anonymous=True,
                       shown=f"/start {code}")  # fmt: skip
        return
    await converse(context, chat, user, "/greet", reply_to=reply_to, shown="/start")


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user, message = _where(update)
    reply_to = _group_reply_to(chat, message)
    help_text = text("tg.help")
    if chat.type != ChatType.PRIVATE:
        help_text += "\n\n" + text("tg.help_group", bot=front_end(context).bot_username)
    await reply(context, chat.id, help_text, reply_to)
    await converse(context, chat, user, "/help", reply_to=reply_to, shown="/help")


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user, message = _where(update)
    await converse(context, chat, user, "/cancel", reply_to=_group_reply_to(chat, message))


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The chat's findings as a Markdown document (this chat's session only)."""
    chat, _user, message = _where(update)
    fe = front_end(context)
    reply_to = _group_reply_to(chat, message)
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
    session_id = services.workspace_session(app.uow, workspace_key)
    if session_id is None:
        return text("tg.report_none")
    findings = services.findings(app.uow, session_id)
    context = findings.session.context
    product = context.product_name if context else "your product"
    if not findings.moments:
        return text("tg.report_empty", product=product)
    content = RENDERERS["md"](build_report(findings)).encode()
    slug = safe_file_name(product).lower()
    caption = text("tg.report_caption", product=product, count=len(findings.moments))
    return f"moments-of-truth-{slug}.md", content, caption


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
    fe = front_end(context)
    try:
        removed = await asyncio.to_thread(services.forget_person, fe.app.uow, CHANNEL, str(user.id))
        # Files sent in the private chat are the person's; a group's belong to the group.
        files = await asyncio.to_thread(_remove_uploads, fe.settings.uploads_dir / str(user.id))
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
    await converse(context, chat, user, payload, reply_to=reply_to, shown=_title_of(message, data))


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
    await reply(context, chat.id, text("tg.file_received", name=name), reply_to)
    relative = Path(str(chat.id)) / f"{secrets.token_hex(4)}-{safe_file_name(name)}"
    target = fe.settings.uploads_dir / relative
    try:
        async with typing(context, chat.id):
            target.parent.mkdir(parents=True, exist_ok=True)
            telegram_file = await context.bot.get_file(document.file_id)
            await telegram_file.download_to_drive(target)
    except (TelegramError, OSError) as error:
        log.warning("download of an upload failed: %s", error)
        await reply(
            context, chat.id, text("tg.file_download_failed", name=name, error=error), reply_to
        )
        return
    payload = "/upload_file" + json.dumps({"file_path": relative.as_posix()})
    await converse(context, chat, user, payload, reply_to=reply_to, shown=name)


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
    intro = text("tg.help") + "\n\n" + text("tg.help_group", bot=front_end(context).bot_username)
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
    await application.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])


async def handle_batch(application: Application, updates: list[Update]) -> None:  # type: ignore[type-arg]
    """Handle a batch: each chat's updates in order, different chats side by side."""
    by_chat: dict[int, list[Update]] = defaultdict(list)
    for update in updates:
        chat = update.effective_chat
        by_chat[chat.id if chat else 0].append(update)

    async def one_chat(chat_updates: list[Update]) -> None:
        for update in chat_updates:
            await application.process_update(update)  # errors go to on_error

    await asyncio.gather(*(one_chat(u) for u in by_chat.values()))


async def poll(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    timeout: int = 25,
) -> None:
    """Long polling that confirms updates to Telegram only once they were handled.

    Telegram forgets an update when `getUpdates` is called with a higher offset,
    so the offset moves past a batch only after the whole batch was processed:
    an adapter stopped halfway gets the same updates again when it restarts.
    """
    offset: int | None = None
    await application.bot.delete_webhook()
    stopping = asyncio.create_task(stop.wait())
    while not stop.is_set():
        fetch = asyncio.create_task(
            application.bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=["message", "callback_query"]
            )
        )
        await asyncio.wait([fetch, stopping], return_when=asyncio.FIRST_COMPLETED)
        if not fetch.done():  # stopped while waiting for updates: nothing is half-handled
            fetch.cancel()
            with suppress(asyncio.CancelledError, TelegramError):
                await fetch
            break
        try:
            updates = fetch.result()
        except TelegramError as error:
            log.warning("getUpdates failed: %s", error)
            await _sleep_or_stop(stop, 2)
            continue
        if updates:
            await handle_batch(application, list(updates))
            offset = updates[-1].update_id + 1
    stopping.cancel()
    if offset is not None:
        # Confirm the last batch so a restart does not handle it twice.
        with suppress(TelegramError):
            await application.bot.get_updates(offset=offset, timeout=0, limit=1)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
    stop: asyncio.Event,
) -> None:
    """Webhook mode for servers: Telegram POSTs updates; we answer 200 after handling them.

    A deliberately small HTTP/1.1 server (asyncio streams): one JSON POST per
    request, checked against the secret token Telegram echoes in a header.
    """
    assert settings.telegram_webhook_url
    secret = settings.telegram_webhook_secret or secrets.token_urlsafe(24)
    path = "/" + settings.telegram_webhook_url.split("://", 1)[-1].partition("/")[2]
    host, _, port = settings.telegram_webhook_listen.rpartition(":")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status = await _webhook_request(application, reader, path, secret)
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        with suppress(ConnectionError):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, host or "0.0.0.0", int(port))
    await application.bot.set_webhook(
        settings.telegram_webhook_url,
        secret_token=secret,
        allowed_updates=["message", "callback_query"],
    )
    log.info("Webhook listening on %s", settings.telegram_webhook_listen)
    async with server:
        await stop.wait()


async def _webhook_request(
    application: Application,  # type: ignore[type-arg]
    reader: asyncio.StreamReader,
    path: str,
    secret: str,
) -> str:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in header_lines if line)
        }
        length = int(headers.get("content-length", "0"))
        if length > 10_000_000:
            return "413 Payload Too Large"
        body = await asyncio.wait_for(reader.readexactly(length), 10)
    except (TimeoutError, asyncio.IncompleteReadError, ValueError, asyncio.LimitOverrunError):
        return "400 Bad Request"
    if method != "POST" or target.split("?")[0] != path:
        return "404 Not Found"
    if not secrets.compare_digest(headers.get("x-telegram-bot-api-secret-token", ""), secret):
        return "403 Forbidden"
    try:
        update = Update.de_json(json.loads(body), application.bot)
    except (ValueError, TypeError, KeyError):
        return "400 Bad Request"
    if update is not None:
        await application.process_update(update)
    return "200 OK"


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
        if settings.telegram_webhook_url:
            await serve_webhook(application, settings, stop)
        else:
            await poll(application, stop)
    finally:
        with suppress(Exception):
            await application.shutdown()
        await engine.close()
