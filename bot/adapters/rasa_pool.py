"""Several Rasa servers of one language behind one client: turns spread, none lost, none twice.

Each message goes to the next server in turn. A server that cannot be reached is
skipped (the message never arrived). A server that fails while it handles a message
may or may not have saved the turn, so the message goes to the next server with
the same `turn_id`: Rasa's channel (`rasa_addons/once_per_turn.py`) answers a
turn it already holds from the tracker store instead of handling it again. All
servers share the tracker store (PostgreSQL) and the lock store (Redis).
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from bot.adapters.rest import (
    AsyncLanguageRouter,
    AsyncRasaClient,
    AsyncRestClient,
    BotMessage,
    LanguageRouter,
    RasaClient,
    RasaUnavailable,
    RasaUnreachable,
    RestClient,
)
from bot.config import Settings

TURN_ID = "turn_id"
Client = TypeVar("Client", RasaClient, AsyncRasaClient)
logger = logging.getLogger(__name__)


def with_turn_id(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The metadata with a `turn_id` that names this one message, kept across resends."""
    metadata = dict(metadata or {})
    if not isinstance(metadata.get(TURN_ID), str) or not metadata[TURN_ID]:
        metadata[TURN_ID] = uuid.uuid4().hex
    return metadata


def _outcome(errors: list[tuple[str, RasaUnavailable]]) -> RasaUnavailable:
    """Unreachable only when no server was reached: then nothing was handled anywhere."""
    said = "; ".join(f"{name}: {error}" for name, error in errors)
    if all(isinstance(error, RasaUnreachable) for _, error in errors):
        return RasaUnreachable(said)
    return RasaUnavailable(said)


class _Rotation(Generic[Client]):
    """The servers of a pool, each turn starting at the next one; what failed, named."""

    def __init__(self, clients: Sequence[Client], names: Sequence[str] = ()) -> None:
        if not clients:
            raise ValueError("a pool needs at least one Rasa server")
        self.clients: list[Client] = list(clients)
        self.names = list(names) or [f"server {n + 1}" for n in range(len(clients))]
        self._next = itertools.count()

    def order(self) -> list[tuple[str, Client]]:
        """This turn's servers in the order to try them."""
        start = next(self._next)
        count = len(self.clients)
        return [
            (self.names[(start + n) % count], self.clients[(start + n) % count])
            for n in range(count)
        ]

    @staticmethod
    def failed(
        errors: list[tuple[str, RasaUnavailable]],
        name: str,
        error: RasaUnavailable,
        metadata: dict[str, Any],
    ) -> None:
        errors.append((name, error))
        how = "unreachable" if isinstance(error, RasaUnreachable) else "failed mid-turn"
        logger.warning(
            "Rasa server %s %s (turn %s): trying the next one", name, how, metadata[TURN_ID]
        )


class RasaPool(_Rotation[RasaClient]):
    """A `RasaClient` over several Rasa servers of one language (round robin, failover)."""

    @classmethod
    def for_urls(cls, urls: Sequence[str], timeout: float = 30) -> RasaPool:
        return cls([RestClient(url, timeout) for url in urls], urls)

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        metadata = with_turn_id(metadata)
        errors: list[tuple[str, RasaUnavailable]] = []
        for name, client in self.order():
            try:
                return client.send(sender, message, metadata)
            except RasaUnavailable as error:
                self.failed(errors, name, error, metadata)
        raise _outcome(errors)


class AsyncRasaPool(_Rotation[AsyncRasaClient]):
    """`RasaPool` for asyncio front-ends (Telegram)."""

    @classmethod
    def for_urls(cls, urls: Sequence[str]) -> AsyncRasaPool:
        return cls([AsyncRestClient(url) for url in urls], urls)

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        metadata = with_turn_id(metadata)
        errors: list[tuple[str, RasaUnavailable]] = []
        for name, client in self.order():
            try:
                return await client.send(sender, message, metadata)
            except RasaUnavailable as error:
                self.failed(errors, name, error, metadata)
        raise _outcome(errors)

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


def rasa_router(settings: Settings) -> LanguageRouter:
    """The terminal's client: each chat language's Rasa server, or its pool of servers."""
    clients: dict[str, RasaClient] = {}
    for language in settings.chat_languages:
        servers = settings.rasa_servers_for(language)
        single = len(servers) == 1
        clients[language] = RestClient(servers[0]) if single else RasaPool.for_urls(servers)
    return LanguageRouter(clients)


def async_rasa_router(settings: Settings) -> AsyncLanguageRouter:
    """The Telegram adapter's client: the same, for asyncio.

    One server per language stays a plain client: the turn look-up a pool asks of
    Rasa costs a tracker read per message that a single server does not need.
    """
    clients: dict[str, AsyncRasaClient] = {}
    for language in settings.chat_languages:
        servers = settings.rasa_servers_for(language)
        clients[language] = (
            AsyncRestClient(servers[0]) if len(servers) == 1 else AsyncRasaPool.for_urls(servers)
        )
    return AsyncLanguageRouter(clients)
