"""Improvement suggestions, each grounded in the evidence it answers.

Four sources, in this order:
- `team`: the team's own ideas: the "idea worth taking over" from a
  competitor walk-through, and glory stories worth spreading;
- `competitor`: a competitor's practice that beats ours (named);
- `customer`: what customers ask for or name in their own words (tickets, survey);
- `library`: a curated lever from shared/domain.md, chosen by the item's
  moment, side and theme and the business type, with the product's name and
  channels filled in.
Every suggestion lists what it `answers`: a quote or a count from the item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.core.context import channel_name
from bot.core.evidence import Evidence
from bot.core.scoring import (
    CompetitorFacts,
    Quote,
    RankedMoment,
    RecordsFacts,
    SurveyFacts,
    TeamFacts,
)
from bot.core.taxonomy import Business, Method, Mot, Polarity
from bot.core.texts import text
from bot.core.themes import phrase, theme_name
from bot.core.tickets import normalise
from bot.core.wordlists import anywhere


@dataclass(frozen=True)
class Suggestion:
    mot: Mot
    polarity: Polarity
    key: str  # its words in the catalogue, with {product} and {channels}
    themes: tuple[str, ...] = ()  # empty: fits any theme of the moment
    business: Business | None = None  # None: fits both

    @property
    def text(self) -> str:
        """The template in the conversation's language, placeholders still open."""
        return text(self.key, product="{product}", channels="{channels}")


P, G = Polarity.PAIN, Polarity.GLORY
B2B, B2C = Business.B2B, Business.B2C

