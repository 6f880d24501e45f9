"""Interview actions against a real database, driven with Tracker fixtures."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.actions import ActionSaveContext, ActionStartSession
from actions.interview import (
    ActionAskInterviewAnswer,
    ActionAskRespondentAnswer,
    ActionFindings,
    ActionGoBack,
    ActionOfferMethods,
    ActionSkip,
    ActionStartMethod,
    ActionStartSurveyAnswering,
    ValidateInterviewForm,
)
from bot import services
from bot.adapters.terminal import as_upload
from bot.app import App
from bot.core.identity import parse_sender
from bot.storage.models import EvidenceItem, Survey
from tests.integration.conftest import make_tracker

CONTEXT = {
    "product_name": "ParcelPal",
    "business_type": "b2c",
    "channels": "website",
    "typical_customer": "busy parents",
}


async def session_slots(domain: dict[str, Any], sender: str = "tg:-5:7") -> dict[str, Any]:
    """A session whose product context is confirmed, as after the context form."""
    events = await ActionStartSession().run(CollectingDispatcher(), make_tracker(sender), domain)
    slots = {**CONTEXT, "session_id": events[0]["value"]}
    await ActionSaveContext().run(CollectingDispatcher(), make_tracker(sender, slots=slots), domain)
    return slots


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def answer(
    slots: dict[str, Any], text: str, domain: dict[str, Any], sender: str = "tg:-5:7"
) -> tuple[dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(sender, slots=slots, text=text, active_loop="interview_form",
                           metadata={"display_name": "Ana"})  # fmt: skip
    result = await ValidateInterviewForm().validate_interview_answer(
        text, dispatcher, tracker, domain
    )
    assert set(result) == {"interview_answer"}  # the progress is stored, in no slot
    return slots, dispatcher


def progress_of(app: App, slots: dict[str, Any], sender: str = "tg:-5:7") -> dict[str, Any]:
    """The member's interview progress as stored in our database."""
    member = parse_sender(sender).participant_key
    state = services.load_progress(app.uow, slots["session_id"], member)
    assert state is not None
    return state.to_dict()


async def test_choosing_a_method_starts_it_and_the_form_asks_its_question(
    app: App, domain: dict[str, Any]
) -> None:
    slots = {**await session_slots(domain), "method": "team"}
    dispatcher = CollectingDispatcher()
    await ActionStartMethod().run(dispatcher, make_tracker("tg:-5:7", slots=slots), domain)
    state = progress_of(app, slots)
    assert state["method"] == "team"
    assert "moment by moment" in texts(dispatcher)
    ask = CollectingDispatcher()
    await ActionAskInterviewAnswer().run(ask, make_tracker("tg:-5:7", slots=slots), domain)
    assert "wait between paying for ParcelPal" in texts(ask)
    assert [b["title"] for b in ask.messages[0]["buttons"]] == ["Yes", "No"]


async def test_answers_become_evidence_attributed_to_the_member(
    app: App, domain: dict[str, Any]
) -> None:
    slots = {**await session_slots(domain), "method": "team"}
    await ActionStartMethod().run(
        CollectingDispatcher(), make_tracker("tg:-5:7", slots=slots), domain
    )
    for text in ("yes", "Instagram ads", "A birthday coupon", "Spammy ads", "4", "2"):
        slots, _ = await answer(slots, text, domain)
    with app.uow() as uow:
        items = uow.db.scalars(select(EvidenceItem)).all()
        rated = next(i for i in items if i.importance is not None)
        assert (rated.method, rated.mot, rated.importance, rated.performance) == (
            "team",
            "lzmot",
            4,
            2,
        )
        assert rated.source_key == "team.lzmot"
        assert uow.repo.participant_names(slots["session_id"]) == {rated.participant_id: "Ana"}

    # Going back and answering again replaces the evidence instead of adding to it.
    dispatcher = CollectingDispatcher()
    await ActionGoBack().run(dispatcher, make_tracker("tg:-5:7", slots=slots), domain)
    assert "you said: 2" in texts(dispatcher)
    slots, _ = await answer(slots, "3", domain)
    with app.uow() as uow:
        rows = uow.db.scalars(
            select(EvidenceItem).where(EvidenceItem.importance.is_not(None))
        ).all()
        assert [(r.importance, r.performance) for r in rows] == [(4, 3)]


