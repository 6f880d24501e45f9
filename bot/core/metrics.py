"""Customer metrics of a session: NPS and CSAT from survey results and from the chat survey.

Two sources, never counted twice:
- survey results leave one *totals* evidence item (`details["survey_totals"]`,
  written by `exports.survey_evidence`) with its respondents, promoters,
  passives, detractors and CSAT answers; every respondent counts, also those
  who skipped the open questions;
- the chat survey leaves one row per respondent (`survey_responses`: NPS and
  CSAT), passed in as `chat_scores`; their moment answers carry the same
  scores as `details["nps"]` / `details["csat_overall"]`, which gives NPS and
  CSAT per moment.
Per-moment CSAT also comes from a file's moment CSAT column (`Evidence.csat`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.evidence import Evidence
from bot.core.surveys import PromoterCounts
from bot.core.taxonomy import Method, Mot

TOTALS_KEY = "survey_totals"


@dataclass(frozen=True)
class Metrics(PromoterCounts):
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    csat_sum: float = 0.0
    csat_answers: int = 0
    csat_by_moment: dict[Mot, float] = field(default_factory=dict)
    nps_by_moment: dict[Mot, float] = field(default_factory=dict)

    @property
    def csat(self) -> float | None:
        return round(self.csat_sum / self.csat_answers, 2) if self.csat_answers else None

    @property
    def detractor_share(self) -> float | None:
        return round(self.detractors / self.nps_answers, 3) if self.nps_answers else None

    @property
    def promoter_share(self) -> float | None:
        return round(self.promoters / self.nps_answers, 3) if self.nps_answers else None

    def to_dict(self) -> dict[str, Any]:
        """The report's `metrics`: every value null when no survey was run."""
        ran = self.responses > 0
        return {
            "nps": self.nps,
            "csat": self.csat,
            "survey_responses": self.responses if ran else None,
            "nps_answers": self.nps_answers if ran else None,
            "csat_by_moment": {m.value: v for m, v in _in_order(self.csat_by_moment)},
            "nps_by_moment": {m.value: v for m, v in _in_order(self.nps_by_moment)},
        }


def _in_order(values: Mapping[Mot, float]) -> list[tuple[Mot, float]]:
    order = list(Mot)
    return sorted(values.items(), key=lambda kv: order.index(kv[0]))


def totals_details(
    responses: int, promoters: int, passives: int, detractors: int, csats: Iterable[int]
) -> dict[str, object]:
    """What the totals item of survey results stores (see the module docstring)."""
    scores = list(csats)
    return {
        TOTALS_KEY: {
            "responses": responses,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "csat_sum": sum(scores),
            "csat_answers": len(scores),
        }
    }


def is_totals(item: Evidence) -> bool:
    return TOTALS_KEY in item.details


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def customer_metrics(
    evidence: Iterable[Evidence], chat_scores: Iterable[tuple[int | None, int | None]] = ()
) -> Metrics:
    """NPS, CSAT and respondents over every survey source of a session."""
    responses = promoters = passives = detractors = csat_answers = 0
    csat_sum = 0.0

    def count_nps(score: float) -> None:
        nonlocal promoters, passives, detractors
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1

    moment_csat: dict[Mot, list[tuple[float, int]]] = defaultdict(list)
    moment_nps: dict[Mot, list[float]] = defaultdict(list)
    for item in evidence:
        if item.method is not Method.SURVEY:
            continue
        totals = item.details.get(TOTALS_KEY)
        if isinstance(totals, dict):
            responses += int(totals.get("responses", 0))
            promoters += int(totals.get("promoters", 0))
            passives += int(totals.get("passives", 0))
            detractors += int(totals.get("detractors", 0))
            csat_sum += float(totals.get("csat_sum", 0))
            csat_answers += int(totals.get("csat_answers", 0))
            continue
        if item.csat is not None:
            moment_csat[item.mot].append((item.csat, max(item.count, 1)))
        else:
            said = _number(item.details.get("csat_overall"))
            if said is not None:
                moment_csat[item.mot].append((said, 1))
        nps = _number(item.details.get("nps"))
        if nps is not None:
            moment_nps[item.mot].append(nps)
    for nps_score, csat_score in chat_scores:
        responses += 1
        if nps_score is not None:
            count_nps(nps_score)
        if csat_score is not None:
            csat_sum += csat_score
            csat_answers += 1
    by_moment_csat = {
        mot: round(sum(v * n for v, n in values) / sum(n for _, n in values), 2)
        for mot, values in moment_csat.items()
    }
    by_moment_nps = {}
    for mot, scores in moment_nps.items():
        high = sum(1 for s in scores if s >= 9)
        low = sum(1 for s in scores if s <= 6)
        by_moment_nps[mot] = round(100 * (high - low) / len(scores), 1)
    return Metrics(
        responses,
        promoters,
        passives,
        detractors,
        csat_sum,
        csat_answers,
        by_moment_csat,
        by_moment_nps,
    )
