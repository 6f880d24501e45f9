"""The message catalogues: one gettext .po file per language, read without gettext tools.

`bot/locale/<language>/LC_MESSAGES/messages.po` maps a message key (`msgid`,
e.g. "q.records.confirm") to its text (`msgstr`, with `{placeholders}` for
`str.format`). The core may use only the standard library, so this module
reads the subset of the format the catalogues use: `msgid` and `msgstr`,
strings continued on the following lines, C escapes, comments and flags.
Plural forms and contexts are refused with the line they are on.

As gettext does at run time, an entry with an empty `msgstr` or the `fuzzy`
flag is not a translation yet: the caller falls back to English for it.
Files are read on first use, never at import, and kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"

# A language as a folder name: "en", "de", "pt_BR", "sr_Latn". Anything else
# (it may come from a chat client) never becomes a path.
LANGUAGE = re.compile(r"[a-z]{2,3}(?:_(?:[A-Z]{2}|[A-Z][a-z]{3}))?")

_ESCAPES = {
    "\\": "\\",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"\s*')
_KEYWORD = re.compile(r"([a-z_]+(?:\[\d+\])?)\s+(.*)")


class CatalogueError(ValueError):
    """A catalogue file this reader cannot take; the message names the file and line."""


@dataclass(frozen=True)
class Entry:
    key: str
    text: str
    flags: frozenset[str] = frozenset()
    line: int = 0  # where its msgid starts

    @property
    def translated(self) -> bool:
        """Usable at run time: not empty and not marked fuzzy (gettext's rule)."""
        return bool(self.text) and "fuzzy" not in self.flags


def _unquote(literal: str, origin: str, line: int) -> str:
    match = _STRING.fullmatch(literal)
    if match is None:
        raise CatalogueError(f"{origin}:{line}: expected a quoted string, got {literal!r}")
    body, out, index = match.group(1), [], 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        escaped = body[index + 1]
        if escaped not in _ESCAPES:
            raise CatalogueError(f"{origin}:{line}: unknown escape \\{escaped}")
        out.append(_ESCAPES[escaped])
        index += 2
    return "".join(out)


def parse(source: str, origin: str = "<string>") -> list[Entry]:
    """Every entry of a .po text, the header (empty msgid) included, in file order.

    Raises CatalogueError on what the reader does not take, and on a msgid
    that comes twice (gettext would keep one of them silently).
    """
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    flags: set[str] = set()
    parts: dict[str, list[str]] = {}
    current: str | None = None
    start = 0

    def finish() -> None:
        nonlocal current, start
        if not parts:
            return  # comments so far belong to the entry that follows
        if set(parts) != {"msgid", "msgstr"}:
            missing = "msgstr" if "msgid" in parts else "msgid"
            raise CatalogueError(f"{origin}:{start}: an entry without {missing}")
        key = "".join(parts["msgid"])
        if key in seen:
            raise CatalogueError(
                f"{origin}:{start}: msgid {key!r} again (first on line {seen[key]})"
            )
        seen[key] = start
        entries.append(Entry(key, "".join(parts["msgstr"]), frozenset(flags), start))
        parts.clear()
        flags.clear()
        current = None

    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue  # an obsolete entry, kept by the tools for reference only
        elif line.startswith("#"):
            if parts:
                finish()
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith('"'):
            if current is None:
                raise CatalogueError(f"{origin}:{number}: a string outside msgid or msgstr")
            parts[current].append(_unquote(line, origin, number))
        else:
            match = _KEYWORD.fullmatch(line)
            keyword = match.group(1) if match else line.split()[0]
            if match is None or keyword not in ("msgid", "msgstr"):
                raise CatalogueError(f"{origin}:{number}: {keyword} is not supported here")
            if keyword == "msgid":
                finish()
                start = number
            elif "msgid" not in parts or "msgstr" in parts:
                raise CatalogueError(f"{origin}:{number}: msgstr without its msgid")
            current = keyword
            parts[keyword] = [_unquote(match.group(2), origin, number)]
    finish()
    return entries


def messages(entries: list[Entry]) -> dict[str, str]:
    """Key -> text of the usable entries (no header, nothing empty or fuzzy)."""
    return {e.key: e.text for e in entries if e.key and e.translated}


def path_for(language: str) -> Path:
    """Where a language's catalogue lives (whether or not it exists)."""
    if not LANGUAGE.fullmatch(language):
        raise ValueError(f"not a language code: {language!r}")
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def available() -> frozenset[str]:
    """The languages that have a catalogue file."""
    if not LOCALE_DIR.is_dir():
        return frozenset()
    return frozenset(
        folder.name
        for folder in LOCALE_DIR.iterdir()
        if LANGUAGE.fullmatch(folder.name) and path_for(folder.name).is_file()
    )


def load(language: str) -> Mapping[str, str]:
    """A language's messages; empty when it has no catalogue."""
    if language not in available():
        return MappingProxyType({})
    return _read(language)


@functools.cache
def _read(language: str) -> Mapping[str, str]:
    path = path_for(language)
    return MappingProxyType(messages(parse(path.read_text(encoding="utf-8"), str(path))))


def clear_cache() -> None:
    """Read the catalogues afresh on next use (after a catalogue changed; tests)."""
    available.cache_clear()
    _read.cache_clear()