async def test_an_unreadable_export_is_asked_for_again(
    app: App, domain: dict[str, Any], tmp_path: Any
) -> None:
    # The terminal uploads into its own folder: the session is the terminal user's.
    slots = {**await session_slots(domain, sender="terminal-ana"), "method": "records"}
    await ActionStartMethod().run(
        CollectingDispatcher(), make_tracker("terminal-ana", slots=slots), domain
    )
    slots, _ = await answer(slots, "yes", domain, sender="terminal-ana")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    message = as_upload(str(empty), app.settings.uploads_dir)
    assert message is not None
    relative = json.loads(message.removeprefix("/upload_file"))["file_path"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("terminal-ana", slots=slots, text=message, intent="upload_file",
                           entities=[{"entity": "file_path", "value": relative}],
                           active_loop="interview_form")  # fmt: skip
    await ValidateInterviewForm().validate_interview_answer(message, dispatcher, tracker, domain)
    assert "couldn't read that file" in texts(dispatcher) and "the file is empty" in texts(
        dispatcher
    )
    assert str(app.settings.uploads_dir) not in texts(dispatcher)  # no server folders shown
    assert progress_of(app, slots, "terminal-ana")["answers"].get("records.export") is None


async def test_a_typed_path_is_never_opened_by_the_server(
    app: App, domain: dict[str, Any], tmp_path: Any
) -> None:
    """Whatever the sender id looks like, a path in a message is not read on the server."""
    secret = tmp_path / "secrets.csv"
    secret.write_text("id,description\n1,TOKEN=hunter2 my parcel is late\n")
    for sender in ("terminal-ana", "tg:-5:7", "x"):
        slots = {**await session_slots(domain, sender=sender), "method": "records"}
        await ActionStartMethod().run(
            CollectingDispatcher(), make_tracker(sender, slots=slots), domain
        )
        slots, _ = await answer(slots, "yes", domain, sender=sender)
        slots, dispatcher = await answer(slots, str(secret), domain, sender=sender)
        assert "hunter2" not in texts(dispatcher) and "I read" not in texts(dispatcher)
        assert "send the file itself" in texts(dispatcher)
        assert progress_of(app, slots, sender)["answers"].get("records.export") is None


async def test_the_survey_method_creates_a_shareable_code(app: App, domain: dict[str, Any]) -> None:
    slots = {**await session_slots(domain), "method": "survey"}
    dispatcher = CollectingDispatcher()
    await ActionStartMethod().run(dispatcher, make_tracker("tg:-5:7", slots=slots), domain)
    with app.uow() as uow:
        code = uow.db.scalars(select(Survey.code)).one()
    assert f"survey {code}" in texts(dispatcher)
    assert services.get_survey(app.uow, code).product == "ParcelPal"


async def test_unknown_survey_codes_get_a_polite_message(app: App, domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("customer-1", slots={"survey_code": "deadbeef"})
    await ActionStartSurveyAnswering().run(dispatcher, tracker, domain)
    assert "don't know that survey code" in texts(dispatcher)


async def test_findings_never_show_another_teams_session(app: App, domain: dict[str, Any]) -> None:
    await session_slots(domain)  # some team has a session
    dispatcher = CollectingDispatcher()
    await ActionFindings().run(dispatcher, make_tracker("stranger"), domain)
    assert texts(dispatcher) == "Nothing yet: we haven't started an interview."


# --- what the seeds ask: live or planned, skipped and own moments, channels ------------


async def ask(
    slots: dict[str, Any], domain: dict[str, Any], sender: str = "tg:-5:7"
) -> CollectingDispatcher:
    """What the interview form asks next (its ask action)."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(sender, slots=slots, active_loop="interview_form")
    await ActionAskInterviewAnswer().run(dispatcher, tracker, domain)
    return dispatcher


def titles(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]


async def test_live_or_planned_is_asked_before_the_menu_which_follows_its_order(
    app: App, domain: dict[str, Any]
) -> None:
    slots = await session_slots(domain)
    offered = CollectingDispatcher()
    events = await ActionOfferMethods().run(offered, make_tracker("tg:-5:7", slots=slots), domain)
    # The interview form asks it and takes the answer.
    followups = [e["name"] for e in events if e["event"] == "followup"]
    assert followups == ["interview_form"] and not offered.messages
    question = await ask(slots, domain)
    assert "ParcelPal already live" in texts(question)
    assert titles(question) == ["Live", "Still planning"]
    assert [b["payload"] for b in question.messages[0]["buttons"]] == ["live", "still planning"]

    slots, unclear = await answer(slots, "we'll see", domain)
    assert not unclear.messages
    again = await ask(slots, domain)  # asked again, in one message with its options
    assert texts(again).startswith("I couldn't read “we'll see” as live or still planned.")
    assert titles(again) == ["Live", "Still planning"]

    slots, said = await answer(slots, "Live", domain)
    assert "Since ParcelPal is live" in texts(said)
    menu = await ask(slots, domain)
    assert "Which method shall we start with?" in texts(menu)
    assert titles(menu) == [
        "Service records", "Team knowledge", "Customer survey", "Competitor walk-through",
    ]  # fmt: skip
    assert progress_of(app, slots)["stage"] == "live"
    # Later menus keep the order, and the question is not asked again.
    again = CollectingDispatcher()
    await ActionOfferMethods().run(again, make_tracker("tg:-5:7", slots=slots), domain)
    assert titles(again)[0] == "Service records"


async def test_a_method_named_instead_of_the_stage_starts_it(
    app: App, domain: dict[str, Any]
) -> None:
    slots = await session_slots(domain)
    slots, _ = await answer(slots, "the competitor walk-through please", domain)
    assert progress_of(app, slots)["method"] == "competitor"
    assert "Which competitor" in texts(await ask(slots, domain))


async def test_an_unknown_method_at_the_stage_question_leaves_it_to_the_form(
    app: App, domain: dict[str, Any]
) -> None:
    slots = {**await session_slots(domain), "method": "x"}
    dispatcher = CollectingDispatcher()
    await ActionStartMethod().run(dispatcher, make_tracker("tg:-5:7", slots=slots), domain)
    assert not dispatcher.messages  # the form asks the pending question with its options
    assert titles(await ask(slots, domain)) == ["Live", "Still planning"]


async def _team_started(domain: dict[str, Any]) -> dict[str, Any]:
    slots = {**await session_slots(domain), "method": "team"}
    await ActionStartMethod().run(
        CollectingDispatcher(), make_tracker("tg:-5:7", slots=slots), domain
    )
    return slots


async def test_skipping_a_whole_moment_removes_its_evidence(
    app: App, domain: dict[str, Any]
) -> None:
    slots = await _team_started(domain)
    for said in ("yes", "Instagram ads", "A birthday coupon"):
        slots, _ = await answer(slots, said, domain)
    with app.uow() as uow:
        assert uow.db.scalars(select(EvidenceItem.source_key)).all()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("tg:-5:7", slots=slots, text="skip this moment", intent="skip",
                           active_loop="interview_form")  # fmt: skip
    await ActionSkip().run(dispatcher, tracker, domain)
    assert "Left out the Less-than-Zero Moment of Truth (LZMOT)" in texts(dispatcher)
    assert progress_of(app, slots)["skipped_moments"] == ["lzmot"]
    with app.uow() as uow:
        assert uow.db.scalars(select(EvidenceItem)).all() == []
    question = await ask(slots, domain)
    assert "(ZMOT)" in texts(question) and "on your website" in texts(question)
    assert "on your website, in search results, on review sites" in texts(question)
    # A typed "we have no such moment" goes through the form and does the same.
    slots, said = await answer(slots, "we have no such moment", domain)
    assert "Left out the Zero Moment of Truth (ZMOT)" in texts(said)


async def test_an_own_moment_is_stored_as_team_evidence_in_its_words(
    app: App, domain: dict[str, Any]
) -> None:
    slots = await _team_started(domain)
    slots, _ = await answer(slots, "yes", domain)
    for _ in range(6):
        slots, _ = await answer(slots, "skip this moment", domain)
    assert "a moment we haven't covered" in texts(await ask(slots, domain))
    for said in ("The courier's call (AMOT)", "pain", "Parents miss the call", "5", "2", "no"):
        slots, _ = await answer(slots, said, domain)
    with app.uow() as uow:
        item = uow.db.scalars(select(EvidenceItem)).one()
        assert (item.method, item.mot, item.polarity, item.source_key) == (
            "team", "amot", "pain", "team.own1",
        )  # fmt: skip
        assert item.touchpoint == "The courier's call (AMOT)" and item.importance == 5
    assert progress_of(app, slots)["done"] == ["team"]


async def test_customers_are_asked_with_the_teams_channels(
    app: App, domain: dict[str, Any]
) -> None:
    slots = {**await session_slots(domain), "method": "survey"}
    slots["channels"] = "website, phone"
    await ActionSaveContext().run(
        CollectingDispatcher(), make_tracker("tg:-5:7", slots=slots), domain
    )
    drafted = CollectingDispatcher()
    await ActionStartMethod().run(drafted, make_tracker("tg:-5:7", slots=slots), domain)
    assert "survey for busy parents" in texts(drafted)
    with app.uow() as uow:
        row = uow.db.scalars(select(Survey)).one()
        row.moments, code = ["smot"], row.code
        uow.commit()
    customer = {"respondent": {"code": code, "state": {"answers": {"nps": 9, "csat": 4}}}}
    asked = CollectingDispatcher()
    await ActionAskRespondentAnswer().run(asked, make_tracker("customer-1", slots=customer), domain)
    assert "any contact with our service (on the phone)" in texts(asked)
