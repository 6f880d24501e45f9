"""A chat's language on Telegram: settled once per chat, stated once, changed with /language.

Every handler runs inside `speaking`: it settles the chat's language from what this
update tells (`bot.core.language.settle`: the app's setting, a first real sentence, a
group's first speaker), says so when that changed the language, and handles the update
in it. The language also picks the Rasa server that understands it (`AsyncLanguageRouter`).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot import services
from bot.adapters.telegram_conversation import CHANNEL, addressed, converse, reply
from bot.adapters.telegram_state import SharedState, shared
from bot.core.identity import pseudonym
from bot.core.language import (
    LanguageChoice,
    UnknownLanguage,
    base_language,
    facilitated,
    parse_language,
    settle,
)
from bot.core.texts import text, use_language
from bot.language_detection import detector

Incoming = TypeVar("Incoming")  # an Update, or anything for the error handler
Handler = Callable[[Incoming, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
LANGUAGE_BUTTON = "adapter:language:"  # + code: a /language keyboard's button
SURVEY_LINK = re.compile(r"/start(?:@\w+)?\s+([0-9a-fA-F]{8})")  # a survey's deep link


def speaking(handler: Handler[Incoming]) -> Handler[Incoming]:
    """Handle the update in its chat's language (see the module docstring)."""

    @functools.wraps(handler)
    async def in_the_chat_language(update: Incoming, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await chat_language(update, context) if isinstance(update, Update) else None
        with use_language(language or shared(context).settings.language):
            await handler(update, context)

    return in_the_chat_language


def _workspace(chat: Chat) -> str:
    return f"{CHANNEL}:{chat.id}"


def _said_to_bot(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: Chat) -> str | None:
    """The text this update says to the bot (None: a button, a file, or group chatter)."""
    message = update.message
    if message is None or not message.text:
        return None
    return addressed(context, chat, message, message.text)


async def chat_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The chat's language, settled by this update's hints (and announced when it changed)."""
    state = shared(context)
    chat, user = update.effective_chat, update.effective_user
    offered = state.settings.chat_languages
    if chat is None or user is None:
        return state.settings.language
    group = chat.type != ChatType.PRIVATE
    code = await _survey_code(update, state, chat, user)
    if code is not None:  # a customer: asked in the team's language, nothing stored
        return await survey_language(state, code, user.language_code)
    said = _said_to_bot(update, context, chat)
    # Group chatter not meant for the bot chooses nothing; a command or a button does.
    chatter = group and said is None and update.message is not None
    client = None if chatter else user.language_code

    def decide(stored: LanguageChoice | None) -> LanguageChoice:
        return settle(stored, said=said, client_language=client, offered=offered,
                      fallback=state.settings.language, detect=detector(offered),
                      group=group)  # fmt: skip

    before, after = await asyncio.to_thread(
        services.settle_language, state.app.uow, _workspace(chat), decide
    )
    if after is None:  # `decide` always answers; typed loosely for the other deciders
        return state.settings.language
    if _worth_saying(before, after, group, client, state):
        with use_language(after.language):
            key = "lang.group_set" if group else "lang.switched"
            said_now = text(key, language=text(f"lang.name.{after.language}"),
                            other=_other(after.language, offered))  # fmt: skip
            reply_to = update.message.message_id if group and update.message else None
            await reply(context, chat.id, said_now, reply_to)
    return after.language


def _worth_saying(
    before: LanguageChoice | None,
    after: LanguageChoice,
    group: bool,
    client: str | None,
    state: SharedState,
) -> bool:
    """A group hears its language once; a person hears it when a sentence changed it."""
    if len(state.settings.chat_languages) < 2 or before == after:
        return False
    if group:
        return after.source == "speaker"
    expected = before.language if before else base_language(client) or state.settings.language
    return after.source == "message" and after.language != expected


def _other(language: str, offered: tuple[str, ...]) -> str:
    """The code of the first other language, for "/language <code> switches"."""
    return next((code for code in offered if code != language), language)


def _choices(offered: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text(f"lang.native.{code}"), callback_data=LANGUAGE_BUTTON + code)
          for code in offered]]
    )  # fmt: skip


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/language` shows the chat's language with a button per language; `/language de` sets it."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    state = shared(context)
    offered = state.settings.chat_languages
    reply_to = None if chat.type == ChatType.PRIVATE else message.message_id
    asked = " ".join(context.args or []).strip()
    if not asked:
        stored = await asyncio.to_thread(
            services.workspace_language, state.app.uow, _workspace(chat)
        )
        current = stored.language if stored else state.settings.language
        names = ", ".join(f"/language {code} ({text(f'lang.native.{code}')})" for code in offered)
        said = text("lang.current", language=text(f"lang.name.{current}"), choices=names)
        await reply(context, chat.id, said, reply_to, _choices(offered))
        return
    try:
        language = parse_language(asked, offered)
    except UnknownLanguage as unknown:
        listed = ", ".join(f"/language {code}" for code in unknown.offered)
        await reply(
            context, chat.id, text("lang.unknown", said=asked[:40], choices=listed), reply_to
        )
        return
    await switch_language(context, chat, user, language, reply_to)


async def switch_language(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User, language: str, reply_to: int | None
) -> None:
    """Keep the chat's new language, say so in it, and repeat where the interview stands."""
    state = shared(context)
    chosen = LanguageChoice(language, "chosen")
    await asyncio.to_thread(
        services.settle_language, state.app.uow, _workspace(chat), lambda _: chosen
    )
    with use_language(language):
        await reply(context, chat.id, text("lang.set", language=text(f"lang.name.{language}")),
                    reply_to)  # fmt: skip
        # The open question again, in the new language (Rasa answers "where are we?").
        await converse(context, chat, user, "/where_are_we", reply_to=reply_to,
                       shown="/language")  # fmt: skip


async def facilitator_language(context: ContextTypes.DEFAULT_TYPE, user: User, chat: Chat) -> str:
    """A facilitated session's language: the group's, made the facilitator's choice (a
    group nobody chose a language for takes the facilitator's app language)."""
    state = shared(context)
    offered = state.settings.chat_languages

    def decide(stored: LanguageChoice | None) -> LanguageChoice | None:
        return facilitated(stored, user.language_code, offered)

    _, after = await asyncio.to_thread(
        services.settle_language, state.app.uow, _workspace(chat), decide
    )
    return after.language if after else state.settings.language


async def announce_session_language(
    context: ContextTypes.DEFAULT_TYPE, chat: Chat, language: str, reply_to: int | None
) -> None:
    """Once a facilitated session starts: its language, and how anyone switches it."""
    offered = shared(context).settings.chat_languages
    if len(offered) > 1:
        with use_language(language):
            said = text("lang.facilitation", language=text(f"lang.name.{language}"),
                        other=_other(language, offered))  # fmt: skip
            await reply(context, chat.id, said, reply_to)


async def survey_language(state: SharedState, code: str, client: str | None) -> str:
    """The language a customer answering a survey is asked in: the team's (the survey was
    written in it), else their app's. Never stored: nothing about a customer is kept
    under their Telegram identity."""
    offered = state.settings.chat_languages
    team = await asyncio.to_thread(services.survey_language, state.app.uow, code)
    for language in (team, base_language(client)):
        if language and language in offered:
            return language
    return state.settings.language


async def _survey_code(update: Update, state: SharedState, chat: Chat, user: User) -> str | None:
    """The survey a private chat's user is opening (`/start <code>`) or answering now."""
    if chat.type != ChatType.PRIVATE:
        return None
    said = update.message.text if update.message and update.message.text else ""
    opening = SURVEY_LINK.fullmatch(said.strip())
    if opening:
        return opening.group(1).lower()
    person = pseudonym(state.settings.secret_key, CHANNEL, user.id)
    return await asyncio.to_thread(services.survey_taking, state.app.uow, person)
