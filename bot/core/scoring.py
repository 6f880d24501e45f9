"""From evidence to ranked, concrete moments of truth (docs/scoring.md explains it for readers).

1. Items. Evidence is clustered by moment code, side (pain or glory) and
   theme (`bot.core.themes`: what it is about, e.g. "tracking"), so one code
   can yield several items ("SMOT · rude support", "SMOT · the app crashes")
   and glory and pain never share an item. A team's 1-5 ratings of a moment
   go to the team's stories at the same moment and touchpoint; records and
   survey counts are split into their negative (pain) and positive (glory)
   part; a competitor observation is a pain where the competitor does better,
   a strength where we do.
2. Signals. Each method with evidence for an item gives a signal between 0 and
   1 (for pains: how bad; for strengths: how strong):
   - team: the opportunity score `(I + max(I - P, 0) - 1) / 8` for pains,
     `(I + P - 2) / 8` for strengths (I, P = mean importance, performance);
     stories without ratings: 0.5;
   - records: frequency x share, `n / largest n x n / tickets of the theme`;
   - competitor: the gap on the 1-5 scale, `max(C - O, 0) / 4` (strengths: O - C);
   - survey: the mean of the item's share of the moment's mentions, the CSAT
     at the moment (`(5 - CSAT) / 4`, strengths `(CSAT - 1) / 4`) and, for the
     recommendation item (UMOT · referral), the detractor (promoter) share of NPS.
3. `base` = weighted mean of the signals present (team 0.35, records 0.30,
   survey 0.20, competitor 0.15), renormalised over the methods present.
4. `raw = base x triangulation x (1 + peak + end + umot_link + breadth) x (1 + 0.2 x vote share)`:
   triangulation +0.15 per further method whose signal is >= 0.4; peak and
   end of the journey (Kahneman) 0.05 each; a ZMOT item about reviews gets
   up to 0.10 from the same side's UMOT review evidence (one customer's UMOT
   is the next one's ZMOT); breadth 0.02 per doubling of observations, at
   most 0.10.
5. `score = 100 x raw / RAW_MAX`, RAW_MAX being the largest raw possible, so
   scores never clip at 100 and rank order is score order. Ties are broken
   by the unrounded score, observations, methods, journey order and the item's
   name (the team's words, else its theme code: never the title, which is worded
   in the reader's language); the tie-break's code is written into `score_inputs`.
Pains go to `moments`, strengths to `strengths`, each sorted by score.
Everything is deterministic: same evidence, same ranking.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from statistics import mean

from bot.core.evidence import Evidence
from bot.core.metrics import Metrics, customer_metrics, is_totals
from bot.core.taxonomy import MOMENTS, Method, Mot, Polarity, Stage
from bot.core.texts import text
from bot.core.themes import label, phrase, primary, theme_name, themes_in

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
LINK_BONUS = 0.10
BREADTH_STEP = 0.02
BREADTH_MAX = 0.10
VOTE_WEIGHT = 0.20
STORY_SIGNAL = 0.5
MAX_TRIANGULATION = 1 + TRIANGULATION_STEP * (len(WEIGHTS) - 1)
RAW_MAX = round(
    MAX_TRIANGULATION * (1 + PEAK_BONUS + END_BONUS + LINK_BONUS + BREADTH_MAX) * (1 + VOTE_WEIGHT),
    4,
)
REVIEW_THEMES = ("reviews", "social")
RECOMMENDATION_THEME = "referral"
MOT_ORDER = {mot: index for index, mot in enumerate(Mot)}
METHOD_ORDER = {method: index for index, method in enumerate(Method)}
QUOTE_LIMIT = 140

InputValue = float | int | str | None


def decimal(said: str) -> str:
    """A number written with a decimal point, as the conversation's language writes it
    ("3.4" in English, "3,4" in German: `report.decimal_mark`)."""
    mark = text("report.decimal_mark")
    return said if mark == "." else said.replace(".", mark)


class Shown(float):
    """A measured number (a mean rating, a CSAT, an NPS) that any message it is formatted
    into writes with the reader's decimal mark; its value and arithmetic are a float's."""

    def __format__(self, spec: str) -> str:
        return decimal(format(float(self), spec))

    def __str__(self) -> str:
        return format(self, "")


def shown(value: float | None) -> float | None:
    """A fractional value as a `Shown`; whole numbers (`int`) and None as they are."""
    return Shown(value) if isinstance(value, float) else value


# What each method says about an item, as data: the numbers and names, never a sentence.
# `render()` words them in the conversation's language (catalogue keys `evidence.*`), where
# they are shown; the suggestions read the same fields.


@dataclass(frozen=True)
class TeamFacts:
    """The team's answers on an item; their mean ratings when they rated it."""

    answers: int
    importance: float | None = None
    performance: float | None = None

    def render(self) -> str:
        if self.importance is None or self.performance is None:
            return text("evidence.team", count=self.answers)
        return text(
            "evidence.team_rated",
            count=self.answers,
            importance=self.importance,
            performance=self.performance,
        )


