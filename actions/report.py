"""Rasa actions on what the team takes away: the report, and closing its survey.

Both touch only the sender's own session (`own_session_id`), whatever the
`session_id` slot says. Outside a form they keep the conversation's place;
inside one, the rules hand back to the form, which asks on.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import keep_place, own_session_id
from bot import services
from bot.app import current_app
from bot.core.errors import MotError, StorageError
from bot.core.texts import text

log = logging.getLogger(__name__)

# The custom message that asks the front-end to hand the report over: the
# terminal writes the file and prints its path, Telegram sends the document.
REPORT_MESSAGE = {"report": {"format": "md"}}


class ActionReport(Action):
    """The team asked for its report in the chat."""

    def name(self) -> str:
        return "action_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        session_id = own_session_id(tracker)
        if not session_id:
            dispatcher.utter_message(text=text("findings_none"))
            return keep_place(tracker)
        try:
            found = services.findings(current_app().uow, session_id)
        except MotError:  # StorageError, or the session is gone
            log.exception("could not read the findings for a report")
            dispatcher.utter_message(text=text("storage_error"))
            return keep_place(tracker)
        count = len(found.moments) + len(found.strengths)
        if not count:
            dispatcher.utter_message(text=text("findings_empty"))
            return keep_place(tracker)
        dispatcher.utter_message(text=text("report.ready", count=count))
        dispatcher.utter_message(json_message=REPORT_MESSAGE)
        return keep_place(tracker)


class ActionCloseSurvey(Action):
    """The team stops its survey taking answers; the answers it got stay."""

    def name(self) -> str:
        return "action_close_survey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        session_id = own_session_id(tracker)
        try:
            survey = services.close_survey(current_app().uow, session_id) if session_id else None
        except StorageError:
            log.exception("could not close a survey")
            dispatcher.utter_message(text=text("storage_error"))
            return keep_place(tracker)
        if survey is None:
            dispatcher.utter_message(text=text("survey.none_to_close"))
        else:
            dispatcher.utter_message(
                text=text("survey.closed_now", code=survey.code, responses=survey.responses)
            )
        return keep_place(tracker)
