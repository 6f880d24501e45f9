"""Customer surveys: NPS, CSAT and what customers say went well or badly at each moment.

NPS (Reichheld): the share of promoters (9-10) minus the share of detractors
(0-6), from -100 to 100. CSAT: the mean satisfaction on 1-5, and the share of
satisfied answers (4 or 5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean

from bot.core.context import channel_phrase
from bot.core.errors import UnclearAnswer
from bot.core.taxonomy import Mot, Polarity
from bot.core.texts import render, text


def parse_score(value: str | int | float | None, low: int, high: int, what: str) -> int | None:
    """A whole-number score in [low, high]; None for an empty cell.

    `what` names the score in the hint ("NPS", or `text("score.satisfaction")`).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise UnclearAnswer(
            what, str(value), text("h.score_number", what=what, low=low, high=high)
        ) from None
    if not number.is_integer() or not low <= number <= high:
        raise UnclearAnswer(what, str(value), text("h.score_whole", what=what, low=low, high=high))
    return int(number)


@dataclass(frozen=True)
class MomentAnswer:
    mot: Mot
    polarity: Polarity
    text: str
    csat: int | None = None


@dataclass(frozen=True)
class SurveyResponse:
    nps: int | None = None
    csat: int | None = None
    answers: tuple[MomentAnswer, ...] = ()


@dataclass
class MomentFeedback:
    positive: int = 0
    negative: int = 0
    csats: list[int] = field(default_factory=list)
    quotes_positive: list[str] = field(default_factory=list)
    quotes_negative: list[str] = field(default_factory=list)

    @property
    def csat(self) -> float | None:
        return round(mean(self.csats), 2) if self.csats else None


def net_promoter_score(promoters: int, detractors: int, answers: int) -> float | None:
    """NPS on -100..100: share of promoters (9-10) minus share of detractors (0-6)."""
    return round(100 * (promoters - detractors) / answers, 1) if answers else None


class PromoterCounts:
    """NPS from promoter, passive and detractor counts (fields of the dataclass using it)."""

    promoters: int
    passives: int
    detractors: int

    @property
    def nps_answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return net_promoter_score(self.promoters, self.detractors, self.nps_answers)


@dataclass
class SurveySummary(PromoterCounts):
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    csats: list[int] = field(default_factory=list)
    moments: dict[Mot, MomentFeedback] = field(default_factory=dict)

    @property
    def csat(self) -> float | None:
        return round(mean(self.csats), 2) if self.csats else None

    @property
    def csat_satisfied_share(self) -> float | None:
        if not self.csats:
            return None
        return round(sum(1 for c in self.csats if c >= 4) / len(self.csats), 3)

    def to_dict(self) -> dict[str, object]:
        return {
            "responses": self.responses,
            "nps": self.nps,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "csat": self.csat,
            "csat_satisfied_share": self.csat_satisfied_share,
            "moments": [
                {
                    "mot": mot.value,
                    "positive": fb.positive,
                    "negative": fb.negative,
                    "csat": fb.csat,
                    "quotes_positive": fb.quotes_positive,
                    "quotes_negative": fb.quotes_negative,
                }
                for mot, fb in sorted(self.moments.items(), key=lambda kv: list(Mot).index(kv[0]))
            ],
        }


QUOTES_PER_MOMENT = 3


def summarise(responses: list[SurveyResponse]) -> SurveySummary:
    summary = SurveySummary()
    per_moment: dict[Mot, MomentFeedback] = defaultdict(MomentFeedback)
    for response in responses:
        summary.responses += 1
        if response.nps is not None:
            if response.nps >= 9:
                summary.promoters += 1
            elif response.nps >= 7:
                summary.passives += 1
            else:
                summary.detractors += 1
        if response.csat is not None:
            summary.csats.append(response.csat)
        for answer in response.answers:
            feedback = per_moment[answer.mot]
            if answer.csat is not None:
                feedback.csats.append(answer.csat)
            quote = answer.text.strip()
            if answer.polarity is Polarity.GLORY:
                feedback.positive += 1
                quotes = feedback.quotes_positive
            else:
                feedback.negative += 1
                quotes = feedback.quotes_negative
            # Representative: the first few distinct, reasonably informative answers.
            if (
                quote
                and len(quotes) < QUOTES_PER_MOMENT
                and quote not in quotes
                and len(quote) >= 12
            ):
                quotes.append(quote[:240])
    summary.moments = dict(per_moment)
    return summary