@dataclass(frozen=True)
class RecordsFacts:
    """Service tickets on the item's side, of all the tickets of its theme; or, without an
    export, how many complaints or praise the team recalls from the records."""

    side: Polarity
    theme: str | None = None
    tickets: int | None = None  # None: no counted tickets, only what the team recalls
    of_theme: int = 0
    share: float = 0.0
    recalled: int = 0

    def render(self) -> str:
        if self.tickets is None:
            return text("evidence.records.recalled", count=self.recalled)
        side = "pain" if self.side is Polarity.PAIN else "glory"
        if self.theme:
            return text(
                f"evidence.records.{side}_about",
                count=self.tickets,
                theme=theme_name(self.theme),
                share=self.share,
                of=self.of_theme,
            )
        return text(
            f"evidence.records.{side}", count=self.tickets, share=self.share, of=self.of_theme
        )


@dataclass(frozen=True)
class CompetitorFacts:
    """Competitor walk-throughs of the item: who, and their mean ratings against ours."""

    observations: int
    competitors: tuple[str, ...] = ()  # the names given; "" for a competitor left unnamed
    rating: float | None = None
    own_rating: float | None = None

    def names(self) -> str:
        said = {name or text("evidence.a_competitor") for name in self.competitors}
        return ", ".join(sorted(said))

    def render(self) -> str:
        if self.rating is None or self.own_rating is None:
            return text("evidence.competitor", count=self.observations, names=self.names())
        return text(
            "evidence.competitor_rated",
            names=self.names(),
            theirs=self.rating,
            ours=self.own_rating,
        )


@dataclass(frozen=True)
class SurveyFacts:
    """Survey answers naming the item (of all respondents, or of the moment's mentions when
    the number of respondents is unknown), the CSAT at the moment and, for the
    recommendation item, the NPS."""

    mentions: int | None = None
    mentioned_of: int = 0
    of_respondents: bool = False
    csat: float | None = None
    csat_overall: bool = False  # the overall CSAT stands in for the moment's
    nps: float | None = None
    nps_answers: int = 0

    def render(self) -> str:
        bits = []
        if self.mentions is not None:
            respondents = self.of_respondents
            bits.append(
                text(
                    "evidence.survey.respondents" if respondents else "evidence.survey.mentions",
                    count=self.mentions,
                    of=self.mentioned_of,
                )
            )
        if self.csat is not None:
            overall = self.csat_overall
            bits.append(
                text(
                    "evidence.survey.csat_overall" if overall else "evidence.survey.csat",
                    csat=self.csat,
                )
            )
        if self.nps is not None:
            bits.append(text("evidence.survey.nps", nps=self.nps, answers=self.nps_answers))
        return ", ".join(bits)


Facts = TeamFacts | RecordsFacts | CompetitorFacts | SurveyFacts


@dataclass(frozen=True)
class EvidenceSummary:
    method: Method
    facts: Facts
    count: int
    quote: str = ""

    @property
    def summary(self) -> str:
        """The facts in the conversation's language, with the first quote."""
        said = self.facts.render()
        return text("evidence.quoted", summary=said, quote=self.quote) if self.quote else said


@dataclass(frozen=True)
class Quote:
    method: Method
    text: str
    source: str = ""  # who said it: "team", "customer", a competitor's name ("" if unnamed)


