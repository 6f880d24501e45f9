"""Helpers the action modules share: who is speaking, and the product context from slots."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet, UserUtteranceReverted
from sqlalchemy.exc import SQLAlchemyError

from bot import services
from bot.app import current_app
from bot.core.context import (
    ProductContext,
    parse_business,
    parse_channels,
    parse_product_name,
    parse_typical_customer,
)
from bot.core.errors import MotError, UnclearAnswer
from bot.core.identity import parse_sender
from bot.core.interview import Interview
from bot.core.taxonomy import Business
from bot.core.texts import text

log = logging.getLogger(__name__)


def display_name(tracker: Tracker) -> str | None:
    metadata = tracker.latest_message.get("metadata") or {}
    name = metadata.get("display_name")
    return str(name)[:200] if name else None


def own_session_id(tracker: Tracker) -> str | None:
    """The `session_id` slot, only when that session is the sender's own chat's.

    Anyone who can call the action server can put any id in the slots; the
    action server is loopback-only and token-checked, and this is the last line.
    """
    return services.owned_session(
        current_app().uow, tracker.sender_id, tracker.get_slot("session_id")
    )


def context_from_slots(tracker: Tracker) -> ProductContext:
    return ProductContext(
        product_name=parse_product_name(tracker.get_slot("product_name") or ""),
        business=parse_business(tracker.get_slot("business_type") or ""),
        channels=parse_channels(tracker.get_slot("channels") or ""),
        typical_customer=parse_typical_customer(tracker.get_slot("typical_customer") or ""),
    )


def business_label(business: Business) -> str:
    return text("business_b2b") if business is Business.B2B else text("business_b2c")


def interview_of(tracker: Tracker) -> Interview | None:
    """The speaker's interview, or None while the product context is incomplete.

    Its progress comes from our database (one row per session and participant;
    a member new to a team's session starts with the team's live/planned
    answer); the `interview` slot is read only when the database has nothing.
    """
    try:
        context = context_from_slots(tracker)
    except UnclearAnswer:
        return None
    session_id = own_session_id(tracker)
    stored = None
    if session_id:
        try:
            stored = services.load_progress(current_app().uow, session_id, _participant(tracker))
        except SQLAlchemyError:
            log.exception("could not read the interview's progress; using the slot")
    if stored is not None:
        return Interview(context, stored)
    state = tracker.get_slot("interview")
    return Interview(context, state if isinstance(state, dict) else None)


def remember(tracker: Tracker, interview: Interview) -> EventType:
    """Store the speaker's progress; the slot event mirrors it for the conversation's history."""
    session_id = own_session_id(tracker)
    if session_id:
        try:
            services.save_progress(
                current_app().uow, session_id, _participant(tracker), interview.state
            )
        except (SQLAlchemyError, MotError):
            log.exception("could not store the interview's progress; the slot keeps it")
    return SlotSet("interview", interview.state.to_dict())


def _participant(tracker: Tracker) -> str:
    return parse_sender(tracker.sender_id).participant_key


def keep_place(tracker: Tracker) -> list[EventType]:
    """Events that leave the conversation where it was before this message.

    A side answer (help, the report, not understood) outside a form must not
    become the state the rules see next: reverting the user's message keeps the
    pending question's rules applicable (Rasa's own fallback does the same), and
    listening ends the turn, so nothing can be predicted again and again.
    Inside a form the rules hand back to the form, which asks on.
    """
    if tracker.active_loop_name:
        return []
    return [UserUtteranceReverted(), FollowupAction("action_listen")]
