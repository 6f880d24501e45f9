"""Rasa custom actions: thin adapters from the dialogue onto `bot.services` and the core.

Each class is one domain action. Core errors become friendly replies here;
nothing below this layer knows about Rasa.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    business_label,
    context_from_slots,
    display_name,
    interview_of,
    own_session_id,
)
from actions.interview import SURVEY_FINISHED
from bot import services
from bot.app import current_app
from bot.core.context import (
    parse_business,
    parse_channels,
    parse_product_name,
    parse_typical_customer,
)
from bot.core.errors import SessionNotFound, UnclearAnswer
from bot.core.taxonomy import Business
from bot.core.texts import QUESTIONS, text

log = logging.getLogger(__name__)

CONTEXT_SLOTS = ("product_name", "business_type", "channels", "typical_customer")


class ActionStartSession(Action):
    """Open (or reopen) the team's interview and remember its id in the conversation."""

    def name(self) -> str:
        return "action_start_session"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            view = services.open_session(
                current_app().uow, tracker.sender_id, display_name(tracker)
            )
        except SQLAlchemyError:
            log.exception("could not open a session")
            dispatcher.utter_message(text=text("storage_error"))
            return []
        if tracker.get_slot("session_id") == view.id and tracker.get_slot("product_name"):
            dispatcher.utter_message(text=text("resumed"))
        events: list[EventType] = [SlotSet("session_id", view.id)]
        if view.context and not tracker.get_slot("product_name"):
            # Someone else in this chat (a group) already set the product up: join it.
            context = view.context
            events += [
                SlotSet("product_name", context.product_name),
                SlotSet("business_type", context.business.value),
                SlotSet("channels", ", ".join(context.channels)),
                SlotSet("typical_customer", context.typical_customer),
            ]
        return events


class ActionStartOver(Action):
    """A fresh interview; the earlier one stays in the database untouched."""

    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            view = services.open_session(
                current_app().uow, tracker.sender_id, display_name(tracker), fresh=True
            )
        except SQLAlchemyError:
            log.exception("could not open a fresh session")
            dispatcher.utter_message(text=text("storage_error"))
            return []
        dispatcher.utter_message(text=text("started_over"))
        return [
            SlotSet("session_id", view.id),
            *(SlotSet(slot, None) for slot in CONTEXT_SLOTS),
        ]


class ValidateContextForm(FormValidationAction):
    """Turns each free-text answer into a clean value, or re-asks specifically."""

    def name(self) -> str:
        return "validate_context_form"

    @staticmethod
    def _validate(
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        parse: Callable[[str], object],
        template: str = "unclear",
    ) -> dict[str, Any]:
        answer = str(value or "")
        try:
            parsed = parse(answer)
        except UnclearAnswer as unclear:
            shown = answer if len(answer) <= 60 else answer[:57] + "..."
            dispatcher.utter_message(text=text(template, answer=shown, hint=unclear.hint))
            return {slot: None}
        if isinstance(parsed, list):
            parsed = ", ".join(parsed)
        elif isinstance(parsed, Business):
            parsed = parsed.value
        return {slot: parsed}

    def validate_product_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("product_name", value, dispatcher, parse_product_name)

    def validate_business_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate(
            "business_type", value, dispatcher, parse_business, template="unclear_business"
        )

    def validate_channels(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("channels", value, dispatcher, parse_channels)

    def validate_typical_customer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate("typical_customer", value, dispatcher, parse_typical_customer)


class ActionSaveContext(Action):
    """Store the product context and read it back in one message for confirmation."""

    def name(self) -> str:
        return "action_save_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        app = current_app()
        events: list[EventType] = []
        try:
            context = context_from_slots(tracker)
        except UnclearAnswer as unclear:
            # Slots are validated by the form, so this means a tampered tracker.
            dispatcher.utter_message(text=text("unclear", answer=unclear.answer, hint=unclear.hint))
            return [SlotSet(unclear.question, None)]
        session_id = own_session_id(tracker)
        try:
            try:
                if not session_id:
                    raise SessionNotFound("none")
                view = services.save_context(app.uow, session_id, context)
            except SessionNotFound:
                opened = services.open_session(app.uow, tracker.sender_id, display_name(tracker))
                view = services.save_context(app.uow, opened.id, context)
                events.append(SlotSet("session_id", view.id))
        except SQLAlchemyError:
            log.exception("could not save the product context")
            dispatcher.utter_message(text=text("storage_error"))
            return events
        dispatcher.utter_message(
            text=text(
                "context_summary",
                product_name=context.product_name,
                business=business_label(context.business),
                channels=", ".join(context.channels),
                typical_customer=context.typical_customer,
            ),
            buttons=[
                {"title": text("button_yes"), "payload": "/affirm"},
                {"title": text("button_change"), "payload": "/deny"},
            ],
        )
        return events


class ActionResetField(Action):
    """Forget one answer of the product context so the form asks it again."""

    def name(self) -> str:
        return "action_reset_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        field = tracker.get_slot("context_field")
        if field not in CONTEXT_SLOTS:
            dispatcher.utter_message(text=text("which_field_unknown"))
            return [SlotSet("context_field", None)]
        return [SlotSet(field, None), SlotSet("context_field", None)]


def _current_question(tracker: Tracker) -> str | None:
    requested = tracker.get_slot("requested_slot")
    if tracker.active_loop_name and requested in QUESTIONS:
        return QUESTIONS[requested]
    return None


def _awaiting_confirmation(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") not in (
            "action_listen",
            "action_help",
            "action_rephrase",
            None,
        ):
            return bool(event.get("name") == "action_save_context")
    return False


class ActionHelp(Action):
    """Explain what the bot does and where the user stands; the form then re-asks."""

    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = text("help")
        interview = interview_of(tracker) if tracker.active_loop_name == "interview_form" else None
        question = interview.current_question() if interview else None
        if question is not None:
            message = question.hint or text("help")
            message += "\n" + text("help_commands") + "\n" + text("help_in_form")
        elif _current_question(tracker):
            message += "\n" + text("help_in_form")
        elif _awaiting_confirmation(tracker):
            message += "\n" + text("help_in_confirm")
        dispatcher.utter_message(text=message)
        return []


class ActionCancel(Action):
    """Stop the current question; what was answered stays stored."""

    def name(self) -> str:
        return "action_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=text("cancelled"))
        if tracker.active_loop_name == "respondent_form":
            dispatcher.utter_message(json_message={SURVEY_FINISHED: True})
            return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("respondent", None)]
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionRephrase(Action):
    """Not understood: say so, and ask the pending question again in other words."""

    def name(self) -> str:
        return "action_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        said = str(tracker.latest_message.get("text") or "")
        shown = said if len(said) <= 60 else said[:57] + "..."
        parts = [text("not_understood", text=shown)]
        question = _current_question(tracker)
        if question:
            parts.append(question)
        elif _awaiting_confirmation(tracker):
            parts.append(text("rephrase_confirm"))
        else:
            parts.append(text("rephrase_default"))
        dispatcher.utter_message(text="\n".join(parts))
        return []