@dataclass(frozen=True)
class RankedMoment:
    rank: int
    subject: str  # the first clause of the team's story; "" when the theme names the item
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
    theme: str | None = None
    quotes: list[Quote] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.mot.value}/{self.polarity}/{self.theme or '-'}"

    @property
    def code(self) -> str:
        return self.mot.value.upper()

    @property
    def title(self) -> str:
        """ "AMOT · boxes arrive hours late": the team's words, else the theme's title."""
        side = Polarity.GLORY if self.polarity == Polarity.GLORY.value else Polarity.PAIN
        return f"{self.code} \u00b7 {self.subject or label(self.theme, side)}"


@dataclass(frozen=True)
class Ranking:
    moments: list[RankedMoment]  # pains, most urgent first
    strengths: list[RankedMoment]  # glory, strongest first
    metrics: Metrics

    def all(self) -> list[RankedMoment]:
        return [*self.moments, *self.strengths]


# --- items --------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One piece of evidence as it speaks for one side of one item."""

    evidence: Evidence
    side: Polarity | None  # None: a competitor on par with us, attached where it fits
    n: int  # tickets or mentions on this side (1 for a story or an observation)
    of: int  # records: the tickets of the theme; otherwise n
    quote: str
    theme: str | None


@dataclass
class _Cluster:
    mot: Mot
    side: Polarity
    theme: str | None
    parts: list[_Part] = field(default_factory=list)
    ratings: list[Evidence] = field(default_factory=list)

    def has(self, method: Method) -> bool:
        return any(p.evidence.method is method for p in self.parts) or (
            method is Method.TEAM and bool(self.ratings)
        )


def _sort_key(e: Evidence) -> str:
    return repr(
        (
            METHOD_ORDER[e.method],
            MOT_ORDER[e.mot],
            e.polarity.value if e.polarity else "",
            e.theme or "",
            e.touchpoint or "",
            e.text,
            e.count,
            e.negative,
            e.positive,
            e.importance,
            e.performance,
            e.competitor_rating,
            e.own_rating,
            e.participant or "",
            sorted((k, repr(v)) for k, v in e.details.items()),
        )
    )


def _texts(e: Evidence) -> list[str]:
    quotes = e.details.get("quotes")
    texts = [str(q) for q in quotes] if isinstance(quotes, list) and quotes else [e.text]
    if e.method is Method.COMPETITOR and isinstance(e.details.get("ideas"), str):
        texts.append(str(e.details["ideas"]))
    return [t for t in texts if t]


def _theme(e: Evidence) -> str | None:
    if e.theme:
        return e.theme
    if e.method is Method.RECORDS and e.themes:
        return primary(e.themes, e.mot)
    found = themes_in(_texts(e), e.mot)
    if not found and e.touchpoint:
        found = themes_in([e.touchpoint], e.mot)
    return found[0] if found else None


# The source of the team's own summary of its service records (no export behind it).
RECORDS_SUMMARY = "records_summary"


def _is_summary(e: Evidence) -> bool:
    source = str(e.details.get("source", ""))
    # Evidence stored before the code carries an English description, kept in databases.
    return source == RECORDS_SUMMARY or source.startswith("team's summary")


def _parts(e: Evidence) -> list[_Part]:
    theme = _theme(e)
    if e.method is Method.TEAM:
        if e.polarity is None and not e.text:
            return []  # a rating: attached to the team's stories later
        return [_Part(e, e.polarity, 1, 1, e.text, theme)]
    if e.method is Method.COMPETITOR:
        side: Polarity | None = None
        if e.competitor_rating is not None and e.own_rating is not None:
            if e.competitor_rating > e.own_rating:
                side = Polarity.PAIN
            elif e.own_rating > e.competitor_rating:
                side = Polarity.GLORY
        return [_Part(e, side, 1, 1, e.text, theme)]
    parts: list[_Part] = []
    of = e.details.get("tickets_in_group")
    group = int(of) if isinstance(of, int) and of > 0 else max(e.count, 1)
    sides: list[tuple[Polarity, int]] = []
    if e.polarity is Polarity.PAIN:
        sides.append((Polarity.PAIN, e.negative or e.count))
    elif e.polarity is Polarity.GLORY:
        sides.append((Polarity.GLORY, e.positive or e.count))
    else:
        if e.negative:
            sides.append((Polarity.PAIN, e.negative))
        if e.positive:
            sides.append((Polarity.GLORY, e.positive))
        if not sides and e.csat is not None:
            sides.append((Polarity.GLORY if e.csat >= 4 else Polarity.PAIN, max(e.count, 1)))
    by_side = e.details.get("side_quotes")
    for index, (side_, n) in enumerate(sides):
        if isinstance(by_side, dict):
            quote = str(by_side.get(side_.value) or "")  # each side quotes its own tickets
        else:
            quote = e.text if index == 0 else ""
        parts.append(_Part(e, side_, n, max(group, n), quote, theme))
    return parts


