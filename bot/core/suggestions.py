"""Improvement suggestions: a curated library keyed by moment x polarity x theme x business.

Built from the levers in shared/domain.md and the source articles. Each
suggestion is written with `{product}` so it reads in the team's own words,
and comes with the reason it fits: the evidence it answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.taxonomy import MOMENTS, Business, Mot, Polarity


@dataclass(frozen=True)
class Suggestion:
    mot: Mot
    polarity: Polarity
    text: str
    themes: tuple[str, ...] = ()
    business: Business | None = None  # None: fits both


P, G = Polarity.PAIN, Polarity.GLORY
B2B, B2C = Business.B2B, Business.B2C

LIBRARY: tuple[Suggestion, ...] = (
    # Less-than-zero: the trigger before any search.
    Suggestion(
        Mot.LZMOT,
        P,
        "Map the life or business events that trigger a need for {product} "
        "and reach people there with a helpful message, not an ad.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Watch customer signals (sign-up anniversaries, usage drops, seasonal "
        "peaks) and start a proactive email before the customer goes looking.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Target outreach on social media at the moments people talk about the "
        "problem {product} solves, and measure which messages start a search.",
        ("social",),
    ),
    Suggestion(
        Mot.LZMOT,
        P,
        "Give account managers a trigger list (new funding, new hires, a "
        "regulation change) to call prospects before they issue a tender.",
        ("outreach",),
        B2B,
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Turn the outreach that works into a repeatable campaign and track how "
        "many later searches for {product} it starts.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Ask customers what made them look for a solution and reuse their words in ads and emails.",
        ("outreach",),
    ),
    Suggestion(
        Mot.LZMOT,
        G,
        "Invite happy customers to refer friends or colleagues when the same "
        "trigger happens to them.",
        ("referral",),
    ),
    # Zero: research before contact.
    Suggestion(
        Mot.ZMOT,
        P,
        "Answer every review of {product}, negative ones first, within two "
        "working days, and say what you changed.",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Publish useful content for each stage of the search (comparisons, "
        "prices, how-tos) so people find honest answers from you first.",
        ("content", "pricing"),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Check how {product} shows up in search and on mobile; fix outdated "
        "pages and make the site fast and mobile-friendly.",
        ("search", "website"),
    ),
    Suggestion(
        Mot.ZMOT,
        P,
        "Set up online reputation monitoring and measure review ratings and "
        "search visibility every month.",
        ("reviews",),
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
        G,
        "Feature the best reviews on the product pages and in search snippets "
        "(with the reviewers' consent).",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Keep answering reviews, the good ones too: it shows future customers "
        "someone is listening.",
        ("reviews",),
    ),
    Suggestion(
        Mot.ZMOT,
        G,
        "Turn the questions people search for into FAQ pages and short videos that rank well.",
        ("content", "search"),
    ),
    # First: the first encounter with the offer.
    Suggestion(
        Mot.FMOT,
        P,
        "Rewrite the first screen of the product page so it says in one "
        "sentence which need {product} meets and for whom.",
        ("product info", "website"),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Show the full price, including delivery and fees, before checkout; no "
        "surprises at the last step.",
        ("pricing",),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Test the packaging or product photos with five customers: what do they "
        "understand in five seconds?",
        ("packaging", "product info"),
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Give sales reps a short demo script that starts from the customer's "
        "problem, not the feature list.",
        ("sales",),
        B2B,
    ),
    Suggestion(
        Mot.FMOT,
        P,
        "Simplify the checkout or sign-up to as few steps as possible and "
        "offer the payment methods customers ask for.",
        ("checkout", "payment"),
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
        "Offer a welcome discount or free trial on the first visit: a small "
        "surprise that turns interest into a purchase.",
        ("pricing",),
    ),
    Suggestion(
        Mot.FMOT,
        G,
        "Make {product} easy to find where customers already look: marketplaces, "
        "comparison sites, the right shelf.",
        ("visibility",),
    ),
    # Actual: between paying and receiving.
    Suggestion(
        Mot.AMOT,
        P,
        "Send proactive status updates at every step (confirmed, packed, "
        "shipped, out for delivery) before the customer has to ask.",
        ("delivery", "waiting"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Make delivery promises you can keep: show honest delivery dates and "
        "warn early when something is late.",
        ("delivery", "waiting"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Add a tracking link to every confirmation and a clear contact for delivery problems.",
        ("delivery", "tracking"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "When a delivery fails, apologise and offer a small service-recovery "
        "gesture (a voucher, free express shipping next time).",
        ("delivery", "recovery"),
    ),
    Suggestion(
        Mot.AMOT,
        P,
        "Activate paid accounts instantly and send the access details with a "
        "first-steps guide in the same email.",
        ("activation", "onboarding"),
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
        "Give B2B customers a named contact and a provisioning timeline right "
        "after the contract is signed.",
        ("activation",),
        B2B,
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Keep the fast delivery visible: tell customers at checkout what they "
        "can expect, and thank them when it arrives.",
        ("delivery",),
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Add a small surprise in the first parcel or welcome email (a note, a "
        "sample) to turn a smooth delivery into a story.",
        ("delivery", "packaging"),
    ),
    Suggestion(
        Mot.AMOT,
        G,
        "Ask for a quick rating right after delivery while the experience is fresh.",
        ("delivery", "reviews"),
    ),
    # Second: using the product and the service around it.
    Suggestion(
        Mot.SMOT,
        P,
        "Coach the support team on tone and give them the authority to fix "
        "problems on the first contact.",
        ("support tone", "support"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Answer complaints with a service-recovery gesture (an apology and a "
        "discount on the next order) so a pain becomes a moment of glory.",
        ("support tone", "recovery", "quality"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Make support reachable when customers use {product}: publish response "
        "times and keep them.",
        ("support", "waiting"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Call or email new customers a few days after purchase to offer help "
        "with set-up and first use.",
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
        "Track the defects and returns behind the complaints and fix the top "
        "three causes in the product itself.",
        ("quality", "returns", "bugs"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Make returns and refunds simple and fast, and ask every returning "
        "customer one question about why.",
        ("returns", "billing"),
    ),
    Suggestion(
        Mot.SMOT,
        P,
        "Watch five customers use {product} for the first time and remove the "
        "steps where they get stuck.",
        ("usability", "onboarding"),
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
        "Offer loyal customers early access or a loyalty programme to turn "
        "satisfaction into repeat purchases.",
        ("loyalty",),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Ask delighted customers for a review or a referral right after a good support contact.",
        ("reviews", "support"),
    ),
    Suggestion(
        Mot.SMOT,
        G,
        "Turn what works in onboarding into a checklist every new customer gets.",
        ("onboarding",),
    ),
    # Ultimate: the customer's own feedback.
    Suggestion(
        Mot.UMOT,
        P,
        "Answer criticism quickly and publicly where it was posted, then move "
        "the conversation to a private channel to solve it.",
        ("reviews", "social"),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Monitor social media and review sites for {product} daily and route "
        "every complaint to someone who can fix it.",
        ("social", "reviews"),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Ask for feedback before customers post it elsewhere: a short survey "
        "after key moments, with a reply to every low score.",
        ("feedback",),
    ),
    Suggestion(
        Mot.UMOT,
        P,
        "Close the loop: tell customers what changed because of their feedback.",
        ("feedback",),
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
        "Spread positive feedback: share customer stories on your channels (with permission).",
        ("social",),
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Build a community or referral programme where fans help new customers.",
        ("community", "referral"),
    ),
    Suggestion(
        Mot.UMOT,
        G,
        "Invite happy B2B customers to be references or co-present a case study.",
        ("referral",),
        B2B,
    ),
)


@dataclass(frozen=True)
class ChosenSuggestion:
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.text} Why: {self.why}"


def candidates(mot: Mot, polarity: Polarity, business: Business | None) -> list[Suggestion]:
    return [
        s
        for s in LIBRARY
        if s.mot is mot
        and s.polarity is polarity
        and (s.business is None or s.business is business)
    ]


def choose(
    mot: Mot,
    polarity: str,
    themes: Iterable[str],
    business: Business | None,
    product: str,
    reason: str,
    exclude: set[str] | None = None,
    limit: int = 3,
) -> list[ChosenSuggestion]:
    """The best-fitting suggestions, theme matches and business fit first.

    `exclude` holds texts already given to higher-ranked moments, so no
    suggestion repeats verbatim across the top of a report.
    """
    wanted = Polarity.GLORY if polarity == Polarity.GLORY.value else Polarity.PAIN
    theme_set = set(themes)
    pool = candidates(mot, wanted, business)
    order = {s: i for i, s in enumerate(pool)}

    def fit(s: Suggestion) -> tuple[int, int, int]:
        return (-len(theme_set & set(s.themes)), 0 if s.business else 1, order[s])

    chosen: list[ChosenSuggestion] = []
    for s in sorted(pool, key=fit):
        text = s.text.format(product=product or "your product")
        if exclude is not None and text in exclude:
            continue
        matched = sorted(theme_set & set(s.themes))
        why = reason + (f"; it answers: {', '.join(matched)}" if matched else "") + "."
        chosen.append(ChosenSuggestion(text, why))
        if exclude is not None:
            exclude.add(text)
        if len(chosen) == limit:
            break
    return chosen


def reason_for(mot: Mot, polarity: str, evidence_summaries: list[str]) -> str:
    """One short sentence naming the evidence a suggestion answers (quotes left out)."""
    kind = "a strength to keep" if polarity == Polarity.GLORY.value else "a pain to fix"
    heads = [summary.split(". \u201c")[0] for summary in evidence_summaries[:2]]
    basis = "; ".join(heads) if heads else "the team's answers"
    return f"The {MOMENTS[mot].code.value.upper()} is {kind} ({basis})"
