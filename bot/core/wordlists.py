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

Besides words, a file holds the names of the moments (`[moments]`, name -> code),
the places of a listed group (`[ordinals]`, "second" -> 2) and `[patterns]`:
regular expressions for answers a word list cannot describe ("that's all",
"skip this moment", an agenda's "skip competitor"), one list per name in `PATTERNS`; each
language's expressions are alternatives of one pattern, so the code decides how
it is matched (whole answer or anywhere) and no language's words are in the code.

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

# The patterns a file may hold, and what each recognises (the code says how it is matched).
PATTERNS: dict[str, str] = {
    "no_more": "no further moment of the team's own ('no', 'that's all'): the whole answer",
    "own_yes": "a bare yes to 'is there another moment?' (it names none): the whole answer",
    "skip_moment": "'skip this moment', 'we have no such moment': the whole answer",
    "hesitation": "'hm', 'no idea', 'what do you mean?': the whole answer",
    "glory": "a story told as the team's strength, anywhere in the answer",
    "pain": "a story told as a pain, anywhere in the answer",
    "mixed": "a story that is both ('depends'), anywhere in the answer",
    "planning": "a product still being planned, anywhere in the answer (checked first)",
    "live": "a product on the market, anywhere in the answer",
    "request": "a customer asking for something ('please', 'I wish'), anywhere in a quote",
    "confirmed": "an answer that only confirms what the bot read ('yes', 'that matches'): "
    "the whole answer",
    "rating_lead": "words before a rating's number ('about', 'I'd say'), repeated",
    "rating_of": "what separates a rating from its scale ('/', 'out of')",
    "rating_unit": "what follows a rating ('points', 'stars')",
    "lower_first": "a first word written in lower case inside a sentence (the whole word, "
    "lower-cased); only the conversation's own language's are used: see `own_pattern`",
    "method_team": "the team knowledge method named, anywhere in the answer",
    "method_records": "the service records method named, anywhere in the answer",
    "method_competitor": "the competitor walk-through named, anywhere in the answer",
    "method_survey": "the customer survey named, anywhere in the answer",
    "and": "'and' between two parts of one answer (a column correction's parts), a whole word",
    # The facilitator's reply to the agenda (bot/core/facilitation.py, `edit_agenda`).
    "agenda_then": "words between two agenda items besides ',', ';' and 'and' ('then')",
    "agenda_drop": "a phase left out, before its name ('skip', 'ohne'): the item's start",
    "agenda_dropped": "a phase left out, after its name ('out', 'weglassen'): the item's end",
    "agenda_first": "a phase moved to the start ('first', 'zuerst'), anywhere in the item",
    "agenda_last": "a phase moved to the end, before the vote ('last'), anywhere in the item",
    "agenda_vote": "the vote phase named ('vote', 'Abstimmung'), anywhere; before the methods",
    "vote_unit": "what follows the number of votes each member has ('5 votes', '5 Stimmen')",
    "vote_budget": "what precedes that number ('budget 5')",
    "vote_each": "what says a number of votes is per member ('votes 5 each', 'pro Person')",
    "vote_open": "a vote shown by name ('open vote'), anywhere in the item",
    "vote_secret": "an anonymous vote ('secret', 'geheim'), anywhere in the item",
    "minutes_unit": "what follows a phase's minutes ('15 min', '15 Minuten')",
    "hours_unit": "what follows a phase's time in hours ('1 h', '1 Stunde')",
    # Correcting what the bot read from a file (bot/core/corrections.py).
    "group_number": "words before a listed group's number ('group 2', 'Gruppe 2')",
    "group_noun": "words after a group's place ('the second group'; places are [ordinals])",
    "group_link": "words between a group and where it belongs ('are really about'), repeated",
    "column_number": "words before a column's number ('column 4', 'Spalte 4')",
    "column_link": "words around a column's name ('is', 'steht in'), repeated",
    "column_nps": "the NPS column named, anywhere (matched on the answer lower-cased only)",
    "column_csat": "the CSAT column named, anywhere (lower-cased only)",
    "column_text": "the open comments column named, anywhere (lower-cased only)",
    "no_comment": "a survey comment that says nothing ('n/a', 'k.A.'): the whole comment",
    # The product questions (bot/core/context.py).
    "business_both": "customers of both kinds ('both', 'beides'), anywhere: asked again",
    "business_b2b": "business customers named ('companies', 'Firmen'), anywhere",
    "business_b2c": "private customers named ('consumers', 'Privatkunden'), anywhere",
    "or": "'or' between two channels, a whole word",
    "channel_lead": "a word before a channel that is not part of it ('via', 'über')",
    **{
        f"channel_{code}": f"the whole part of a channels answer naming the {code} channel"
        for code in (
            "website",
            "mobile_app",
            "email",
            "phone",
            "physical_store",
            "sales_team",
            "marketplaces",
            "social_media",
            "chat",
            "partners",
        )
    },
}


class WordListError(ValueError):
    """An answers.toml this module cannot use; the message names the file and the problem."""


@dataclass(frozen=True)
class AnswerWords:
    yes: tuple[str, ...] = ()  # an answer starting with one of these is a yes...
    no: tuple[str, ...] = ()  # ...unless it also starts like a no
    numbers: Mapping[str, int] = field(default_factory=dict)  # "four" -> 4
    ratings: Mapping[str, int] = field(default_factory=dict)  # "poor" -> 2 on 1-5, confirmed
    # The whole answer is this, so it is taken without asking ("sehr wichtig" -> 5).
    sure_ratings: Mapping[str, int] = field(default_factory=dict)
    moments: Mapping[str, str] = field(default_factory=dict)  # "second moment" -> "smot"
    ordinals: Mapping[str, int] = field(default_factory=dict)  # "second" -> 2 (a listed group)
    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> regexes


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


def _names(data: dict[str, object], where: Path) -> Mapping[str, str]:
    table = data.get("moments", {})
    if not isinstance(table, dict) or not all(
        isinstance(v, str) and v.isalpha() for v in table.values()
    ):
        raise WordListError(f"{where}: [moments] must map names to moment codes")
    return MappingProxyType(dict(table))


def _patterns(data: dict[str, object], where: Path) -> Mapping[str, tuple[str, ...]]:
    table = data.get("patterns", {})
    if not isinstance(table, dict):
        raise WordListError(f"{where}: [patterns] must be a table")
    unknown = set(table) - set(PATTERNS)
    if unknown:
        raise WordListError(f"{where}: unknown patterns {sorted(unknown)}")
    found: dict[str, tuple[str, ...]] = {}
    for name in table:
        found[name] = _words(table, name, where)
        for expression in found[name]:
            try:
                re.compile(expression)
            except re.error as error:
                raise WordListError(f"{where}: {name}: {expression!r}: {error}") from None
    return MappingProxyType(found)


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
    unknown = set(data) - {
        "yes", "no", "numbers", "ratings", "sure_ratings", "moments", "ordinals", "patterns"
    }  # fmt: skip
    if unknown:
        raise WordListError(f"{where}: unknown lists {sorted(unknown)}")
    return AnswerWords(
        _words(data, "yes", where),
        _words(data, "no", where),
        _values(data, "numbers", where),
        _values(data, "ratings", where),
        _values(data, "sure_ratings", where),
        _names(data, where),
        _values(data, "ordinals", where),
        _patterns(data, where),
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
    sure: dict[str, int] = {}
    moments: dict[str, str] = {}
    ordinals: dict[str, int] = {}
    for words in lists:
        numbers.update({w: v for w, v in words.numbers.items() if w not in numbers})
        ratings.update({w: v for w, v in words.ratings.items() if w not in ratings})
        sure.update({w: v for w, v in words.sure_ratings.items() if w not in sure})
        moments.update({w: v for w, v in words.moments.items() if w not in moments})
        ordinals.update({w: v for w, v in words.ordinals.items() if w not in ordinals})
    patterns = {
        name: tuple(dict.fromkeys(p for words in lists for p in words.patterns.get(name, ())))
        for name in PATTERNS
    }
    return AnswerWords(
        tuple(dict.fromkeys(w for words in lists for w in words.yes)),
        tuple(dict.fromkeys(w for words in lists for w in words.no)),
        MappingProxyType(numbers),
        MappingProxyType(ratings),
        MappingProxyType(sure),
        MappingProxyType(moments),
        MappingProxyType(ordinals),
        MappingProxyType(patterns),
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


@functools.cache
def _any_of(expressions: tuple[str, ...]) -> re.Pattern[str]:
    if not expressions:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile("(?:" + "|".join(f"(?:{e})" for e in expressions) + ")")


def pattern(name: str) -> re.Pattern[str]:
    """Every language's expressions for `name` (one of `PATTERNS`) as one alternative group.

    The caller matches it as `PATTERNS` says: `fullmatch` for a whole answer,
    `search` with its own word boundaries for words anywhere.
    """
    if name not in PATTERNS:
        raise KeyError(name)
    return _any_of(understood().patterns.get(name, ()))


@functools.cache
def _bounded(expressions: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"\b{_any_of(expressions).pattern}\b")


def anywhere(name: str) -> re.Pattern[str]:
    """`pattern(name)` as whole words, to `search` for anywhere in an answer."""
    pattern(name)  # an unknown name is a KeyError here too
    return _bounded(understood().patterns.get(name, ()))


def own_pattern(name: str) -> re.Pattern[str] | None:
    """`pattern(name)` from the conversation's own language alone (None: it has none).

    For rules that would contradict each other across languages: an English first
    word is lower-cased inside a sentence, a German noun never is.
    """
    if name not in PATTERNS:
        raise KeyError(name)
    language = current_language()
    for code in dict.fromkeys((language, language.partition("_")[0])):
        expressions = load(code).patterns.get(name, ())
        if expressions:
            return _any_of(expressions)
    return None


def clear_cache() -> None:
    """Read the word lists afresh on next use (tests that change them)."""
    load.cache_clear()
    _languages.cache_clear()
    _understood.cache_clear()
    _any_of.cache_clear()
    _bounded.cache_clear()