def _clusters(evidence: list[Evidence], metrics: Metrics) -> list[_Cluster]:
    clusters: dict[tuple[Mot, Polarity, str | None], _Cluster] = {}

    def cluster(mot: Mot, side: Polarity, theme: str | None) -> _Cluster:
        key = (mot, side, theme)
        if key not in clusters:
            clusters[key] = _Cluster(mot, side, theme)
        return clusters[key]

    def biggest(mot: Mot, sides: Iterable[Polarity]) -> _Cluster | None:
        for side in sides:
            found = [c for k, c in clusters.items() if k[0] is mot and k[1] is side]
            if found:
                return sorted(found, key=lambda c: (-len(c.parts), c.theme or "~"))[0]
        return None

    ordered = sorted(evidence, key=_sort_key)
    parts = [p for e in ordered for p in _parts(e)]
    later: list[_Part] = []
    for part in parts:
        keep_apart = part.evidence.method is Method.RECORDS
        if part.side is not None and (part.theme is not None or keep_apart):
            cluster(part.evidence.mot, part.side, part.theme).parts.append(part)
        else:
            later.append(part)
    for part in later:
        mot, theme = part.evidence.mot, part.theme
        sides = [part.side] if part.side else [Polarity.PAIN, Polarity.GLORY]
        target = next(
            (clusters[(mot, s, theme)] for s in sides if (mot, s, theme) in clusters), None
        )
        if target is None and theme is None:
            target = biggest(mot, sides)
        if target is None:
            target = cluster(mot, sides[0], theme)
        target.parts.append(part)
    # Ratings go to the stories the same person told about the same moment and touchpoint.
    for rating in (
        e for e in ordered if e.method is Method.TEAM and e.polarity is None and not e.text
    ):
        told = [
            c
            for c in clusters.values()
            if any(
                p.evidence.method is Method.TEAM
                and p.evidence.mot is rating.mot
                and p.evidence.participant == rating.participant
                and p.evidence.touchpoint == rating.touchpoint
                for p in c.parts
            )
        ]
        if told:
            for c in told:
                c.ratings.append(rating)
            continue
        if rating.importance is None and rating.performance is None:
            continue  # a touchpoint alone: nothing to weigh
        side = (
            Polarity.GLORY
            if rating.performance is not None and rating.performance >= 4
            else Polarity.PAIN
        )
        theme = _theme(rating)
        target_ = clusters.get((rating.mot, side, theme))
        if target_ is None and theme is None:
            target_ = biggest(rating.mot, [side])
        (target_ or cluster(rating.mot, side, theme)).ratings.append(rating)
    # NPS is the recommendation question: it speaks for the UMOT's referral item.
    if metrics.nps_answers:
        side = Polarity.PAIN if metrics.detractors >= metrics.promoters else Polarity.GLORY
        cluster(Mot.UMOT, side, RECOMMENDATION_THEME)
    return list(clusters.values())


# --- signals ------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    largest: int  # the largest records count of any item, pain or glory: one scale
    mentions: Mapping[Mot, int]  # survey mentions at each moment, both sides
    metrics: Metrics


def _ratings(c: _Cluster) -> list[Evidence]:
    own = [
        p.evidence
        for p in c.parts
        if p.evidence.method is Method.TEAM
        and p.evidence.importance is not None
        and p.evidence.performance is not None
    ]
    attached = [r for r in c.ratings if r.importance is not None and r.performance is not None]
    return own + attached


