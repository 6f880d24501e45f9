"""Pure helpers for the Telegram front-end: splitting, escaping, keyboards.

No python-telegram-bot imports here: the adapter turns these plain values
into its objects, and the helpers stay testable on their own.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

from bot.adapters.rest import Button
from bot.core.names import safe_file_name

__all__ = ["safe_file_name"]  # kept importable here for the adapters

TELEGRAM_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes Telegram keeps of an inline button's callback data

_BOUNDARIES = (
    re.compile(r"\n\n"),  # paragraphs
    re.compile(r"\n"),  # lines
    re.compile(r"(?<=[.!?])\s"),  # sentences
    re.compile(r"\s"),  # words
)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at the most natural boundary that fits."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = 0
        for boundary in _BOUNDARIES:
            found = [m.start() for m in boundary.finditer(window) if 0 < m.start() <= limit]
            if found:
                cut = found[-1]
                break
        if cut == 0:
            cut = limit  # one very long word: cut it
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def escape_html(text: str) -> str:
    """Text safe inside Telegram's HTML parse mode: users' words can never become markup."""
    return html.escape(text, quote=False)


def split_escaped(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Escaped pieces that each fit `limit` once escaped (escaping makes text longer)."""

    def pieces_of(raw: str, raw_limit: int) -> list[str]:
        pieces: list[str] = []
        for piece in split_message(raw, raw_limit):
            escaped = escape_html(piece)
            if len(escaped) <= limit:
                pieces.append(escaped)
            else:  # shrink in proportion to how much escaping grew this piece
                pieces.extend(pieces_of(piece, max(1, len(piece) * limit // len(escaped) - 8)))
        return pieces

    return pieces_of(text, limit)


def addressed_text(
    text: str, *, private: bool, replied_to_bot: bool, bot_username: str
) -> str | None:
    """What a message says to the bot, or None when a group member was talking to others.

    In a private chat everything is for the bot. In a group only a reply to one of
    the bot's messages or a message naming it (@bot) is; the mention is dropped.
    """
    if private:
        return text.strip()
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.IGNORECASE) if bot_username else None
    if mention and mention.search(text):
        return mention.sub("", text).strip()
    if replied_to_bot:
        return text.strip()
    return None


@dataclass(frozen=True)
class KeyboardButton:
    title: str
    callback_data: str


def callback_data(payload: str) -> str:
    """The payload itself when it fits in 64 bytes, else a stable short key for it."""
    if len(payload.encode()) <= CALLBACK_LIMIT:
        return payload
    return "k:" + hashlib.sha256(payload.encode()).hexdigest()[:32]


def keyboard(buttons: list[Button]) -> tuple[list[list[KeyboardButton]], dict[str, str]]:
    """Inline-keyboard rows for Rasa's buttons, and the long payloads behind short keys.

    Numbered choices (a 1-5 rating) share one row; other buttons get a row each.
    """
    long_payloads: dict[str, str] = {}
    converted = []
    for button in buttons:
        data = callback_data(button.payload)
        if data != button.payload:
            long_payloads[data] = button.payload
        converted.append(KeyboardButton(button.title[:64], data))
    if converted and all(b.title.isdigit() for b in converted):
        return [converted], long_payloads
    return [[b] for b in converted], long_payloads
