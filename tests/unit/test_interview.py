from __future__ import annotations

import json

import pytest

from bot.core.answers import parse_rating, parse_yes_no, recognise_moment
from bot.core.context import ProductContext
from bot.core.errors import UnclearAnswer
from bot.core.interview import Interview, explain
from bot.core.taxonomy import Business, Method, Mot, Polarity

B2C = ProductContext("ParcelPal", Business.B2C, ["website"], "busy parents")
B2B = ProductContext("Ledgerly", Business.B2B, ["sales team"], "finance teams")


@pytest.mark.parametrize("answer", ["4", "four", "4/5", "4 out of 5", "4.0", "it's a 4", "4 stars"])
def test_ratings_are_understood_in_many_forms(answer: str) -> None:
    assert parse_rating(answer).value == 4
    assert parse_rating(answer).confident


@pytest.mark.parametrize(("word", "value"), [("poor", 2), ("excellent", 5), ("okay", 3)])
def test_rating_words_map_to_the_scale_but_need_confirmation(word: str, value: int) -> None:
    rating = parse_rating(word)
    assert (rating.value, rating.confident) == (value, False)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [("6", "outside 1 to 5"), ("4/10", "scale from 1 to 5"), ("banana", "number from 1 to 5")],
)
def test_out_of_range_or_unclear_ratings_are_re_asked_specifically(answer: str, hint: str) -> None:
    with pytest.raises(UnclearAnswer, match=hint):
        parse_rating(answer)


@pytest.mark.parametrize(
    ("words", "mot"),
    [
        ("when the parcel arrives", Mot.AMOT),
        ("reading reviews on Google", Mot.ZMOT),
        ("ZMOT", Mot.ZMOT),
        ("tmot", Mot.UMOT),
        ("the first moment of truth", Mot.FMOT),
        ("when they first see the product page", Mot.FMOT),
    ],
)
def test_moments_are_recognised_from_the_teams_words(words: str, mot: Mot) -> None:
    assert recognise_moment(words).mot is mot


def test_yes_and_no() -> None:
    assert parse_yes_no("Yes, there is") is True
    assert parse_yes_no("nope") is False
    with pytest.raises(UnclearAnswer):
        parse_yes_no("perhaps")


def answer_all(interview: Interview, *answers: str) -> None:
    for answer in answers:
        interview.answer(answer)


def test_team_walk_adapts_to_the_product_and_collects_evidence() -> None:
    interview = Interview(B2C)
    reply = interview.start(Method.TEAM)
    assert reply.question is not None and "paying for ParcelPal" in reply.question.text
    interview.answer("no")  # no wait between paying and receiving
    moments = [q.mot for q in interview.plan(Method.TEAM) if q.mot]
    assert Mot.AMOT not in moments
    answer_all(interview, "Instagram ads", "A coupon on the first visit", "Pushy ads", "3", "2")
    reply = interview.answer("search results")  # next moment's touchpoints
    items = [e for key, evidence in reply.evidence.items() for e in evidence]
    assert all(e.mot is Mot.ZMOT for e in items)


def test_ratings_and_stories_become_team_evidence_for_the_moment() -> None:
    interview = Interview(B2C)
    interview.start(Method.TEAM)
    answer_all(interview, "yes", "ads", "free sample", "spam mails", "4")
    reply = interview.answer("2")
    evidence = reply.evidence["team.lzmot"]
    rated = next(e for e in evidence if e.importance is not None)
    assert (rated.importance, rated.performance, rated.touchpoint) == (4, 2, "ads")
    assert {e.polarity for e in evidence} == {None, Polarity.GLORY, Polarity.PAIN}


def test_a_rating_word_is_confirmed_before_it_is_stored() -> None:
    interview = Interview(B2C)
    interview.start(Method.TEAM)
    answer_all(interview, "yes", "ads", "skip-me", "spam")
    reply = interview.answer("poor")
    assert reply.question is not None and "as 2 out of 5" in reply.question.text
    assert "team.lzmot.importance" not in interview.answers
    interview.answer("yes")
    assert interview.answers["team.lzmot.importance"] == 2


def test_skip_go_back_and_state_survive_a_json_round_trip() -> None:
    interview = Interview(B2B)
    interview.start(Method.TEAM)
    interview.answer("yes")
    interview.skip()  # touchpoints
    interview.answer("A client got a free audit")
    restored = Interview(B2B, json.loads(json.dumps(interview.state)))
    reply = restored.go_back()
    assert reply.question is not None and "glory" in reply.question.text
    assert "team.lzmot.glory" not in restored.answers
    assert restored.state["skipped"] == ["team.lzmot.touchpoints"]


def test_unclear_answers_keep_the_place() -> None:
    interview = Interview(B2C)
    interview.start(Method.TEAM)
    reply = interview.answer("maybe later")
    assert reply.question is not None and reply.question.key == "team.gap"
    assert "yes or no" in reply.messages[0]