def _team_signal(c: _Cluster, inputs: dict[str, InputValue]) -> float | None:
    stories = [p for p in c.parts if p.evidence.method is Method.TEAM]
    rated = _ratings(c)
    if not stories and not c.ratings:
        return None
    inputs["team_stories"] = len(stories)
    if rated:
        importance = mean(e.importance or 0 for e in rated)
        performance = mean(e.performance or 0 for e in rated)
        inputs["team_ratings"] = len(rated)
        inputs["team_importance"] = round(importance, 2)
        inputs["team_performance"] = round(performance, 2)
        if c.side is Polarity.PAIN:
            opportunity = importance + max(importance - performance, 0)
            inputs["team_opportunity"] = round(opportunity, 2)
            return (opportunity - 1) / 8
        return (importance + performance - 2) / 8
    return STORY_SIGNAL


def _records_signal(c: _Cluster, ctx: _Context, inputs: dict[str, InputValue]) -> float | None:
    parts = [p for p in c.parts if p.evidence.method is Method.RECORDS]
    if not parts:
        return None
    counted = [p for p in parts if not _is_summary(p.evidence)]
    if not counted:
        inputs["records_summaries"] = len(parts)
        return STORY_SIGNAL
    n = sum(p.n for p in counted)
    of = sum(p.of for p in counted)
    share = n / of if of else 0.0
    largest = ctx.largest
    frequency = n / largest if largest else 0.0
    word = "negative" if c.side is Polarity.PAIN else "positive"
    inputs[f"records_{word}"] = n
    inputs["records_of_theme"] = of
    inputs[f"records_{word}_share"] = round(share, 3)
    inputs["records_largest_item"] = largest
    inputs["records_frequency"] = round(frequency, 3)
    return frequency * share


def _competitor_signal(c: _Cluster, inputs: dict[str, InputValue]) -> float | None:
    rated = [
        p.evidence
        for p in c.parts
        if p.evidence.method is Method.COMPETITOR
        and p.evidence.competitor_rating is not None
        and p.evidence.own_rating is not None
    ]
    if not rated:
        return None
    theirs = mean(e.competitor_rating or 0 for e in rated)
    ours = mean(e.own_rating or 0 for e in rated)
    inputs["competitor_rating"] = round(theirs, 2)
    inputs["own_rating"] = round(ours, 2)
    inputs["competitor_gap"] = round(theirs - ours, 2)
    gap = theirs - ours if c.side is Polarity.PAIN else ours - theirs
    return max(gap, 0) / 4


def _survey_signal(c: _Cluster, ctx: _Context, inputs: dict[str, InputValue]) -> float | None:
    parts = [p for p in c.parts if p.evidence.method is Method.SURVEY]
    signals: list[float] = []
    pain = c.side is Polarity.PAIN
    if parts:
        n = sum(p.n for p in parts)
        # Of all respondents, how many named this; without a count, of the moment's mentions.
        total = max(ctx.metrics.responses or ctx.mentions.get(c.mot, 0), n)
        share = n / total if total else 0.0
        inputs["survey_mentions"] = n
        inputs["survey_respondents" if ctx.metrics.responses else "survey_mentions_at_moment"] = (
            total
        )
        inputs["survey_share"] = round(share, 3)
        signals.append(share)
        csat = ctx.metrics.csat_by_moment.get(c.mot)
        source = "moment"
        if csat is None and ctx.metrics.csat is not None:
            csat, source = ctx.metrics.csat, "overall"
        if csat is not None:
            inputs["survey_csat"] = csat
            inputs["survey_csat_source"] = source
            signals.append((5 - csat) / 4 if pain else (csat - 1) / 4)
    if c.mot is Mot.UMOT and c.theme == RECOMMENDATION_THEME and ctx.metrics.nps_answers:
        share_ = ctx.metrics.detractor_share if pain else ctx.metrics.promoter_share
        inputs["survey_nps"] = ctx.metrics.nps
        inputs["survey_nps_answers"] = ctx.metrics.nps_answers
        inputs["survey_detractor_share" if pain else "survey_promoter_share"] = share_
        signals.append(share_ or 0.0)
    if not signals:
        return None
    return mean(signals)


def _is_peak(c: _Cluster, inputs: Mapping[str, InputValue]) -> bool:
    pain = c.side is Polarity.PAIN
    for e in _ratings(c):
        if e.importance == 5 and (e.performance or 0) <= 2 and pain:
            return True
        if e.importance == 5 and (e.performance or 0) >= 4 and not pain:
            return True
    word = "negative" if pain else "positive"
    share, n = inputs.get(f"records_{word}_share"), inputs.get(f"records_{word}")
    if isinstance(share, float) and isinstance(n, int) and share >= 0.8 and n >= 5:
        return True
    csat = inputs.get("survey_csat")
    if isinstance(csat, float | int) and "survey_mentions" in inputs:
        return csat <= 2 if pain else csat >= 4.5
    return False


