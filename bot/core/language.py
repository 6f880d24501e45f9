"""Which language a team talks in: chosen once per workspace, then followed by everything.

Hints differ in how much they say. The Telegram app's setting is a guess, a whole
sentence the team wrote says more, a facilitator's or anyone's `/language` settles
it. A weaker hint never overrides a firmer choice, so a German product name typed
by an English team does not switch the conversation. In a group, the first person
who speaks to the bot sets the language for everyone (the facilitator may change
it), so members see one conversation, not two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from bot.core.errors import MotError

Source = Literal["default", "client", "message", "speaker", "facilitator", "chosen"]
# How firm each kind of choice is; a hint only replaces a weaker one.
_FIRMNESS: dict[Source, int] = {
    "default": 0,
    "client": 1,
    "message": 2,
    "speaker": 2,
    "facilitator": 3,
    "chosen": 4,
}
# A sentence, not a name or a number: fewer words say too little about the language.
MIN_WORDS_TO_DETECT = 4
_WORD = re.compile(r"[^\W\d_]{2,}")

# Tells a message's language, or None when unsure (an adapter wraps a library).
Detector = Callable[[str], str | None]

# What people type after /language: codes, English, German and native names.
LANGUAGE_NAMES = {
    "en": "en", "english": "en", "englisch": "en", "eng": "en",
    "de": "de", "german": "de", "deutsch": "de", "ger": "de", "deu": "de",
}  # fmt: skip


class UnknownLanguage(MotError):
    """/language named a language the bot does not speak."""

    def __init__(self, said: str, offered: Collection[str]) -> None:
        super().__init__(said)
        self.said = said
        self.offered = tuple(offered)


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    source: Source

    def yields_to(self, source: Source) -> bool:
        """A hint of `source` may replace this choice."""
        return _FIRMNESS[source] > _FIRMNESS[self.source]


def base_language(code: str | None) -> str | None:
    """'de-AT', 'de_CH', 'DE' -> 'de'; None for nothing."""
    if not code:
        return None
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0] or None


def parse_language(said: str, offered: Collection[str]) -> str:
    """The language `/language <said>` asks for; `UnknownLanguage` when it is not offered."""
    language = LANGUAGE_NAMES.get(said.strip().lower(), base_language(said))
    if language is None or language not in offered:
        raise UnknownLanguage(said, offered)
    return language


def detectable(said: str) -> bool:
    """Whether a message is a sentence worth detecting: long enough, not a command."""
    return not said.lstrip().startswith("/") and len(_WORD.findall(said)) >= MIN_WORDS_TO_DETECT


def settle(
    stored: LanguageChoice | None,
    *,
    said: str | None,
    client_language: str | None,
    offered: Collection[str],
    fallback: str,
    detect: Detector,
    group: bool,
) -> LanguageChoice:
    """The workspace's language after this message (the stored one unless a hint beats it).

    In a private chat the app's setting is a first guess and the first real sentence
    decides. In a group the first speaker decides, by their sentence or their app.
    """
    if stored is not None and stored.language not in offered:
        stored = None  # a language this deployment no longer serves
    if stored is not None and not stored.yields_to("message"):
        return stored
    detected = detect(said) if said and detectable(said) else None
    if detected not in offered:
        detected = None
    client = base_language(client_language)
    if client not in offered:
        client = None
    if group:
        language = detected or client
        if language is None:
            return LanguageChoice(fallback, "default")
        return LanguageChoice(language, "speaker")
    if detected:
        return LanguageChoice(detected, "message")
    if stored is not None:
        return stored
    if client:
        return LanguageChoice(client, "client")
    return LanguageChoice(fallback, "default")


def facilitated(
    stored: LanguageChoice | None, facilitator_language: str | None, offered: Collection[str]
) -> LanguageChoice | None:
    """The group's language once a facilitator takes over: the one the group already
    talks, else the facilitator's app language; someone's /language choice stays."""
    if stored is not None and not stored.yields_to("facilitator"):
        return stored
    if stored is not None and stored.source != "default":
        return LanguageChoice(stored.language, "facilitator")
    language = base_language(facilitator_language)
    if language is None or language not in offered:
        return stored
    return LanguageChoice(language, "facilitator")
