"""Helpers the action modules share: who is speaking, and the product context from slots."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot import services
from bot.app import current_app
from bot.core.context import (
    ProductContext,
    parse_business,
    parse_channels,
    parse_product_name,
    parse_typical_customer,
)
from bot.core.errors import StorageError
from bot.core.identity import parse_sender, upload_folder
from bot.core.interview import Interview
from bot.core.taxonomy import Business
from bot.core.texts import render, text
from bot.interview_service import Button, Member, Message, current_interview

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


def member_of(tracker: Tracker) -> Member:
    """Who speaks, for the interview service: their own chat's session and uploads folder."""
    metadata = tracker.latest_message.get("metadata") or {}
    bot_name = metadata.get("bot_username")
    settings = current_app().settings
    return Member(
        session_id=own_session_id(tracker),
        participant_key=parse_sender(tracker.sender_id).participant_key,
        display_name=display_name(tracker),
        uploads_dir=settings.uploads_dir,
        upload_folder=upload_folder(tracker.sender_id),
        bot_username=str(bot_name) if bot_name else None,
    )


def interview_of(tracker: Tracker) -> Interview | None:
    """The speaker's interview as stored (to read, e.g. its current question), or None before
    the product context is known or when the database cannot be read."""
    try:
        return current_interview(current_app().uow, member_of(tracker))
    except StorageError:
        log.exception("could not read the interview")
        return None


def send(dispatcher: CollectingDispatcher, messages: list[Message]) -> None:
    """The service's messages, rendered in the conversation's language, with their buttons."""
    for message in messages:
        dispatcher.utter_message(text=render(message.text), buttons=buttons(message.buttons))


def buttons(offered: tuple[Button, ...]) -> list[dict[str, str]]:
    return [{"title": render(b.title), "payload": b.payload} for b in offered]


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
