"""A chat's language on Telegram, offline: settled once per chat, stated once, routed to
the Rasa server that understands it, and switched with /language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot import services
from bot.adapters.rest import AsyncLanguageRouter, AsyncRestClient
from bot.adapters.telegram import build_application, prepare
from bot.app import App, build_app
from bot.config import Settings
from bot.core.context import ProductContext
from bot.core.language import LanguageChoice
from bot.core.taxonomy import Business, Mot
from bot.storage.db import upgrade
from tests.e2e.bot_api import BOT_USERNAME, BotApiEmulator, Sent, TgUser
from tests.unit.test_telegram_handlers import TOKEN, FakeRasa, InMemoryBotApi, of


@dataclass
class Bot:
    application: Application  # type: ignore[type-arg]
    api: BotApiEmulator
    app: App
    english: FakeRasa
    german: FakeRasa

    async def says(self, user: TgUser, said: str, chat: int | None = None) -> list[str]:
        mark = len(self.api.sent)
        self.api.send_text(user, said, chat_id=chat)
        await self._handle()
        return [self.read(s) for s in of(self.api.sent[mark:], "sendMessage")]

    async def presses(self, user: TgUser, sent: Sent, title: str) -> list[str]:
        mark = len(self.api.sent)
        self.api.press(user, sent, title)
        await self._handle()
        return [self.read(s) for s in of(self.api.sent[mark:], "sendMessage")]

    async def _handle(self) -> None:
        while self.pending:
            await self.application.process_update(
                Update.de_json(self.pending.pop(0), self.application.bot)
            )

    def read(self, sent: Sent) -> str:
        return str(self.api.messages[(sent.chat_id, sent.message_id)].get("text", ""))

    def __post_init__(self) -> None:
        self.pending: list[dict[str, object]] = []
        self.api.deliver = self.pending.append


@pytest.fixture
async def bot(tmp_path: Path, project_root: Path) -> AsyncIterator[Bot]:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    settings = Settings(
        database_url=url, root=project_root, uploads_dir=tmp_path / "uploads",
        telegram_bot_token=TOKEN, secret_key=b"offline", language="en",
        chat_languages=("en", "de"),
    )  # fmt: skip
    app = build_app(settings)
    english, german = FakeRasa(), FakeRasa()
    for rasa, greeting in ((english, "Hi! Which product?"), (german, "Hallo! Welches Produkt?")):
        rasa.script["/greet"] = [{"text": greeting}]
        rasa.script["/where_are_we"] = [{"text": greeting}]
    router = AsyncLanguageRouter(
        {
            "en": AsyncRestClient("http://en.test", transport=httpx.MockTransport(english)),
            "de": AsyncRestClient("http://de.test", transport=httpx.MockTransport(german)),
        }
    )
    api = BotApiEmulator(TOKEN)
    application = build_application(settings, app, router, 0.0, request=InMemoryBotApi(api))
    await prepare(application)
    try:
        yield Bot(application, api, app, english, german)
    finally:
        await application.shutdown()
        await router.close()
        app.db_engine.dispose()


async def test_a_private_chat_follows_the_app_until_a_sentence_says_otherwise(bot: Bot) -> None:
    lena = TgUser(71, "Lena", language_code="de-AT")
    assert await bot.says(lena, "/start") == ["Hallo! Welches Produkt?"]
    assert bot.german.heard[-1]["metadata"]["language"] == "de" and not bot.english.heard
    said = await bot.says(lena, "Actually we would rather talk in English please")
    assert said[0].startswith("You write in English, so I'll answer in English")
    assert bot.english.messages() == ["Actually we would rather talk in English please"]
    # Settled by her sentence: a German-looking name no longer switches anything.
    await bot.says(lena, "Kaffeehaus Müller am Markt")
    assert bot.english.messages()[-1] == "Kaffeehaus Müller am Markt"
    choice = services.workspace_language(bot.app.uow, f"tg:{lena.id}")
    assert choice is not None and (choice.language, choice.source) == ("en", "message")


async def test_a_group_hears_its_language_once_and_anyone_can_switch_it(bot: Bot) -> None:
    dora, ed, group = TgUser(72, "Dora", language_code="de"), TgUser(73, "Ed", "ed", "en"), -5
    first = await bot.says(dora, f"/start@{BOT_USERNAME}", chat=group)
    assert first[0].startswith("Ich schreibe in dieser Gruppe auf Deutsch")
    assert first[1:] == ["Hallo! Welches Produkt?"]
    # Ed's app is English; the group's language stays German, and is not stated again.
    assert await bot.says(ed, f"/start@{BOT_USERNAME}", chat=group) == ["Hallo! Welches Produkt?"]
    # Chatter among members (not to the bot) settles nothing.
    assert await bot.says(ed, "lunch at noon, everyone?", chat=group) == []
    switched = await bot.says(ed, f"/language@{BOT_USERNAME} english", chat=group)
    assert switched == ["From now on I talk English here. Your answers so far are all kept.",
                        "Hi! Which product?"]  # fmt: skip
    mark = len(bot.api.sent)
    shown = await bot.says(dora, f"/language@{BOT_USERNAME}", chat=group)
    assert shown == ["We talk English here. To switch for everyone in this chat: "
                     "/language en (English), /language de (Deutsch)."]  # fmt: skip
    keyboard = of(bot.api.sent[mark:], "sendMessage")[0]
    assert await bot.presses(dora, keyboard, "Deutsch") == [
        "Ab jetzt schreibe ich hier auf Deutsch. Eure bisherigen Antworten bleiben alle erhalten.",
        "Hallo! Welches Produkt?",
    ]


async def test_an_unknown_language_is_refused_with_the_choices(bot: Bot) -> None:
    max_ = TgUser(74, "Max", language_code="en")
    said = await bot.says(max_, "/language klingon")
    assert said == ["I can't talk “klingon” yet. I can talk: /language en, /language de."]
    assert not bot.english.heard and not bot.german.heard


async def test_a_customer_is_asked_in_the_teams_language_and_nothing_is_kept_about_them(
    bot: Bot,
) -> None:
    team = "tg:-9"
    session = services.open_session(bot.app.uow, f"{team}:1", "Dora")
    services.settle_language(bot.app.uow, team, lambda _: LanguageChoice("de", "chosen"))
    code = services.create_survey(bot.app.uow, session.id, [Mot.AMOT]).code
    opened = f'/answer_survey{{"survey_code": "{code}"}}'
    bot.german.script[opened] = [{"text": "Wie wahrscheinlich ist es, dass du uns empfiehlst?"}]
    bot.german.script["I would say nine out of ten"] = [{"text": "Wie zufrieden bist du?"}]
    kim = TgUser(75, "Kim", language_code="en")  # an English app
    assert await bot.says(kim, f"/start {code}") == [
        "Wie wahrscheinlich ist es, dass du uns empfiehlst?"
    ]
    # A sentence in English does not switch a survey: it was written in German.
    assert await bot.says(kim, "I would say nine out of ten") == ["Wie zufrieden bist du?"]
    assert not bot.english.heard
    assert services.workspace_language(bot.app.uow, f"tg:{kim.id}") is None
    with bot.app.db_engine.connect() as db:
        keys = [row[0] for row in db.execute(text("SELECT key FROM workspaces"))]
    assert not any(str(kim.id) in key for key in keys)


async def test_a_facilitated_session_runs_in_the_groups_language_stated_at_its_start(
    bot: Bot,
) -> None:
    fay, group = TgUser(76, "Fay", language_code="de"), -11
    session = services.open_session(bot.app.uow, f"tg:{group}:{fay.id}", "Fay")
    context = ProductContext("Radwerk", Business.B2C, ["website"], "Familien")
    services.save_context(bot.app.uow, session.id, context)
    said = await bot.says(fay, f"/facilitate@{BOT_USERNAME}", chat=group)
    assert said[0].startswith("Ich schreibe in dieser Gruppe auf Deutsch")
    assert said[1] == "Diese Session läuft auf Deutsch. Mit /language en stellt ihr für alle um."
    assert "Servicedaten" in said[2]  # the agenda, in German
    choice = services.workspace_language(bot.app.uow, f"tg:{group}")
    assert choice == LanguageChoice("de", "facilitator")
