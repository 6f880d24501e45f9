"""The whole interview through `interview_turn`, on the in-memory database: no Rasa, no SQL.

Each test is what a team does in the chat, one service call per message, and
what it then finds stored: its progress, its evidence, its survey.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import services
from bot.core.context import ProductContext
from bot.core.interview import Interview
from bot.core.taxonomy import Business, Method, Mot
from bot.core.texts import render, use_language
from bot.interview_service import Act, Member, Then, Turn, current_interview, interview_turn
from tests.fakes import FakeDatabase, team_member

SENDER = "tg:-5:7"  # Ana, in her team's Telegram group
CONTEXT = ProductContext("ParcelPal", Business.B2C, ["website", "mobile app"], "busy parents")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_language("en"):
        yield


@pytest.fixture
def ana(db: FakeDatabase, tmp_path: Path) -> Member:
    """Ana's team has set up its product; files she sends land in the group's folder."""
    return team_member(db, SENDER, "Ana", CONTEXT, tmp_path)


def said(turn: Turn) -> str:
    return "\n".join(render(m.text) for m in turn.messages)


def titles(turn: Turn) -> list[str]:
    return [render(b.title) for m in turn.messages for b in m.buttons]


def do(
    db: FakeDatabase,
    who: Member,
    text: str = "",
    act: Act = Act.ANSWER,
    *,
    upload: str | None = None,
    method: Method | None = None,
    in_form: bool = False,
) -> Turn:
    """One message of `who`, as the chat's action would pass it on."""
    return interview_turn(
        db.unit_of_work, who, text, act=act, upload=upload, method=method, in_form=in_form
    )


def now(db: FakeDatabase, who: Member) -> Interview:
    interview = current_interview(db.unit_of_work, who)
    assert interview is not None
    return interview


def a_plain_answer(interview: Interview) -> str:
    """What a cooperative team member answers to the current question."""
    question = interview.current_question()
    assert question is not None
    return {
        "rating": "4",
        "yesno": "yes",
        "ticket_check": "yes",
        "column_check": "yes",
        "own": "no",
        "moment": "when they wait for the parcel",
        "polarity": "pain",
    }.get(question.kind, "Parents complain the courier came while they were at work")


def answer_until_done(db: FakeDatabase, who: Member, limit: int = 80) -> list[Turn]:
    turns = []
    for _ in range(limit):
        turn = do(db, who, a_plain_answer(now(db, who)))
        turns.append(turn)
        if turn.then is Then.METHOD_DONE:
            return turns
    raise AssertionError("the method never finished")


def start(db: FakeDatabase, who: Member, method: Method) -> Turn:
    first = do(db, who, act=Act.OFFER)
    assert first.then is Then.ASK_STAGE  # live or planned comes first
    stage = do(db, who, act=Act.ASK)
    assert titles(stage) == ["Live", "Still planning"]
    assert "Since ParcelPal is live" in said(do(db, who, "live"))
    return do(db, who, act=Act.START, method=method)


