"""What the bot says from code, by message key, in the current conversation's language.

The texts live in the message catalogues (`bot/locale/<language>/LC_MESSAGES/
messages.po`, read by `bot.core.catalogue`), so a new language is a data
change. English is complete; another language falls back to it key by key.
The language belongs to the conversation, not to the process: the edges
(action server, Telegram, terminal, CLI) set it with `use_language` for the
turn they handle, and `text` reads it when it is called, never at import.
Rasa's own responses (greeting, the product questions) are message keys too:
domain.yml names them (`custom: {say: <key>}`) and `bot.adapters.rest` says them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

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


class Text:
    """Something to say, not yet in any language: rendered only at the edge, in the
    conversation's language, so the core decides *what* to say and never *how*."""

    def render(self) -> str:
        """The text in the current language (see `use_language`)."""
        raise NotImplementedError

    def __add__(self, other: Part) -> Text:
        return Joined((self, other))

    def __radd__(self, other: Part) -> Text:
        return Joined((other, self))


# A piece of a message: a catalogue message, or a value the bot does not translate
# (a number, a product name, a customer's words).
Part = Text | str | int | float


@dataclass(frozen=True, eq=True)
class Say(Text):
    """A catalogue message by key, with its parameters (themselves parts)."""

    key: str
    params: tuple[tuple[str, Part], ...] = ()

    def render(self) -> str:
        return text(self.key, **{name: render(value) for name, value in self.params})

    def param(self, name: str) -> Part | None:
        return dict(self.params).get(name)


@dataclass(frozen=True, eq=True)
class Joined(Text):
    """Parts said one after another, with `separator` between them."""

    parts: tuple[Part, ...]
    separator: str = ""

    def render(self) -> str:
        return self.separator.join(render(part) for part in self.parts)


def say(key: str, **params: Part) -> Say:
    return Say(key, tuple(params.items()))


def joined(parts: Iterable[Part], separator: str = "") -> Joined:
    return Joined(tuple(parts), separator)


def lines(*parts: Part) -> Joined:
    return Joined(parts, "\n")


def render(part: Part) -> str:
    """A part as text in the current language; values the bot does not translate as they are."""
    return part.render() if isinstance(part, Text) else str(part)


def render_in(part: Part, language: str | None) -> str:
    """`part` in `language` (a conversation's), whatever the current one is."""
    with use_language(language):
        return render(part)


def to_data(part: Part) -> object:
    """A part as JSON-friendly data, to keep in stored state and say later in any language."""
    if isinstance(part, Say):
        return {"say": part.key, "params": {name: to_data(v) for name, v in part.params}}
    if isinstance(part, Joined):
        return {"joined": [to_data(p) for p in part.parts], "separator": part.separator}
    return part


def from_data(data: object) -> Text:
    """What `to_data` gave (a plain string, from states stored before, is said as it is)."""
    return Joined((_part_from(data),))


def _part_from(data: object) -> Part:
    if isinstance(data, dict) and "say" in data:
        params = data.get("params") or {}
        return Say(str(data["say"]), tuple((str(k), _part_from(v)) for k, v in params.items()))
    if isinstance(data, dict) and "joined" in data:
        return Joined(tuple(_part_from(p) for p in data["joined"]), str(data.get("separator", "")))
    if isinstance(data, int | float | str):
        return data
    return str(data)