# The curated levers of shared/domain.md; their words are catalogue entries `lib.*`,
# with {product} and {channels} filled in when an item gets one.
LIBRARY: tuple[Suggestion, ...] = (
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.map_life_business", ("outreach",)),
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.watch_customer_signals", ("outreach",)),
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.cap_often_person", ("outreach",)),
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.target_outreach_social", ("social",)),
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.give_account_managers", ("outreach",), B2B),
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.ask_new_customers", ()),
    Suggestion(Mot.LZMOT, P, "lib.lzmot.pain.pick_trigger_event", ()),
    Suggestion(Mot.LZMOT, G, "lib.lzmot.glory.turn_outreach_works", ("outreach",)),
    Suggestion(Mot.LZMOT, G, "lib.lzmot.glory.keep_well_timed", ("offers",)),
    Suggestion(Mot.LZMOT, G, "lib.lzmot.glory.invite_happy_customers", ("referral", "social")),
    Suggestion(Mot.LZMOT, G, "lib.lzmot.glory.ask_customers_made", ()),
    Suggestion(Mot.LZMOT, G, "lib.lzmot.glory.write_down_which", ()),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.answer_review_negative", ("reviews",)),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.set_up_online", ("reviews",)),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.customer_problem_solved", ("reviews",)),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.publish_useful_content", ("content", "pricing")),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.check_shows_up", ("search",)),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.publish_case_studies", ("content",), B2B),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.search_customer_would", ()),
    Suggestion(Mot.ZMOT, P, "lib.zmot.pain.people_find_about", ()),
    Suggestion(Mot.ZMOT, G, "lib.zmot.glory.feature_best_reviews", ("reviews",)),
    Suggestion(Mot.ZMOT, G, "lib.zmot.glory.keep_answering_reviews", ("reviews",)),
    Suggestion(Mot.ZMOT, G, "lib.zmot.glory.turn_questions_people", ("content", "search")),
    Suggestion(Mot.ZMOT, G, "lib.zmot.glory.measure_search_visibility", ()),
    Suggestion(Mot.ZMOT, G, "lib.zmot.glory.link_people_find", ()),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.rewrite_first_screen", ("product info",)),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.show_full_price", ("pricing",)),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.test_packaging_product", ("packaging", "product info")),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.give_sales_reps", ("sales",), B2B),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.simplify_checkout_sign", ("checkout", "payment")),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.show_five_people", ()),
    Suggestion(Mot.FMOT, P, "lib.fmot.pain.put_first_impression", ()),
    Suggestion(Mot.FMOT, G, "lib.fmot.glory.keep_presentation_works", ("product info",)),
    Suggestion(Mot.FMOT, G, "lib.fmot.glory.offer_welcome_discount", ("offers", "pricing")),
    Suggestion(Mot.FMOT, G, "lib.fmot.glory.easy_find_where", ()),
    Suggestion(Mot.FMOT, G, "lib.fmot.glory.use_works_too", ()),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.send_proactive_status", ("tracking", "delivery")),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.delivery_promises_can", ("delivery",)),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.add_tracking_link", ("tracking",)),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.delivery_fails_apologise", ("delivery",)),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.activate_paid_accounts", ("activation",)),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.give_customers_named", ("activation",), B2B),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.send_invoice_payment", ("billing",)),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.catch_double_charges", ("billing", "payment")),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.give_finance_teams", ("billing",), B2B),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.confirm_payments_orders", ("payment", "billing")),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.write_down_happens", ()),
    Suggestion(Mot.AMOT, P, "lib.amot.pain.measure_time_payment", ()),
    Suggestion(Mot.AMOT, G, "lib.amot.glory.keep_fast_delivery", ("delivery", "tracking")),
    Suggestion(Mot.AMOT, G, "lib.amot.glory.add_small_surprise", ("delivery", "packaging")),
    Suggestion(Mot.AMOT, G, "lib.amot.glory.ask_quick_rating", ("delivery", "reviews")),
    Suggestion(
        Mot.AMOT, G, "lib.amot.glory.say_sales_conversation", ("activation", "billing", "payment")
    ),
    Suggestion(Mot.AMOT, G, "lib.amot.glory.write_down_makes", ()),
    Suggestion(Mot.AMOT, G, "lib.amot.glory.tell_customers_can", ()),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.coach_support_team", ("support tone",)),
    Suggestion(
        Mot.SMOT,
        P,
        "lib.smot.pain.answer_complaints_service",
        ("support tone", "support", "quality", "missing items"),
    ),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.support_reachable_customers", ("support",)),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.call_email_new", ("onboarding", "usability")),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.run_guided_onboarding", ("onboarding",), B2B),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.track_defects_returns", ("quality", "returns")),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.add_packing_check", ("missing items",)),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.put_crash_error", ("bugs",)),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.test_most_used", ("bugs",)),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.returns_refunds_simple", ("returns",)),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.watch_five_customers", ("usability",)),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.ask_five_customers", ()),
    Suggestion(Mot.SMOT, P, "lib.smot.pain.give_front_line", ()),
    Suggestion(Mot.SMOT, G, "lib.smot.glory.share_stories_delighted", ("support",)),
    Suggestion(Mot.SMOT, G, "lib.smot.glory.ask_delighted_customers", ("support", "reviews")),
    Suggestion(Mot.SMOT, G, "lib.smot.glory.turn_works_onboarding", ("onboarding",)),
    Suggestion(Mot.SMOT, G, "lib.smot.glory.offer_loyal_customers", ()),
    Suggestion(Mot.SMOT, G, "lib.smot.glory.name_makes_moment", ()),
    Suggestion(Mot.UMOT, P, "lib.umot.pain.answer_criticism_quickly", ("reviews", "social")),
    Suggestion(Mot.UMOT, P, "lib.umot.pain.monitor_social_media", ("social", "reviews")),
    Suggestion(Mot.UMOT, P, "lib.umot.pain.call_back_detractor", ("referral",)),
    Suggestion(Mot.UMOT, P, "lib.umot.pain.ask_feedback_customers", ("referral",)),
    Suggestion(Mot.UMOT, P, "lib.umot.pain.close_loop_tell", ()),
    Suggestion(Mot.UMOT, P, "lib.umot.pain.give_public_complaint", ()),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.ask_delighted_customers", ("reviews",)),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.spread_positive_feedback", ("social",)),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.build_community_referral", ("referral", "social")),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.ask_promoters_nps", ("referral",)),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.invite_happy_customers", ("referral",), B2B),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.thank_customers_speak", ()),
    Suggestion(Mot.UMOT, G, "lib.umot.glory.share_customers_praise", ()),
)

SOURCES = ("team", "competitor", "customer", "library")
LIMIT = 4


@dataclass(frozen=True)
class GroundedSuggestion:
    text: str
    source: str  # team | competitor | customer | library
    answers: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "source": self.source, "answers": list(self.answers)}


def candidates(mot: Mot, polarity: Polarity, business: Business | None) -> list[Suggestion]:
    return [
        s
        for s in LIBRARY
        if s.mot is mot
        and s.polarity is polarity
        and (s.business is None or s.business is business)
    ]


def library_for(
    mot: Mot, polarity: Polarity, themes: Sequence[str], business: Business | None
) -> list[Suggestion]:
    """Library entries for an item, best first: its main theme, further themes, then generic.

    An entry about another theme is never offered for a themed item (a billing
    pain gets no delivery advice); items without a theme may get any.
    """
    pool = candidates(mot, polarity, business)
    order = {s: i for i, s in enumerate(pool)}
    wanted = list(themes)

    def fit(s: Suggestion) -> tuple[int, int, int, int]:
        overlap = [t for t in wanted if t in s.themes]
        first = min((wanted.index(t) for t in overlap), default=len(wanted))
        group = 0 if overlap else 1 if not s.themes else 2
        return (group, first, 0 if s.business else 1, order[s])

    allowed = [s for s in pool if not wanted or not s.themes or set(wanted) & set(s.themes)]
    return sorted(allowed, key=fit)