def write_csv(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return f"{path.parent.name}/{path.name}"


def test_team_knowledge_from_the_first_question_to_its_evidence(
    db: FakeDatabase, ana: Member
) -> None:
    started = start(db, ana, Method.TEAM)
    assert started.started is Method.TEAM and "moment by moment" in said(started)
    asked = do(db, ana, act=Act.ASK)
    assert "wait between paying for ParcelPal" in said(asked) and titles(asked) == ["Yes", "No"]
    turns = answer_until_done(db, ana)
    assert "That completes the team knowledge" in said(turns[-1])
    assert now(db, ana).done() == [Method.TEAM]
    evidence = services.evidence_of(db.unit_of_work, ana.session_id or "")
    rated = {e.mot for e in evidence if e.importance == 4 and e.performance == 4}
    assert rated == {Mot.LZMOT, Mot.ZMOT, Mot.FMOT, Mot.AMOT, Mot.SMOT, Mot.UMOT}
    menu = do(db, ana, act=Act.NEXT)
    assert Method.TEAM.value not in str(titles(menu)).lower() and "Service records" in titles(menu)


def test_service_records_from_an_uploaded_export(
    db: FakeDatabase, ana: Member, tmp_path: Path
) -> None:
    start(db, ana, Method.RECORDS)
    do(db, ana, "yes")  # we have an export
    typed = do(db, ana, str(tmp_path / "-5" / "tickets.csv"))
    assert "send the file itself" in said(typed)  # a typed path is never opened
    tickets = [["id", "description"]] + [
        [str(n), text]
        for n, text in enumerate(
            ["Where is my parcel? Tracking has not moved for five days."] * 6
            + ["The app crashes every time I open the settings page."] * 3,
            start=1,
        )
    ]
    upload = write_csv(tmp_path / "-5" / "tickets.csv", tickets)
    read = do(db, ana, "/upload_file", upload=upload)
    assert "I read 9 tickets" in said(read) and "1. AMOT" in said(read)
    assert now(db, ana).state.groups[0] == "amot"
    done = do(db, ana, "yes")  # the groups are right
    assert done.then is Then.METHOD_DONE
    evidence = services.evidence_of(db.unit_of_work, ana.session_id or "")
    assert {e.mot for e in evidence} >= {Mot.AMOT}


def test_the_competitor_walk_through_rates_both_sides(db: FakeDatabase, ana: Member) -> None:
    start(db, ana, Method.COMPETITOR)
    do(db, ana, "ShipFast")  # the competitor
    turns = answer_until_done(db, ana)
    assert len(turns) == 7 * 4  # seven steps, four questions each
    evidence = services.evidence_of(db.unit_of_work, ana.session_id or "")
    assert len(evidence) == 7
    assert all(e.competitor_rating == 4 and e.own_rating == 4 for e in evidence)


def test_the_survey_is_created_once_and_its_results_read_from_a_file(
    db: FakeDatabase, ana: Member, tmp_path: Path
) -> None:
    started = start(db, ana, Method.SURVEY)
    with db.unit_of_work() as uow:
        survey = uow.repo.survey_of(ana.session_id or "")
    assert survey is not None and f"survey {survey.code}" in said(started)
    again = do(db, ana, act=Act.START, method=Method.SURVEY)
    with db.unit_of_work() as uow:
        assert uow.repo.survey_of(ana.session_id or "") == survey  # not a second one
    assert "Back to the customer survey" in said(again)
    upload = write_csv(
        tmp_path / "-5" / "results.csv",
        [["NPS", "CSAT", "What could we improve?"], ["9", "5", "faster"], ["3", "2", "late"]],
    )
    read = do(db, ana, "/upload_file", upload=upload)
    assert "I read 2 survey responses" in said(read) and "NPS 0" in said(read)
    assert do(db, ana, "yes").then is Then.METHOD_DONE


def test_a_pause_keeps_the_place_and_resuming_asks_the_same_question(
    db: FakeDatabase, ana: Member
) -> None:
    start(db, ana, Method.TEAM)
    do(db, ana, "yes")
    before = now(db, ana).current_question()
    paused = do(db, ana, act=Act.PAUSE)
    assert paused.then is Then.STOP and "Paused" in said(paused)
    assert "Welcome back" in said(do(db, ana, act=Act.RESUME))
    assert now(db, ana).current_question() == before
    where = do(db, ana, act=Act.WHERE)
    assert "team knowledge: in progress, 1 of" in said(where) and "Current question" in said(where)
    assert "Current question" not in said(do(db, ana, act=Act.WHERE, in_form=True))


def test_going_back_changes_the_answer_and_its_evidence(db: FakeDatabase, ana: Member) -> None:
    start(db, ana, Method.TEAM)
    for answer in ("yes", "Instagram ads", "A birthday coupon", "Spammy ads", "4", "2"):
        do(db, ana, answer)
    back = do(db, ana, act=Act.BACK)
    assert "you said: 2" in said(back)
    do(db, ana, "3")
    rated = [
        e
        for e in services.evidence_of(db.unit_of_work, ana.session_id or "")
        if e.importance is not None
    ]
    assert [(e.importance, e.performance) for e in rated] == [(4, 3)]


def test_an_unclear_answer_is_asked_again_and_changes_nothing(
    db: FakeDatabase, ana: Member
) -> None:
    start(db, ana, Method.TEAM)
    for answer in ("yes", "Instagram ads", "A birthday coupon", "Spammy ads"):
        do(db, ana, answer)
    stored = services.evidence_of(db.unit_of_work, ana.session_id or "")
    question = now(db, ana).current_question()
    unclear = do(db, ana, "eleven out of ten")
    assert "1 to 5" in said(unclear)
    assert services.evidence_of(db.unit_of_work, ana.session_id or "") == stored
    assert now(db, ana).current_question() == question


def test_a_team_member_joins_with_the_teams_stage_and_her_own_progress(
    db: FakeDatabase, ana: Member
) -> None:
    start(db, ana, Method.TEAM)
    do(db, ana, "yes")
    ben = Member(ana.session_id, "tg:8", "Ben")
    assert do(db, ben, act=Act.OFFER).then is Then.LISTEN  # the stage is known: the menu
    assert now(db, ben).method is None and now(db, ana).method is Method.TEAM


def test_without_a_product_nothing_is_asked_or_stored(db: FakeDatabase, tmp_path: Path) -> None:
    stranger = Member(None, "tg:9")
    turn = do(db, stranger, "yes")
    assert turn.then is Then.NO_INTERVIEW and "set up your product" in said(turn)
