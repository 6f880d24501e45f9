"""The Telegram handlers as users meet them, offline and in milliseconds.

The real Application (`build_application`, every handler and the retrying rate
limiter) talks to the Bot API through PTB's own request interface: `InMemoryBotApi`,
a `telegram.request.BaseRequest` whose `do_request` answers from the Bot API
emulator of the e2e tests (tests/e2e/bot_api.py) without a socket. Rasa is faked
at its HTTP boundary (an httpx.MockTransport behind the real AsyncRestClient).
Updates go through `Application.process_update`, as the adapter's own polling loop
and webhook server hand them over. tests/e2e/test_telegram.py drives the same
handlers with the real Rasa and action server, over HTTP, in minutes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.adapters.rest import AsyncRestClient
from bot.adapters.telegram import build_application, prepare
from bot.adapters.telegram_render import COMMANDS, help_for_commands
from bot.adapters.telegram_state import shared
from bot.app import App, build_app
from bot.config import Settings
from bot.core.messages import MAX_MESSAGE_CHARS
from bot.core.texts import text
from bot.storage.db import upgrade
from bot.storage.models import Participant
from tests.e2e.bot_api import BOT_USERNAME, BotApiEmulator, Sent, TgUser

TOKEN = "123456:offline-token"
ANA = TgUser(4242, "Ana", "ana")


class InMemoryBotApi(BaseRequest):
    """PTB's request interface answered in memory by the emulator: every call is recorded."""

    def __init__(self, api: BotApiEmulator) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:  # nothing waits in memory: the timeouts do not apply
        assert url.startswith(f"https://api.telegram.org/bot{TOKEN}/"), url
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        for name, part in (request_data.multipart_data if request_data else {}).items():
            content = part[1]
            params[name] = (part[0], content if isinstance(content, bytes) else content.read())
        status, payload = self.api.call(url.rsplit("/", 1)[1], params)
        return status, json.dumps(payload).encode()


class FakeRasa:
    """Rasa's REST channel: answers from a script, and remembers what it was sent."""

    def __init__(self) -> None:
        self.heard: list[dict[str, Any]] = []
        self.script: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/rest/webhook"
        body: dict[str, Any] = json.loads(request.content)
        self.heard.append(body)
        return httpx.Response(200, json=self.script.get(body["message"], []))

    def messages(self) -> list[str]:
        return [str(body["message"]) for body in self.heard]


