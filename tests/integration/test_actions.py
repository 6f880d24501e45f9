"""Custom actions against a real database, driven with Tracker fixtures."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.actions import (
    ActionCancel,
    ActionHelp,
    ActionRephrase,
    ActionResetField,
    ActionSaveContext,
    ActionStartOver,
    ActionStartSession,
    ValidateContextForm,
)
from bot.app import App
from bot.storage.models import InterviewSession, Participant, Workspace
from tests.integration.conftest import make_tracker

FILLED = {
    "product_name": "ParcelPal",
    "business_type": "b2c",
    "channels": "website, mobile app",
    "typical_customer": "busy parents",
}


def _texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


async def _run(action: Any, tracker: Any, domain: dict[str, Any]) -> tuple[list[Any], Any]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return events, dispatcher


async def test_start_session_creates_workspace_participant_and_session(
    app: App, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("tg:-100:7", metadata={"display_name": "Ana"})
    events, _ = await _run(ActionStartSession(), tracker, domain)
    session_id = events[0]["value"]
    with app.uow() as uow:
        interview = uow.db.get(InterviewSession, session_id)
        assert interview is not None
        assert interview.workspace.key == "tg:-100"
        participant = uow.db.scalars(select(Participant)).one()
        assert (participant.key, participant.display_name) == ("tg:7", "Ana")


async def test_starting_twice_reuses_the_open_session(app: App, domain: dict[str, Any]) -> None:
    first, _ = await _run(ActionStartSession(), make_tracker(), domain)
    second, _ = await _run(ActionStartSession(), make_tracker(), domain)
    assert first[0]["value"] == second[0]["value"]
    with app.uow() as uow:
        assert len(uow.db.scalars(select(Workspace)).all()) == 1


async def test_start_over_opens_a_new_session_and_keeps_the_old_one(
    app: App, domain: dict[str, Any]
) -> None:
    first, _ = await _run(ActionStartSession(), make_tracker(), domain)
    events, dispatcher = await _run(ActionStartOver(), make_tracker(slots=FILLED), domain)
    assert events[0]["value"] != first[0]["value"]
    assert SlotSet("product_name", None) in events
    assert "stays saved" in _texts(dispatcher)[0]
    with app.uow() as uow:
        assert len(uow.db.scalars(select(InterviewSession)).all()) == 2


async def test_unclear_business_answer_is_re_asked_specifically(
    app: App, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateContextForm().validate_business_type(
        "we sell stuff", dispatcher, make_tracker(), domain
    )
    assert result == {"business_type": None}
    assert "who your customers are" in _texts(dispatcher)[0]


async def test_form_validation_normalises_answers(app: App, domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        slots={"requested_slot": "channels", "channels": "web & App"},
        events=[
            {"event": "user", "text": "web & App"},
            {"event": "slot", "name": "channels", "value": "web & App"},
        ],
        active_loop="context_form",
    )
    events, dispatcher = await _run(ValidateContextForm(), tracker, domain)
    assert SlotSet("channels", "website, mobile app") in events
    assert dispatcher.messages == []


async def test_save_context_stores_it_and_reads_it_back(app: App, domain: dict[str, Any]) -> None:
    start, _ = await _run(ActionStartSession(), make_tracker(), domain)
    slots = {**FILLED, "session_id": start[0]["value"]}
    _, dispatcher = await _run(ActionSaveContext(), make_tracker(slots=slots), domain)
    message = dispatcher.messages[0]
    assert "ParcelPal" in message["text"]
    assert "private consumers (B2C)" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    with app.uow() as uow:
        interview = uow.db.get(InterviewSession, start[0]["value"])
        assert interview is not None
        assert (interview.product_name, interview.business) == ("ParcelPal", "b2c")
        assert interview.channels == ["website", "mobile app"]


async def test_save_context_without_a_session_opens_one(app: App, domain: dict[str, Any]) -> None:
    events, _ = await _run(ActionSaveContext(), make_tracker(slots=FILLED), domain)
    assert events[0]["name"] == "session_id"
    with app.uow() as uow:
        assert uow.db.scalars(select(InterviewSession)).one().product_name == "ParcelPal"


async def test_reset_field_forgets_only_that_answer(domain: dict[str, Any]) -> None:
    tracker = make_tracker(slots={**FILLED, "context_field": "channels"})
    events, _ = await _run(ActionResetField(), tracker, domain)
    assert events == [SlotSet("channels", None), SlotSet("context_field", None)]


async def test_reset_field_without_a_field_asks_which_one(domain: dict[str, Any]) -> None:
    events, dispatcher = await _run(ActionResetField(), make_tracker(slots=FILLED), domain)
    assert events == [SlotSet("context_field", None)]
    assert "which answer" in _texts(dispatcher)[0]


async def test_rephrase_in_the_form_repeats_the_pending_question(domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        text="blorp", slots={"requested_slot": "channels"}, active_loop="context_form"
    )
    events, dispatcher = await _run(ActionRephrase(), tracker, domain)
    assert "“blorp”" in _texts(dispatcher)[0]
    assert "channels" in _texts(dispatcher)[0]
    # The form is activated anew, so the next answer is the form's again (Rasa would
    # otherwise keep it "rejected" and the conversation would go nowhere).
    assert events == [ActiveLoop("context_form"), FollowupAction("action_listen")]


async def test_rephrase_after_the_summary_asks_for_confirmation(domain: dict[str, Any]) -> None:
    events = [
        {"event": "action", "name": "action_save_context"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "blorp"},
    ]
    _, dispatcher = await _run(ActionRephrase(), make_tracker(text="blorp", events=events), domain)
    assert "Answer 'yes'" in _texts(dispatcher)[0]


async def test_help_in_the_form_says_where_we_are(domain: dict[str, Any]) -> None:
    tracker = make_tracker(slots={"requested_slot": "product_name"}, active_loop="context_form")
    _, dispatcher = await _run(ActionHelp(), tracker, domain)
    assert "We were at this question" in _texts(dispatcher)[0]


async def test_cancel_stops_the_form(domain: dict[str, Any]) -> None:
    events, dispatcher = await _run(
        ActionCancel(), make_tracker(active_loop="context_form"), domain
    )
    assert ActiveLoop(None) in events
    assert "kept" in _texts(dispatcher)[0]
