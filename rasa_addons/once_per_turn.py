"""Rasa's REST channel, made safe to resend: a turn sent twice is answered once.

With several Rasa servers behind the adapter (README: Production), a server can die
while it handles a message. The adapter cannot know whether that server saved the
turn, so it sends the message again to another server, with the same `turn_id` in
its metadata. This channel looks for that turn in the conversation's tracker, under
the conversation's lock (Redis when several servers share one database): if a
server already handled it, the answers it gave are sent again and nothing is
handled a second time; otherwise the message is handled as usual, inside the same
lock, so no other server can handle it meanwhile.

A message without a `turn_id` is handled as by Rasa's own REST channel, except for
two things every message gets: a database (or Redis) that is down for a while is
waited out and the turn tried again, instead of Rasa's fallback to an empty
in-memory tracker that forgets the conversation and saves the turn nowhere; and a
waiter on a conversation's lock cannot wait forever for a dead server's ticket.

credentials.yml lists this class in place of `rest`; the webhook stays
`/webhooks/rest/webhook`. Runs inside .venv-rasa (Python 3.10): no imports from `bot`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from asyncio import CancelledError
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LOCK_LIFETIME, LockError
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_addons import fast_events

logger = logging.getLogger(__name__)

TURN_ID = "turn_id"
# How long a turn waits for a database (or Redis) that is down before it gives up;
# within the adapter's own wait for an answer (300 s) and Sanic's (330 s).
RETRY_FOR_S = 60.0


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
    """`RestInput` whose messages with a `turn_id` are handled once, storage outages waited out."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        watch_remote_actions()
        fast_events.install()
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
                await handle(
                    request.app.ctx.agent,
                    message,
                    turn_id if isinstance(turn_id, str) and turn_id else None,
                    collector,
                )
            except CancelledError:
                logger.error("Message handling timed out for user message '%s'.", text)
            except ActionServerUnreachable as error:
                # No answer: the adapter asks to send it again, which is now literally true.
                logger.error("%s; the turn was not saved.", error)
                collector.messages.clear()
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


def _transient(error: Exception) -> bool:
    """A database or lock store that is down for a moment (restarting, failing over)."""
    from sqlalchemy.exc import DBAPIError

    try:
        from redis.exceptions import ConnectionError as RedisDown
    except ImportError:  # pragma: no cover - redis comes with rasa
        RedisDown = OSError
    return isinstance(error, DBAPIError | LockError | RedisDown)


def _strict_tracker_store(agent: Any) -> None:
    """Rasa wraps the tracker store in `FailSafeTrackerStore`, which on a database error
    goes on with an empty in-memory tracker: the conversation is forgotten and the turn
    is saved nowhere. Unwrapped, the error reaches `handle`, which waits it out."""
    inner = getattr(agent.tracker_store, "_tracker_store", None)
    if inner is not None:
        agent.tracker_store = inner
        agent.processor.tracker_store = inner


async def handle(
    agent: Any,
    message: UserMessage,
    turn_id: str | None,
    collector: CollectingOutputChannel,
    retry_for_s: float = RETRY_FOR_S,
) -> None:
    """`Agent.handle_message` (the conversation's lock, then the processor), with the turn
    look-up inside the lock, and a database that is down for a while waited out."""
    if not agent.is_ready():
        logger.info("Ignoring message as there is no agent to handle it.")
        return
    _strict_tracker_store(agent)
    deadline = time.monotonic() + retry_for_s
    while True:
        try:
            await _handle_once(agent, message, turn_id, collector)
            return
        except Exception as error:
            if not _transient(error) or time.monotonic() > deadline:
                raise
            # Nothing of the turn was saved (the tracker is saved last): start it again.
            logger.warning("Storage unavailable (%s); the turn is tried again.", error)
            collector.messages.clear()
            await asyncio.sleep(1)


async def _handle_once(
    agent: Any, message: UserMessage, turn_id: str | None, collector: CollectingOutputChannel
) -> None:
    """Handle `message` unless its turn is in the tracker already; then repeat its answers."""
    async with conversation_lock(agent.lock_store, message.sender_id):
        said = None
        if turn_id is not None:
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            said = answers_to(list(tracker.events), turn_id) if tracker is not None else None
        if said is None:
            await _process(agent.processor, message)
            return
        logger.info("Turn %s was handled already: its answers are sent again.", turn_id)
        for item in said:
            await collector.send_response(message.sender_id, item)


class ActionServerUnreachable(Exception):
    """A custom action could not reach the action server during a turn."""


_failed_actions: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


def _unreachable(error: BaseException) -> bool:
    import aiohttp

    cause = error.__cause__ or error.__context__
    return isinstance(cause, aiohttp.ClientConnectionError | asyncio.TimeoutError)


def watch_remote_actions() -> None:
    """Note, for the turn at hand, every custom action that could not reach the action
    server: Rasa logs it, drops the action's events and goes on, saving the user's
    message as handled, so the dialogue runs ahead of what was stored."""
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction.run, "watched_by_mot", False):
        return
    original = RemoteAction.run

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(self, *args, **kwargs)
        except Exception as error:
            failed = _failed_actions.get()
            if failed is not None and _unreachable(error):
                failed.append(self.name())
            raise

    run.watched_by_mot = True  # type: ignore[attr-defined]
    RemoteAction.run = run


async def _process(processor: Any, message: UserMessage) -> None:
    """`MessageProcessor.handle_message`, except that a turn whose custom action could
    not reach the action server is not saved: the user sends it again and it is
    handled from the same place, instead of a dialogue that moved on without it."""
    failed: list[str] = []
    token = _failed_actions.set(failed)
    try:
        tracker = await processor.log_message(message, should_save_tracker=False)
        tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
        await processor._run_prediction_loop(message.output_channel, tracker)
        if failed:
            raise ActionServerUnreachable(f"the action server was unreachable for {failed}")
        await processor.run_anonymization_pipeline(tracker)
        await processor.save_tracker(tracker)
    finally:
        _failed_actions.reset(token)
