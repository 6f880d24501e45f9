"""The use cases against the in-memory database: the whole service layer in milliseconds.

The same services run on SQLite in tests/integration; here they run on
`tests.fakes.FakeDatabase`, which keeps the SQL unit of work's promises
(nothing is visible before `commit()`, a failure inside a unit stores nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.core.context import ProductContext
from bot.core.errors import SessionNotFound, StorageError, SurveyNotFound
from bot.core.evidence import Evidence
from bot.core.interview_state import InterviewState
from bot.core.surveys import MomentAnswer, SurveyResponse
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.storage.repository import UowFactory
from tests.fakes import FakeDatabase, FakeRepository

ANA, BEN = "tg:-5:7", "tg:-5:8"  # two members of one Telegram group
CONTEXT = ProductContext("ParcelPal", Business.B2C, ["app", "website"], "busy parents")


@pytest.fixture
def uow(db: FakeDatabase) -> UowFactory:
    return db.unit_of_work  # typed: mypy checks the fake is a unit of work


def pain(mot: Mot, said: str, importance: int = 5, performance: int = 2) -> Evidence:
    return Evidence(
        Method.TEAM, mot, Stage.RETENTION, Polarity.PAIN, "delivery", said,
        importance=importance, performance=performance,
    )  # fmt: skip


def test_a_chat_has_one_open_interview_that_its_members_share(uow: UowFactory) -> None:
    first = services.open_session(uow, ANA, "Ana")
    assert services.open_session(uow, BEN, "Ben").id == first.id  # the group's session
    assert services.open_session(uow, "tg:9:9", "Cy").id != first.id  # another chat's
    fresh = services.open_session(uow, ANA, "Ana", fresh=True)
    assert fresh.id != first.id
    assert services.workspace_session(uow, "tg:-5") == fresh.id
    assert services.open_session(uow, BEN).id == fresh.id  # the latest open one
    assert services.workspace_session(uow, "tg:404") is None


def test_the_product_context_is_stored_and_found_again(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    assert view.context is None
    saved = services.save_context(uow, view.id, CONTEXT)
    assert saved.context == CONTEXT and saved.workspace_key == "tg:-5"
    assert services.get_session(uow).context == CONTEXT  # the latest session
    assert services.find_session(uow, "tg:-5", "ParcelPal") == view.id
    assert services.find_session(uow, "tg:-5", "Other") is None
    with pytest.raises(SessionNotFound):
        services.save_context(uow, "no-such-session", CONTEXT)
    with pytest.raises(SessionNotFound):
        services.get_session(uow, "no-such-session")


def test_evidence_is_attributed_and_a_changed_answer_replaces_the_earlier(
    uow: UowFactory,
) -> None:
    view = services.open_session(uow, ANA, "Ana")
    services.add_evidence(uow, view.id, [pain(Mot.AMOT, "late")], "tg:7", "Ana", "team.amot")
    services.add_evidence(uow, view.id, [pain(Mot.ZMOT, "reviews")], "tg:8", "Ben", "team.zmot")
    services.add_evidence(uow, view.id, [pain(Mot.AMOT, "very late")], "tg:7", "Ana", "team.amot")

    stored = services.evidence_of(uow, view.id)
    assert [(e.text, e.participant) for e in stored] == [("reviews", "Ben"), ("very late", "Ana")]
    status = services.session_status(uow, view.id)
    assert status.answers_per_method == {Method.TEAM: 2}
    assert sorted(status.participants) == [("Ana", 1), ("Ben", 1)]
    with pytest.raises(SessionNotFound):
        services.evidence_of(uow, "no-such-session")


def test_progress_is_kept_per_member_and_the_live_answer_is_the_teams(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    assert services.load_progress(uow, view.id, "tg:7") is None
    services.save_progress(uow, view.id, "tg:7", InterviewState(method="team", stage="live"))

    ana = services.load_progress(uow, view.id, "tg:7")
    assert ana is not None and ana.method == "team" and ana.stage == "live"
    ben = services.load_progress(uow, view.id, "tg:8")  # joins later: not asked again
    assert ben is not None and ben.stage == "live" and ben.method is None
    with pytest.raises(SessionNotFound):
        services.save_progress(uow, "no-such-session", "tg:7", InterviewState())

    services.save_progress(uow, view.id, "tg:8", InterviewState(done=["competitor"]))
    status = services.session_status(uow, view.id)
    assert status.done_methods == frozenset({Method.COMPETITOR})
    assert Method.COMPETITOR not in status.open_methods and Method.TEAM in status.open_methods


def test_a_turn_stores_its_evidence_and_its_place(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    state = InterviewState(method="team", answers={"team.amot.pain": "late"}, order=["x"])
    services.save_turn(uow, view.id, "tg:7", "Ana", state, {"team.amot": [pain(Mot.AMOT, "x")]})
    services.save_turn(uow, view.id, "tg:7", "Ana", state, {"team.amot": [pain(Mot.AMOT, "y")]})
    assert [e.text for e in services.evidence_of(uow, view.id)] == ["y"]
    stored = services.load_progress(uow, view.id, "tg:7")
    assert stored is not None and stored.answers == state.answers


def test_findings_rank_the_pains_and_count_the_customers(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    services.save_context(uow, view.id, CONTEXT)
    services.add_evidence(
        uow, view.id, [pain(Mot.AMOT, "Parcels arrive days late."),
                       pain(Mot.ZMOT, "Reviews are fine.", importance=2, performance=4)],
        "tg:7", "Ana",
    )  # fmt: skip
    survey = services.create_survey(uow, view.id, [Mot.AMOT])
    services.record_survey_response(uow, survey.code, SurveyResponse(nps=2, csat=1), "r1")
    services.record_survey_response(uow, survey.code, SurveyResponse(nps=10, csat=5), "r2")

    found = services.findings(uow)
    assert found.session.id == view.id and found.created_at
    assert found.moments[0].mot is Mot.AMOT  # the larger gap ranks first
    assert found.metrics.responses == 2 and found.metrics.csat == 3.0
    assert all(found.suggestions_for(m) for m in found.moments)


def test_a_survey_is_shared_answered_once_per_respondent_and_closed(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    services.save_context(uow, view.id, CONTEXT)
    survey = services.create_survey(uow, view.id, [Mot.AMOT, Mot.SMOT])
    assert services.create_survey(uow, view.id, [Mot.ZMOT]).code == survey.code  # one per session
    shared = services.get_survey(uow, survey.code.upper() + " ")
    assert (shared.product, shared.moments, shared.status) == (
        "ParcelPal", [Mot.AMOT, Mot.SMOT], "open"
    )  # fmt: skip

    late = MomentAnswer(Mot.AMOT, Polarity.PAIN, "Four hours late.")
    services.record_survey_response(uow, survey.code, SurveyResponse(3, 2, (late,)), "r1")
    services.record_survey_response(uow, survey.code, SurveyResponse(nps=9), "r2")
    again = services.record_survey_response(uow, survey.code, SurveyResponse(nps=8), "r1")
    assert again.responses == 2  # r1 answered again: replaced, not added
    assert "Four hours late." not in [e.text for e in services.evidence_of(uow, view.id)]

    services.start_survey_taking(uow, "pseudo", survey.code)
    assert services.survey_taking(uow, "pseudo") == survey.code
    services.stop_survey_taking(uow, "pseudo")
    assert services.survey_taking(uow, "pseudo") is None

    closed = services.close_survey(uow, view.id)
    assert closed is not None and closed.status == "closed" and closed.responses == 2
    with pytest.raises(SurveyNotFound):
        services.get_survey(uow, survey.code)
    with pytest.raises(SurveyNotFound):
        services.start_survey_taking(uow, "pseudo", survey.code)
    assert services.close_survey(uow, "no-such-session") is None


def test_forgetting_a_person_removes_them_and_leaves_the_team_its_work(
    db: FakeDatabase, uow: UowFactory
) -> None:
    group = services.open_session(uow, ANA, "Ana")
    own = services.open_session(uow, "tg:7:7", "Ana")  # Ana's private chat with the bot
    services.add_evidence(uow, group.id, [pain(Mot.AMOT, "Ana's")], "tg:7", "Ana", "team.amot")
    services.add_evidence(uow, group.id, [pain(Mot.ZMOT, "Ben's")], "tg:8", "Ben", "team.zmot")
    services.save_progress(uow, group.id, "tg:7", InterviewState(stage="live"))
    db.add_conversation_event(ANA, datetime.now(UTC))
    db.add_conversation_event("tg:7:7", datetime.now(UTC))
    db.add_conversation_event(BEN, datetime.now(UTC))

    removed = services.forget_person(uow, "tg", "7")

    assert removed == services.Removed(
        answers=1, memberships=2, own_sessions=1, conversation_events=2
    )
    assert [e.text for e in services.evidence_of(uow, group.id)] == ["Ben's"]
    assert services.load_progress(uow, group.id, "tg:7") == InterviewState(stage="live")  # team's
    with pytest.raises(SessionNotFound):
        services.get_session(uow, own.id)
    assert services.session_status(uow, group.id).participants == [("Ben", 1)]
    assert [sender for sender, _ in db.tables.events] == [BEN]
    assert db.scrubbed == 1


def test_a_session_id_from_another_chat_is_refused(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    assert services.owned_session(uow, BEN, view.id) == view.id
    assert services.owned_session(uow, "tg:9:9", view.id) is None
    assert services.owned_session(uow, ANA, "forged") is None
    assert services.owned_session(uow, ANA, 42) is None


def test_retention_purges_idle_conversations_and_stale_bookkeeping(
    db: FakeDatabase, uow: UowFactory
) -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    db.add_conversation_event(ANA, now - timedelta(days=300))
    db.add_conversation_event(ANA, now - timedelta(days=200))
    db.add_conversation_event(BEN, now - timedelta(days=1))
    services.mark_handled(uow, "bot", 1)
    services.mark_handled(uow, "bot", 1)  # a redelivery: still one
    assert services.is_handled(uow, "bot", 1) and not services.is_handled(uow, "bot", 2)

    purged = services.purge_old_rows(uow, now - timedelta(days=30), now)
    assert (purged.conversations, purged.conversation_events) == (1, 2)
    assert [sender for sender, _ in db.tables.events] == [BEN]
    later = services.purge_old_rows(uow, now, datetime.now(UTC) + timedelta(days=8))
    assert later.handled_updates == 1 and not services.is_handled(uow, "bot", 1)


def test_a_failure_inside_a_unit_of_work_stores_nothing(
    db: FakeDatabase, uow: UowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = services.open_session(uow, ANA, "Ana")
    moved = InterviewState(method="team", answers={"team.amot.pain": "late"})

    def disk_full(*_: object) -> None:
        raise StorageError("disk full")  # the progress write fails after the evidence's

    with monkeypatch.context() as patch:
        patch.setattr(FakeRepository, "save_progress", disk_full)
        with pytest.raises(StorageError):
            services.save_turn(uow, view.id, "tg:7", "Ana", moved, {"a": [pain(Mot.AMOT, "x")]})
    assert services.evidence_of(uow, view.id) == []
    assert services.load_progress(uow, view.id, "tg:7") is None

    with pytest.raises(ZeroDivisionError), uow() as unit:
        unit.repo.add_evidence(view.id, pain(Mot.AMOT, "committed"))
        unit.commit()  # what was committed stays ...
        unit.repo.add_evidence(view.id, pain(Mot.AMOT, "dropped"))
        _ = 1 / 0  # ... what came after it does not
    assert [e.text for e in services.evidence_of(uow, view.id)] == ["committed"]

    with uow() as unit:
        unit.repo.add_evidence(view.id, pain(Mot.AMOT, "not committed"))
    assert len(services.evidence_of(uow, view.id)) == 1

    db.broken = True  # a database that refuses every write
    with pytest.raises(StorageError):
        services.add_evidence(uow, view.id, [pain(Mot.SMOT, "lost")], "tg:7", "Ana")
    db.broken = False
    assert len(services.evidence_of(uow, view.id)) == 1


def test_two_overlapping_writers_clash_like_a_locked_database(uow: UowFactory) -> None:
    view = services.open_session(uow, ANA, "Ana")
    with uow() as first:
        first.repo.add_evidence(view.id, pain(Mot.AMOT, "first"))
        services.add_evidence(uow, view.id, [pain(Mot.ZMOT, "second")])
        with pytest.raises(StorageError):
            first.commit()
    assert [e.text for e in services.evidence_of(uow, view.id)] == ["second"]
