"""Rasa's REST channel, made safe to resend: a turn sent twice is answered once.

With several Rasa servers behind the adapter (README: Production), a server can die
while it handles a message. The adapter cannot know whether that server saved the
turn, so it sends the message again to another server, with the same `turn_id` in
its metadata. This channel looks for that turn in the conversation's tracker, under
the conversation's lock (Redis when several servers share one database): if a
server already handled it, the answers it gave are sent again and nothing is
handled a second time; otherwise the message is handled as usual, inside the same
lock, so no other server can handle it meanwhile.

A message without a `turn_id` is handled exactly as by Rasa's own REST channel.
credentials.yml lists this class in place of `rest`; the webhook stays
`/webhooks/rest/webhook`. Runs inside .venv-rasa (Python 3.10): no imports from `bot`.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LOCK_LIFETIME
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

TURN_ID = "turn_id"


def answers_to(events: list[Any], turn_id: str) -> list[dict[str, Any]] | None:
    """The messages the bot said after the user message carrying `turn_id`, or None
    when no such message was handled (the tracker holds only what a server saved)."""
    start = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered) and (event.metadata or {}).get(TURN_ID) == turn_id:
            start = index
            break
    if start is None:
        return None
    said: list[dict[str, Any]] = []
    for event in events[start + 1 :]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            said.append(event.message())
    return said


class OncePerTurnRestInput(RestInput):
    """`RestInput` whose messages with a `turn_id` are handled at most once."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("once_per_turn_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            metadata = self.get_metadata(request)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender_id,
                input_channel=self._extract_input_channel(request),
                metadata=metadata,
            )
            turn_id = (metadata or {}).get(TURN_ID) if isinstance(metadata, dict) else None
            try:
                if isinstance(turn_id, str) and turn_id:
                    await _handle_once(request.app.ctx.agent, message, turn_id, collector)
                else:
                    await on_new_message(message)
            except CancelledError:
                logger.error("Message handling timed out for user message '%s'.", text)
            except Exception:
                logger.exception("An exception occurred while handling user message '%s'.", text)
            return response.json(collector.messages)

        return webhook


@asynccontextmanager
async def conversation_lock(
    store: Any, conversation_id: str, poll_s: float = 0.1
) -> AsyncIterator[None]:
    """Rasa's ticket lock on one conversation, without its endless wait.

    `LockStore.lock` waits for its ticket to come up; when the server holding the
    ticket ahead died, both tickets may expire between two of its checks, and it then
    waits forever for a ticket that no longer exists (seen with a killed server). Here
    a waiter whose ticket expired takes a new one.
    """
    ticket = store.issue_ticket(conversation_id, LOCK_LIFETIME)
    try:
        while True:
            lock = store.get_lock(conversation_id)
            if lock is not None:
                lock.remove_expired_tickets()
            if lock is None or all(held.number != ticket for held in lock.tickets):
                ticket = store.issue_ticket(conversation_id, LOCK_LIFETIME)
                continue
            if not lock.is_locked(ticket):
                break
            await asyncio.sleep(poll_s)
            store.update_lock(conversation_id)
        yield
    finally:
        store.cleanup(conversation_id, ticket)


async def _handle_once(
    agent: Any, message: UserMessage, turn_id: str, collector: CollectingOutputChannel
) -> None:
    """Handle `message` unless its turn is in the tracker already; then repeat its answers.

    Does what `Agent.handle_message` does (the lock, then the processor) with the
    look-up inside the lock.
    """
    if not agent.is_ready():
        logger.info("Ignoring message as there is no agent to handle it.")
        return
    async with conversation_lock(agent.lock_store, message.sender_id):
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        said = answers_to(list(tracker.events), turn_id) if tracker is not None else None
        if said is None:
            await agent.processor.handle_message(message)
            return
        logger.info("Turn %s was handled already: its answers are sent again.", turn_id)
        for item in said:
            await collector.send_response(message.sender_id, item)
