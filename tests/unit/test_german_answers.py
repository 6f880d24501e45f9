"""German answers understood as English ones are (issue 13): words from bot/locale/de/answers.toml.

What a German team types in the chat: yes and no, ratings in words (the vague
ones confirmed before they count), the product's stage, "nein, das war's",
"weiß nicht", skipping a moment, umlauts typed as ae/oe/ue and ß as ss. Then a
whole team knowledge interview answered in German, asserted on what is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import services
from bot.core.answers import (
    LIVE,
    PLANNING,
    parse_method_choice,
    parse_rating,
    parse_stage,
    parse_yes_no,
    recognise_moment,
)
from bot.core.context import ProductContext, channel_names, parse_business, parse_channels
from bot.core.errors import UnclearAnswer
from bot.core.interview import Interview
from bot.core.interview_state import InterviewState
from bot.core.taxonomy import Business, Method, Mot, Polarity
from bot.core.texts import use_language
from bot.core.themes import phrase
from bot.exports import read_survey_results
from bot.interview_service import Act, Member, Then, Turn, current_interview, interview_turn
from tests.fakes import FakeDatabase, team_member

SENDER = "tg:-5:7"
CONTEXT = ProductContext("PaketPilot", Business.B2C, ["website", "mobile app"], "Eltern")


@pytest.fixture(autouse=True)
def german() -> Iterator[None]:
    with use_language("de"):
        yield


@pytest.mark.parametrize(
    "said",
    ["ja", "Ja!", "jo", "jep", "klar", "genau", "passt", "stimmt", "Ja, klar.", "auf jeden Fall"],
)
def test_a_german_yes(said: str) -> None:
    assert parse_yes_no(said) is True


@pytest.mark.parametrize(
    "said",
    ["nein", "nee", "nö", "noe", "eher nicht", "Nein danke", "noch nicht", "stimmt nicht"],
)
def test_a_german_no(said: str) -> None:
    assert parse_yes_no(said) is False


@pytest.mark.parametrize(
    ("said", "value"),
    [("vier", 4), ("4 von 5", 4), ("4/5", 4), ("vier von fünf", 4), ("vier von fuenf", 4),
     ("ungefähr 4", 4), ("4 Punkte", 4), ("fünf", 5), ("sehr gut", 5), ("Sehr gut!", 5),
     ("sehr wichtig", 5), ("gar nicht", 1), ("überhaupt nicht wichtig", 1),
     ("ueberhaupt nicht wichtig", 1)],
)  # fmt: skip
def test_clear_german_ratings_are_taken_at_once(said: str, value: int) -> None:
    rating = parse_rating(said)
    assert (rating.value, rating.confident) == (value, True)


@pytest.mark.parametrize(
    ("said", "value"),
    [("eher gut", 4), ("gut", 4), ("wichtig", 4), ("kaum", 2), ("mittel", 3), ("geht so", 3),
     ("schlecht", 2), ("nicht so gut", 2), ("nicht sehr wichtig", 2), ("mittelmäßig", 3),
     ("mittelmaessig", 3), ("ziemlich wichtig", 4)],
)  # fmt: skip
def test_vague_german_ratings_are_confirmed_first(said: str, value: int) -> None:
    rating = parse_rating(said)
    assert (rating.value, rating.confident) == (value, False)


def test_a_german_scale_that_is_not_the_question_is_refused() -> None:
    with pytest.raises(UnclearAnswer):
        parse_rating("4 von 10")
    with pytest.raises(UnclearAnswer):
        parse_rating("sieben")


@pytest.mark.parametrize(
    ("said", "stage"),
    [("live", LIVE), ("schon am Markt", LIVE), ("läuft schon", LIVE), ("laeuft", LIVE),
     ("Wir haben schon zahlende Kunden", LIVE), ("noch in Planung", PLANNING),
     ("Launch nächsten Monat", PLANNING), ("launch naechsten monat", PLANNING),
     ("noch nicht live", PLANNING), ("ist noch eine Idee", PLANNING)],
)  # fmt: skip
def test_the_stage_in_german(said: str, stage: str) -> None:
    assert parse_stage(said) == stage


@pytest.mark.parametrize(
    ("said", "business"),
    [("Wir verkaufen an Unternehmen", Business.B2B), ("an Firmenkunden und Behörden", Business.B2B),
     ("an Privatkunden", Business.B2C), ("Endverbraucher, vor allem Familien", Business.B2C),
     ("B2C, also Eltern und Schulen", Business.B2C)],
)  # fmt: skip
def test_the_business_type_in_german(said: str, business: Business) -> None:
    assert parse_business(said) is business


@pytest.mark.parametrize("said", ["beides", "sowohl Firmen als auch Privatleute", "gemischt"])
def test_both_kinds_of_customer_are_asked_again(said: str) -> None:
    with pytest.raises(UnclearAnswer):
        parse_business(said)


def test_channels_named_in_german_are_the_known_channels() -> None:
    assert parse_channels("Webseite, App und Telefon") == ["website", "mobile app", "phone"]
    assert parse_channels("über unsere Homepage oder per E-Mail") == ["website", "email"]
    assert parse_channels("vor allem Instagram sowie in der Filiale") == [
        "social media", "physical store",
    ]  # fmt: skip
    assert parse_channels("Messen und Kataloge") == ["Messen", "Kataloge"]  # their own words


def test_known_channels_are_shown_in_german_and_the_teams_own_words_as_written() -> None:
    assert channel_names(parse_channels("Webshop und App und Messen")) == "Website, App, Messen"
    with use_language("en"):
        assert channel_names(["website", "mobile app", "Messen"]) == "website, mobile app, Messen"


def test_moments_and_methods_named_in_german() -> None:
    assert recognise_moment("der erste Eindruck").mot is Mot.FMOT
    assert recognise_moment("im zweiten Moment").mot is Mot.SMOT
    assert recognise_moment("Zero Moment of Truth").mot is Mot.ZMOT
    assert recognise_moment("wenn das Paket ankommt").mot is Mot.AMOT
    assert parse_method_choice("die Umfrage") is Method.SURVEY
    assert parse_method_choice("Konkurrenz testen") is Method.COMPETITOR
    assert parse_method_choice("unsere Tickets") is Method.RECORDS


def test_a_german_title_keeps_its_nouns_capitalised() -> None:
    assert phrase("Pakete kommen zu spät an") == "Pakete kommen zu spät an"
    assert phrase("Die Pakete kommen zu spät") == "die Pakete kommen zu spät"
    with use_language("en"):
        assert phrase("The parcels arrive late") == "the parcels arrive late"
        assert phrase("I love it") == "I love it"


def test_survey_comments_that_say_nothing_are_not_read_as_answers(tmp_path: Path) -> None:
    meant = ["Die Lieferung kam zu spät", "Die App stürzt beim Bezahlen ab", "Zu teuer"]
    said = [*meant, "k.A.", "keine Angabe", "-", "Nichts.", "N/A"]
    survey = tmp_path / "umfrage.csv"
    survey.write_text(
        "Weiterempfehlung (0-10);Was können wir besser machen?\n"
        + "".join(f"{score};{comment}\n" for score, comment in enumerate(said)),
        encoding="utf-8",
    )
    results = read_survey_results(survey)
    assert len(results.responses) == len(said)  # every respondent counts...
    answers = [a.text for r in results.responses for a in r.answers]
    assert answers == meant  # ...but not everyone said something


def _interview_at(key: str) -> Interview:
    interview = Interview(CONTEXT, InterviewState())
    interview.start(Method.TEAM)
    while (question := interview.current_question()) is not None and question.key != key:
        interview.skip()
    return interview


@pytest.mark.parametrize("said", ["weiß nicht", "weiss nicht", "keine Ahnung", "ähm...", "hm?"])
def test_not_knowing_is_not_an_answer(said: str) -> None:
    interview = _interview_at("team.zmot.glory")
    reply = interview.answer(said)
    assert reply.question is not None and reply.question.key == "team.zmot.glory"
    assert "team.zmot.glory" not in interview.answers


@pytest.mark.parametrize(
    "said",
    ["diesen Moment überspringen", "diesen Moment ueberspringen", "Moment überspringen",
     "haben wir nicht", "den Moment haben wir nicht", "gibt es bei uns nicht"],
)  # fmt: skip
def test_a_moment_left_out_in_german(said: str) -> None:
    interview = _interview_at("team.fmot.touchpoints")
    interview.answer(said)
    assert "fmot" in interview.state.skipped_moments
    question = interview.current_question()
    assert question is not None and question.key == "team.amot.touchpoints"


@pytest.mark.parametrize(
    "said",
    ["nein, das war's", "Nein, das wars", "nichts mehr", "nö", "nein, keine weiteren",
     "Nein, keine weiteren Momente.", "keine mehr, danke"],
)  # fmt: skip
def test_no_further_moment_of_our_own(said: str) -> None:
    interview = _interview_at("team.own1.name")
    interview.answer(said)
    assert interview.current_question() is None


def test_a_bare_yes_to_another_moment_asks_which() -> None:
    interview = _interview_at("team.own1.name")
    reply = interview.answer("ja, gibt es")
    assert reply.question is not None and reply.question.key == "team.own1.name"


# --- a whole interview in German, on the fake database -------------------------


@pytest.fixture
def ana(db: FakeDatabase, tmp_path: Path) -> Member:
    return team_member(db, SENDER, "Ana", CONTEXT, tmp_path)


def do(db: FakeDatabase, who: Member, text: str = "", act: Act = Act.ANSWER, **kw: object) -> Turn:
    return interview_turn(db.unit_of_work, who, text, act=act, **kw)  # type: ignore[arg-type]


def now(db: FakeDatabase, who: Member) -> Interview:
    interview = current_interview(db.unit_of_work, who)
    assert interview is not None
    return interview


STORIES = {
    "touchpoints": "Instagram-Werbung und die Website",
    "glory": "Eltern loben die pünktliche Zustellung",
    "pain": "Das Paket kam zwei Tage zu spät und niemand hat Bescheid gegeben",
}


def test_team_knowledge_answered_in_german_to_the_end(db: FakeDatabase, ana: Member) -> None:
    assert do(db, ana, act=Act.OFFER).then is Then.ASK_STAGE
    do(db, ana, "schon am Markt")
    assert now(db, ana).state.stage == LIVE
    assert do(db, ana, act=Act.START, method=Method.TEAM).started is Method.TEAM
    do(db, ana, "ja")  # there is a wait between paying and receiving
    assert now(db, ana).answers["team.gap"] is True
    skipped_one = False
    for _ in range(80):
        question = now(db, ana).current_question()
        if question is None:
            break
        part = question.key.rsplit(".", 1)[-1]
        if question.key == "team.lzmot.touchpoints":
            do(db, ana, "weiß nicht")  # asked again, nothing stored
            assert now(db, ana).current_question() == question
            do(db, ana, "diesen Moment überspringen")
        elif question.key == "team.zmot.glory" and not skipped_one:
            do(db, ana, "überspringen", act=Act.SKIP)
            skipped_one = True
        elif question.key == "team.fmot.touchpoints":
            do(db, ana, "haben wir nicht")
        elif part == "importance":
            do(db, ana, "sehr wichtig")  # taken at once
        elif part == "performance":
            do(db, ana, "eher gut")  # vague: confirmed first
            assert now(db, ana).state.pending is not None
            do(db, ana, "ja")
        elif question.kind == "own" and question.key == "team.own1.name":
            do(db, ana, "Die Rücksendung über die App")
        elif question.kind == "own":
            do(db, ana, "nein, das war's")
        elif question.kind == "polarity":
            do(db, ana, "eher ein Problem")
        elif question.kind == "rating":
            do(db, ana, "4 von 5")
        else:
            do(db, ana, STORIES.get(part, "Die Rücksendung dauert zu lange"))
    interview = now(db, ana)
    assert interview.current_question() is None
    assert Method.TEAM in interview.done()
    assert interview.state.skipped_moments == ["lzmot", "fmot"]
    assert "team.zmot.glory" in interview.state.skipped
    evidence = services.evidence_of(db.unit_of_work, ana.session_id or "")
    rated = {e.mot: (e.importance, e.performance) for e in evidence if e.importance is not None}
    assert rated == {mot: (5, 4) for mot in (Mot.ZMOT, Mot.AMOT, Mot.SMOT, Mot.UMOT)}
    assert not any(e.mot in (Mot.LZMOT, Mot.FMOT) for e in evidence)
    own = [e for e in evidence if e.details.get("own_moment") == "Die Rücksendung über die App"]
    assert [e.polarity for e in own] == [Polarity.PAIN]
    pains = {e.mot for e in evidence if e.polarity is Polarity.PAIN and "zu spät" in e.text}
    assert pains == {Mot.ZMOT, Mot.AMOT, Mot.SMOT, Mot.UMOT}
