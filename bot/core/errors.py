"""Named errors of the core; the edges (actions, CLI, Telegram) turn them into replies."""

from __future__ import annotations

from bot.core.texts import Part, render, text


class MotError(Exception):
    """Base of every error the core raises on purpose."""


class UnknownCode(MotError):
    def __init__(self, kind: str, value: str, allowed: list[str]) -> None:
        self.kind = kind
        self.value = value
        self.allowed = allowed
        super().__init__(f"unknown {kind} {value!r}; expected one of: {', '.join(allowed)}")


class UnclearAnswer(MotError):
    """An answer the bot could not read; `hint` says what a good answer looks like."""

    def __init__(self, question: str, answer: str, hint: Part) -> None:
        self.question = question
        self.answer = answer
        self.hint = hint  # said to the person, in their language, by the edge
        super().__init__(f"unclear answer to {question}: {answer!r} ({render(hint)})")


class SessionNotFound(MotError):
    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(text("error.no_session", ref=repr(ref)))  # mot prints it


class SurveyNotFound(MotError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"no open survey {code!r}")


class StorageError(MotError):
    """Storing or reading the team's data failed (a locked or broken database).

    The one error the services raise for storage trouble, whatever the database,
    so each edge translates it once; the original error is chained (`from`).
    """
