from __future__ import annotations

import pytest

from bot.core.suggestions import LIBRARY, candidates, choose, reason_for
from bot.core.taxonomy import Business, Mot, Polarity


@pytest.mark.parametrize("business", [Business.B2B, Business.B2C])
@pytest.mark.parametrize("polarity", list(Polarity))
@pytest.mark.parametrize("mot", list(Mot))
def test_at_least_three_distinct_suggestions_per_moment_and_polarity(
    mot: Mot, polarity: Polarity, business: Business
) -> None:
    texts = {s.text for s in candidates(mot, polarity, business)}
    assert len(texts) >= 3


def test_suggestions_follow_the_evidence_themes() -> None:
    chosen = choose(
        Mot.AMOT,
        "pain",
        ["waiting", "delivery"],
        Business.B2C,
        "ParcelPal",
        "The AMOT is a pain to fix",
    )
    assert "proactive status updates" in chosen[0].text
    assert "it answers: delivery, waiting" in chosen[0].why


def test_suggestions_speak_of_the_teams_product_by_name() -> None:
    chosen = choose(Mot.ZMOT, "pain", ["reviews"], Business.B2C, "ParcelPal", "r")
    named = [c.text for c in chosen if "ParcelPal" in c.text]
    assert named, "no suggestion names the product"
    assert all("{product}" not in c.text for c in chosen)
    unnamed = choose(Mot.ZMOT, "pain", ["reviews"], Business.B2C, "", "r")
    assert any("your product" in c.text for c in unnamed)
    assert all("{product}" not in c.text for c in unnamed)


def test_rude_agent_pain_gets_service_recovery_and_coaching() -> None:
    chosen = choose(Mot.SMOT, "pain", ["support tone"], Business.B2C, "Shop", "r")
    joined = " ".join(c.text for c in chosen)
    assert "Coach the support team" in joined
    assert "service-recovery gesture" in joined


def test_glory_gets_amplifying_suggestions_not_fixes() -> None:
    chosen = choose(Mot.UMOT, "glory", ["reviews"], Business.B2C, "Shop", "r")
    assert "Ask delighted customers for a review" in chosen[0].text
    glory_texts = {s.text for s in LIBRARY if s.polarity is Polarity.GLORY}
    assert all(c.text in glory_texts for c in chosen)


def test_no_suggestion_is_repeated_once_given() -> None:
    used: set[str] = set()
    first = choose(Mot.SMOT, "pain", ["support"], Business.B2B, "X", "r", exclude=used)
    second = choose(Mot.SMOT, "mixed", ["support"], Business.B2B, "X", "r", exclude=used)
    assert not {c.text for c in first} & {c.text for c in second}


def test_b2b_only_suggestions_are_not_given_to_b2c() -> None:
    texts = {s.text for s in candidates(Mot.SMOT, Polarity.PAIN, Business.B2C)}
    assert not any("guided onboarding for each new account" in t for t in texts)


def test_the_reason_names_the_evidence_without_quotes() -> None:
    reason = reason_for(
        Mot.AMOT, "pain", ["22 service ticket(s), 77% negative. \u201cBox late\u201d"]
    )
    assert reason == "The AMOT is a pain to fix (22 service ticket(s), 77% negative)"
