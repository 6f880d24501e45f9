"""Reading interview answers: ratings, yes/no, and moments named in the team's own words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.errors import UnclearAnswer, UnknownCode
from bot.core.taxonomy import Method, Mot, parse_mot
from bot.core.texts import say
from bot.core.tickets import cue_classifier, default_classifier, normalise
from bot.core.wordlists import anywhere, no_pattern, pattern, understood, yes_pattern

# The yes, no, number and rating words, the moments' names and the stage words people
# answer with are data, one file per language (bot/locale/<language>/answers.toml),
# read by bot.core.wordlists.


@dataclass(frozen=True)
class Rating:
    value: int
    confident: bool  # False: read from a word, so the bot confirms it first


def parse_rating(said: str, low: int = 1, high: int = 5) -> Rating:
    """'4', 'four', '4/5', '4 out of 5', '3.0' -> a whole number; 'poor' -> 2, to confirm.

    A word the language lists as sure ('sehr wichtig'), when it is the whole answer,
    is taken without confirming.
    """
    clean = normalise(said).strip(" .!")
    lead, of, unit = (pattern(n).pattern for n in ("rating_lead", "rating_of", "rating_unit"))
    match = re.fullmatch(
        rf"(?:{lead}\s+)*(?P<number>\w+(?:[.,]0)?)(?:\s*{of}\s*(?P<scale>\w+))?(?:\s*{unit})?",
        clean,
    )
    if match:
        number = _number(match["number"])
        scale = _number(match["scale"]) if match["scale"] else None
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
    sure = understood().sure_ratings
    if clean in sure:
        return Rating(max(low, min(high, sure[clean])), confident=True)
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
    for words, code in understood().moments.items():
        if words in clean:
            return RecognisedMoment(parse_mot(code), confident=True)
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


def parse_stage(said: str) -> str:
    """Whether the product is live or still being planned: 'launched last year' -> 'live'."""
    clean = normalise(said).strip(" .!?")
    if anywhere("planning").search(clean):
        return PLANNING
    if anywhere("live").search(clean):
        return LIVE
    raise UnclearAnswer("stage", said, say("h.live_or_planned"))


def parse_method_choice(said: str) -> Method | None:
    """Which identification method a free answer names ('the ticket export' -> records)."""
    clean = normalise(said)
    for method in Method:
        if pattern(f"method_{method.value}").search(clean):
            return method
    return None
