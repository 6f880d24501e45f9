"""What the bot says from code, by message key, in the current conversation's language.

The texts live in the message catalogues (`bot/locale/<language>/LC_MESSAGES/
messages.po`, read by `bot.core.catalogue`), so a new language is a data
change. English is complete; another language falls back to it key by key.
The language belongs to the conversation, not to the process: the edges
(action server, Telegram, terminal, CLI) set it with `use_language` for the
turn they handle, and `text` reads it when it is called, never at import.
Rasa's own responses (greeting, the product questions) stay in domain.yml.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from bot.core import catalogue
from bot.core.catalogue import DEFAULT_LANGUAGE

_LANGUAGE: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def normalise_language(code: str | None) -> str | None:
    """A language as the catalogues name it ("de-DE" -> "de_DE"); None when it is not one."""
    if not code:
        return None
    base, _, region = code.strip().replace("-", "_").partition("_")
    name = base.lower() + (
        "_" + (region.upper() if len(region) == 2 else region.title()) if region else ""
    )
    return name if catalogue.LANGUAGE.fullmatch(name) else None


def spoken(code: str | None) -> str | None:
    """`code` as the catalogues name it when there is a catalogue for it or its base language
    ("de-AT" with a German catalogue); None otherwise, so the caller can pick a default."""
    name = normalise_language(code)
    if name is None:
        return None
    available = catalogue.available()
    return name if name in available or name.partition("_")[0] in available else None


def current_language() -> str:
    return _LANGUAGE.get()


def set_language(code: str | None) -> Token[str]:
    """Speak `code` from now on in this context (English for None or a malformed code)."""
    return _LANGUAGE.set(normalise_language(code) or DEFAULT_LANGUAGE)


@contextmanager
def use_language(code: str | None) -> Iterator[str]:
    """Speak `code` inside the block (one conversation's turn); the language in use is yielded."""
    token = set_language(code)
    try:
        yield _LANGUAGE.get()
    finally:
        _LANGUAGE.reset(token)


def _fallbacks(language: str) -> tuple[str, ...]:
    """Where a key is looked up: "de_AT", then "de", then English."""
    return tuple(dict.fromkeys((language, language.partition("_")[0], DEFAULT_LANGUAGE)))


def text(key: str, **values: object) -> str:
    """The message `key` in the current language, its `{placeholders}` filled from `values`."""
    for language in _fallbacks(_LANGUAGE.get()):
        template = catalogue.load(language).get(key)
        if template is not None:
            return template.format(**values)
    raise KeyError(key)
