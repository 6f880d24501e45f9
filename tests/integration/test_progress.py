"""Interview progress lives in our database: per participant, shared where the team shares it."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.actions import ActionStartSession
from actions.interview import ActionOfferMethods
from bot import services
from bot.app import App
from bot.storage.models import InterviewProgress
from tests.integration.conftest import make_tracker
from tests.integration.test_interview_actions import answer, ask, session_slots, texts, titles


async def test_progress_is_stored_per_member_and_the_live_answer_is_the_teams(
    app: App, domain: dict[str, Any]
) -> None:
    ana = "tg:-5:7"
    slots = await session_slots(domain, sender=ana)
    await ActionOfferMethods().run(CollectingDispatcher(), make_tracker(ana, slots=slots), domain)
    slots, said = await answer(slots, "Live", domain, ana)
    assert "Since ParcelPal is live" in texts(said)
    stored = services.load_progress(app.uow, slots["session_id"], "tg:7")
    assert stored is not None and stored.stage == "live" and stored.version == 1

    # Ben joins the group's session later: no interview slot of his own, and he is
    # not asked again whether the product is live; the menu follows the team's answer.
    ben = "tg:-5:8"
    events = await ActionStartSession().run(CollectingDispatcher(), make_tracker(ben), domain)
    ben_slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert ben_slots["session_id"] == slots["session_id"]
    menu = CollectingDispatcher()
    tracker = make_tracker(ben, slots=ben_slots)
    await ActionOfferMethods().run(menu, tracker, domain)
    assert "already live" not in texts(menu)
    assert titles(menu)[0] == "Service records"

    # What each member answered stays theirs.
    with app.uow() as uow:
        keys = set(uow.db.scalars(select(InterviewProgress.participant_key)))
    assert keys >= {"tg:7", "*"}


async def test_the_database_not_the_slot_says_where_we_are(
    app: App, domain: dict[str, Any]
) -> None:
    slots = await session_slots(domain)
    await ActionOfferMethods().run(CollectingDispatcher(), make_tracker(slots=slots), domain)
    slots, _ = await answer(slots, "still planning", domain)
    stale = {**slots, "interview": None}  # a conversation restarted: the slot is gone
    asked = await ask(stale, domain)
    assert "already live" not in texts(asked)
    assert "Which method shall we start with?" in texts(asked)


async def test_forgetting_a_person_removes_their_progress(app: App, domain: dict[str, Any]) -> None:
    slots = await session_slots(domain)
    await ActionOfferMethods().run(CollectingDispatcher(), make_tracker(slots=slots), domain)
    await answer(slots, "Live", domain)
    assert services.load_progress(app.uow, slots["session_id"], "tg:7") is not None
    services.forget_person(app.uow, "tg", "7")
    with app.uow() as uow:
        left = list(uow.db.scalars(select(InterviewProgress.participant_key)))
    assert "tg:7" not in left


async def test_a_turn_stores_its_evidence_and_its_place_together_or_not_at_all(
    app: App, domain: dict[str, Any], monkeypatch: Any
) -> None:
    from bot.core.evidence import Evidence
    from bot.core.interview_state import InterviewState
    from bot.core.taxonomy import Method, Mot
    from bot.storage.models import EvidenceItem
    from bot.storage.uow import SqlRepository

    slots = await session_slots(domain)
    session_id = slots["session_id"]
    item = Evidence(Method.TEAM, Mot.AMOT, text="the courier never calls")
    moved = InterviewState(method="team", answers={"team.amot.pain": "the courier never calls"})

    def fail(*_: Any) -> None:
        raise RuntimeError("disk full")  # the progress write fails after the evidence's

    monkeypatch.setattr(SqlRepository, "save_progress", fail)
    with pytest.raises(RuntimeError):
        services.save_turn(app.uow, session_id, "tg:7", "Ana", moved, {"team.amot": [item]})
    with app.uow() as uow:
        assert list(uow.db.scalars(select(EvidenceItem))) == []
    monkeypatch.undo()
    services.save_turn(app.uow, session_id, "tg:7", "Ana", moved, {"team.amot": [item]})
    with app.uow() as uow:
        assert [e.text for e in uow.db.scalars(select(EvidenceItem))] == [item.text]
    stored = services.load_progress(app.uow, session_id, "tg:7")
    assert stored is not None and stored.answers == moved.answers


async def test_status_reads_the_methods_done_from_the_stored_progress(
    app: App, domain: dict[str, Any]
) -> None:
    from bot.core.interview_state import InterviewState
    from bot.core.taxonomy import Method

    slots = await session_slots(domain)
    session_id = slots["session_id"]
    before = services.session_status(app.uow, session_id)
    assert before.done_methods is None and len(before.open_methods) == 4  # nothing stored yet
    # Ana finished the competitor walk-through; Ben is half way through the team questions.
    services.save_progress(app.uow, session_id, "tg:7", InterviewState(done=["competitor"]))
    services.save_progress(app.uow, session_id, "tg:8", InterviewState(method="team", stage="live"))
    status = services.session_status(app.uow, session_id)
    assert status.done_methods == frozenset({Method.COMPETITOR})
    assert Method.COMPETITOR not in status.open_methods and Method.TEAM in status.open_methods
