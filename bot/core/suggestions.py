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

from bot.core.scoring import Quote, RankedMoment
from bot.core.taxonomy import Business, Method, Mot, Polarity
from bot.core.themes import phrase


@dataclass(frozen=True)
class Suggestion:
    mot: Mot
    polarity: Polarity
    text: str
    themes: tuple[str, ...] = ()  # empty: fits any theme of the moment
    business: Business | None = None  # None: fits both


P, G = Polarity.PAIN, Polarity.GLORY
B2B, B2C = Business.B2B, Business.B2C

LIBRARY: tuple[Suggestion, ...] = (
    Suggestion(
        Mot.LZMOT,
        P,
        "Map the life or business events that trigger a need for {product} and reach people there with a helpful message, not an ad.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Watch customer signals (sign-up anniversaries, usage drops, seasonal peaks) and start a proactive email before the customer goes looking.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Cap how often one person sees your ads, and stop retargeting people who already bought or said no.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Target outreach on social media at the moments people talk about the problem {product} solves, and measure which messages start a search.",
        ("social",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Give account managers a trigger list (new funding, new hires, a regulation change) to call prospects before they issue a tender.",
        ("outreach",),
        B2B,
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Ask new customers what made them look for a solution, and plan outreach around the three triggers they name most.",
        (),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Pick one trigger event and test a helpful, non-salesy message on {channels} for a month; keep it only if it starts searches.",
        (),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Turn the outreach that works into a repeatable campaign and track how many later searches for {product} it starts.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Keep the well-timed offers (birthdays, anniversaries) and extend them to the next trigger customers mention.",
        ("offers",),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Invite happy customers to refer friends or colleagues when the same trigger happens to them.",
        ("referral", "social"),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Ask customers what made them look for a solution and reuse their words in ads and emails.",
        (),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Write down which triggers bring customers to {product} and review them every quarter with sales and marketing.",
        (),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Answer every review of {product}, negative ones first, within two working days, and say what you changed.",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Set up online reputation monitoring and measure review ratings and search visibility every month.",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "When a customer's problem is solved, invite them to update their review.",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Publish useful content for each stage of the search (comparisons, prices, how-tos) so people find honest answers from you first.",
        ("content", "pricing"),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Check how {product} shows up in search and on mobile; fix outdated pages and make the site fast and mobile-friendly.",
        ("search",),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Publish case studies and references that buyers' committees can forward internally.",
        ("content",),
        B2B,
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Search for {product} as a customer would, once a month, and fix the first thing that would put you off.",
        (),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Make sure what people find about {product} online matches what {channels} say today: prices, promises, contact details.",
        (),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Feature the best reviews on the product pages and in search snippets (with the reviewers' consent).",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Keep answering reviews, the good ones too: it shows future customers someone is listening.",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Turn the questions people search for into FAQ pages and short videos that rank well.",
        ("content", "search"),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Measure search visibility and review ratings monthly so you notice when the lead slips.",
        (),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Link to what people find about you (reviews, comparisons) from {channels}, so new customers see it first.",
        (),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Rewrite the first screen of the product page so it says in one sentence which need {product} meets and for whom.",
        ("product info",),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Show the full price, including delivery and fees, before checkout; no surprises at the last step.",
        ("pricing",),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Test the packaging or product photos with five customers: what do they understand in five seconds?",
        ("packaging", "product info"),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Give sales reps a short demo script that starts from the customer's problem, not the feature list.",
        ("sales",),
        B2B,
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Simplify the checkout or sign-up to as few steps as possible and offer the payment methods customers ask for.",
        ("checkout", "payment"),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Show five people from your target group the first screen or shelf of {product} for five seconds and ask what it offers; fix what they miss.",
        (),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Put your first impression next to the strongest competitor's and borrow what makes theirs clearer.",
        (),
    ),
    Suggestion(
        Mot.FMOT,
        G,
        "Keep the presentation that works and A/B-test small changes before redesigning it.",
        ("product info",),
    ),
    Suggestion(
        Mot.FMOT,
        G,
        "Offer a welcome discount or free trial on the first visit: a small surprise that turns interest into a purchase.",
        ("offers", "pricing"),
    ),
    Suggestion(
        Mot.FMOT,
        G,
        "Make {product} easy to find where customers already look: marketplaces, comparison sites, the right shelf.",
        (),
    ),
    Suggestion(
        Mot.FMOT,
        G,
        "Use what works here on {channels} too, so every first contact looks as good.",
        (),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Send proactive status updates at every step (confirmed, packed, shipped, out for delivery) before the customer has to ask.",
        ("tracking", "delivery"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Make delivery promises you can keep: show honest delivery dates and warn early when something is late.",
        ("delivery",),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Add a tracking link that works to every confirmation, including the hand-over to the carrier or freight partner, and a clear contact for delivery problems.",
        ("tracking",),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "When a delivery fails, apologise and offer a small service-recovery gesture (a voucher, free express shipping next time).",
        ("delivery",),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Activate paid accounts instantly and send the access details with a first-steps guide in the same email.",
        ("activation",),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Give B2B customers a named contact and a provisioning timeline right after the contract is signed.",
        ("activation",),
        B2B,
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Send the invoice with the payment confirmation, and make every invoice downloadable in the customer's account of {product}.",
        ("billing",),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Catch double charges automatically: reconcile payments daily, refund duplicates before the customer notices and say so in one email.",
        ("billing", "payment"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Give finance teams what they need: invoices with PO number and VAT ID, sent to the address they choose, and a named billing contact.",
        ("billing",),
        B2B,
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Confirm payments and orders immediately, with what happens next and when.",
        ("payment", "billing"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Write down what happens between paying and receiving {product}, step by step, and tell the customer at each step what comes next.",
        (),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Measure the time from payment to delivery or access every week and set a target the team can see.",
        (),
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Keep the fast delivery visible: tell customers at checkout what they can expect, and thank them when it arrives.",
        ("delivery", "tracking"),
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Add a small surprise in the first parcel or welcome email (a note, a sample) to turn a smooth delivery into a story.",
        ("delivery", "packaging"),
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Ask for a quick rating right after delivery while the experience is fresh.",
        ("delivery", "reviews"),
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Say in the sales conversation and on {channels} how fast and simple access and billing are: it is a promise others may not make.",
        ("activation", "billing", "payment"),
    ),
    Suggestion(
        Mot.AMOT, G, "Write down what makes this step work so it survives growth and new staff.", ()
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Tell customers on {channels} what they can count on between paying and receiving.",
        (),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Coach the support team on tone and give them the authority to fix problems on the first contact.",
        ("support tone",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Answer complaints with a service-recovery gesture (an apology and a discount on the next order) so a pain becomes a moment of glory.",
        ("support tone", "support", "quality", "missing items"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Make support reachable when customers use {product}: publish response times on {channels} and keep them.",
        ("support",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Call or email new customers a few days after purchase to offer help with set-up and first use.",
        ("onboarding", "usability"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Run a guided onboarding for each new account, with a check-in after the first month.",
        ("onboarding",),
        B2B,
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Track the defects and returns behind the complaints and fix the top three causes in the product itself.",
        ("quality", "returns"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Add a packing check (a scan or photo of every order) before dispatch, and send a replacement without questions when something is missing.",
        ("missing items",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Put the crash and error reports customers hit most in front of the developers every week, fix them first, and tell the affected customers when it is fixed.",
        ("bugs",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Test the most used flows of {product} on real devices before every release, and keep a status page customers can check.",
        ("bugs",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Make returns and refunds simple and fast, and ask every returning customer one question about why.",
        ("returns",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Watch five customers use {product} for the first time and remove the steps where they get stuck.",
        ("usability",),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Ask five customers who had this experience what would have made it good, and fix the point they name most.",
        (),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Give front-line staff a short playbook for this moment: what to say, what they may offer, whom to call.",
        (),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Share the stories of delighted users with the whole team and keep doing what they praise.",
        ("support",),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Ask delighted customers for a review or a referral right after a good support contact.",
        ("support", "reviews"),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Turn what works in onboarding into a checklist every new customer gets.",
        ("onboarding",),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Offer loyal customers early access or a loyalty programme to turn satisfaction into repeat purchases.",
        (),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Name who makes this moment work and make their way the standard in the team's playbook.",
        (),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Answer criticism quickly and publicly where it was posted, then move the conversation to a private channel to solve it.",
        ("reviews", "social"),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Monitor social media and review sites for {product} daily and route every complaint to someone who can fix it.",
        ("social", "reviews"),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Call back every detractor (NPS 0-6) within a week, ask what would change their mind and fix the reason named most.",
        ("referral",),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Ask for feedback before customers post it elsewhere: a short survey after key moments, with a reply to every low score.",
        ("referral",),
    ),
    Suggestion(
        Mot.UMOT, P, "Close the loop: tell customers what changed because of their feedback.", ()
    ),
    Suggestion(
        Mot.UMOT, P, "Give every public complaint an owner and a reply within one working day.", ()
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Ask delighted customers for a review and make it one click away.",
        ("reviews",),
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Spread positive feedback: share customer stories on {channels} (with permission).",
        ("social",),
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Build a community or referral programme where fans help new customers.",
        ("referral", "social"),
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Ask promoters (NPS 9-10) for a referral right after they answer, while they feel it.",
        ("referral",),
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Invite happy B2B customers to be references or co-present a case study.",
        ("referral",),
        B2B,
    ),
    Suggestion(Mot.UMOT, G, "Thank the customers who speak up for you, personally.", ()),
    Suggestion(
        Mot.UMOT,
        G,
        "Share what customers praise with the team every week so they keep doing it.",
        (),
    ),
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

    def __str__(self) -> str:
        return f"{self.text} ({self.source}; answers: {'; '.join(self.answers)})"


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


def _fill(template: str, product: str, channels: Sequence[str]) -> str:
    where = _joined(list(channels)) if channels else "your channels"
    return template.format(product=product or "your product", channels=where)


def _joined(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _sentence(said: str, limit: int = 120) -> str:
    """A quote without a ticket's short subject line, short enough to read in a sentence."""
    parts = re.split(r"(?<=[.!?])\s+", " ".join(said.split()), maxsplit=1)
    if len(parts) == 2 and len(parts[0].split()) < 3:
        said = parts[1]
    said = said.strip().rstrip(".")
    return said if len(said) <= limit else said[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _quoted(said: str) -> str:
    return f"\u201c{said}\u201d"


def _count_grounds(moment: RankedMoment) -> list[str]:
    """The counts an item rests on, as short phrases."""
    i = moment.score_inputs
    word = "negative" if moment.polarity == Polarity.PAIN.value else "positive"
    grounds: list[str] = []
    if f"records_{word}" in i:
        about = f" about {moment.theme}" if moment.theme else ""
        grounds.append(f"{i[f'records_{word}']} {word} service ticket(s){about}")
    if "survey_mentions" in i:
        grounds.append(f"{i['survey_mentions']} survey answer(s) at the {moment.code}")
    if "survey_csat" in i:
        grounds.append(f"CSAT {i['survey_csat']}/5 at the {moment.code}")
    if "survey_nps" in i:
        grounds.append(f"NPS {i['survey_nps']} ({i['survey_nps_answers']} answers)")
    if "team_importance" in i:
        grounds.append(
            f"team: importance {i['team_importance']}/5, performance {i['team_performance']}/5"
        )
    if "competitor_rating" in i:
        grounds.append(f"competitor {i['competitor_rating']}/5 vs us {i['own_rating']}/5")
    return grounds


def _grounds(moment: RankedMoment) -> tuple[str, ...]:
    quote = [_quoted(moment.quotes[0].text)] if moment.quotes else []
    counts = _count_grounds(moment)
    return tuple([*quote, *counts[:1]] or [f"the team named the {moment.code} here"])


_REQUEST = re.compile(
    r"\b(please|can you|could you|would be (nice|great|good)|i wish|wish you|should|"
    r"why (can'?t|don'?t) you|bitte|koennt|koenntet|waere (schoen|gut)|wuensche)\b",
    re.I,
)


def _team_ideas(moment: RankedMoment, product: str) -> list[GroundedSuggestion]:
    found: list[GroundedSuggestion] = []
    seen: set[str] = set()
    for e in moment.items:
        idea = e.details.get("ideas") if e.method is Method.COMPETITOR else None
        if not isinstance(idea, str) or not idea.strip() or idea.strip() in seen:
            continue
        seen.add(idea.strip())
        rival = str(e.details.get("competitor") or "a competitor")
        answers = [f"your walk-through of {rival}"]
        if e.text:
            answers.append(_quoted(e.text))
        if e.competitor_rating is not None and e.own_rating is not None:
            answers.append(f"{rival} {e.competitor_rating}/5 vs {product} {e.own_rating}/5")
        text = f"Take over your own idea from the {rival} walk-through: {idea.strip().rstrip('.')}."
        found.append(GroundedSuggestion(text, "team", tuple(answers)))
    return found[:2]


def _glory_to_spread(
    moment: RankedMoment, related: Iterable[RankedMoment], channels: Sequence[str]
) -> list[GroundedSuggestion]:
    where = _joined(list(channels)) if channels else "every channel"
    if moment.polarity == Polarity.GLORY.value:
        story = next((q for q in moment.quotes if q.method is Method.TEAM), None)
        if story is None:
            return []
        text = (
            f"Spread what already works: write down how \u201c{phrase(story.text)}\u201d "
            f"happened and make it the standard for every customer, on {where}."
        )
        return [GroundedSuggestion(text, "team", (_quoted(story.text),))]
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
    text = (
        f"Bring your own glory story at the {moment.code} to this pain: "
        f"\u201c{phrase(story_.text)}\u201d shows what good looks like here."
    )
    return [GroundedSuggestion(text, "team", (_quoted(story_.text), _grounds(moment)[0]))]


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
        rival = str(e.details.get("competitor") or "a competitor")
        rating = f"{rival} {e.competitor_rating}/5 vs {product} {e.own_rating}/5"
        answers = (_quoted(e.text), rating) if e.text else (rating,)
        if pain and e.competitor_rating > e.own_rating:
            if e.text:
                text = f"Match what {rival} does here: {e.text.strip().rstrip('.')}."
            else:
                text = f"Walk through this step at {rival} again and copy what makes it better."
            return [GroundedSuggestion(text, "competitor", answers)]
        if not pain and e.own_rating > e.competitor_rating:
            where = _joined(list(channels)) if channels else "your channels"
            text = (
                f"Keep your lead over {rival} at the {moment.code} and say so on {where}: "
                "customers comparing the two should notice it."
            )
            return [GroundedSuggestion(text, "competitor", answers)]
    return []


def _customer_words(moment: RankedMoment, channels: Sequence[str]) -> list[GroundedSuggestion]:
    said = [q for q in moment.quotes if q.method in (Method.RECORDS, Method.SURVEY)]
    if not said:
        return []
    counts = _count_grounds(moment)[:1]
    if moment.polarity == Polarity.GLORY.value:
        where = _joined(list(channels)) if channels else "your channels"
        text = (
            f"Use customers' own praise on {where} (with permission): "
            f"\u201c{phrase(said[0].text)}\u201d."
        )
        return [GroundedSuggestion(text, "customer", (_quoted(said[0].text), *counts))]
    request = next((q for q in said if _REQUEST.search(q.text)), None)
    if request is not None:
        text = f"Do what customers ask for: \u201c{request.text}\u201d; then tell them it is done."
        return [GroundedSuggestion(text, "customer", (_quoted(request.text), *counts))]
    text = (
        f"Fix the cause customers name in their own words (\u201c{_sentence(said[0].text)}\u201d) "
        "and reply to those who raised it once it is fixed."
    )
    return [GroundedSuggestion(text, "customer", (_quoted(said[0].text), *counts))]


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

    `used` holds library texts already given to higher-ranked items, so no
    library suggestion repeats across a report.
    """
    product = product or "your product"
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
        text = _fill(entry.text, product, channels)
        if used is not None and text in used:
            continue
        chosen.append(GroundedSuggestion(text, "library", answers))
        if used is not None:
            used.add(text)
    return chosen


def quotes_of(moment: RankedMoment, method: Method) -> list[Quote]:
    return [q for q in moment.quotes if q.method is method]
