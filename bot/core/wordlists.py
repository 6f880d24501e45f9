"""The words people answer with instead of buttons, per language: yes, no, numbers, ratings.

Each language lists its words in `bot/locale/<language>/answers.toml`, so adding
a language's words is a data change, like adding its messages.

Why a data file of its own and not the message catalogue: these are recognition
data, not messages. A catalogue entry is one text that *replaces* English in
another language; a word list *adds* to what is understood (a "yes" or a "4/5"
typed into a German chat must still count), and it maps words to numbers, which
a msgstr could only carry as prose for the code to parse. So every language's
words are understood in every conversation, the conversation's own language
first (it decides between two rating words of the same length), then English,
then the others.

Words are written as `bot.core.tickets.normalise` leaves an answer: lower case,
umlauts as ae/oe/ue, ß as ss. Files are read on first use, never at import.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.core import catalogue
from bot.core.catalogue import DEFAULT_LANGUAGE
from bot.core.texts import current_language

FILE_NAME = "answers.toml"


class WordListError(ValueError):
    """An answers.toml this module cannot use; the message names the file and the problem."""


@dataclass(frozen=True)
class AnswerWords:
    yes: tuple[str, ...] = ()  # an answer starting with one of these is a yes...
    no: tuple[str, ...] = ()  # ...unless it also starts like a no
    numbers: Mapping[str, int] = field(default_factory=dict)  # "four" -> 4
    ratings: Mapping[str, int] = field(default_factory=dict)  # "poor" -> 2 on 1-5, confirmed


def path_for(language: str) -> Path:
    return catalogue.LOCALE_DIR / language / FILE_NAME


def _words(data: dict[str, object], name: str, where: Path) -> tuple[str, ...]:
    words = data.get(name, [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise WordListError(f"{where}: {name} must be a list of words")
    return tuple(words)


def _values(data: dict[str, object], name: str, where: Path) -> Mapping[str, int]:
    table = data.get(name, {})
    if not isinstance(table, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in table.values()
    ):
        raise WordListError(f"{where}: [{name}] must map words to whole numbers")
    return MappingProxyType(dict(table))


@functools.cache
def load(language: str) -> AnswerWords:
    """One language's words (none when it has no answers.toml)."""
    where = path_for(language)
    if not catalogue.LANGUAGE.fullmatch(language) or not where.is_file():
        return AnswerWords()
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise WordListError(f"{where}: {error}") from None
    unknown = set(data) - {"yes", "no", "numbers", "ratings"}
    if unknown:
        raise WordListError(f"{where}: unknown lists {sorted(unknown)}")
    return AnswerWords(
        _words(data, "yes", where),
        _words(data, "no", where),
        _values(data, "numbers", where),
        _values(data, "ratings", where),
    )


@functools.cache
def _languages() -> tuple[str, ...]:
    folder = catalogue.LOCALE_DIR
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            f.name
            for f in folder.iterdir()
            if catalogue.LANGUAGE.fullmatch(f.name) and path_for(f.name).is_file()
        )
    )


@functools.cache
def _understood(language: str) -> AnswerWords:
    first = (language, language.partition("_")[0], DEFAULT_LANGUAGE)
    order = list(dict.fromkeys((*first, *_languages())))
    lists = [load(name) for name in order]
    numbers: dict[str, int] = {}
    ratings: dict[str, int] = {}
    for words in lists:
        numbers.update({w: v for w, v in words.numbers.items() if w not in numbers})
        ratings.update({w: v for w, v in words.ratings.items() if w not in ratings})
    return AnswerWords(
        tuple(dict.fromkeys(w for words in lists for w in words.yes)),
        tuple(dict.fromkeys(w for words in lists for w in words.no)),
        MappingProxyType(numbers),
        MappingProxyType(ratings),
    )


def understood() -> AnswerWords:
    """Every language's words, the conversation's own first (see the module docstring)."""
    return _understood(current_language())


@functools.cache
def _starts_with(words: tuple[str, ...]) -> re.Pattern[str]:
    if not words:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(r"^(" + "|".join(re.escape(w) for w in words) + r")\b")


def yes_pattern() -> re.Pattern[str]:
    """An answer that starts with a yes word."""
    return _starts_with(understood().yes)


def no_pattern() -> re.Pattern[str]:
    """An answer that starts with a no word."""
    return _starts_with(understood().no)


def clear_cache() -> None:
    """Read the word lists afresh on next use (tests that change them)."""
    load.cache_clear()
    _languages.cache_clear()
    _understood.cache_clear()
