"""Customer surveys: anonymous, one response per respondent, closable by the team."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.interview import (
    SURVEY_FINISHED,
    ActionStartSurveyAnswering,
    ValidateRespondentForm,
)
from bot import services
from bot.app import App
from bot.core.errors import SurveyNotFound
from bot.core.surveys import MomentAnswer, SurveyResponse
from bot.core.taxonomy import Mot, Polarity
from bot.storage.models import EvidenceItem, SurveyAnswer
from tests.integration.conftest import make_tracker
from tests.integration.test_interview_actions import session_slots, texts


async def team_survey(domain: dict[str, Any]) -> str:
    slots = await session_slots(domain)
    return services.create_survey(_app().uow, slots["session_id"], [Mot.AMOT]).code


def _app() -> App:
    from bot.app import current_app

    return current_app()


def late(text: str, nps: int) -> SurveyResponse:
    return SurveyResponse(nps=nps, csat=2, answers=(MomentAnswer(Mot.AMOT, Polarity.PAIN, text),))


async def test_answering_again_replaces_the_first_response(
    app: App, domain: dict[str, Any]
) -> None:
    code = await team_survey(domain)
    services.record_survey_response(app.uow, code, late("box came a week late", 2), "r1")
    view = services.record_survey_response(app.uow, code, late("box came 3 days late", 6), "r1")
    services.record_survey_response(app.uow, code, late("never arrived", 0), "r2")

    assert view.responses == 1
    assert services.get_survey(app.uow, code).responses == 2
    with app.uow() as uow:
        said = uow.db.scalars(select(EvidenceItem.text).where(
            EvidenceItem.method == "survey")).all()  # fmt: skip
        scores = uow.db.scalars(select(SurveyAnswer.nps).order_by(SurveyAnswer.id)).all()
    assert sorted(said, key=str) == ["box came 3 days late", "never arrived"]
    assert scores == [6, 0]


async def test_a_closed_survey_takes_no_more_answers(app: App, domain: dict[str, Any]) -> None:
    code = await team_survey(domain)
    services.record_survey_response(app.uow, code, late("late", 3), "r1")
    session_id = services.get_survey(app.uow, code).session_id

    closed = services.close_survey(app.uow, session_id)

    assert closed is not None and closed.status == "closed" and closed.responses == 1
    with pytest.raises(SurveyNotFound):
        services.record_survey_response(app.uow, code, late("late again", 3), "r2")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("anon-abc", slots={"survey_code": code})
    await ActionStartSurveyAnswering().run(dispatcher, tracker, domain)
    assert "don't know that survey code, or the survey is closed" in texts(dispatcher)
    assert {SURVEY_FINISHED: True} in [m.get("custom") for m in dispatcher.messages]
    assert services.findings(app.uow, session_id).moments  # answers given so far stay


async def test_a_chat_member_is_sent_to_the_anonymous_link(
    app: App, domain: dict[str, Any]
) -> None:
    code = await team_survey(domain)
    for sender in ("tg:-5:9", "tg:9:9"):  # a group, and a private chat under the own id
        dispatcher = CollectingDispatcher()
        metadata = {"bot_username": "motbot", "display_name": "Dan"}
        tracker = make_tracker(sender, slots={"survey_code": code}, metadata=metadata)
        events = await ActionStartSurveyAnswering().run(dispatcher, tracker, domain)
        assert f"https://t.me/motbot?start={code}" in texts(dispatcher)
        assert not any(e.get("name") == "respondent" and e.get("value") for e in events)


async def test_a_respondent_finishes_anonymously_under_a_pseudonym(
    app: App, domain: dict[str, Any]
) -> None:
    code = await team_survey(domain)
    dispatcher = CollectingDispatcher()
    events = await ActionStartSurveyAnswering().run(
        dispatcher, make_tracker("anon-1f2e", slots={"survey_code": code}), domain
    )
    slots: dict[str, Any] = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    finished: list[Any] = []
    for said in ("3", "2", "The box was late", "skip"):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("anon-1f2e", slots=slots, text=said, active_loop="respondent_form")
        result = await ValidateRespondentForm().validate_respondent_answer(
            said, dispatcher, tracker, domain
        )
        slots.update(result)
        finished += [m.get("custom") for m in dispatcher.messages if m.get("custom")]
        if result.get("respondent") is None:
            break
    assert finished == [{SURVEY_FINISHED: True}]
    with app.uow() as uow:
        answers = [(a.nps, a.respondent) for a in uow.db.scalars(select(SurveyAnswer))]
    assert len(answers) == 1 and answers[0][0] == 3
    assert "1f2e" not in answers[0][1]  # stored under a keyed digest, not the sender