def test_methods_in_any_order_and_the_bot_says_what_is_open() -> None:
    interview = Interview(B2C)
    interview.start(Method.COMPETITOR)
    interview.answer("GreenPan Box")
    status = interview.status()
    assert "competitor walk-through: in progress, 1 of 21 questions" in status
    assert "team knowledge: open" in status
    interview.pause()
    reply = interview.start(Method.RECORDS)
    interview.answer("no")
    complained = interview.answer("Deliveries come late and nobody tells them")
    reply = interview.answer("Our support solves problems on the first call")
    assert reply.question is not None and "which moment" in reply.question.text.lower()
    reply = interview.answer("using the product")
    assert reply.finished is Method.RECORDS
    praise = reply.evidence["records.praise"][0]
    assert (praise.mot, praise.polarity) == (Mot.SMOT, Polarity.GLORY)
    assert (
        "Still open: team knowledge, competitor walk-through, customer survey" in reply.messages[-1]
    )
    complaint = complained.evidence["records.complaint"][0]
    assert (complaint.mot, complaint.polarity) == (Mot.AMOT, Polarity.PAIN)


def test_records_complaints_are_tagged_with_their_moment() -> None:
    interview = Interview(B2C)
    interview.start(Method.RECORDS)
    interview.answer("no")
    reply = interview.answer("Deliveries come late and the parcel is often damaged")
    item = reply.evidence["records.complaint"][0]
    assert (item.method, item.mot, item.polarity) == (Method.RECORDS, Mot.AMOT, Polarity.PAIN)


def test_a_helpdesk_export_is_read_by_the_adapter_and_confirmed() -> None:
    interview = Interview(B2C)
    interview.start(Method.RECORDS)
    interview.answer("yes")
    reply = interview.answer("exports/tickets.csv")
    assert reply.analyse == ("records.export", "exports/tickets.csv")
    bad = interview.file_result("records.export", False, "I couldn't read that file", [])
    assert bad.question is not None and bad.question.key == "records.export"
    good = interview.file_result("records.export", True, "57 tickets", [])
    assert good.question is not None and good.question.key == "records.confirm"


def test_competitor_ratings_become_competitor_evidence() -> None:
    interview = Interview(B2C)
    interview.start(Method.COMPETITOR)
    answer_all(interview, "GreenPan Box", "4", "2", "They answer every review")
    reply = interview.answer("Answer reviews within a day")
    item = reply.evidence["competitor.search"][0]
    assert (item.mot, item.competitor_rating, item.own_rating) == (Mot.ZMOT, 4, 2)
    assert item.details == {"competitor": "GreenPan Box", "ideas": "Answer reviews within a day"}


def test_the_survey_is_drafted_from_the_top_moments() -> None:
    interview = Interview(B2C)
    reply = interview.start(Method.SURVEY, [Mot.AMOT, Mot.SMOT, Mot.UMOT, Mot.ZMOT])
    assert reply.survey == [Mot.AMOT, Mot.SMOT, Mot.UMOT]
    text = "\n".join(reply.messages)
    assert "recommend ParcelPal" in text and "10 = extremely" in text and "(1-5)" in text
    assert "What went well?" in text and "what went badly there?" in text
    assert reply.question is not None and reply.question.key == "survey.results"


def test_explanations_come_from_the_domain() -> None:
    assert "trust, buy, stay or leave" in explain(None)
    text = explain(Mot.ZMOT, Business.B2B)
    assert text.startswith("Zero Moment of Truth (ZMOT)") and "review portal" in text


def test_a_customer_answers_a_survey_with_bad_scores_re_asked() -> None:
    from bot.core.surveys import SurveyRun

    run = SurveyRun([Mot.AMOT], "ParcelPal")
    assert run.current() is not None and "recommend ParcelPal" in run.current()[1]  # type: ignore[index]
    assert run.answer("11") is not None  # out of range: re-asked
    assert run.answer("9") is None
    assert run.answer("4") is None
    assert run.answer("Fast delivery") is None
    run.skip()
    assert run.current() is None
    response = run.response()
    assert (response.nps, response.csat) == (9, 4)
    assert [(a.mot, a.polarity, a.text) for a in response.answers] == [
        (Mot.AMOT, Polarity.GLORY, "Fast delivery")
    ]


@pytest.mark.parametrize("hesitation", ["hmm", "not sure", "I don't know", "?"])
def test_hesitation_gets_an_explanation_and_an_example(hesitation: str) -> None:
    interview = Interview(B2C)
    interview.start(Method.TEAM)
    interview.answer("yes")
    reply = interview.answer(hesitation)
    assert "For example: a friend's wedding" in reply.messages[0]
    assert reply.question is not None and reply.question.key == "team.lzmot.touchpoints"
    assert "team.lzmot.touchpoints" not in interview.answers


def test_an_unsure_moment_is_confirmed_before_it_is_stored() -> None:
    interview = Interview(B2C)
    interview.start(Method.RECORDS)
    interview.answer("yes")
    interview.file_result("records.export", True, "10 tickets", [])
    interview.answer("no")
    reply = interview.answer("the price")  # a weak cue: fmot, unsure
    assert reply.question is not None and reply.question.key == "records.missing.confirm"
    assert "First Moment of Truth (FMOT" in reply.question.text
    assert "records.missing" not in interview.answers
    reply = interview.answer("no")
    assert reply.question is not None and reply.question.key == "records.missing"
    interview.answer("the price")
    interview.answer("yes")
    assert interview.answers["records.missing"] == {"mot": "fmot", "text": "the price"}
