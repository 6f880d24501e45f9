"""The report and closing the survey, asked for in the chat: the sender's own session only."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionSaveContext, ActionStartSession
from actions.report import ActionCloseSurvey, ActionReport
from bot import services
from bot.app import App
from bot.core.errors import SurveyNotFound
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method, Mot, Polarity
from tests.integration.conftest import make_tracker

TEAM = "tg:-5:7"
CONTEXT = {
    "product_name": "ParcelPal",
    "business_type": "b2c",
    "channels": "website",
    "typical_customer": "busy parents",
}


async def session_slots(domain: dict[str, Any], sender: str = TEAM) -> dict[str, Any]:
    events = await ActionStartSession().run(CollectingDispatcher(), make_tracker(sender), domain)
    slots = {**CONTEXT, "session_id": events[0]["value"]}
    await ActionSaveContext().run(CollectingDispatcher(), make_tracker(sender, slots=slots), domain)
    return slots


def with_findings(app: App, session_id: str) -> None:
    pain = Evidence(Method.TEAM, Mot.AMOT, polarity=Polarity.PAIN, text="Parcels arrive late")
    services.add_evidence(app.uow, session_id, [pain], TEAM, "Ana", source_key="team.amot")


async def run(
    action: Any, domain: dict[str, Any], sender: str = TEAM, **tracker: Any
) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(sender, **tracker), domain)
    return events, dispatcher


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def report_requests(dispatcher: CollectingDispatcher) -> list[Any]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


async def test_the_report_is_handed_to_the_front_end(app: App, domain: dict[str, Any]) -> None:
    slots = await session_slots(domain)
    with_findings(app, slots["session_id"])
    events, dispatcher = await run(ActionReport(), domain, slots=slots)
    assert "Here is your report: 1 moments of truth" in texts(dispatcher)
    assert report_requests(dispatcher) == [{"report": {"format": "md"}}]
    # Outside a form the place is kept: the turn is undone and the bot listens.
    assert events == [UserUtteranceReverted(), FollowupAction("action_listen")]


async def test_during_a_form_the_report_leaves_the_form_to_ask_on(
    app: App, domain: dict[str, Any]
) -> None:
    slots = await session_slots(domain)
    with_findings(app, slots["session_id"])
    events, dispatcher = await run(
        ActionReport(), domain, slots=slots, active_loop="interview_form"
    )
    assert report_requests(dispatcher) == [{"report": {"format": "md"}}]
    assert events == []


async def test_no_session_or_no_findings_yet_say_so(app: App, domain: dict[str, Any]) -> None:
    _, dispatcher = await run(ActionReport(), domain, sender="terminal-new")
    assert texts(dispatcher) == "Nothing yet: we haven't started an interview."
    assert report_requests(dispatcher) == []
    slots = await session_slots(domain)
    _, dispatcher = await run(ActionReport(), domain, slots=slots)
    assert texts(dispatcher).startswith("No evidence yet.")
    assert report_requests(dispatcher) == []


async def test_a_forged_session_id_gives_no_report(app: App, domain: dict[str, Any]) -> None:
    victim = await session_slots(domain)
    with_findings(app, victim["session_id"])
    _, dispatcher = await run(ActionReport(), domain, sender="tg:-9:1", slots=victim)
    assert texts(dispatcher) == "Nothing yet: we haven't started an interview."
    assert report_requests(dispatcher) == []


async def test_the_team_closes_its_survey(app: App, domain: dict[str, Any]) -> None:
    slots = await session_slots(domain)
    survey = services.create_survey(app.uow, slots["session_id"], [Mot.AMOT])
    events, dispatcher = await run(ActionCloseSurvey(), domain, slots=slots)
    assert f"The survey {survey.code} is closed" in texts(dispatcher)
    assert "The 0 answers" in texts(dispatcher)
    assert events == [UserUtteranceReverted(), FollowupAction("action_listen")]
    with pytest.raises(SurveyNotFound):
        services.get_survey(app.uow, survey.code)  # customers can't answer any more


async def test_without_a_survey_there_is_none_to_close(app: App, domain: dict[str, Any]) -> None:
    slots = await session_slots(domain)
    _, dispatcher = await run(ActionCloseSurvey(), domain, slots=slots)
    assert texts(dispatcher) == "There is no survey to close in this session yet."


async def test_a_forged_session_id_closes_no_other_teams_survey(
    app: App, domain: dict[str, Any]
) -> None:
    victim = await session_slots(domain)
    survey = services.create_survey(app.uow, victim["session_id"], [Mot.AMOT])
    _, dispatcher = await run(ActionCloseSurvey(), domain, sender="tg:-9:1", slots=victim)
    assert texts(dispatcher) == "There is no survey to close in this session yet."
    assert services.get_survey(app.uow, survey.code).status == "open"
