"""The shared vocabulary: journey stages, moments of truth, methods, polarity.

Codes are those of shared/domain.md so that every part of the product, and
every outside check, means the same thing by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import UnknownCode
from bot.core.texts import text


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
    """A moment's code and stage; its name, "when" and levers are said from the catalogue
    (`moment.<code>.name`, `.when`, `.lever.<n>`), in the conversation's language."""

    code: Mot
    stage: Stage
    lever_count: int

    @property
    def name(self) -> str:
        return text(f"moment.{self.code.value}.name")

    @property
    def when(self) -> str:
        return text(f"moment.{self.code.value}.when")

    @property
    def levers(self) -> tuple[str, ...]:
        return tuple(
            text(f"moment.{self.code.value}.lever.{number}")
            for number in range(1, self.lever_count + 1)
        )


MOMENTS: dict[Mot, MomentInfo] = {
    Mot.LZMOT: MomentInfo(Mot.LZMOT, Stage.AWARENESS, 2),
    Mot.ZMOT: MomentInfo(Mot.ZMOT, Stage.INTEREST, 3),
    Mot.FMOT: MomentInfo(Mot.FMOT, Stage.CONSIDERATION, 2),
    Mot.AMOT: MomentInfo(Mot.AMOT, Stage.DECISION, 2),
    Mot.SMOT: MomentInfo(Mot.SMOT, Stage.RETENTION, 3),
    Mot.UMOT: MomentInfo(Mot.UMOT, Stage.ADVOCACY, 3),
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
