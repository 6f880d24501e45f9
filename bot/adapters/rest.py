"""The REST client: every chat front-end talks to Rasa through Rasa's REST channel with this.

Rasa's own responses (domain.yml) carry message keys, not English: each is a
custom payload `{"say": <key>, "buttons": [{"title": <key>, "payload": ...}]}`.
`parse_message` says them from the catalogue in the conversation's language (the
front-end's `use_language`), so every front-end shows them like the actions' texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from bot.core.texts import text

# The key of a domain.yml response's message in its custom payload.
SAY = "say"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    # An action's instruction to the front-end itself, e.g. {"report": {...}} (send the
    # report as a file) or {"survey_finished": true}; never shown as text.
    custom: dict[str, Any] = field(default_factory=dict)


class RasaClient(Protocol):
    """What a chat front-end needs from Rasa: one message in, Rasa's answers out."""

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]: ...


class AsyncRasaClient(Protocol):
    """The same for asyncio front-ends; closed when the front-end stops."""

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]: ...

    async def close(self) -> None: ...


class RasaUnavailable(Exception):
    """Rasa could not be reached or answered with an error."""


class RasaUnreachable(RasaUnavailable):
    """Rasa could not be reached at all: the message never arrived, so sending it again is safe."""


def request_body(sender: str, message: str, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """What Rasa's REST channel expects for one message."""
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata
    return body


def _buttons(raw: object) -> list[Mapping[str, Any]]:
    return [b for b in raw if isinstance(b, Mapping)] if isinstance(raw, list) else []


def parse_message(item: Mapping[str, Any]) -> BotMessage:
    """One message as Rasa's REST channel sends it, or one variant of a domain.yml response.

    A response of Rasa's own (`custom: {say: <key>, buttons: ...}`) is said here in the
    current language, its button titles too; its payloads go back to Rasa unchanged.
    """
    custom = item.get("custom")
    if isinstance(custom, Mapping) and isinstance(custom.get(SAY), str):
        return BotMessage(
            text=text(custom[SAY]),
            buttons=[
                Button(text(str(b.get("title", ""))), str(b.get("payload", "")))
                for b in _buttons(custom.get("buttons"))
            ],
        )
    return BotMessage(
        text=str(item.get("text") or ""),
        buttons=[
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in _buttons(item.get("buttons"))
        ],
        custom=dict(custom) if isinstance(custom, Mapping) else {},
    )


def parse_messages(raw: list[dict[str, Any]]) -> list[BotMessage]:
    return [parse_message(item) for item in raw]


class RestClient:
    def __init__(self, rasa_url: str, timeout: float = 30) -> None:
        self.webhook = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.timeout = timeout

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        body = request_body(sender, message, metadata)
        try:
            response = httpx.post(self.webhook, json=body, timeout=self.timeout)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        return parse_messages(response.json())


class AsyncRestClient:
    """The same client for asyncio front-ends (Telegram): one pooled connection to Rasa.

    Reading waits as long as Rasa waits for a custom action (5 minutes: a large
    export takes a while), connecting only seconds.
    """

    def __init__(
        self, rasa_url: str, timeout: float = 300, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.webhook = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=5), transport=transport
        )

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        try:
            response = await self.client.post(
                self.webhook, json=request_body(sender, message, metadata)
            )
            response.raise_for_status()
            return parse_messages(response.json())
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise RasaUnreachable(str(error)) from error
        except (httpx.HTTPError, ValueError) as error:
            # It may have been handled already: sending it again could answer twice.
            raise RasaUnavailable(str(error)) from error

    async def close(self) -> None:
        await self.client.aclose()


def _language_of(metadata: dict[str, Any] | None) -> str | None:
    language = (metadata or {}).get("language")
    return language if isinstance(language, str) else None


class LanguageRouter:
    """A `RasaClient` over one Rasa server per language (Rasa knows one language per model).

    Each message goes to the server of the language its metadata names (the language
    the team talks in); a language without a server of its own goes to the first one.
    All servers share the tracker store, so a team that switches continues its dialogue.
    """

    def __init__(self, clients: Mapping[str, RasaClient]) -> None:
        self.clients = dict(clients)
        self.default = next(iter(self.clients.values()))

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        client = self.clients.get(_language_of(metadata) or "", self.default)
        return client.send(sender, message, metadata)


class AsyncLanguageRouter:
    """`LanguageRouter` for asyncio front-ends: one pooled `AsyncRestClient` per language."""

    def __init__(self, clients: Mapping[str, AsyncRasaClient]) -> None:
        self.clients = dict(clients)
        self.default = next(iter(self.clients.values()))

    @classmethod
    def for_urls(cls, urls: Mapping[str, str]) -> AsyncLanguageRouter:
        return cls({language: AsyncRestClient(url) for language, url in urls.items()})

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        client = self.clients.get(_language_of(metadata) or "", self.default)
        return await client.send(sender, message, metadata)

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