def _observations(c: _Cluster, ctx: _Context) -> int:
    """Stories, ratings, observations, tickets and mentions behind an item."""
    counted = sum(p.n for p in c.parts) + len(c.ratings)
    if c.mot is Mot.UMOT and c.theme == RECOMMENDATION_THEME:
        counted += ctx.metrics.nps_answers
    return counted


# --- presentation ---------------------------------------------------------------


def _short(said: str) -> str:
    said = " ".join(said.split())
    return said if len(said) <= QUOTE_LIMIT else said[: QUOTE_LIMIT - 1].rstrip() + "\u2026"


def _source_of(e: Evidence) -> str:
    if e.method is Method.COMPETITOR:
        name = e.details.get("competitor")
        return str(name) if name else ""
    return {Method.TEAM: "team", Method.RECORDS: "customer", Method.SURVEY: "customer"}[e.method]


def _quotes(c: _Cluster) -> list[Quote]:
    seen: set[str] = set()
    quotes: list[Quote] = []
    for p in sorted(c.parts, key=lambda p: METHOD_ORDER[p.evidence.method]):
        texts = [p.quote] if p.quote else []
        extra = p.evidence.details.get("quotes")
        if p.quote and isinstance(extra, list):
            texts += [str(q) for q in extra]
        for said in texts:
            if said and said not in seen:
                seen.add(said)
                quotes.append(Quote(p.evidence.method, _short(said), _source_of(p.evidence)))
    return quotes


def _number(inputs: Mapping[str, InputValue], key: str) -> float | None:
    """A number of the inputs as the facts keep it: fractions written in the reader's way."""
    value = inputs.get(key)
    return shown(value) if isinstance(value, int | float) else None


def _facts(c: _Cluster, method: Method, inputs: Mapping[str, InputValue]) -> Facts:
    parts = [p for p in c.parts if p.evidence.method is method]
    if method is Method.TEAM:
        return TeamFacts(
            len(parts) + len(c.ratings),
            _number(inputs, "team_importance"),
            _number(inputs, "team_performance"),
        )
    if method is Method.RECORDS:
        word = "negative" if c.side is Polarity.PAIN else "positive"
        if f"records_{word}" not in inputs:
            return RecordsFacts(c.side, c.theme, recalled=len(parts))
        return RecordsFacts(
            c.side,
            c.theme,
            int(_number(inputs, f"records_{word}") or 0),  # counted: the team's recollections aside
            int(_number(inputs, "records_of_theme") or 0),
            float(_number(inputs, f"records_{word}_share") or 0),
        )
    if method is Method.COMPETITOR:
        return CompetitorFacts(
            len(parts),
            tuple(sorted({_source_of(p.evidence) for p in parts})),
            _number(inputs, "competitor_rating"),
            _number(inputs, "own_rating"),
        )
    mentions = _number(inputs, "survey_mentions")
    of_respondents = "survey_respondents" in inputs
    return SurveyFacts(
        int(mentions) if mentions is not None else None,
        int(
            _number(inputs, "survey_respondents" if of_respondents else "survey_mentions_at_moment")
            or 0
        ),
        of_respondents,
        _number(inputs, "survey_csat"),
        inputs.get("survey_csat_source") == "overall",
        _number(inputs, "survey_nps"),
        int(_number(inputs, "survey_nps_answers") or 0),
    )


