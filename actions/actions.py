"""Rasa custom actions: thin adapters from the dialogue onto `bot.services` and the core.

Each class is one domain action. Core errors become friendly replies here;
nothing below this layer knows about Rasa.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActiveLoop,
    EventType,
    FollowupAction,
    Restarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    business_label,
    buttons,
    context_from_slots,
    display_name,
    interview_of,
    keep_place,
    own_session_id,
)
from actions.interview import SURVEY_FINISHED, survey_run
from bot import services
from bot.adapters.rest import parse_message
from bot.app import current_app
from bot.core.context import (
    channel_names,
    parse_business,
    parse_channels,
    parse_product_name,
    parse_typical_customer,
)
from bot.core.errors import SessionNotFound, StorageError, UnclearAnswer
from bot.core.taxonomy import Business
from bot.core.texts import render, text
from bot.interview_service import method_buttons, question_buttons

log = logging.getLogger(__name__)

CONTEXT_SLOTS = ("product_name", "business_type", "channels", "typical_customer")


class ActionStartSession(Action):
    """Open (or reopen) the team's session and remember its id in the conversation."""

    def name(self) -> str:
        return "action_start_session"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            view = services.open_session(
                current_app().uow, tracker.sender_id, display_name(tracker)
            )
        except StorageError:
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
        except StorageError:
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
            dispatcher.utter_message(text=text(template, answer=shown, hint=render(unclear.hint)))
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
            dispatcher.utter_message(
                text=text("unclear", answer=unclear.answer, hint=render(unclear.hint))
            )
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
        except StorageError:
            log.exception("could not save the product context")
            dispatcher.utter_message(text=text("storage_error"))
            return events
        dispatcher.utter_message(
            text=text(
                "context_summary",
                product_name=context.product_name,
                business=business_label(context.business),
                channels=channel_names(context.channels),
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


# Bot actions that answer a side question: the question asked before them is still open.
SIDE_ACTIONS = frozenset(
    {
        "action_listen",
        "action_extract_slots",
        "action_session_start",
        "action_help",
        "action_rephrase",
        "action_report",
        "action_close_survey",
        "action_findings",
        "action_where_are_we",
        "action_explain",
        "action_receive_file",
        "utter_you_are_welcome",
    }
)
# Bot actions after which the team picks a method from buttons.
MENU_ACTIONS = frozenset({"action_offer_methods", "action_interview_next", "action_start_method"})


@dataclass(frozen=True)
class Pending:
    """The question the conversation waits for an answer to, with its options."""

    kind: str  # greeting, confirm, which_field, menu, form
    question: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def _last_question_action(tracker: Tracker) -> str | None:
    """The last bot action that asked something, skipping side answers and reverted turns."""
    for event in reversed(tracker.applied_events()):
        if event.get("event") != "action":
            continue
        name = event.get("name")
        if name and name not in SIDE_ACTIONS:
            return str(name)
    return None


def _response(domain: DomainDict, name: str) -> Pending | None:
    variants = (domain.get("responses") or {}).get(name) or []
    if not variants:
        return None
    first = parse_message(variants[0])  # Rasa's responses carry catalogue keys (domain.yml)
    buttons = [{"title": b.title, "payload": b.payload} for b in first.buttons]
    return Pending("form", first.text.strip(), buttons)


def _form_question(tracker: Tracker, domain: DomainDict) -> Pending | None:
    """The question the active form waits for, as the form itself asks it."""
    loop = tracker.active_loop_name
    if loop == "context_form":
        requested = tracker.get_slot("requested_slot")
        if requested in CONTEXT_SLOTS:
            return _response(domain, f"utter_ask_{requested}")
        return None
    if loop == "interview_form":
        interview = interview_of(tracker)
        if interview is None:
            return None
        question = interview.current_question()
        if question is None:
            return Pending("menu", text("which_method_next"), buttons(method_buttons(interview)))
        return Pending("form", render(question.text), buttons(question_buttons(question)))
    if loop == "respondent_form":
        found = survey_run(tracker)
        current = found[1].current() if found else None
        if current is None:
            return None
        key, asked = current
        rating = [{"title": str(n), "payload": str(n)} for n in range(1, 6)]
        return Pending("form", asked, rating if key == "csat" else [])
    return None


def pending_question(tracker: Tracker, domain: DomainDict) -> Pending | None:
    """What the bot asked last and still waits for; None when nothing is open."""
    if tracker.active_loop_name:
        return _form_question(tracker, domain)
    asked = _last_question_action(tracker)
    if asked == "utter_greet":
        return Pending("greeting", text("rephrase.greeting"), _greeting_buttons())
    if asked == "action_save_context":
        confirm = [
            {"title": text("button_yes"), "payload": "/affirm"},
            {"title": text("button_change"), "payload": "/deny"},
        ]
        return Pending("confirm", text("rephrase_confirm"), confirm)
    if asked == "utter_ask_which_field":
        which = _response(domain, "utter_ask_which_field")
        return Pending("which_field", which.question, which.buttons) if which else None
    if asked in MENU_ACTIONS:
        interview = interview_of(tracker)
        if interview is not None and interview.open_methods():
            return Pending("menu", text("rephrase.menu"), buttons(method_buttons(interview)))
    return None


def _greeting_buttons() -> list[dict[str, str]]:
    return [
        {"title": text("rephrase.button_start"), "payload": "/start_session"},
        {"title": text("rephrase.button_help"), "payload": "/help"},
    ]


class ActionHelp(Action):
    """Explain what the bot does and where the user stands; the pending question stays open."""

    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = text("help")
        offered: list[dict[str, str]] = []
        interview = interview_of(tracker) if tracker.active_loop_name == "interview_form" else None
        question = interview.current_question() if interview else None
        if question is not None:
            message = render(question.hint) or text("help")
            message += "\n" + text("help_commands") + "\n" + text("help_in_form")
        elif tracker.active_loop_name:
            message += "\n" + text("help_in_form")  # the form asks its question next
        else:
            pending = pending_question(tracker, domain)
            if pending is not None and pending.kind == "confirm":
                message += "\n" + text("help_in_confirm")
                offered = pending.buttons
            elif pending is not None:
                message += "\n" + text("help_in_form") + "\n" + pending.question
                offered = pending.buttons
        dispatcher.utter_message(text=message, buttons=offered)
        return keep_place(tracker)


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
    """Not an answer: say so, ask the pending question again with its options, keep the place.

    This is the core fallback too (config.yml), so it must end the turn: it
    never leaves a state in which the policies would predict it once more.
    """

    def name(self) -> str:
        return "action_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        said = " ".join(str(tracker.latest_message.get("text") or "").split())
        shown = said if len(said) <= 60 else said[:57] + "..."
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        pending = pending_question(tracker, domain)
        if pending is not None and intent in ("affirm", "deny") and pending.buttons:
            lead = text("rephrase.not_a_choice", text=shown)
        else:
            lead = text("not_understood", text=shown)
        if pending is not None:
            dispatcher.utter_message(text=lead + "\n" + pending.question, buttons=pending.buttons)
        elif interview_of(tracker) is not None:
            dispatcher.utter_message(text=lead + "\n" + text("rephrase.interview"))
        else:
            dispatcher.utter_message(text=lead + "\n" + text("rephrase_default"))
        if tracker.active_loop_name:
            # A form's unhappy path: the question is asked above, so only end the turn.
            # The form rejected this message; Rasa keeps it marked "rejected" and, with
            # only rules (no TED), would never run it again: every later answer would be
            # "not understood". Activating it anew clears that, so the next answer is
            # the form's to take.
            return [ActiveLoop(tracker.active_loop_name), FollowupAction("action_listen")]
        return keep_place(tracker)


class ActionRestart(Action):
    """Rasa's `/restart`, overridden to say what happened; the default one is silent."""

    def name(self) -> str:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=text("restarted"), buttons=_greeting_buttons())
        return [Restarted()]


class ActionBack(ActionRephrase):
    """Rasa's `/back` (undo the last turn), overridden: no command of ours, so not understood.

    Rasa's own one is silent and rewinds two turns; this one re-asks and keeps the place.
    """

    def name(self) -> str:
        return "action_back"