class PrivateChat:
    """One user's private chat with the bot, through the real Application."""

    def __init__(self, application: Application, api: BotApiEmulator) -> None:  # type: ignore[type-arg]
        self.application = application
        self.api = api
        self.pending: list[dict[str, Any]] = []
        api.deliver = self.pending.append  # users' updates come here, not to getUpdates

    async def handle(self) -> None:
        """What the adapter's polling loop does with each update Telegram delivers."""
        while self.pending:
            update = Update.de_json(self.pending.pop(0), self.application.bot)
            await self.application.process_update(update)

    async def says(self, said: str) -> list[Sent]:
        mark = len(self.api.sent)
        self.api.send_text(ANA, said)
        await self.handle()
        return self.api.sent[mark:]

    async def presses(self, sent: Sent, title: str) -> list[Sent]:
        mark = len(self.api.sent)
        self.api.press(ANA, sent, title)
        await self.handle()
        return self.api.sent[mark:]

    def read(self, sent: Sent) -> str:
        """The text as the user reads it (Telegram renders the HTML)."""
        return str(self.api.messages[(sent.chat_id, sent.message_id)].get("text", ""))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> str:
    """One migrated SQLite file for the module: handlers look up survey takers in it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'mot.db'}"
    upgrade(url, project_root)
    return url


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
async def chat(
    database: str, tmp_path: Path, project_root: Path, rasa: FakeRasa
) -> AsyncIterator[PrivateChat]:
    settings = Settings(
        database_url=database, root=project_root, uploads_dir=tmp_path / "uploads",
        telegram_bot_token=TOKEN, secret_key=b"offline", language="en",
    )  # fmt: skip
    app: App = build_app(settings)
    api = BotApiEmulator(TOKEN)
    rasa_client = AsyncRestClient("http://rasa.test", transport=httpx.MockTransport(rasa))
    application = build_application(settings, app, rasa_client, 0.0, request=InMemoryBotApi(api))
    await prepare(application)  # getMe, setMyCommands: through the same request object
    try:
        yield PrivateChat(application, api)
    finally:
        await application.shutdown()
        await rasa_client.close()
        app.db_engine.dispose()


def of(sent: list[Sent], method: str) -> list[Sent]:
    return [s for s in sent if s.method == method]


RATING = [{"title": str(n), "payload": f'/inform{{"rating": {n}}}'} for n in range(1, 6)]


async def test_start_in_a_private_chat_greets_through_rasa(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    rasa.script["/greet"] = [{"text": "Hi Ana! Which product shall we look at?"}]
    sent = await chat.says("/start")
    assert [chat.read(s) for s in of(sent, "sendMessage")] == [
        "Hi Ana! Which product shall we look at?"
    ]
    [turn] = rasa.heard
    assert turn["sender"] == f"tg:{ANA.id}:{ANA.id}"
    assert turn["metadata"]["display_name"] == "Ana"
    assert turn["metadata"]["bot_username"] == BOT_USERNAME
    assert turn["metadata"]["language"] == "en"
    # prepare() learnt the bot's name with getMe and registered the command menu.
    assert chat.api.calls[:2] == ["getMe", "setMyCommands"]
    assert [c["command"] for c in chat.api.commands] == list(COMMANDS)


async def test_a_message_is_relayed_and_rasas_buttons_become_one_keyboard_row(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    rasa.script["ParcelPal & Co"] = [
        {"text": "Noted: <ParcelPal & Co>."},
        {"text": "How much does delivery matter to your customers?", "buttons": RATING},
    ]
    sent = of(await chat.says("  ParcelPal & Co  "), "sendMessage")
    assert rasa.messages() == ["ParcelPal & Co"]  # trimmed, sent as the user typed it
    assert [chat.read(s) for s in sent] == [
        "Noted: <ParcelPal & Co>.",
        "How much does delivery matter to your customers?",
    ]
    assert "&lt;ParcelPal &amp; Co&gt;" in sent[0].text  # escaped for HTML mode
    assert sent[0].reply_markup is None
    assert sent[1].reply_markup == {
        "inline_keyboard": [
            [{"text": b["title"], "callback_data": b["payload"]} for b in RATING],
        ]
    }


async def test_a_button_press_is_answered_closed_and_sent_as_its_payload(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    rasa.script["ParcelPal"] = [{"text": "How much does delivery matter?", "buttons": RATING}]
    rasa.script['/inform{"rating": 4}'] = [{"text": "Noted: 4 out of 5."}]
    [question] = of(await chat.says("ParcelPal"), "sendMessage")

    sent = await chat.presses(question, "4")

    [answered] = chat.api.callback_answers
    assert "text" not in answered  # the spinner stops, no toast
    [closed] = of(sent, "editMessageText")
    assert closed.message_id == question.message_id
    assert chat.read(closed) == "How much does delivery matter?\n\n→ 4"
    assert not closed.reply_markup  # the keyboard is gone: nobody presses twice
    assert rasa.messages()[-1] == '/inform{"rating": 4}'
    assert rasa.heard[-1]["sender"] == f"tg:{ANA.id}:{ANA.id}"
    assert [chat.read(s) for s in of(sent, "sendMessage")] == ["Noted: 4 out of 5."]


async def test_a_press_on_a_button_the_message_never_had_is_refused(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    rasa.script["ParcelPal"] = [{"text": "How much does delivery matter?", "buttons": RATING}]
    [question] = of(await chat.says("ParcelPal"), "sendMessage")
    chat.api.press_data(ANA, question, '/inform{"rating": 99}')
    await chat.handle()
    [refused] = chat.api.callback_answers
    assert refused["text"] == text("tg.button_expired") and refused["show_alert"] is True
    assert rasa.messages() == ["ParcelPal"]


async def test_help_lists_the_commands_then_says_where_the_interview_stands(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    rasa.script["/help"] = [{"text": "We are at the product questions."}]
    sent = of(await chat.says("/help"), "sendMessage")
    assert [chat.read(s) for s in sent] == [help_for_commands(), "We are at the product questions."]
    assert rasa.messages() == ["/help"]


@pytest.mark.parametrize("said", ["/frobnicate", "/frobnicate@" + BOT_USERNAME + " now"])
async def test_an_unknown_command_gets_a_friendly_reply_and_never_reaches_rasa(
    chat: PrivateChat, rasa: FakeRasa, said: str
) -> None:
    sent = of(await chat.says(said), "sendMessage")
    assert [chat.read(s) for s in sent] == [text("tg.unknown_command", command="/frobnicate")]
    assert "/help" in chat.read(sent[0])
    assert rasa.heard == []


async def test_an_oversized_message_is_refused_politely_and_never_reaches_rasa(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    long = "word " * (MAX_MESSAGE_CHARS // 5 + 10)  # over our limit, under Telegram's 4096
    assert MAX_MESSAGE_CHARS < len(long.strip()) <= 4096
    sent = of(await chat.says(long), "sendMessage")
    [refusal] = [chat.read(s) for s in sent]
    assert str(len(long.strip())) in refusal and str(MAX_MESSAGE_CHARS) in refusal
    assert rasa.heard == []


async def test_rasa_answering_nothing_is_still_answered(chat: PrivateChat, rasa: FakeRasa) -> None:
    """A custom action that failed leaves Rasa silent: the user is told, not left waiting."""
    sent = of(await chat.says("hello?"), "sendMessage")
    assert [chat.read(s) for s in sent] == [text("tg.rasa_silent")]
    assert rasa.messages() == ["hello?"]


async def test_name_me_records_the_members_own_say_and_never_reaches_rasa(
    chat: PrivateChat, rasa: FakeRasa
) -> None:
    sent = of(await chat.says("/name_me"), "sendMessage")
    assert "may name you as" in chat.read(sent[0])
    assert named_in_report(chat) == [True]
    sent = of(await chat.says("/name_me off"), "sendMessage")
    assert "will not name you" in chat.read(sent[0])
    assert named_in_report(chat) == [False]
    sent = of(await chat.says("/name_me perhaps"), "sendMessage")
    assert "/name_me off" in chat.read(sent[0])
    assert rasa.heard == []


def named_in_report(chat: PrivateChat) -> list[bool]:
    with shared(chat.application).app.uow() as uow:
        return list(uow.db.scalars(select(Participant.named_in_report)))
