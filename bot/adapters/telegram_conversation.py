"""One turn with Rasa as Telegram shows it: typing, waiting out a Rasa that is down, the answers.

Handlers decide what a person said; this module sends it to Rasa under the right
sender (`tg:<chat>:<user>`, or a survey taker's anonymous one) and turns Rasa's
answers into escaped, split messages with inline keyboards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from telegram import (
    Bot,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import services
from bot.adapters.rest import BotMessage, RasaUnavailable, RasaUnreachable
from bot.adapters.telegram_render import report_document
from bot.adapters.telegram_state import shared
from bot.adapters.telegram_text import addressed_text, keyboard, split_escaped
from bot.core.identity import anonymous_sender, pseudonym, sender_for
from bot.core.texts import current_language, text

log = logging.getLogger(__name__)

CHANNEL = "tg"
TYPING_EVERY_S = 4.0  # Telegram shows "typing" for 5 s


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


def addressed(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, message: Message, said: str
) -> str | None:
    """What the message says to the bot; None for group talk not meant for it."""
    return addressed_text(
        said,
        private=chat.type == ChatType.PRIVATE,
        replied_to_bot=is_reply_to(message, context.bot.id),
        bot_username=shared(context).bot_username,
    )


def is_reply_to(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


async def reply(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    said: str,
    reply_to: int | None = None,
    buttons: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send our own text (escaped, split); the keyboard goes with the last piece."""
    return await post(context.bot, chat_id, said, reply_to, buttons)


async def post(
    bot: Bot,
    chat_id: int,
    said: str,
    reply_to: int | None = None,
    buttons: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """`reply` without a handler's context (e.g. the facilitation ticker's nudges)."""
    last = None
    pieces = split_escaped(said) or ["…"]
    for number, piece in enumerate(pieces):
        last = await bot.send_message(
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
    """One of Rasa's answers; in a group its keyboard is remembered as `user`'s."""
    state = shared(context)
    rows, long_payloads = keyboard(message.buttons)
    state.remember_payloads(long_payloads)
    markup = None
    if rows:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.title, callback_data=b.callback_data) for b in row]
             for row in rows]
        )  # fmt: skip
    sent = await reply(context, chat.id, message.text, reply_to, markup)
    if markup is not None and sent is not None and chat.type != ChatType.PRIVATE:
        state.remember_owner(chat.id, sent.message_id, user)


async def ask_rasa(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    sender: str,
    said: str,
    metadata: dict[str, Any],
    reply_to: int | None,
) -> list[BotMessage] | None:
    """Rasa's answer; while Rasa is down, apologise once and keep retrying for a while."""
    state = shared(context)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + state.rasa_retry_s
    delay, apologised = 1.0, False
    while True:
        try:
            return await state.rasa.send(sender, said, metadata)
        except RasaUnreachable as error:
            log.warning("Rasa unreachable for chat %s: %s", chat.id, error)
            if loop.time() + delay > deadline:
                return None
            if not apologised:
                await reply(context, chat.id, text("tg.rasa_retrying"), reply_to)
                apologised = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)
        except RasaUnavailable as error:  # reached, then failed: never sent twice
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
) -> bool:
    """One turn with Rasa: send what the person said, show what Rasa answers.

    `person` is a survey taker's pseudonym: the turn then goes to their anonymous
    sender, with neither their user id nor their name. False when Rasa gave no
    answer (it was down, or an action failed) and the person was asked to send it again.
    """
    state = shared(context)
    # The actions answer in the language this turn speaks (see `telegram.speaking`).
    metadata: dict[str, Any] = {"bot_username": state.bot_username, "language": current_language()}
    if person is None:
        metadata["display_name"] = user.full_name
        sender = sender_for(CHANNEL, chat.id, user.id)
    else:
        sender = anonymous_sender(person)
    async with state.turns.turn(user.id):
        async with typing(context, chat.id):
            answers = await ask_rasa(context, chat, sender, said, metadata, reply_to)
        if answers is None:
            quoted = shown if shown is not None else said
            quoted = quoted if len(quoted) <= 60 else quoted[:57] + "..."
            await reply(context, chat.id, text("tg.rasa_failed", said=quoted), reply_to)
            return False
        answered = False
        for answer in answers:
            if answer.custom:
                answered |= await follow_instruction(context, chat, answer.custom, reply_to, person)
            if answer.text or answer.buttons:  # a custom payload is never shown as text
                await send_bot_message(context, chat, user, answer, reply_to)
                answered = True
        if not answered:
            await reply(context, chat.id, text("tg.rasa_silent"), reply_to)
        return answered


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
    state = shared(context)
    if custom.get("survey_finished") and person is not None:
        await asyncio.to_thread(services.stop_survey_taking, state.app.uow, person)
    if custom.get("report") and person is None:
        await send_report(context, chat, reply_to)
        return True
    return False


async def survey_taker(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User) -> str | None:
    """The pseudonym of a private chat's user while they answer a survey, else None."""
    if chat.type != ChatType.PRIVATE:
        return None
    state = shared(context)
    person = pseudonym(state.settings.secret_key, CHANNEL, user.id)
    code = await asyncio.to_thread(services.survey_taking, state.app.uow, person)
    return person if code else None


async def send_report(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    reply_to: int | None,
    fmt: str = "pdf",
    anonymous: bool = False,
) -> None:
    """The chat's report document (for /report and for an action asking for it)."""
    state = shared(context)
    workspace = f"{CHANNEL}:{chat.id}"
    async with typing(context, chat.id):
        document = await asyncio.to_thread(report_document, state.app, workspace, fmt, anonymous)
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
