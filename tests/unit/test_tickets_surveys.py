from __future__ import annotations

from typing import Any

import pytest

from bot.core.errors import UnclearAnswer
from bot.core.surveys import MomentAnswer, SurveyResponse, parse_score, summarise
from bot.core.taxonomy import Mot, Polarity, Stage
from bot.core.tickets import TicketAnalysis, classify, sentiment_of


@pytest.mark.parametrize(
    ("text", "mot"),
    [
        ("Where is my parcel? Still no tracking after 10 days", Mot.AMOT),
        ("Das Paket ist seit einer Woche nicht angekommen", Mot.AMOT),
        ("The agent on the hotline was rude", Mot.SMOT),
        ("Die App stürzt nach dem Update ständig ab", Mot.SMOT),
        ("The product page says waterproof, it isn't", Mot.FMOT),
        ("I read the reviews on Trustpilot before ordering", Mot.ZMOT),
        ("I will leave a one-star review and warn others", Mot.UMOT),
        ("Bitte keine Werbung mehr, ich will den Newsletter abbestellen", Mot.LZMOT),
    ],
)
def test_tickets_are_read_as_the_moment_they_describe(text: str, mot: Mot) -> None:
    assert classify("1", text).mot is mot


def test_paying_problems_are_the_decision_stage_and_deliveries_retention() -> None:
    assert (
        classify("1", "Payment failed at checkout but the money was charged").stage
        is Stage.DECISION
    )
    assert classify("2", "The courier never delivered my parcel").stage is Stage.RETENTION


def test_unmatched_text_gets_a_low_confidence() -> None:
    result = classify("1", "Hello, quick question")
    assert result.confidence < 0.5


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("thanks, super helpful", "positive"),
        ("not happy at all, this is unacceptable", "negative"),
        ("I am not satisfied", "negative"),
        ("Ich bin nicht zufrieden", "negative"),
        ("can I change my address?", "neutral"),
    ],
)
def test_sentiment_handles_negation(text: str, sentiment: str) -> None:
    assert sentiment_of(text.lower()) == sentiment


def test_the_hardest_moment_carries_the_most_pain() -> None:
    analysis = TicketAnalysis()
    late, praise = "my parcel still has not arrived, terrible", "support was great, thanks"
    for text in [late] * 3 + [praise] * 5:
        analysis.add(classify("x", text), text)
    assert analysis.hardest()[0] is Mot.AMOT
    summary: dict[str, Any] = analysis.to_dict()  # the JSON `mot tickets analyze` prints
    assert summary["hardest"][0] == "amot"
    amot = next(m for m in summary["moments"] if m["mot"] == "amot")
    assert amot["count"] == 3 and amot["negative_share"] == 1.0


def test_nps_and_csat_follow_their_definitions() -> None:
    responses = [SurveyResponse(nps=n, csat=c) for n, c in [(10, 5), (9, 4), (8, 4), (3, 1)]]
    summary = summarise(responses)
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 1, 1)
    assert summary.nps == 25.0
    assert summary.csat == 3.5
    assert summary.csat_satisfied_share == 0.75


def test_mentions_and_quotes_per_moment() -> None:
    responses = [
        SurveyResponse(
            answers=(MomentAnswer(Mot.AMOT, Polarity.PAIN, "Box came three hours late", 2),)
        ),
        SurveyResponse(
            answers=(MomentAnswer(Mot.AMOT, Polarity.GLORY, "Driver was lovely and on time", 4),)
        ),
    ]
    feedback = summarise(responses).moments[Mot.AMOT]
    assert (feedback.negative, feedback.positive, feedback.csat) == (1, 1, 3.0)
    assert feedback.quotes_negative == ["Box came three hours late"]


@pytest.mark.parametrize("value", ["11", "-1", "7.5", "ten"])
def test_out_of_range_scores_are_refused(value: str) -> None:
    with pytest.raises(UnclearAnswer):
        parse_score(value, 0, 10, "NPS")


def test_scores_accept_blank_and_decimal_comma() -> None:
    assert parse_score("", 0, 10, "NPS") is None
    assert parse_score("9,0", 0, 10, "NPS") == 9


def test_a_respondent_who_skips_the_open_questions_still_counts() -> None:
    from bot.core.survey_columns import SurveyColumns
    from bot.exports import _survey_response

    columns = SurveyColumns(nps="NPS", csat="CSAT", went_well=("Liked",), went_badly=("Better",))
    rows = [
        {"NPS": "10", "CSAT": "5", "Liked": "Tasty recipes every week", "Better": ""},
        {"NPS": "2", "CSAT": "sehr unzufrieden", "Liked": "", "Better": "-"},
        {"NPS": "", "CSAT": "Very satisfied", "Liked": "", "Better": ""},
    ]
    summary = summarise([_survey_response(row, columns) for row in rows])
    assert (summary.responses, summary.nps_answers, summary.nps) == (3, 2, 0.0)
    assert summary.csats == [5, 1, 5]
    assert sum(f.positive + f.negative for f in summary.moments.values()) == 1