# The product's channels a customer would name at a moment (at most two are mentioned).
_PROMPT_CHANNELS: dict[Mot, tuple[str, ...]] = {
    Mot.FMOT: ("website", "mobile app", "physical store", "sales team", "marketplaces"),
    Mot.SMOT: ("phone", "email", "chat", "physical store", "mobile app"),
}


def moment_prompt(mot: Mot, channels: list[str] | tuple[str, ...] = ()) -> str:
    """A moment in a customer's words, with the product's channels where they fit:
    'your first look at our offer (on our website or in our app)'."""
    where = text(f"prompt.{mot.value}")
    fitting = [c for c in channels if c.lower() in _PROMPT_CHANNELS.get(mot, ())][:2]
    places = [channel_phrase(c, to_customers=True) for c in fitting]
    if len(places) == 2:
        return text("prompt.where_two", where=where, first=places[0], second=places[1])
    if places:
        return text("prompt.where_one", where=where, channel=places[0])
    return where


class SurveyRun:
    """One customer answering a shared survey: NPS, CSAT, then well/badly per moment.

    State is plain data so it can be kept in the conversation between turns.
    """

    def __init__(
        self,
        moments: list[Mot],
        product: str,
        state: dict[str, object] | None = None,
        channels: list[str] | tuple[str, ...] = (),
    ):
        self.moments = moments
        self.product = product
        self.channels = tuple(channels)
        self.state: dict[str, object] = {"answers": {}, **(state or {})}

    def questions(self) -> list[tuple[str, str]]:
        items = [
            ("nps", text("survey.nps", product=self.product)),
            ("csat", text("survey.csat", product=self.product)),
        ]
        for mot in self.moments:
            where = moment_prompt(mot, self.channels)
            items.append((f"{mot.value}.well", text("survey.well", where=where)))
            items.append((f"{mot.value}.badly", text("survey.badly")))
        return items

    @property
    def answers(self) -> dict[str, object]:
        answers = self.state["answers"]
        assert isinstance(answers, dict)
        return answers

    def current(self) -> tuple[str, str] | None:
        return next(((k, q) for k, q in self.questions() if k not in self.answers), None)

    def answer(self, said: str) -> str | None:
        """Store the answer; returns a re-question hint when it cannot be read."""
        current = self.current()
        if current is None:
            return None
        key, _ = current
        cleaned = " ".join(said.split())
        try:
            if key == "nps":
                self.answers[key] = parse_score(cleaned, 0, 10, text("score.recommendation"))
            elif key == "csat":
                self.answers[key] = parse_score(cleaned, 1, 5, text("score.satisfaction"))
            else:
                self.answers[key] = (
                    "" if cleaned.lower() in ("skip", "-", "nothing", "n/a") else cleaned[:1000]
                )
        except UnclearAnswer as unclear:
            return render(unclear.hint)
        if self.answers[key] is None:
            return text("h.give_number")
        return None

    def skip(self) -> None:
        current = self.current()
        if current is not None:
            self.answers[current[0]] = None if current[0] in ("nps", "csat") else ""

    def response(self) -> SurveyResponse:
        answers: list[MomentAnswer] = []
        for mot in self.moments:
            for suffix, polarity in (("well", Polarity.GLORY), ("badly", Polarity.PAIN)):
                said = self.answers.get(f"{mot.value}.{suffix}")
                if isinstance(said, str) and said:
                    answers.append(MomentAnswer(mot, polarity, said))
        nps, csat = self.answers.get("nps"), self.answers.get("csat")
        return SurveyResponse(
            nps=nps if isinstance(nps, int) else None,
            csat=csat if isinstance(csat, int) else None,
            answers=tuple(answers),
        )
