"""Limits on what a person can send, checked before anything reaches the engine."""

from __future__ import annotations

from bot.core.errors import MotError

MAX_MESSAGE_CHARS = 4000


class MessageTooLong(MotError):
    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            f"That message is {length} characters long; please keep it under "
            f"{MAX_MESSAGE_CHARS} (split it into several messages if you need to)."
        )


def check_message(text: str) -> str:
    """The message without surrounding blanks, or MessageTooLong."""
    cleaned = text.strip()
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise MessageTooLong(len(cleaned))
    return cleaned