def _summaries(c: _Cluster, inputs: Mapping[str, InputValue]) -> list[EvidenceSummary]:
    summaries: list[EvidenceSummary] = []
    quotes = _quotes(c)
    for method in Method:
        if not c.has(method) and not (method is Method.SURVEY and "survey_nps" in inputs):
            continue
        quote = next((q.text for q in quotes if q.method is method), "")
        facts = _facts(c, method, inputs)
        count = sum(p.n for p in c.parts if p.evidence.method is method)
        if isinstance(facts, TeamFacts):
            count = facts.answers
        elif isinstance(facts, CompetitorFacts):
            count = facts.observations
        elif isinstance(facts, SurveyFacts) and facts.nps is not None:
            count = count or facts.nps_answers
        summaries.append(EvidenceSummary(method, facts, count, quote))
    return summaries


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    if not counted:
        return None
    return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _subject(c: _Cluster) -> str:
    """The team's own words for the item (a story, or what they recall from the records)."""
    stories = [
        p.evidence.text for p in c.parts if p.evidence.method is Method.TEAM and p.evidence.text
    ] + [
        p.quote for p in c.parts if p.evidence.method is Method.RECORDS and _is_summary(p.evidence)
    ]
    return phrase(stories[0]) if stories else ""


# --- ranking ------------------------------------------------------------------


@dataclass
class _Scored:
    cluster: _Cluster
    raw: float
    base: float
    score: float
    inputs: dict[str, InputValue]
    signals: dict[Method, float]
    subject: str


def _score(c: _Cluster, ctx: _Context, vote_share: float) -> _Scored:
    inputs: dict[str, InputValue] = {}
    signals: dict[Method, float] = {}
    for method, signal in (
        (Method.TEAM, _team_signal(c, inputs)),
        (Method.RECORDS, _records_signal(c, ctx, inputs)),
        (Method.COMPETITOR, _competitor_signal(c, inputs)),
        (Method.SURVEY, _survey_signal(c, ctx, inputs)),
    ):
        if signal is not None:
            signals[method] = signal
            inputs[f"signal_{method.value}"] = round(signal, 3)
    weight = sum(WEIGHTS[m] for m in signals)
    base = sum(WEIGHTS[m] * s for m, s in signals.items()) / weight if weight else 0.0
    confirming = sum(1 for s in signals.values() if s >= CONFIRMING_SIGNAL)
    observations = _observations(c, ctx)
    inputs.update(
        {
            "weights_present": round(weight, 2),
            "base": round(base, 3),
            "methods_confirming": confirming,
            "triangulation_factor": round(1 + TRIANGULATION_STEP * max(confirming - 1, 0), 2),
            "peak_bonus": PEAK_BONUS if _is_peak(c, inputs) else 0.0,
            "end_bonus": END_BONUS if c.mot in (Mot.SMOT, Mot.UMOT) else 0.0,
            "observations": observations,
            "breadth_bonus": round(min(BREADTH_MAX, BREADTH_STEP * math.log2(observations)), 3)
            if observations >= 1
            else 0.0,
            "umot_link_bonus": 0.0,
            "vote_share": round(vote_share, 3),
        }
    )
    return _Scored(c, 0.0, base, 0.0, inputs, signals, _subject(c))


def _finish(s: _Scored) -> None:
    i = s.inputs
    factor = (
        float(i["triangulation_factor"] or 1)
        * (
            1
            + float(i["peak_bonus"] or 0)
            + float(i["end_bonus"] or 0)
            + float(i["umot_link_bonus"] or 0)
            + float(i["breadth_bonus"] or 0)
        )
        * (1 + VOTE_WEIGHT * float(i["vote_share"] or 0))
    )
    s.raw = s.base * factor
    s.score = round(100 * s.raw / RAW_MAX, 1)
    i["raw"] = round(s.raw, 4)
    i["raw_max"] = RAW_MAX


def _link_umot_to_zmot(scored: list[_Scored]) -> None:
    """One customer's UMOT (a review, a post) is the next customer's ZMOT."""
    for s in scored:
        c = s.cluster
        if c.mot is not Mot.ZMOT or c.theme not in REVIEW_THEMES:
            continue
        related = [
            o
            for o in scored
            if o.cluster.mot is Mot.UMOT
            and o.cluster.side is c.side
            and (
                o.cluster.theme in REVIEW_THEMES
                or any("review" in (p.evidence.touchpoint or "").lower() for p in o.cluster.parts)
            )
        ]
        if related:
            strongest = max(o.base for o in related)
            s.inputs["umot_link_base"] = round(strongest, 3)
            s.inputs["umot_link_items"] = len(related)
            s.inputs["umot_link_bonus"] = round(LINK_BONUS * strongest, 3)


