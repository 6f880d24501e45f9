"""Limits on what a person can send, checked before anything reaches Rasa."""

from __future__ import annotations

from bot.core.errors import MotError
from bot.core.texts import text

MAX_MESSAGE_CHARS = 4000


class MessageTooLong(MotError):
    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(text("message_too_long", length=length, limit=MAX_MESSAGE_CHARS))


def check_message(said: str) -> str:
    """The message without surrounding blanks, or MessageTooLong."""
    cleaned = said.strip()
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise MessageTooLong(len(cleaned))
    return cleaned
