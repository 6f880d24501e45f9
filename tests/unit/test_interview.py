from __future__ import annotations

import json

import pytest

from bot.core.answers import parse_rating, parse_yes_no, recognise_moment
from bot.core.context import ProductContext
from bot.core.errors import UnclearAnswer
from bot.core.interview import Interview, explain
from bot.core.taxonomy import Business, Method, Mot, Polarity
from bot.core.texts import render

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
    assert reply.question is not None and "paying for ParcelPal" in render(reply.question.text)
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
    assert reply.question is not None and "as 2 out of 5" in render(reply.question.text)
    assert "team.lzmot.importance" not in interview.answers
    interview.answer("yes")
    assert interview.answers["team.lzmot.importance"] == 2


def test_skip_go_back_and_state_survive_a_json_round_trip() -> None:
    interview = Interview(B2B)
    interview.start(Method.TEAM)
    interview.answer("yes")
    interview.skip()  # touchpoints
    interview.answer("A client got a free audit")
    restored = Interview(B2B, json.loads(json.dumps(interview.state.to_dict())))
    reply = restored.go_back()
    assert reply.question is not None and "glory" in render(reply.question.text)
    assert "team.lzmot.glory" not in restored.answers
    assert restored.state.skipped == ["team.lzmot.touchpoints"]


def test_unclear_answers_keep_the_place() -> None:
    interview = Interview(B2C)
    interview.start(Method.TEAM)
    reply = interview.answer("maybe later")
    assert reply.question is not None and reply.question.key == "team.gap"
    assert "yes or no" in render(reply.messages[0])


