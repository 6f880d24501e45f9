"""Reading interview answers: ratings, yes/no, and moments named in the team's own words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.errors import UnclearAnswer, UnknownCode
from bot.core.taxonomy import Method, Mot, parse_mot
from bot.core.texts import say
from bot.core.tickets import cue_classifier, default_classifier, normalise
from bot.core.wordlists import no_pattern, understood, yes_pattern

# The yes, no, number and rating words people answer with are data, one file per
# language (bot/locale/<language>/answers.toml), read by bot.core.wordlists.


@dataclass(frozen=True)
class Rating:
    value: int
    confident: bool  # False: read from a word, so the bot confirms it first


def parse_rating(said: str, low: int = 1, high: int = 5) -> Rating:
    """'4', 'four', '4/5', '4 out of 5', '3.0' -> a whole number; 'poor' -> 2, to confirm."""
    clean = normalise(said).strip(" .!")
    match = re.fullmatch(
        r"(?:(?:a|an|it'?s|i'?d say|say|maybe|about|around|probably)\s+)*(\w+(?:[.,]0)?)"
        r"(?:\s*(?:/|out of|of|von)\s*(\w+))?(?:\s*(?:points|stars|punkte))?",
        clean,
    )
    if match:
        number = _number(match.group(1))
        scale = _number(match.group(2)) if match.group(2) else None
        if number is not None:
            hint = say("h.rating", low=low, high=high)
            if scale is not None and scale != high:
                raise UnclearAnswer(
                    "rating", said, say("h.rating_scale", low=low, high=high, hint=hint)
                )
            if not low <= number <= high:
                raise UnclearAnswer(
                    "rating",
                    said,
                    say("h.rating_outside", number=number, low=low, high=high, hint=hint),
                )
            return Rating(number, confident=True)
    ratings = understood().ratings
    for words in sorted(ratings, key=len, reverse=True):
        if re.search(rf"\b{re.escape(words)}\b", clean):
            value = max(low, min(high, ratings[words]))
            return Rating(value, confident=False)
    raise UnclearAnswer("rating", said, say("h.rating", low=low, high=high))


def _number(token: str) -> int | None:
    token = token.replace(",", ".")
    numbers = understood().numbers
    if token in numbers:
        return numbers[token]
    try:
        value = float(token)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def parse_yes_no(said: str) -> bool:
    clean = normalise(said).strip(" .!")
    if yes_pattern().search(clean) and not no_pattern().search(clean):
        return True
    if no_pattern().search(clean):
        return False
    raise UnclearAnswer("yes_no", said, say("h.yes_no"))


@dataclass(frozen=True)
class RecognisedMoment:
    mot: Mot
    confident: bool


_MOMENT_NAMES: dict[str, Mot] = {
    "less than zero": Mot.LZMOT, "before they search": Mot.LZMOT, "trigger": Mot.LZMOT,
    "zero moment": Mot.ZMOT, "research": Mot.ZMOT, "first moment": Mot.FMOT,
    "first impression": Mot.FMOT, "actual moment": Mot.AMOT, "second moment": Mot.SMOT,
    "using the product": Mot.SMOT, "use it": Mot.SMOT, "using it": Mot.SMOT,
    "ultimate moment": Mot.UMOT, "third moment": Mot.UMOT,
    "last moment": Mot.UMOT,
}  # fmt: skip


GUESS_AT_LEAST = 0.75  # nonsense reads as the catch-all at about 0.6


def recognise_moment(said: str) -> RecognisedMoment:
    """A moment from a code ('amot'), a name ('second moment') or a description.

    Descriptions go through the ticket classifier's cue words: 'when the parcel
    arrives' -> amot, 'reading reviews on Google' -> zmot. A weak match is
    returned with `confident=False` so the bot can ask before storing it.
    """
    clean = normalise(said).strip(" .!?")
    for token in re.findall(r"[a-z]+", clean):
        try:
            return RecognisedMoment(parse_mot(token), confident=True)
        except UnknownCode:
            continue
    for words, mot in _MOMENT_NAMES.items():
        if words in clean:
            return RecognisedMoment(mot, confident=True)
    # The cue words alone: these thresholds are theirs (the trained model's
    # confidence is a calibrated probability, on tickets rather than descriptions).
    result = cue_classifier().classify("", said)
    if result.confidence < 0.3:
        # The trained model as a second reader: a guess the bot confirms first.
        guess = default_classifier().guess(said)
        if guess is not None and guess[1] >= GUESS_AT_LEAST:
            return RecognisedMoment(guess[0], confident=False)
        raise UnclearAnswer("moment", said, say("h.which_moment"))
    return RecognisedMoment(result.mot, confident=result.confidence >= 0.6)


LIVE = "live"
PLANNING = "planning"

_PLANNING_WORDS = re.compile(
    r"\b(not (yet |really )?(live|launched|released|on the market|selling|out)|"
    r"pre-?launch|before (the |our )?launch|(still )?plann?(ed|ing)|concept|prototype|"
    r"idea stage|an idea|in development|(still )?(developing|building) it|not yet|"
    r"no customers( yet)?|haven'?t launched|noch nicht|geplant|planung|in entwicklung)\b"
)
_LIVE_WORDS = re.compile(
    r"\b(live|launched|on the market|in production|selling|released|it'?s out|"
    r"(we )?have (paying )?customers|customers (already )?(use|buy)|in use|running|"
    r"already|established|on sale|available|beta|schon|laeuft|verfuegbar)\b"
)


def parse_stage(said: str) -> str:
    """Whether the product is live or still being planned: 'launched last year' -> 'live'."""
    clean = normalise(said).strip(" .!?")
    if _PLANNING_WORDS.search(clean):
        return PLANNING
    if _LIVE_WORDS.search(clean):
        return LIVE
    raise UnclearAnswer("stage", said, say("h.live_or_planned"))


_METHOD_WORDS: dict[Method, str] = {
    Method.TEAM: r"team|knowledge|know",
    Method.RECORDS: r"record|ticket|helpdesk|service|support|export",
    Method.COMPETITOR: r"competitor|kompetitor|rival|mystery|walk",
    Method.SURVEY: r"survey|customers? ask|questionnaire",
}


def parse_method_choice(said: str) -> Method | None:
    """Which identification method a free answer names ('the ticket export' -> records)."""
    for method, words in _METHOD_WORDS.items():
        if re.search(words, said, re.I):
            return method
    return None