def _fill(key: str, product: str, channels: Sequence[str]) -> str:
    return text(key, product=product or text("suggest.your_product"), channels=_where(channels))


def _where(channels: Sequence[str], fallback: str = "suggest.your_channels") -> str:
    """The team's channels as a list in words, or `fallback` when it named none."""
    return _joined([channel_name(c) for c in channels]) if channels else text(fallback)


def _joined(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return text("suggest.and", first=", ".join(words[:-1]), last=words[-1])


def _sentence(said: str, limit: int = 120) -> str:
    """A quote without a ticket's short subject line, short enough to read in a sentence."""
    parts = re.split(r"(?<=[.!?])\s+", " ".join(said.split()), maxsplit=1)
    if len(parts) == 2 and len(parts[0].split()) < 3:
        said = parts[1]
    said = said.strip().rstrip(".")
    return said if len(said) <= limit else said[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _quoted(said: str) -> str:
    return text("suggest.quoted", said=said)


F = TypeVar("F", TeamFacts, RecordsFacts, CompetitorFacts, SurveyFacts)


def _facts(moment: RankedMoment, kind: type[F]) -> F | None:
    return next((e.facts for e in moment.evidence if isinstance(e.facts, kind)), None)


def _count_grounds(moment: RankedMoment) -> list[str]:
    """The counts an item rests on, as short phrases, read from its evidence's facts."""
    grounds: list[str] = []
    records = _facts(moment, RecordsFacts)
    survey = _facts(moment, SurveyFacts)
    team = _facts(moment, TeamFacts)
    competitor = _facts(moment, CompetitorFacts)
    if records is not None and records.tickets is not None:
        side = "pain" if records.side is Polarity.PAIN else "glory"
        if records.theme:
            grounds.append(
                text(
                    f"ground.records.{side}_about",
                    count=records.tickets,
                    theme=theme_name(records.theme),
                )
            )
        else:
            grounds.append(text(f"ground.records.{side}", count=records.tickets))
    if survey is not None:
        if survey.mentions is not None:
            grounds.append(text("ground.survey", count=survey.mentions, code=moment.code))
        if survey.csat is not None:
            grounds.append(text("ground.csat", csat=survey.csat, code=moment.code))
        if survey.nps is not None:
            grounds.append(text("ground.nps", nps=survey.nps, answers=survey.nps_answers))
    if team is not None and team.importance is not None:
        grounds.append(
            text("ground.team", importance=team.importance, performance=team.performance)
        )
    if competitor is not None and competitor.rating is not None:
        grounds.append(
            text("ground.competitor", theirs=competitor.rating, ours=competitor.own_rating)
        )
    return grounds


def _grounds(moment: RankedMoment) -> tuple[str, ...]:
    quote = [_quoted(moment.quotes[0].text)] if moment.quotes else []
    counts = _count_grounds(moment)
    return tuple([*quote, *counts[:1]] or [text("ground.team_named", code=moment.code)])


def _rival(e: Evidence) -> str:
    return str(e.details.get("competitor") or text("suggest.a_competitor"))


def _ratings(e: Evidence, rival: str, product: str) -> str:
    return text(
        "suggest.answers.ratings",
        rival=rival,
        theirs=e.competitor_rating,
        product=product,
        ours=e.own_rating,
    )


def _team_ideas(moment: RankedMoment, product: str) -> list[GroundedSuggestion]:
    found: list[GroundedSuggestion] = []
    seen: set[str] = set()
    for e in moment.items:
        idea = e.details.get("ideas") if e.method is Method.COMPETITOR else None
        if not isinstance(idea, str) or not idea.strip() or idea.strip() in seen:
            continue
        seen.add(idea.strip())
        rival = _rival(e)
        answers = [text("suggest.answers.walkthrough", rival=rival)]
        if e.text:
            answers.append(_quoted(e.text))
        if e.competitor_rating is not None and e.own_rating is not None:
            answers.append(_ratings(e, rival, product))
        advice = text("suggest.take_over_idea", rival=rival, idea=idea.strip().rstrip("."))
        found.append(GroundedSuggestion(advice, "team", tuple(answers)))
    return found[:2]


def _glory_to_spread(
    moment: RankedMoment, related: Iterable[RankedMoment], channels: Sequence[str]
) -> list[GroundedSuggestion]:
    if moment.polarity == Polarity.GLORY.value:
        story = next((q for q in moment.quotes if q.method is Method.TEAM), None)
        if story is None:
            return []
        advice = text(
            "suggest.spread",
            story=phrase(story.text),
            channels=_where(channels, "suggest.every_channel"),
        )
        return [GroundedSuggestion(advice, "team", (_quoted(story.text),))]
    glories = [
        g
        for g in related
        if g.mot is moment.mot
        and g.polarity == Polarity.GLORY.value
        and any(q.method is Method.TEAM for q in g.quotes)
    ]
    glories.sort(key=lambda g: (g.theme != moment.theme, g.rank))
    if not glories:
        return []
    story_ = next(q for q in glories[0].quotes if q.method is Method.TEAM)
    advice = text("suggest.bring_glory", code=moment.code, story=phrase(story_.text))
    return [GroundedSuggestion(advice, "team", (_quoted(story_.text), _grounds(moment)[0]))]


def _competitor_practice(
    moment: RankedMoment, product: str, channels: Sequence[str]
) -> list[GroundedSuggestion]:
    pain = moment.polarity == Polarity.PAIN.value
    for e in moment.items:
        if e.method is not Method.COMPETITOR:
            continue
        if e.competitor_rating is None or e.own_rating is None:
            continue
        if pain and isinstance(e.details.get("ideas"), str) and str(e.details["ideas"]).strip():
            continue  # the team already named what to take over (see _team_ideas)
        rival = _rival(e)
        rating = _ratings(e, rival, product)
        answers = (_quoted(e.text), rating) if e.text else (rating,)
        if pain and e.competitor_rating > e.own_rating:
            if e.text:
                advice = text("suggest.match", rival=rival, practice=e.text.strip().rstrip("."))
            else:
                advice = text("suggest.walk_again", rival=rival)
            return [GroundedSuggestion(advice, "competitor", answers)]
        if not pain and e.own_rating > e.competitor_rating:
            advice = text(
                "suggest.keep_lead", rival=rival, code=moment.code, channels=_where(channels)
            )
            return [GroundedSuggestion(advice, "competitor", answers)]
    return []


def _customer_words(moment: RankedMoment, channels: Sequence[str]) -> list[GroundedSuggestion]:
    said = [q for q in moment.quotes if q.method in (Method.RECORDS, Method.SURVEY)]
    if not said:
        return []
    counts = _count_grounds(moment)[:1]
    if moment.polarity == Polarity.GLORY.value:
        advice = text("suggest.use_praise", channels=_where(channels), praise=phrase(said[0].text))
        return [GroundedSuggestion(advice, "customer", (_quoted(said[0].text), *counts))]
    request = next((q for q in said if anywhere("request").search(normalise(q.text))), None)
    if request is not None:
        advice = text("suggest.do_what_asked", request=request.text)
        return [GroundedSuggestion(advice, "customer", (_quoted(request.text), *counts))]
    advice = text("suggest.fix_cause", said=_sentence(said[0].text))
    return [GroundedSuggestion(advice, "customer", (_quoted(said[0].text), *counts))]


def suggest(
    moment: RankedMoment,
    related: Sequence[RankedMoment],
    business: Business | None,
    product: str,
    channels: Sequence[str] = (),
    used: set[str] | None = None,
    limit: int = LIMIT,
) -> list[GroundedSuggestion]:
    """What to do about one item, grounded in its evidence; the team's own ideas first.

    Worded in the conversation's language. `used` holds library texts already
    given to higher-ranked items, so no library suggestion repeats across a report.
    """
    product = product or text("suggest.your_product")
    grounded = [
        *_team_ideas(moment, product),
        *_glory_to_spread(moment, related, channels),
        *_competitor_practice(moment, product, channels),
        *_customer_words(moment, channels),
    ][: limit - 1]
    chosen = list(grounded)
    side = Polarity.GLORY if moment.polarity == Polarity.GLORY.value else Polarity.PAIN
    themes = moment.themes or ([moment.theme] if moment.theme else [])
    answers = _grounds(moment)
    for entry in library_for(moment.mot, side, themes, business):
        if len(chosen) >= limit:
            break
        advice = _fill(entry.key, product, channels)
        if used is not None and advice in used:
            continue
        chosen.append(GroundedSuggestion(advice, "library", answers))
        if used is not None:
            used.add(advice)
    return chosen


def quotes_of(moment: RankedMoment, method: Method) -> list[Quote]:
    return [q for q in moment.quotes if q.method is method]
