"""From evidence to one ranked list of moments of truth.

The formula (docs/scoring.md explains it for readers of a report):

1. Each method that produced evidence for a moment gives a *pain signal*
   between 0 and 1:
   - team: Ulwick's opportunity score on the 1-5 scale,
     `(I + max(I - P, 0) - 1) / 8` with I = mean importance, P = mean
     performance (importance-performance analysis: high I, low P is
     "concentrate here"); a story without ratings counts half;
   - records: frequency x impact, `count / largest count x negative share`;
   - competitor: the gap when the competitor does better, `max(C - O, 0) / 4`;
   - survey: the mean of the negative share of mentions and `(5 - CSAT) / 4`.
2. `base` is the weighted mean of the signals present (team 0.35, records
   0.30, survey 0.20, competitor 0.15), renormalised over the methods that
   exist, so the list works from team knowledge alone.
3. Triangulation: every further method whose signal is at least 0.4 adds
   15 % (a moment several independent methods confirm deserves more trust).
4. Peak-end: +5 % for a peak (a rating of 5 for importance with 2 or less
   for performance, >= 80 % negative records, CSAT <= 2) and +5 % for the end
   of the journey (smot, umot). Team votes add up to 20 % by vote share.
5. `score = min(100, 100 x base x factors)`.

Glory moments (mostly positive evidence) are strengths to protect and
amplify, not pains to fix: they get `polarity = "glory"`, 0.4 of the weight,
and come after every pain and mixed moment.
Everything is deterministic: same evidence, same ranking.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import mean

from bot.core.evidence import Evidence
from bot.core.taxonomy import MOMENTS, Method, Mot, Polarity, Stage

WEIGHTS: dict[Method, float] = {
    Method.TEAM: 0.35,
    Method.RECORDS: 0.30,
    Method.SURVEY: 0.20,
    Method.COMPETITOR: 0.15,
}
CONFIRMING_SIGNAL = 0.4
TRIANGULATION_STEP = 0.15
PEAK_BONUS = 0.05
END_BONUS = 0.05
VOTE_WEIGHT = 0.20
GLORY_WEIGHT = 0.4
GLORY_SHARE = 0.65
PAIN_SHARE = 0.35
MOT_ORDER = {mot: index for index, mot in enumerate(Mot)}
METHOD_ORDER = {method: index for index, method in enumerate(Method)}

InputValue = float | int | str | None


@dataclass(frozen=True)
class EvidenceSummary:
    method: Method
    summary: str
    count: int


@dataclass(frozen=True)
class RankedMoment:
    rank: int
    title: str
    mot: Mot
    stage: Stage
    polarity: str
    touchpoint: str | None
    score: float
    score_inputs: dict[str, InputValue]
    methods: list[Method]
    evidence: list[EvidenceSummary]
    themes: list[str] = field(default_factory=list)
    items: list[Evidence] = field(default_factory=list, repr=False)


def _team_signal(items: list[Evidence]) -> tuple[float | None, dict[str, InputValue]]:
    rated = [e for e in items if e.importance is not None and e.performance is not None]
    if rated:
        importance = mean(e.importance or 0 for e in rated)
        performance = mean(e.performance or 0 for e in rated)
        opportunity = importance + max(importance - performance, 0)
        return (opportunity - 1) / 8, {
            "team_importance": round(importance, 2),
            "team_performance": round(performance, 2),
            "team_opportunity": round(opportunity, 2),
        }
    if items:
        pains = sum(1 for e in items if e.polarity is Polarity.PAIN)
        return 0.5 * pains / len(items), {"team_stories": len(items), "team_pain_stories": pains}
    return None, {}


def _records_signal(
    items: list[Evidence], largest_count: int
) -> tuple[float | None, dict[str, InputValue]]:
    if not items:
        return None, {}
    count = sum(e.count for e in items)
    negative = sum(e.negative for e in items)
    share = negative / count if count else 0.0
    frequency = count / largest_count if largest_count else 0.0
    return frequency * share, {
        "records_count": count,
        "records_negative_share": round(share, 3),
        "records_frequency": round(frequency, 3),
    }


def _competitor_signal(items: list[Evidence]) -> tuple[float | None, dict[str, InputValue]]:
    rated = [e for e in items if e.competitor_rating is not None and e.own_rating is not None]
    if not rated:
        return None, {}
    theirs = mean(e.competitor_rating or 0 for e in rated)
    ours = mean(e.own_rating or 0 for e in rated)
    return max(theirs - ours, 0) / 4, {
        "competitor_rating": round(theirs, 2),
        "own_rating": round(ours, 2),
        "competitor_gap": round(theirs - ours, 2),
    }


def _survey_signal(items: list[Evidence]) -> tuple[float | None, dict[str, InputValue]]:
    if not items:
        return None, {}
    negative = sum(e.negative for e in items)
    positive = sum(e.positive for e in items)
    parts: list[float] = []
    inputs: dict[str, InputValue] = {
        "survey_negative_mentions": negative,
        "survey_positive_mentions": positive,
    }
    if negative + positive:
        parts.append(negative / (negative + positive))
    csats = [e.csat for e in items if e.csat is not None]
    if csats:
        csat = mean(csats)
        inputs["survey_csat"] = round(csat, 2)
        parts.append((5 - csat) / 4)
    return (mean(parts) if parts else None), inputs


def _balance(items: list[Evidence]) -> tuple[float, float]:
    """How much of the evidence speaks of pain and how much of glory."""
    pain = glory = 0.0
    for e in items:
        if e.method in (Method.RECORDS, Method.SURVEY):
            pain += e.negative
            glory += e.positive
            if e.polarity is Polarity.PAIN and not e.negative:
                pain += 1
            if e.polarity is Polarity.GLORY and not e.positive:
                glory += 1
            continue
        if e.polarity is Polarity.PAIN:
            pain += 1
        elif e.polarity is Polarity.GLORY:
            glory += 1
        if e.performance is not None:
            pain += e.performance <= 2
            glory += e.performance >= 4
        if e.competitor_rating is not None and e.own_rating is not None:
            pain += e.own_rating < e.competitor_rating
            glory += e.own_rating > e.competitor_rating
    return pain, glory


def _polarity(pain: float, glory: float) -> str:
    if pain + glory == 0:
        return "mixed"
    share = glory / (pain + glory)
    if share >= GLORY_SHARE:
        return Polarity.GLORY.value
    if share <= PAIN_SHARE:
        return Polarity.PAIN.value
    return "mixed"


def _glory_strength(items: list[Evidence], inputs: Mapping[str, InputValue]) -> float:
    parts: list[float] = []
    importance = inputs.get("team_importance")
    if isinstance(importance, float | int):
        parts.append((importance - 1) / 4)
    records = [e for e in items if e.method in (Method.RECORDS, Method.SURVEY)]
    mentions = sum(e.negative + e.positive for e in records)
    if mentions:
        parts.append(sum(e.positive for e in records) / mentions)
    gap = inputs.get("competitor_gap")
    if isinstance(gap, float | int):
        parts.append(max(-gap, 0) / 4)
    return mean(parts) if parts else 0.5


def _is_peak(items: list[Evidence], inputs: Mapping[str, InputValue]) -> bool:
    if any(e.importance == 5 and (e.performance or 5) <= 2 for e in items):
        return True
    share, count = inputs.get("records_negative_share"), inputs.get("records_count")
    if isinstance(share, float) and isinstance(count, int) and share >= 0.8 and count >= 5:
        return True
    csat = inputs.get("survey_csat")
    return isinstance(csat, float | int) and csat <= 2


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    if not counted:
        return None
    return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _summaries(items: list[Evidence], inputs: Mapping[str, InputValue]) -> list[EvidenceSummary]:
    by_method: dict[Method, list[Evidence]] = defaultdict(list)
    for e in items:
        by_method[e.method].append(e)
    summaries = []
    for method in sorted(by_method, key=METHOD_ORDER.__getitem__):
        group = by_method[method]
        count = sum(e.count for e in group)
        quote = next((e.text for e in group if e.text), "")
        quote = quote if len(quote) <= 140 else quote[:137] + "..."
        if method is Method.TEAM:
            head = f"{len(group)} team answer(s)"
            if "team_importance" in inputs:
                head += (
                    f": importance {inputs['team_importance']}/5, "
                    f"performance {inputs['team_performance']}/5"
                )
            count = len(group)
        elif method is Method.RECORDS:
            share = float(inputs.get("records_negative_share") or 0)
            themes = _most_common_themes(group)
            head = f"{count} service ticket(s), {share:.0%} negative"
            if themes:
                head += f"; themes: {', '.join(themes)}"
        elif method is Method.COMPETITOR:
            head = (
                f"competitor {inputs.get('competitor_rating')}/5, us {inputs.get('own_rating')}/5"
                if "competitor_rating" in inputs
                else f"{len(group)} competitor observation(s)"
            )
            count = len(group)
        else:
            head = (
                f"{inputs.get('survey_negative_mentions', 0)} negative and "
                f"{inputs.get('survey_positive_mentions', 0)} positive survey mention(s)"
            )
            if "survey_csat" in inputs:
                head += f", CSAT {inputs['survey_csat']}/5"
        summary = f"{head}. “{quote}”" if quote else head
        summaries.append(EvidenceSummary(method, summary, count))
    return summaries


def _most_common_themes(items: Iterable[Evidence], limit: int = 3) -> list[str]:
    counted: Counter[str] = Counter()
    for e in items:
        for theme in e.themes:
            counted[theme] += e.count
    return [t for t, _ in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def rank(
    evidence: Iterable[Evidence], votes: Mapping[Mot, int] | None = None
) -> list[RankedMoment]:
    """All evidence of a session as one list, most urgent moment first."""
    by_mot: dict[Mot, list[Evidence]] = defaultdict(list)
    for item in evidence:
        by_mot[item.mot].append(item)
    record_counts = [
        sum(e.count for e in items if e.method is Method.RECORDS) for items in by_mot.values()
    ]
    largest = max(record_counts, default=0)
    total_votes = sum((votes or {}).values())

    scored: list[tuple[int, float, float, int, RankedMoment]] = []
    for mot, items in by_mot.items():
        per_method = {
            m: [e for e in items if e.method is m]
            for m in Method
            if any(e.method is m for e in items)
        }
        signals: dict[Method, float] = {}
        inputs: dict[str, InputValue] = {}
        for method, group in per_method.items():
            if method is Method.TEAM:
                signal, extra = _team_signal(group)
            elif method is Method.RECORDS:
                signal, extra = _records_signal(group, largest)
            elif method is Method.COMPETITOR:
                signal, extra = _competitor_signal(group)
            else:
                signal, extra = _survey_signal(group)
            inputs.update(extra)
            if signal is not None:
                signals[method] = signal
                inputs[f"signal_{method.value}"] = round(signal, 3)
        weight = sum(WEIGHTS[m] for m in signals)
        base = sum(WEIGHTS[m] * s for m, s in signals.items()) / weight if weight else 0.0
        confirming = sum(1 for s in signals.values() if s >= CONFIRMING_SIGNAL)
        pain, glory = _balance(items)
        polarity = _polarity(pain, glory)
        triangulation = 1 + TRIANGULATION_STEP * max(confirming - 1, 0)
        peak = PEAK_BONUS if _is_peak(items, inputs) else 0.0
        end = END_BONUS if mot in (Mot.SMOT, Mot.UMOT) else 0.0
        vote_share = (votes or {}).get(mot, 0) / total_votes if total_votes else 0.0
        if polarity == Polarity.GLORY.value:
            base = GLORY_WEIGHT * _glory_strength(items, inputs)
        factor = triangulation * (1 + peak + end) * (1 + VOTE_WEIGHT * vote_share)
        score = round(min(100.0, 100 * base * factor), 1)
        inputs.update(
            {
                "base": round(base, 3),
                "methods_confirming": confirming,
                "triangulation_factor": round(triangulation, 2),
                "peak_bonus": peak,
                "end_bonus": end,
                "vote_share": round(vote_share, 3),
                "pain_weight": pain,
                "glory_weight": glory,
            }
        )
        touchpoint = _most_common(e.touchpoint for e in items)
        themes = _most_common_themes(items)
        stage = Stage(
            _most_common(e.stage.value if e.stage else None for e in items) or MOMENTS[mot].stage
        )
        about = touchpoint or (themes[0] if themes else MOMENTS[mot].when.split(":")[0])
        moment = RankedMoment(
            rank=0,
            title=f"{MOMENTS[mot].name}: {about}",
            mot=mot,
            stage=stage,
            polarity=polarity,
            touchpoint=touchpoint,
            score=score,
            score_inputs=inputs,
            methods=sorted(per_method, key=METHOD_ORDER.__getitem__),
            evidence=_summaries(items, inputs),
            themes=themes,
            items=items,
        )
        tier = 1 if polarity == Polarity.GLORY.value else 0
        scored.append((tier, -score, -base, MOT_ORDER[mot], moment))
    scored.sort(key=lambda row: row[:4])
    return [_with_rank(moment, index + 1) for index, (*_, moment) in enumerate(scored)]


def _with_rank(moment: RankedMoment, rank_: int) -> RankedMoment:
    from dataclasses import replace

    return replace(moment, rank=rank_)
