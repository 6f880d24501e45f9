"""The shared vocabulary: journey stages, moments of truth, methods, polarity.

Codes are those of shared/domain.md so that every part of the product, and
every outside check, means the same thing by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import UnknownCode


class Stage(StrEnum):
    AWARENESS = "awareness"
    INTEREST = "interest"
    CONSIDERATION = "consideration"
    DECISION = "decision"
    RETENTION = "retention"
    ADVOCACY = "advocacy"


class Mot(StrEnum):
    LZMOT = "lzmot"
    ZMOT = "zmot"
    FMOT = "fmot"
    AMOT = "amot"
    SMOT = "smot"
    UMOT = "umot"


class Method(StrEnum):
    TEAM = "team"
    RECORDS = "records"
    COMPETITOR = "competitor"
    SURVEY = "survey"


class Polarity(StrEnum):
    GLORY = "glory"
    PAIN = "pain"


class Business(StrEnum):
    B2B = "b2b"
    B2C = "b2c"


@dataclass(frozen=True)
class MomentInfo:
    code: Mot
    name: str
    stage: Stage
    when: str
    levers: tuple[str, ...]


MOMENTS: dict[Mot, MomentInfo] = {
    Mot.LZMOT: MomentInfo(
        Mot.LZMOT,
        "Less-than-Zero Moment of Truth",
        Stage.AWARENESS,
        "something in the customer's life triggers a need, before any search",
        ("proactive outreach on social media, email or ads", "watching customer signals"),
    ),
    Mot.ZMOT: MomentInfo(
        Mot.ZMOT,
        "Zero Moment of Truth",
        Stage.INTEREST,
        "the customer researches online before contacting you: search, reviews, forums",
        ("useful content for each stage", "encouraging and answering reviews", "SEO"),
    ),
    Mot.FMOT: MomentInfo(
        Mot.FMOT,
        "First Moment of Truth",
        Stage.CONSIDERATION,
        "the first few seconds with your offer: packaging, product page, a sales pitch",
        ("presentation that shows how it meets the need", "clear pricing"),
    ),
    Mot.AMOT: MomentInfo(
        Mot.AMOT,
        "Actual Moment of Truth",
        Stage.DECISION,
        "the gap between paying and receiving: confirmation, shipping, activation",
        ("proactive status updates", "honest delivery promises"),
    ),
    Mot.SMOT: MomentInfo(
        Mot.SMOT,
        "Second Moment of Truth",
        Stage.RETENTION,
        "using the product and the service around it: first use, onboarding, support",
        ("onboarding", "reachable, helpful service", "quality"),
    ),
    Mot.UMOT: MomentInfo(
        Mot.UMOT,
        "Ultimate Moment of Truth",
        Stage.ADVOCACY,
        "the customer's own feedback: reviews, posts, telling friends or colleagues",
        ("asking for feedback", "answering criticism quickly", "spreading praise"),
    ),
}

# Other names people use for the same moment; stored as the canonical code.
_MOT_ALIASES: dict[str, Mot] = {"tmot": Mot.UMOT, "lmot": Mot.UMOT}


def parse_mot(code: str) -> Mot:
    """Read a moment code, accepting the aliases tmot/lmot for umot."""
    key = code.strip().lower()
    if key in _MOT_ALIASES:
        return _MOT_ALIASES[key]
    try:
        return Mot(key)
    except ValueError:
        raise UnknownCode("moment of truth", code, [m.value for m in Mot]) from None


def parse_stage(code: str) -> Stage:
    try:
        return Stage(code.strip().lower())
    except ValueError:
        raise UnknownCode("journey stage", code, [s.value for s in Stage]) from None


def parse_method(code: str) -> Method:
    try:
        return Method(code.strip().lower())
    except ValueError:
        raise UnknownCode("method", code, [m.value for m in Method]) from None
