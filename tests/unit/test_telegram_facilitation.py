"""A facilitated group session through the real Telegram handlers, offline (see
tests/unit/test_telegram_handlers.py for how: PTB's request interface answered in
memory by the Bot API emulator, Rasa faked at its HTTP boundary)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import Application

from bot import services
from bot.adapters.rest import AsyncRestClient
from bot.adapters.telegram import build_application, prepare
from bot.adapters.telegram_facilitation import tick
from bot.app import App, build_app
from bot.config import Settings
from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.report import workspace_report
from bot.storage.db import upgrade
from tests.e2e.bot_api import BotApiEmulator, Sent, TgUser
from tests.unit.test_telegram_handlers import TOKEN, FakeRasa, InMemoryBotApi

ANA = TgUser(4301, "Ana", "ana")  # the facilitator
BEN = TgUser(4302, "Ben", "ben")
GROUP = -100_777


class Group:
    """One group chat with the bot, through the real Application."""

    def __init__(self, application: Application, api: BotApiEmulator, app: App) -> None:  # type: ignore[type-arg]
        self.application = application
        self.api = api
        self.uow = app.uow
        self.pending: list[dict[str, Any]] = []
        api.deliver = self.pending.append

    async def handle(self) -> None:
        while self.pending:
            update = Update.de_json(self.pending.pop(0), self.application.bot)
            await self.application.process_update(update)

    async def says(self, user: TgUser, said: str, reply_to: Sent | None = None) -> list[Sent]:
        mark = len(self.api.sent)
        replied = reply_to.message_id if reply_to else None
        self.api.send_text(user, said, chat_id=GROUP, reply_to=replied)
        await self.handle()
        return self.api.sent[mark:]

    async def presses(self, user: TgUser, sent: Sent, title: str) -> list[Sent]:
        mark = len(self.api.sent)
        self.api.press(user, sent, title)
        await self.handle()
        return self.api.sent[mark:]

    async def ticks(self, seconds_later: float) -> list[Sent]:
        mark = len(self.api.sent)
        await tick(self.application, datetime.now(UTC) + timedelta(seconds=seconds_later))
        return self.api.sent[mark:]

    def read(self, sent: Sent) -> str:
        return str(self.api.messages[(sent.chat_id, sent.message_id)].get("text", ""))


def messages(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.method == "sendMessage"]


def titles(sent: Sent) -> list[str]:
    return [b["text"] for b in sent.buttons]


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
async def group(tmp_path: Path, project_root: Path, rasa: FakeRasa) -> AsyncIterator[Group]:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    settings = Settings(
        database_url=url, root=project_root, uploads_dir=tmp_path / "uploads",
        telegram_bot_token=TOKEN, secret_key=b"offline", language="en",
        facilitation_minute_s=60.0,
    )  # fmt: skip
    app: App = build_app(settings)
    view = services.open_session(app.uow, f"tg:{GROUP}:{ANA.id}", "Ana")
    services.open_session(app.uow, f"tg:{GROUP}:{BEN.id}", "Ben")
    context = ProductContext("ParcelPal", Business.B2C, ["app"], "busy parents")
    services.save_context(app.uow, view.id, context)
    evidence = Evidence(
        Method.TEAM, Mot.AMOT, Stage.DECISION, Polarity.PAIN, "email", "boxes arrive late",
        importance=5, performance=1,
    )  # fmt: skip
    services.add_evidence(app.uow, view.id, [evidence], f"tg:{ANA.id}", "Ana")
    api = BotApiEmulator(TOKEN)
    client = AsyncRestClient("http://rasa.test", transport=httpx.MockTransport(rasa))
    application = build_application(settings, app, client, 0.0, request=InMemoryBotApi(api))
    await prepare(application)
    try:
        yield Group(application, api, app)
    finally:
        await application.shutdown()
        await client.close()
        app.db_engine.dispose()


async def agreed_agenda(group: Group, said: str) -> Sent:
    """Ana starts a session and replies to its agenda with `said`; the new agenda."""
    [agenda] = messages(await group.says(ANA, "/facilitate"))
    [changed] = messages(await group.says(ANA, said, reply_to=agenda))
    return changed


async def test_facilitate_offers_an_agenda_the_facilitator_edits_by_reply_or_button(
    group: Group, rasa: FakeRasa
) -> None:
    [agenda] = messages(await group.says(ANA, "/facilitate"))
    shown = group.read(agenda)
    assert "facilitated by Ana" in shown
    assert "1. Service records: 15 min" in shown and "5. Vote on the top moments: 5 min" in shown
    assert agenda.reply_to is not None  # in a group: an answer to the command
    assert titles(agenda)[-1] == "Begin ▶" and "Team knowledge -5 min" in titles(agenda)

    [changed] = messages(await group.says(ANA, "records 15, team 20, skip competitor", agenda))
    shown = group.read(changed)
    assert "2. Team knowledge: 20 min" in shown and "Competitor" not in shown
    assert rasa.heard == []  # the reply was the agenda's, not an interview answer

    pressed = await group.presses(ANA, changed, "+5 min")  # the first row: service records
    [edited] = [s for s in pressed if s.method == "editMessageText"]
    assert "1. Service records: 20 min" in group.read(edited)


async def test_only_the_facilitator_or_an_admin_steers_others_get_one_line(
    group: Group, rasa: FakeRasa
) -> None:
    await agreed_agenda(group, "team 10, skip records, skip survey, skip competitor")
    [note] = messages(await group.says(BEN, "/next"))
    assert group.read(note) == (
        "Only Ana (the facilitator) or a group admin can steer the session."
    )
    group.api.admins.add((GROUP, BEN.id))
    [phase] = messages(await group.says(BEN, "/next"))
    assert group.read(phase).startswith("Phase 1 of 2: Team knowledge, 10 min.")
    assert "getChatMember" in group.api.calls


async def test_a_member_begins_the_phase_with_one_press_and_the_timers_fire_once(
    group: Group, rasa: FakeRasa
) -> None:
    await agreed_agenda(group, "team 10, skip records, skip survey, skip competitor")
    [phase] = messages(await group.says(ANA, "/next"))
    assert "Not yet: Ana, Ben" in group.read(phase)
    assert titles(phase) == ["Begin Team knowledge"]

    rasa.script['/choose_method{"method": "team"}'] = [{"text": "Is there a wait?"}]
    for _ in range(2):  # the button stays for every member
        [question] = messages(await group.presses(BEN, phase, "Begin Team knowledge"))
    assert rasa.heard[-1]["sender"] == f"tg:{GROUP}:{BEN.id}"
    assert question.reply_to == phase.message_id

    assert messages(await group.ticks(60)) == []
    [half] = messages(await group.ticks(301))
    assert group.read(half).startswith("Half time for Team knowledge")
    assert half.reply_to == phase.message_id
    assert messages(await group.ticks(310)) == []  # said once
    [up] = messages(await group.ticks(601))
    assert "Time is up for Team knowledge" in group.read(up)
    assert messages(await group.ticks(900)) == []


async def test_pause_and_resume_steer_the_clock_or_else_the_interview(
    group: Group, rasa: FakeRasa
) -> None:
    rasa.script["/pause"] = [{"text": "Paused your interview."}]
    [paused] = messages(await group.says(BEN, "/pause"))
    assert group.read(paused) == "Paused your interview." and rasa.messages() == ["/pause"]

    await agreed_agenda(group, "team 10, skip records, skip survey, skip competitor")
    await group.says(ANA, "/next")
    [clock] = messages(await group.says(ANA, "/pause"))
    assert group.read(clock).startswith("Paused Team knowledge with")
    assert messages(await group.ticks(2000)) == []  # no nudges while paused
    [going] = messages(await group.says(ANA, "/resume"))
    assert group.read(going).startswith("On with Team knowledge")
    assert rasa.messages() == ["/pause"]


async def test_the_team_votes_and_end_posts_the_summary_and_report(
    group: Group, rasa: FakeRasa
) -> None:
    await agreed_agenda(group, "skip records, skip team, skip survey, skip competitor, 2 votes")
    [ballot] = messages(await group.says(ANA, "/next"))
    assert group.read(ballot).startswith("Phase 1 of 1: Vote on the top moments")
    assert titles(ballot)[0].startswith("LZMOT") and titles(ballot)[-1] == "Reset my votes"

    for _ in range(2):
        await group.presses(BEN, ballot, titles(ballot)[3])  # AMOT, stacked
    assert group.api.callback_answers[-1]["text"] == "Your votes: AMOT: 2 (0 left)"
    await group.presses(BEN, ballot, "AMOT · Actual Moment of Truth")
    refused = group.api.callback_answers[-1]
    assert refused["show_alert"] is True and "all 2 of your votes" in refused["text"]
    edited = [s for s in group.api.sent if s.method == "editMessageText"][-1]
    assert "Votes so far: 2 from 1 members" in group.read(edited)
    assert "Ben" in group.read(edited) and titles(edited) == titles(ballot)  # keyboard kept

    sent = await group.says(ANA, "/end")
    summary = group.read(messages(sent)[0])
    assert summary.startswith("The session is over")
    assert "AMOT" in summary and "votes: 2" in summary
    [document] = [s for s in sent if s.method == "sendDocument"]
    assert document.file_name and document.file_name.startswith("moments-of-truth-parcelpal")
    # The report's findings carry the vote as an input of its own (all of it: Ben's 2 votes).
    report = workspace_report(group.uow, f"tg:{GROUP}", "md")
    assert report is not None
    content = report.content if isinstance(report.content, bytes) else report.content.encode()
    assert b"vote_share = 1.0" in content
    assert rasa.heard == []


async def test_assign_names_a_member_and_what_they_take(group: Group) -> None:
    await agreed_agenda(group, "team 10")
    [said] = messages(await group.says(ANA, "/assign @ben amot"))
    assert group.read(said) == "Ben takes AMOT."
    [said] = messages(await group.says(ANA, "/assign @zed records"))
    assert "I don't know @zed" in group.read(said)
    [note] = messages(await group.says(BEN, "/assign @ana records"))
    assert "Only Ana" in group.read(note)
    [phase] = messages(await group.says(ANA, "/next"))
    assert "Ben: not started (assigned: AMOT)" in group.read(phase)


async def test_the_menu_lists_the_facilitation_commands(group: Group) -> None:
    menu = [c["command"] for c in group.api.commands]
    assert {"facilitate", "next", "pause", "resume", "end", "assign"} <= set(menu)


async def test_beginning_closes_the_agenda_and_its_stale_begin_changes_nothing(
    group: Group,
) -> None:
    agenda = await agreed_agenda(group, "team 10, skip records, skip survey, skip competitor")
    sent = await group.says(ANA, "/next")
    [closed] = [s for s in sent if s.method == "editMessageReplyMarkup"]
    assert closed.message_id == agenda.message_id and not closed.buttons
    posted = len(messages(group.api.sent))
    await group.presses(ANA, agenda, "Begin ▶")  # a client still showing the old keyboard
    refused = group.api.callback_answers[-1]
    assert refused["text"] == "The session has begun already: /next moves on."
    assert len(messages(group.api.sent)) == posted  # no phase skipped