def _order_key(s: _Scored) -> tuple[float, float, int, int, int, tuple[str, str]]:
    # The last resort is the team's words or the theme's code, not the title: a title is
    # worded in the conversation's language, and the ranking must not depend on it.
    return (
        -s.score,
        -round(s.raw, 6),
        -int(s.inputs["observations"] or 0),
        -len(s.signals),
        MOT_ORDER[s.cluster.mot],
        (s.subject, s.cluster.theme or ""),
    )


# Why the item above a tie comes first, one code per element of `_order_key` after the
# score; `score_inputs["tie_break"]` holds it, `tie_break_rank` the rank of the item above.
TIE_BREAKS = ("unrounded_score", "observations", "methods", "journey", "name")


def explain_tie_break(inputs: Mapping[str, object]) -> str | None:
    """An item's tie-break in the conversation's language; None when it had no tie."""
    reason, above = inputs.get("tie_break"), inputs.get("tie_break_rank")
    if reason not in TIE_BREAKS or not isinstance(above, int):
        return None
    return text("tie_break", rank=above, reason=text(f"tie_break.{reason}"))


def _ranked(scored: list[_Scored]) -> list[RankedMoment]:
    ordered = sorted(scored, key=_order_key)
    moments: list[RankedMoment] = []
    for index, s in enumerate(ordered):
        c = s.cluster
        if index and ordered[index - 1].score == s.score:
            above, here = _order_key(ordered[index - 1]), _order_key(s)
            step = next((k for k in range(1, 6) if above[k] != here[k]), 5)
            s.inputs["tie_break"] = TIE_BREAKS[step - 1]
            s.inputs["tie_break_rank"] = index
        items = sorted({id(p.evidence): p.evidence for p in c.parts}.values(), key=_sort_key)
        items += [r for r in c.ratings if r not in items]
        touchpoint = _most_common(
            e.touchpoint for e in items if e.method is Method.TEAM
        ) or _most_common(e.touchpoint for e in items if e.method is Method.RECORDS)
        stage = Stage(
            _most_common(e.stage.value if e.stage else None for e in items) or MOMENTS[c.mot].stage
        )
        themes = themes_in([q.text for q in _quotes(c)], c.mot)
        if c.theme:
            themes = [c.theme, *[t for t in themes if t != c.theme]]
        methods = sorted(s.signals, key=METHOD_ORDER.__getitem__)
        moments.append(
            RankedMoment(
                rank=index + 1,
                subject=s.subject,
                mot=c.mot,
                stage=stage,
                polarity=c.side.value,
                touchpoint=touchpoint,
                score=s.score,
                score_inputs=s.inputs,
                methods=methods,
                evidence=_summaries(c, s.inputs),
                themes=themes[:3],
                items=items,
                theme=c.theme,
                quotes=_quotes(c),
            )
        )
    return moments


def rank(
    evidence: Iterable[Evidence],
    votes: Mapping[Mot, int] | None = None,
    metrics: Metrics | None = None,
) -> Ranking:
    """All evidence of a session as concrete items: pains by urgency, strengths by strength."""
    items = list(evidence)
    metrics = metrics if metrics is not None else customer_metrics(items)
    observed = [e for e in items if not is_totals(e)]
    clusters = _clusters(observed, metrics)
    largest = max(
        (
            sum(
                p.n
                for p in c.parts
                if p.evidence.method is Method.RECORDS and not _is_summary(p.evidence)
            )
            for c in clusters
        ),
        default=0,
    )
    mentions: dict[Mot, int] = defaultdict(int)
    for c in clusters:
        mentions[c.mot] += sum(p.n for p in c.parts if p.evidence.method is Method.SURVEY)
    ctx = _Context(largest, mentions, metrics)
    total_votes = sum((votes or {}).values())
    scored = [
        _score(c, ctx, (votes or {}).get(c.mot, 0) / total_votes if total_votes else 0.0)
        for c in clusters
    ]
    _link_umot_to_zmot(scored)
    for s in scored:
        _finish(s)
    pains = [s for s in scored if s.cluster.side is Polarity.PAIN]
    glories = [s for s in scored if s.cluster.side is Polarity.GLORY]
    return Ranking(_ranked(pains), _ranked(glories), metrics)


def with_rank(moment: RankedMoment, rank_: int) -> RankedMoment:
    return replace(moment, rank=rank_)