def test_methods_in_any_order_and_the_bot_says_what_is_open() -> None:
    interview = Interview(B2C)
    interview.start(Method.COMPETITOR)
    interview.answer("GreenPan Box")
    status = render(interview.status())
    assert "competitor walk-through: in progress, 1 of 29 questions" in status
    assert "team knowledge: open" in status
    interview.pause()
    reply = interview.start(Method.RECORDS)
    interview.answer("no")
    complained = interview.answer("Deliveries come late and nobody tells them")
    reply = interview.answer("Our support solves problems on the first call")
    assert reply.question is not None and "which moment" in render(reply.question.text).lower()
    reply = interview.answer("using the product")
    assert reply.finished is Method.RECORDS
    praise = reply.evidence["records.praise"][0]
    assert (praise.mot, praise.polarity) == (Mot.SMOT, Polarity.GLORY)
    assert "Still open: team knowledge, competitor walk-through, customer survey" in render(
        reply.messages[-1]
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
    assert reply.analyze == ("records.export", "exports/tickets.csv")
    bad = interview.file_result("records.export", False, "I couldn't read that file", [])
    assert bad.question is not None and bad.question.key == "records.export"
    good = interview.file_result("records.export", True, "57 tickets", [])
    assert good.question is not None and good.question.key == "records.confirm"


def test_competitor_ratings_become_competitor_evidence() -> None:
    interview = Interview(B2C)
    interview.start(Method.COMPETITOR)
    answer_all(interview, "GreenPan Box", "3", "3", "Their ads are everywhere", "skip")
    answer_all(interview, "4", "2", "They answer every review")
    reply = interview.answer("Answer reviews within a day")
    item = reply.evidence["competitor.search"][0]
    assert (item.mot, item.competitor_rating, item.own_rating) == (Mot.ZMOT, 4, 2)
    assert item.details == {"competitor": "GreenPan Box", "ideas": "Answer reviews within a day"}


def test_the_survey_is_drafted_from_the_top_moments() -> None:
    interview = Interview(B2C)
    reply = interview.start(Method.SURVEY, [Mot.AMOT, Mot.SMOT, Mot.UMOT, Mot.ZMOT])
    assert reply.survey == [Mot.AMOT, Mot.SMOT, Mot.UMOT]
    text = "\n".join(map(render, reply.messages))
    assert "recommend ParcelPal" in text and "10 = extremely" in text and "(1-5)" in text
    assert "What went well?" in text and "what went badly there?" in text
    assert reply.question is not None and reply.question.key == "survey.results"


def test_explanations_come_from_the_domain() -> None:
    assert "trust, buy, stay or leave" in render(explain(None))
    text = render(explain(Mot.ZMOT, Business.B2B))
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
    assert "For example: a friend's wedding" in render(reply.messages[0])
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
    assert "First Moment of Truth (FMOT" in render(reply.question.text)
    assert "records.missing" not in interview.answers
    reply = interview.answer("no")
    assert reply.question is not None and reply.question.key == "records.missing"
    interview.answer("the price")
    interview.answer("yes")
    assert interview.answers["records.missing"] == {"mot": "fmot", "text": "the price"}


# --- what the seeds ask: live or planned, own moments, skipped moments, channels ---------

SHOP = ProductContext("ParcelPal", Business.B2C, ["website", "mobile app", "phone"], "busy parents")


@pytest.mark.parametrize(
    ("answer", "first"),
    [
        ("Live", [Method.RECORDS, Method.TEAM, Method.SURVEY, Method.COMPETITOR]),
        ("we launched last year", [Method.RECORDS, Method.TEAM, Method.SURVEY, Method.COMPETITOR]),
        ("still planning", [Method.COMPETITOR, Method.TEAM, Method.SURVEY, Method.RECORDS]),
        ("not live yet", [Method.COMPETITOR, Method.TEAM, Method.SURVEY, Method.RECORDS]),
    ],
)
def test_live_or_planned_is_asked_first_and_orders_the_methods(
    answer: str, first: list[Method]
) -> None:
    interview = Interview(SHOP)
    question = interview.current_question()
    assert question is not None and question.key == "setup.stage"
    assert "ParcelPal already live" in render(question.text)
    assert [render(title) for title, _ in question.options] == ["Live", "Still planning"]
    reply = interview.answer(answer)
    assert interview.open_methods() == first
    assert interview.current_question() is None  # the menu comes next
    assert len(reply.messages) == 1 and "ParcelPal" in render(reply.messages[0])
    said = render(reply.messages[0])
    assert ("service records" in said) if first[0] is Method.RECORDS else ("competitor" in said)
    # Kept in the state, so it survives a pause and a restart.
    restored = Interview(SHOP, json.loads(json.dumps(interview.state.to_dict())))
    assert restored.stage == interview.stage and restored.open_methods() == first
    assert restored.current_question() is None


def test_an_unclear_stage_is_asked_again_with_its_options() -> None:
    interview = Interview(SHOP)
    reply = interview.answer("hmm, kind of")
    assert reply.question is not None and reply.question.key == "setup.stage"
    assert not reply.messages  # one message: the question says why it is asked again
    assert render(reply.question.text).startswith("I couldn't read “hmm, kind of” as live")
    assert [render(title) for title, _ in reply.question.options] == ["Live", "Still planning"]
    interview.asked()
    assert render(interview.current_question().text).startswith("Before we pick")  # type: ignore[union-attr]
    assert interview.stage is None
    assert interview.answer("it's live").messages


def test_the_stage_can_be_skipped_or_changed_and_is_not_asked_mid_interview() -> None:
    interview = Interview(SHOP)
    reply = interview.skip()
    assert "any order" in render(reply.messages[0]) and interview.current_question() is None
    assert interview.open_methods() == list(Method)
    back = interview.go_back()
    assert back.question is not None and back.question.key == "setup.stage"
    interview.answer("planning")
    assert interview.open_methods()[0] is Method.COMPETITOR
    # A team that started a method before answering is not asked any more.
    started = Interview(SHOP)
    started.start(Method.TEAM)
    started.answer("yes")
    started.pause()
    started.state.method = None
    assert started.current_question() is None and started.stage is None


def test_touchpoints_are_offered_from_the_products_channels() -> None:
    interview = Interview(SHOP)
    interview.start(Method.TEAM)
    interview.answer("yes")
    interview.skip("skip this moment")  # LZMOT
    question = interview.current_question()
    assert question is not None and question.key == "team.zmot.touchpoints"
    assert "on your website, in search results, on review sites, or somewhere else?" in (
        render(question.text)
    )
    assert question.options == ()  # offered in words: the answer stays open
    assert [(render(t), a) for t, a in interview.touchpoint_options(Mot.ZMOT)] == [
        ("on your website", "website"), ("in search results", "search results"),
        ("on review sites", "review sites"),
    ]  # fmt: skip
    smot = next(q for q in interview.plan(Method.TEAM) if q.key == "team.smot.touchpoints")
    assert "on your website, in your app, on the phone, in the product itself" in render(smot.text)
    reply = interview.answer("website")
    assert reply.evidence["team.zmot"][0].touchpoint == "website"


def test_own_channel_words_are_offered_too() -> None:
    interview = Interview(ProductContext("Ledgerly", Business.B2B, ["trade fairs"], "CFOs"))
    fmot = next(q for q in interview.plan(Method.TEAM) if q.key == "team.fmot.touchpoints")
    assert "via trade fairs" in render(fmot.text)
    offered = [(render(t), a) for t, a in interview.touchpoint_options(Mot.FMOT)]
    assert ("via trade fairs", "trade fairs") in offered


@pytest.mark.parametrize(
    "said", ["skip this moment", "we have no such moment", "Skip the whole moment.", "skip zmot"]
)
def test_a_whole_moment_can_be_skipped_and_is_not_evidence(said: str) -> None:
    interview = Interview(SHOP)
    interview.start(Method.TEAM)
    answer_all(interview, "yes", "skip this moment")  # LZMOT left out
    interview.answer("Google reviews")  # ZMOT touchpoints, then the glory question
    reply = interview.answer(said) if "skip" not in said else interview.skip(said)
    assert reply.evidence == {"team.zmot": []}  # the earlier answer's evidence is removed
    assert "Left out the Zero Moment of Truth (ZMOT)" in render(reply.messages[0])
    assert reply.question is not None and reply.question.key == "team.fmot.touchpoints"
    assert not any(key.startswith("team.zmot.") for key in interview.answers)
    assert interview.skipped_moments() == [Mot.LZMOT, Mot.ZMOT]
    assert "Moments you left out: LZMOT, ZMOT" in render(interview.status())


def test_a_story_mentioning_a_skipped_stage_is_still_a_story() -> None:
    interview = Interview(SHOP)
    interview.start(Method.TEAM)
    answer_all(interview, "yes", "ads")
    reply = interview.answer("We skip the onboarding stage for small customers and they churn")
    assert reply.question is not None and reply.question.key == "team.lzmot.pain"
    assert interview.skipped_moments() == []


def test_going_back_brings_a_skipped_moment_back() -> None:
    interview = Interview(SHOP)
    interview.start(Method.TEAM)
    answer_all(interview, "yes", "no such moment")
    reply = interview.go_back()
    assert reply.question is not None and reply.question.key == "team.lzmot.touchpoints"
    assert interview.skipped_moments() == []
    assert not any(k.startswith("team.lzmot.") for k in interview.state.skipped)


def _to_own_moments(interview: Interview) -> None:
    interview.start(Method.TEAM)
    interview.answer("yes")
    for _ in range(6):
        interview.skip("skip this moment")


def test_the_team_names_a_moment_of_its_own_in_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    def unplaced(said: str) -> None:
        raise UnclearAnswer("moment", said, "which moment?")

    monkeypatch.setattr("bot.core.interview.recognise_moment", unplaced)
    interview = Interview(SHOP)
    _to_own_moments(interview)
    question = interview.current_question()
    assert question is not None and question.key == "team.own1.name"
    assert "a moment we haven't covered" in render(question.text)
    reply = interview.answer("When the courier calls to reschedule")
    assert reply.question is not None and reply.question.key == "team.own1.mot"
    assert ("Paying to receiving", "amot") in [(render(t), a) for t, a in reply.question.options]
    monkeypatch.undo()
    reply = interview.answer("amot")
    assert reply.question is not None and reply.question.key == "team.own1.polarity"
    answer_all(interview, "pain", "Parents miss the call and the parcel goes back", "5")
    reply = interview.answer("2")
    item = reply.evidence["team.own1"][0]
    assert (item.method, item.mot, item.polarity) == (Method.TEAM, Mot.AMOT, Polarity.PAIN)
    assert item.touchpoint == "When the courier calls to reschedule"
    assert item.text == "Parents miss the call and the parcel goes back"
    assert (item.importance, item.performance) == (5, 2)
    assert item.details == {"own_moment": "When the courier calls to reschedule"}
    assert reply.question is not None and reply.question.key == "team.own2.name"
    reply = interview.answer("no, that's all")
    assert reply.finished is Method.TEAM


def test_an_own_moment_the_words_place_is_not_asked_where() -> None:
    interview = Interview(SHOP)
    _to_own_moments(interview)
    reply = interview.answer("the unboxing video on TikTok (FMOT)")
    assert reply.question is not None and reply.question.key == "team.own1.polarity"
    answer_all(interview, "glory", "skip", "4")
    reply = interview.answer("5")
    assert reply.evidence["team.own1"][0].mot is Mot.FMOT
    assert reply.evidence["team.own1"][0].polarity is Polarity.GLORY


def test_no_own_moment_finishes_the_team_method() -> None:
    interview = Interview(SHOP)
    _to_own_moments(interview)
    assert interview.answer("yes").question.key == "team.own1.name"  # type: ignore[union-attr]
    reply = interview.answer("no")
    assert reply.finished is Method.TEAM and not any(reply.evidence.values())


def test_the_competitor_walk_through_covers_ads_and_answers_to_reviews() -> None:
    interview = Interview(SHOP)
    interview.start(Method.COMPETITOR)
    interview.answer("GreenPan Box")
    steps = [q for q in interview.plan(Method.COMPETITOR) if q.key.endswith(".theirs")]
    assert (steps[0].key, steps[0].mot) == ("competitor.ads.theirs", Mot.LZMOT)
    assert (steps[-1].key, steps[-1].mot) == ("competitor.replies.theirs", Mot.UMOT)
    assert "notice their ads" in render(steps[0].text)
    assert "how they answer reviews" in render(steps[-1].text)
    assert "next customer's ZMOT" in render(steps[-1].hint)
    reply = None
    for key in [q.key for q in interview.plan(Method.COMPETITOR)][1:]:
        said = {"theirs": "5", "ours": "2"}.get(key.split(".")[-1], "They reply to every review")
        reply = interview.answer(said)
    assert reply is not None and reply.finished is Method.COMPETITOR
    item = reply.evidence["competitor.replies"][0]
    assert (item.mot, item.competitor_rating, item.own_rating) == (Mot.UMOT, 5, 2)


def test_one_customers_umot_is_explained_as_the_next_customers_zmot() -> None:
    assert "next customer's ZMOT" in render(explain(Mot.UMOT))
    interview = Interview(SHOP)
    umot = [q for q in interview.plan(Method.TEAM) if q.mot is Mot.UMOT]
    assert "next customer's ZMOT" in render(umot[0].text)
    assert all("next customer's ZMOT" in render(q.hint) for q in umot)


def test_the_survey_names_the_typical_customer_and_the_channels() -> None:
    from bot.core.surveys import SurveyRun

    interview = Interview(SHOP)
    reply = interview.start(Method.SURVEY, [Mot.FMOT, Mot.SMOT])
    drafted = "\n".join(map(render, reply.messages))
    assert "survey for busy parents" in drafted and "(website, mobile app, phone)" in drafted
    assert "first look at our offer (on our website or in our app)" in drafted
    assert "any contact with our service (in our app or on the phone)" in drafted
    run = SurveyRun([Mot.FMOT, Mot.SMOT], "ParcelPal", channels=SHOP.channels)
    asked = [q for _, q in run.questions()]
    assert all(q in drafted for q in asked)  # customers get what the team was shown


def test_the_state_is_versioned_and_reads_its_older_unversioned_form() -> None:
    from bot.core.interview_state import VERSION, InterviewState

    legacy = {"method": "team", "answers": {"team.amot.importance": 4}, "done": ["records"],
              "pending": None, "order": ["team.amot.importance"], "skipped": [],
              "retired_key": 1}  # fmt: skip
    state = InterviewState.from_dict(legacy)
    assert (state.method, state.done, state.stage, state.version) == (
        "team", ["records"], None, VERSION,
    )  # fmt: skip
    stored = state.to_dict()
    assert stored["version"] == VERSION and "retired_key" not in stored
    assert InterviewState.from_dict(json.loads(json.dumps(stored))) == state
    assert InterviewState.from_dict({"answers": "garbage", "done": 3}) == InterviewState()


def test_going_back_shows_the_earlier_answer_as_it_was_offered_not_its_code() -> None:
    interview = Interview(SHOP)
    interview.answer("it's live")
    back = interview.go_back()
    assert "(you said: Live)" in render(back.messages[0])
    interview.answer("live")
    interview.start(Method.TEAM)
    interview.answer("no")  # no waiting time between paying and receiving
    skipped = 0
    while "own" not in (interview.current_question() or interview.stage_question()).key:
        interview.skip()
        skipped += 1
        assert skipped < 60
    interview.answer("When the courier calls to reschedule")
    interview.answer("pain")
    assert "(you said: Pain)" in render(interview.go_back().messages[0])


@pytest.mark.parametrize(
    "said", ["no, nothing else", "Nope, none.", "no, no more", "nah, not really"]
)
def test_a_no_with_more_words_ends_the_teams_own_moments(said: str) -> None:
    interview = Interview(SHOP)
    _to_own_moments(interview)
    assert interview.answer(said).finished is Method.TEAM
