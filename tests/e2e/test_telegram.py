"""The Telegram adapter driven over HTTP through a Bot API emulator on localhost.

Behind it: the real Rasa server, the real action server and a real SQLite
database (the session's `live` stack). The adapter runs as its own process,
`mot telegram`, exactly as `make run` starts it with a token.

The tests share one adapter process but no conversation: each uses its own
users and chats (`new_user`, `new_group`) and sets up what it needs itself,
so any of them runs alone or in any order.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import services
from bot.adapters.telegram_transport import WEBHOOK_MAX_CONNECTIONS, WEBHOOK_READ_TIMEOUT_S
from bot.core.context import ProductContext
from bot.core.surveys import SurveyResponse
from bot.core.taxonomy import Business, Mot
from bot.rasa_supervisor import free_port
from bot.services import UowFactory
from bot.storage.models import EvidenceItem, Participant
from bot.storage.uow import unit_of_work_factory
from tests.e2e.bot_api import BOT_USER, BOT_USERNAME, BotApiEmulator, Sent, TgUser
from tests.e2e.conftest import TOKEN, Adapter, Live

pytestmark = pytest.mark.e2e

_user_ids = itertools.count(501)
_group_ids = itertools.count(1_000_601)


def new_user(name: str, username: str | None = None) -> TgUser:
    """A person no other test has seen."""
    return TgUser(next(_user_ids), name, username)


def new_group() -> int:
    return -next(_group_ids)


@pytest.fixture(scope="module")
def adapter_env() -> dict[str, str]:
    return {"ENGINE_RETRY_SECONDS": "240"}  # Rasa is stopped and restarted mid-test


def say(api: BotApiEmulator, user: TgUser, said: str, expect: str, **where: int | None) -> Sent:
    """A user writes; returns the bot's first message containing `expect` after it."""
    mark = len(api.sent)
    api.send_text(user, said, **where)
    chat = where.get("chat_id") or user.id
    return api.reply_after(mark, chat, expect)


def press(api: BotApiEmulator, user: TgUser, sent: Sent, title: str, expect: str) -> Sent:
    mark = len(api.sent)
    api.press(user, sent, title)
    return api.reply_after(mark, sent.chat_id, expect)


def with_buttons(api: BotApiEmulator, mark: int, chat_id: int) -> Sent:
    """The bot's next message to `chat_id` that carries a keyboard."""
    found: Sent = api.wait_for(
        lambda sent: next((s for s in sent[mark:] if s.chat_id == chat_id and s.buttons), None)
    )
    return found


def until(api: BotApiEmulator, mark: int, chat: int, done: Callable[[Sent], bool]) -> list[Sent]:
    """The bot's messages to `chat` since `mark`, once one of them satisfies `done`."""

    def check(sent: list[Sent]) -> list[Sent] | None:
        mine = [s for s in sent[mark:] if s.chat_id == chat and s.method == "sendMessage"]
        return mine if any(done(s) for s in mine) else None

    found: list[Sent] = api.wait_for(check)
    return found


def asks(sent: Sent) -> bool:
    """A question: choices to press, or a text that asks ("...? Describe it, or say 'no'.")."""
    return bool(sent.buttons) or "?" in sent.text or sent.text.rstrip().endswith(")")


def skip_to_end(api: BotApiEmulator, user: TgUser, marker: str, said: str = "skip") -> None:
    """Say `said` ("skip", "überspringen", ...) until the bot has said `marker`."""
    start = len(api.sent)
    for _ in range(45):
        mark = len(api.sent)
        api.send_text(user, said)
        until(api, mark, user.id, lambda s: marker in s.text or asks(s))
        if marker in api.texts_after(start, user.id):
            return
    raise AssertionError(f"never reached {marker!r}")


def set_up_product(
    api: BotApiEmulator, user: TgUser, chat_id: int | None = None, product: str = "FreshCrate"
) -> Sent:
    """Take `user` through the product questions (in a group, by mentioning the bot);
    returns the method offer."""
    chat = user.id if chat_id is None else chat_id
    where: dict[str, int | None] = {"chat_id": chat}
    mention = "" if chat_id is None else f"@{BOT_USERNAME} "
    greeting = say(api, user, "/start", "moments of truth", **where)
    press(api, user, greeting, "Start", "product")
    say(api, user, mention + product, "business", **where)
    say(api, user, mention + "B2C", "channels", **where)
    say(api, user, mention + "website and app", "typical customer", **where)
    mark = len(api.sent)
    api.send_text(user, mention + "busy parents", chat_id=chat)
    summary = with_buttons(api, mark, chat)
    mark = len(api.sent)
    api.press(user, summary, "Yes, that's right")
    return past_stage_question(api, user, with_buttons(api, mark, chat), chat)


STAGE_OPTIONS = ["Live", "Still planning"]


def past_stage_question(api: BotApiEmulator, user: TgUser, shown: Sent, chat: int) -> Sent:
    """Answer "live or still planned?" with Live where it is asked; returns the method offer."""
    if [b["text"] for b in shown.buttons] != STAGE_OPTIONS:
        return shown
    mark = len(api.sent)
    api.press(user, shown, "Live")
    return with_buttons(api, mark, chat)


def join_team(api: BotApiEmulator, user: TgUser, group: int) -> Sent:
    """A second member joins a group whose product is set up; returns their method offer."""
    greeting = say(api, user, "/start", "moments of truth", chat_id=group)
    mark = len(api.sent)
    api.press(user, greeting, "Start")
    summary = with_buttons(api, mark, group)
    mark = len(api.sent)
    api.press(user, summary, "Yes, that's right")
    return with_buttons(api, mark, group)


def uow_of(live: Live) -> UowFactory:
    return unit_of_work_factory(sessionmaker(live.db_engine, expire_on_commit=False))


def team_session(live: Live, chat_id: int, user: TgUser) -> str:
    """A chat's session with its product set up, made through the services (no dialogue)."""
    uow = uow_of(live)
    view = services.open_session(uow, f"tg:{chat_id}:{user.id}", user.first_name)
    context = ProductContext("Crumbly Bakery", Business.B2C, ["website"], "home bakers")
    services.save_context(uow, view.id, context)
    return view.id


def team_survey(live: Live, chat_id: int, user: TgUser) -> str:
    """The code of a new survey of a new team session."""
    session_id = team_session(live, chat_id, user)
    return services.create_survey(uow_of(live), session_id, [Mot.AMOT, Mot.SMOT]).code


def answer_survey(api: BotApiEmulator, customer: TgUser, code: str) -> None:
    """A customer opens the survey link and answers every question."""
    start = len(api.sent)
    say(api, customer, f"/start {code}", "recommend")
    assert "anonymous" in api.texts_after(start, customer.id)
    csat = say(api, customer, "9", "satisfied")
    assert [b["text"] for b in csat.buttons] == ["1", "2", "3", "4", "5"]
    press(api, customer, csat, "4", "went well")
    for _ in range(12):
        mark = len(api.sent)
        api.send_text(customer, "Delivery was late but the bread was great")
        turn = until(api, mark, customer.id, lambda s: asks(s) or "without your name" in s.text)
        if "without your name" in turn[-1].text:
            return
    raise AssertionError("the survey never ended")


def database_bytes(live: Live) -> bytes:
    """Everything SQLite holds on disk: the file and its write-ahead log."""
    path = Path(live.database_url.removeprefix("sqlite:///"))
    parts = [path, path.with_name(path.name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def sender_events(live: Live, user: TgUser) -> int:
    with live.db_engine.connect() as db:
        found: int = db.execute(
            text("SELECT count(*) FROM events WHERE sender_id LIKE :p"), {"p": f"%:{user.id}"}
        ).scalar_one()
    return found


def evidence_count(live: Live, user: TgUser) -> int:
    with Session(live.db_engine) as db:
        return len(
            db.scalars(
                select(EvidenceItem).join(Participant).where(Participant.key == f"tg:{user.id}")
            ).all()
        )


def webhook_adapter(adapter: Adapter, emulator: BotApiEmulator, **env: str) -> tuple[Adapter, int]:
    """A second `mot telegram`, in webhook mode (it does not compete for getUpdates)."""
    port = free_port()
    hook = Adapter(
        {**adapter.env, "TELEGRAM_WEBHOOK_URL": "https://bot.example.test/tg/hook",
         "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}", **env},
        adapter.log.with_name(f"webhook-{port}.log"),
    )  # fmt: skip
    hooks_before = emulator.calls.count("setWebhook")
    hook.start(emulator)
    emulator.wait_for(lambda _: emulator.calls.count("setWebhook") > hooks_before, timeout=60)
    return hook, port


def post_update(port: int, update: dict[str, Any], secret: str) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/tg/hook", json=update, timeout=120,
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )  # fmt: skip


def raw_http(port: int, request: bytes, timeout: float = 15) -> bytes:
    """What the server answers to raw bytes (b"" when it just closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        if request:
            connection.sendall(request)
        answer = b""
        try:
            while chunk := connection.recv(4096):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


@dataclass
class FakeRasa:
    """A stand-in for Rasa's REST channel that answers what a test tells it to."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.received.append(json.loads(body))
                answer = json.dumps(fake.answers).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def test_commands_are_registered_for_the_menu(adapter: Adapter, emulator: BotApiEmulator) -> None:
    names = [c["command"] for c in emulator.commands]
    assert names == [
        "start", "help", "status", "report", "language", "cancel", "close_survey", "delete_me",
        "name_me", "facilitate", "next", "pause", "resume", "end", "assign",
    ]  # fmt: skip
    helped = say(emulator, new_user("Ida"), "/help", "/close_survey").text
    assert all(f"/{name}" in helped for name in names)


def test_private_interview_from_start_to_a_finished_method(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    ana = new_user("Ana")
    greeting = say(emulator, ana, "/start", "moments of truth")
    assert [b["text"] for b in greeting.buttons] == ["Start", "How does it work?"]
    press(emulator, ana, greeting, "Start", "product")
    # What the user typed comes back escaped, never as markup.
    say(emulator, ana, "Fresh<b>Crate</b> & Co", "business")
    say(emulator, ana, "B2C", "channels")
    say(emulator, ana, "website and app", "typical customer")
    mark = len(emulator.sent)
    emulator.send_text(ana, "busy parents")
    summary = with_buttons(emulator, mark, ana.id)
    assert "Fresh&lt;b&gt;Crate&lt;/b&gt; &amp; Co" in summary.text
    # The pressed button closes its keyboard and shows the choice.
    mark = len(emulator.sent)
    emulator.press(ana, summary, "Yes, that's right")
    offer = with_buttons(emulator, mark, ana.id)
    closed = next(s for s in emulator.sent[mark:] if s.method == "editMessageText")
    assert closed.message_id == summary.message_id and not closed.buttons
    assert "→ Yes, that's right" in closed.text
    assert [b["text"] for b in offer.buttons] == STAGE_OPTIONS
    offer = past_stage_question(emulator, ana, offer, ana.id)
    # A live product: the service records first, then what the team knows.
    assert [b["text"] for b in offer.buttons][:2] == ["Service records", "Team knowledge"]

    first = press(emulator, ana, offer, "Team knowledge", "wait between paying")
    assert [b["text"] for b in first.buttons] == ["Yes", "No"]
    press(emulator, ana, first, "Yes", "(LZMOT)")
    say(emulator, ana, "Instagram ads and friends' posts", "glory")
    say(emulator, ana, "A mum got a birthday coupon and ordered the same day", "pain")
    rating = say(emulator, ana, "Pushy retargeting ads annoyed people", "weigh")
    # An inline-button rating: one row of 1-5.
    assert [b["text"] for b in rating.buttons] == ["1", "2", "3", "4", "5"]
    performance = press(emulator, ana, rating, "4", "How well does")
    press(emulator, ana, performance, "2", "ZMOT")
    skip_to_end(emulator, ana, "That completes the team knowledge")

    assert "sendChatAction" in emulator.calls  # "typing..." while Rasa works
    status = say(emulator, ana, "/status", "Session for")
    assert "✅ team knowledge" in status.text and "⬜ service records" in status.text
    assert "Who answered: Ana" in status.text


def test_document_upload_is_analyzed_added_and_kept_private(
    adapter: Adapter, emulator: BotApiEmulator, live: Live, project_root: Path
) -> None:
    eli = new_user("Eli")
    set_up_product(emulator, eli)
    tickets = (project_root / "bot" / "demo" / "tickets.csv").read_bytes()
    mark = len(emulator.sent)
    emulator.send_document(eli, "helpdesk export.csv", tickets)
    assert "Reading it" in emulator.reply_after(mark, eli.id, "Got").text
    analysed = emulator.reply_after(mark, eli.id, "I read 36 tickets").text
    assert "1. AMOT" in analysed and "added this to your findings" in analysed
    # Only the bot's own OS user can read what people upload.
    folder = live.uploads / str(eli.id)
    (saved,) = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(live.uploads.stat().st_mode) == 0o700
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    mark = len(emulator.sent)
    emulator.send_document(eli, "huge.csv", b"a,b\n1,2\n", size=50 * 1024 * 1024)
    assert "up to 20 MB" in emulator.reply_after(mark, eli.id, "That file is 50 MB").text
    mark = len(emulator.sent)
    emulator.send_document(eli, "slides.pdf", b"%PDF-1.4")
    emulator.reply_after(mark, eli.id, "I can read CSV and XLSX")
    mark = len(emulator.sent)
    emulator.send_document(eli, "broken.xlsx", b"PK\x03\x04 not really a workbook")
    unreadable = emulator.reply_after(mark, eli.id, "couldn't read").text
    assert "broken.xlsx" in unreadable and str(project_root) not in unreadable


def test_a_chat_over_its_upload_quota_is_refused_with_the_limit(
    adapter: Adapter, emulator: BotApiEmulator, live: Live, project_root: Path
) -> None:
    fox, group = new_user("Fox"), new_group()
    folder = live.uploads / str(group)
    folder.mkdir(parents=True)
    with (folder / "earlier.csv").open("wb") as earlier:  # sparse: 199.99 MB on paper
        earlier.truncate(200 * 1024 * 1024 - 1000)
    tickets = (project_root / "bot" / "demo" / "tickets.csv").read_bytes()
    mark = len(emulator.sent)
    emulator.send_document(fox, "export.csv", tickets, chat_id=group, caption=f"@{BOT_USERNAME}")
    refused = emulator.reply_after(mark, group, "200 MB").text
    assert "can't take this one" in refused
    assert len(list(folder.iterdir())) == 1  # nothing downloaded
    assert "Got" not in emulator.texts_after(mark, group)


def test_report_arrives_as_a_document(
    adapter: Adapter, emulator: BotApiEmulator, project_root: Path
) -> None:
    gus = new_user("Gus")
    set_up_product(emulator, gus, product="Fresh<b>Crate</b> & Co")
    tickets = (project_root / "bot" / "demo" / "tickets.csv").read_bytes()
    mark = len(emulator.sent)
    emulator.send_document(gus, "export.csv", tickets)
    emulator.reply_after(mark, gus.id, "added this to your findings")
    mark = len(emulator.sent)
    emulator.send_text(gus, "/report md")
    document = emulator.wait_for(
        lambda sent: next((s for s in sent[mark:] if s.method == "sendDocument"), None)
    )
    assert document.chat_id == gus.id and document.file_name.endswith(".md")
    content = document.document.decode()
    assert "Fresh\\<b\\>Crate\\</b\\> & Co" in content  # markup shown as typed, escaped
    assert "AMOT" in content  # the helpdesk export's hardest moment
    # Someone with no session of their own gets no document, only a pointer.
    assert "no session" in say(emulator, new_user("Dan"), "/report", "session").text


def document_after(api: BotApiEmulator, user: TgUser, said: str) -> Sent:
    """A user writes; returns the first document the bot sends after it."""
    mark = len(api.sent)
    api.send_text(user, said)
    found: Sent = api.wait_for(
        lambda sent: next((s for s in sent[mark:] if s.method == "sendDocument"), None)
    )
    return found


def test_report_pdf_is_the_default_and_other_formats_are_named(
    adapter: Adapter, emulator: BotApiEmulator, project_root: Path
) -> None:
    ivy = new_user("Ivy")
    set_up_product(emulator, ivy, product="Crate & Co")
    tickets = (project_root / "bot" / "demo" / "tickets.csv").read_bytes()
    mark = len(emulator.sent)
    emulator.send_document(ivy, "export.csv", tickets)
    emulator.reply_after(mark, ivy.id, "added this to your findings")
    documents = {}
    for command, suffix, start in (
        ("/report", ".pdf", b"%PDF-"),
        ("/report pdf", ".pdf", b"%PDF-"),
        ("/report HTML", ".html", b"<!DOCTYPE html>"),
        ("/report csv", ".csv", b"\xef\xbb\xbfrow_type"),
        ("/report json", ".json", b"{"),
    ):
        document = document_after(emulator, ivy, command)
        assert (document.file_name or "").endswith(suffix), command
        assert (document.document or b"").startswith(start), command
        assert "Crate & Co" in (document.caption or "")
        documents[command] = document.document or b""
    pdf = pdfium.PdfDocument(documents["/report"])
    assert len(pdf) > 1  # a real, multi-page PDF
    pdf.close()
    assert "/report pdf" in say(emulator, ivy, "/report docx", "/report pdf").text


def test_an_action_asking_for_the_report_gets_the_document_and_no_raw_payload(
    adapter: Adapter, emulator: BotApiEmulator, live: Live, project_root: Path
) -> None:
    hana = new_user("Hana")
    session_id = team_session(live, hana.id, hana)
    services.import_helpdesk_export(uow_of(live), session_id, project_root / "bot/demo/tickets.csv")
    rasa = FakeRasa()
    rasa.start()
    hook, port = webhook_adapter(adapter, emulator, RASA_URL=rasa.url)
    try:
        secret = str(emulator.webhook["secret_token"])
        rasa.answers = [
            {"recipient_id": "x", "custom": {"report": {"format": "md"}}},
            {"recipient_id": "x", "custom": {"confetti": True}},
            {"recipient_id": "x", "text": "Here is your report."},
        ]
        mark = len(emulator.sent)
        answered = post_update(port, emulator.webhook_update(hana, "send me the report"), secret)
        assert answered.status_code == 200
        mine = [s for s in emulator.sent[mark:] if s.chat_id == hana.id]
        assert [s.method for s in mine] == ["sendDocument", "sendMessage"]
        assert mine[0].file_name and mine[0].file_name.endswith(".pdf")
        assert (mine[0].document or b"").startswith(b"%PDF-")
        assert mine[1].text == "Here is your report."
        # An instruction meant for another front-end is ignored, never shown; the person
        # still gets an answer.
        rasa.answers = [{"recipient_id": "x", "custom": {"confetti": True}}]
        mark = len(emulator.sent)
        assert post_update(port, emulator.webhook_update(hana, "hello"), secret).status_code == 200
        shown = emulator.texts_after(mark, hana.id)
        assert "no answer" in shown and "confetti" not in shown and "{" not in shown
    finally:
        hook.stop()
        rasa.stop()


def test_a_group_that_adds_the_bot_learns_how_to_talk_to_it(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    ben, ana, group = new_user("Ben"), new_user("Ana"), new_group()
    mark = len(emulator.sent)
    emulator.send_other(ben, {"new_chat_members": [BOT_USER]}, chat_id=group)
    intro = emulator.reply_after(mark, group, "privacy mode").text
    assert "/delete_me" in intro and "reply" in intro
    # Stickers and photos get a pointer in a private chat, nothing in a group.
    emulator.send_other(ben, {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 1,
                                          "height": 1, "is_animated": False, "is_video": False,
                                          "type": "regular"}}, chat_id=group)  # fmt: skip
    emulator.send_other(ana, {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 1,
                                         "height": 1}]})  # fmt: skip
    emulator.reply_after(mark, ana.id, "I can read text messages")
    assert sum(s.chat_id == group for s in emulator.sent[mark:]) == 1


def test_group_members_answer_in_turns_without_mixing_up(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    ben, cara, chat = new_user("Ben"), new_user("Cara"), new_group()
    group = {"chat_id": chat}
    greeting = say(emulator, ben, f"/start@{BOT_USERNAME}", "moments of truth", **group)
    assert greeting.reply_to is not None
    # Cara cannot press the keyboard meant for Ben.
    answers_before = len(emulator.callback_answers)
    emulator.press(cara, greeting, "Start")
    emulator.wait_for(lambda _: len(emulator.callback_answers) > answers_before)
    assert "This question is for Ben" in emulator.callback_answers[-1].get("text", "")

    question = press(emulator, ben, greeting, "Start", "product")
    # Chatter that doesn't address the bot is ignored (privacy mode works the same).
    mark = len(emulator.sent)
    emulator.send_text(cara, "lunch at 12?", chat_id=chat)
    question = say(
        emulator, ben, "TeamTrack", "business", chat_id=chat, reply_to=question.message_id
    )
    question = say(emulator, ben, "B2B", "channels", chat_id=chat, reply_to=question.message_id)
    question = say(
        emulator, ben, f"@{BOT_USERNAME} sales team and website", "typical customer", **group
    )
    mark_summary = len(emulator.sent)
    emulator.send_text(ben, "operations managers", chat_id=chat, reply_to=question.message_id)
    summary = with_buttons(emulator, mark_summary, chat)
    assert not any("lunch" in s.text for s in emulator.sent[mark:])
    offer_mark = len(emulator.sent)
    emulator.press(ben, summary, "Yes, that's right")
    ben_offer = past_stage_question(emulator, ben, with_buttons(emulator, offer_mark, chat), chat)

    # Cara joins: the group's product is already set up, she only confirms it.
    cara_greeting = say(emulator, cara, "/start", "moments of truth", **group)
    cara_summary_mark = len(emulator.sent)
    emulator.press(cara, cara_greeting, "Start")
    cara_summary = with_buttons(emulator, cara_summary_mark, chat)
    assert "TeamTrack" in cara_summary.text
    cara_offer_mark = len(emulator.sent)
    emulator.press(cara, cara_summary, "Yes, that's right")
    cara_offer = past_stage_question(
        emulator, cara, with_buttons(emulator, cara_offer_mark, chat), chat
    )

    # Both start the team method and answer in turns, each replying to their own question.
    mark = len(emulator.sent)
    emulator.press(ben, ben_offer, "Team knowledge")
    ben_q = with_buttons(emulator, mark, chat)
    mark = len(emulator.sent)
    emulator.press(cara, cara_offer, "Team knowledge")
    cara_q = with_buttons(emulator, mark, chat)
    assert ben_q.reply_to != cara_q.reply_to  # each question answers its own member
    ben_q = press(emulator, ben, ben_q, "Yes", "(LZMOT)")
    cara_q = press(emulator, cara, cara_q, "No", "(LZMOT)")
    ben_next = say(
        emulator, ben, "LinkedIn posts by peers", "glory", chat_id=chat, reply_to=ben_q.message_id
    )
    cara_next = say(
        emulator, cara, "A webinar we ran", "glory", chat_id=chat, reply_to=cara_q.message_id
    )
    say(
        emulator,
        ben,
        "A CFO signed after one demo",
        "pain",
        chat_id=chat,
        reply_to=ben_next.message_id,
    )
    say(
        emulator,
        cara,
        "Our demo crashed in front of a prospect",
        "pain",
        chat_id=chat,
        reply_to=cara_next.message_id,
    )

    with Session(live.db_engine) as db:
        rows = db.execute(
            select(Participant.display_name, EvidenceItem.text, EvidenceItem.touchpoint)
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(Participant.key.in_([f"tg:{ben.id}", f"tg:{cara.id}"]))
        ).all()
    said_by = {said: name for name, *texts in rows for said in texts if said}
    assert said_by.get("LinkedIn posts by peers") == "Ben"
    assert said_by.get("A CFO signed after one demo") == "Ben"
    assert said_by.get("A webinar we ran") == "Cara"
    assert said_by.get("Our demo crashed in front of a prospect") == "Cara"

    status = say(emulator, ben, "/status", "Session for TeamTrack", **group)
    assert "Ben (" in status.text and "Cara (" in status.text
    helped = say(emulator, cara, "/help", "privacy mode", **group)
    assert "reply" in helped.text


def test_survey_link_answers_are_anonymous_and_one_per_customer(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    team, group = new_user("Tess"), new_group()
    code = team_survey(live, group, team)
    # Distinctive, so that their bytes can be looked for in the database file.
    zed = TgUser(7_364_019_285, "Zebediah", "zeb_quillfeather")
    answer_survey(emulator, zed, code)
    answer_survey(emulator, zed, code)  # a second time: it replaces the first

    with live.db_engine.connect() as db:
        responses = db.execute(
            text("SELECT responses FROM surveys WHERE code = :c"), {"c": code}
        ).scalar_one()
        rows = db.execute(
            text("SELECT count(*) FROM survey_responses WHERE survey_code = :c"), {"c": code}
        ).scalar_one()
        events = [f"{sender} {data}" for sender, data in db.execute(
            text("SELECT sender_id, data FROM events")
        )]  # fmt: skip
    assert (responses, rows) == (1, 1)
    raw = database_bytes(live)
    for trace in (str(zed.id), "Zebediah", "zeb_quillfeather"):
        assert trace.encode() not in raw, trace
        assert not any(trace in event for event in events), trace

    # In a group, "survey <code>" is refused with a pointer to the link; nothing is recorded.
    mo = new_user("Mo")
    mark = len(emulator.sent)
    refused = say(emulator, mo, f"@{BOT_USERNAME} survey {code}", "private chat", chat_id=group)
    assert f"t.me/{BOT_USERNAME}?start={code}" in refused.text
    say(emulator, mo, "/status", "Session for", chat_id=group)
    assert "recommend" not in emulator.texts_after(mark, group)
    with live.db_engine.connect() as db:
        assert db.execute(
            text("SELECT count(*) FROM survey_responses WHERE survey_code = :c"), {"c": code}
        ).scalar_one() == 1  # fmt: skip
    in_group = f"/start@{BOT_USERNAME} {code}"
    assert "private chat" in say(emulator, mo, in_group, "Surveys", chat_id=group).text


def test_a_customer_sees_nothing_of_the_team_and_bad_codes_are_explained(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    team = new_user("Uma")
    session_id = team_session(live, team.id, team)
    code = services.create_survey(uow_of(live), session_id, [Mot.AMOT]).code
    dan = new_user("Dan")
    answer_survey(emulator, dan, code)
    peek = len(emulator.sent)
    emulator.send_text(dan, "what have we found so far")
    emulator.send_text(dan, "/status")
    emulator.send_text(dan, "/report")
    emulator.wait_for(lambda sent: sum(s.chat_id == dan.id for s in sent[peek:]) >= 3)
    seen = emulator.texts_after(peek, dan.id)
    assert "Crumbly" not in seen
    assert not any(s.method == "sendDocument" and s.chat_id == dan.id for s in emulator.sent)
    with Session(live.db_engine) as db:
        assert not db.scalars(select(Participant).where(Participant.key == f"tg:{dan.id}")).all()

    assert "don't know that survey code" in say(emulator, dan, "/start deadbeef", "survey").text
    assert "doesn't hold a survey code" in say(emulator, dan, "/start hello", "survey code").text


def test_close_survey_ends_the_link(adapter: Adapter, emulator: BotApiEmulator, live: Live) -> None:
    cleo, customer = new_user("Cleo"), new_user("Carl")
    code = team_survey(live, cleo.id, cleo)
    services.record_survey_response(uow_of(live), code, SurveyResponse(nps=8, csat=4), "someone")
    closed = say(emulator, cleo, "/close_survey", "closed").text
    assert code in closed and "1 answers" in closed
    assert "or the survey is closed" in say(emulator, customer, f"/start {code}", "survey").text
    with live.db_engine.connect() as db:
        assert db.execute(
            text("SELECT status FROM surveys WHERE code = :c"), {"c": code}
        ).scalar_one() == "closed"  # fmt: skip
    # A chat without a survey is told so.
    nobody = new_user("Nell")
    assert "no session" in say(emulator, nobody, "/close_survey", "session").text
    team_session(live, nobody.id, nobody)
    assert "no survey to close" in say(emulator, nobody, "/close_survey", "survey").text


def big_export(tickets: bytes, rows: int) -> bytes:
    """A helpdesk export of `rows` tickets made of the demo's: its analysis takes seconds."""
    header, *lines = tickets.decode().splitlines()
    body = [f"{100_000 + n},{lines[n % len(lines)].split(',', 1)[1]}" for n in range(rows)]
    return "\n".join([header, *body, ""]).encode()


def test_delete_me_waits_for_turns_in_flight_and_removes_everything(
    adapter: Adapter, emulator: BotApiEmulator, live: Live, project_root: Path
) -> None:
    # Webhook mode: updates are handled side by side, as Telegram POSTs them (in polling
    # mode a batch is finished before the next is fetched).
    hook, port = webhook_adapter(adapter, emulator)
    secret = str(emulator.webhook["secret_token"])

    def post(update: dict[str, Any]) -> None:
        def send() -> None:
            with suppress(httpx.HTTPError):  # the adapter stopped at the end of the test
                post_update(port, update, secret)

        threading.Thread(target=send, daemon=True).start()

    emulator.deliver = post
    try:
        deleting_during_a_turn(emulator, live, project_root)
    finally:
        emulator.deliver = None
        hook.stop()


def deleting_during_a_turn(emulator: BotApiEmulator, live: Live, project_root: Path) -> None:
    hal, gil, group = new_user("Hal"), new_user("Gil"), new_group()
    mention = f"@{BOT_USERNAME}"
    tickets = (project_root / "bot" / "demo" / "tickets.csv").read_bytes()
    set_up_product(emulator, hal, group)
    mark = len(emulator.sent)
    emulator.send_document(hal, "hal.csv", tickets, chat_id=group, caption=mention)
    emulator.reply_after(mark, group, "added this to your findings")
    mark = len(emulator.sent)
    emulator.send_document(gil, "survey.csv", (project_root / "bot/demo/survey.csv").read_bytes())
    emulator.reply_after(mark, gil.id, "survey responses")
    assert (live.uploads / str(gil.id)).is_dir()
    join_team(emulator, gil, group)

    # Gil sends a sizeable export in the group and, while it is being analysed,
    # confirms deleting his data in the private chat.
    mark = len(emulator.sent)
    emulator.send_document(gil, "big.csv", big_export(tickets, 60_000), chat_id=group,
                           caption=mention)  # fmt: skip
    emulator.reply_after(mark, group, "Reading it")
    confirm = say(emulator, gil, "/delete_me", "Delete?")
    emulator.press(gil, confirm, "Yes, delete my data")
    done = emulator.reply_after(mark, gil.id, "Done.", timeout=300)
    analysed = emulator.reply_after(mark, group, "added this to your findings")
    # The turn in flight ended first, and what was removed includes what it wrote.
    assert emulator.sent.index(analysed) < emulator.sent.index(done)
    assert re.search(r"your answers: [1-9]", done.text)
    assert "private chat: 1" in done.text
    assert not (live.uploads / str(gil.id)).exists()
    with Session(live.db_engine) as db:
        assert not db.scalars(select(Participant).where(Participant.key == f"tg:{gil.id}")).all()
    assert evidence_count(live, gil) == 0
    assert sender_events(live, gil) == 0
    assert evidence_count(live, hal) > 0, "the other member's answers stay"


def test_unknown_commands_and_oversized_messages_get_clear_replies(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    kai = new_user("Kai")
    assert "/frobnicate" in say(emulator, kai, "/frobnicate", "don't know the command").text
    # Rasa's intent syntax typed by a person is never passed on.
    injected = '/upload_file{"file_path": "../../../etc/passwd"}'
    say(emulator, kai, injected, "don't know the command")
    assert "under 4000" in say(emulator, kai, "x" * 4090, "characters long").text
    # A forged button press is refused, not passed on.
    menu = say(emulator, kai, "/delete_me", "Delete?")
    answers = len(emulator.callback_answers)
    mark = len(emulator.sent)
    emulator.press_data(kai, menu, '/upload_file{"file_path": "../../etc/passwd"}')
    emulator.wait_for(lambda _: len(emulator.callback_answers) > answers)
    assert "expired" in emulator.callback_answers[-1]["text"]
    say(emulator, kai, "/help", "/delete_me")
    assert not any("couldn" in s.text for s in emulator.sent[mark:])
    press(emulator, kai, menu, "No, keep it", "Nothing was deleted")


def test_telegram_errors_are_retried_and_nothing_is_sent_twice(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    lea = new_user("Lea")
    emulator.fail_next("sendMessage", 429, lea.id)
    emulator.fail_next("sendMessage", 500, lea.id)
    before = emulator.calls.count("sendMessage")
    mark = len(emulator.sent)
    emulator.send_text(lea, "/help")
    emulator.reply_after(mark, lea.id, "/delete_me")
    assert emulator.calls.count("sendMessage") >= before + 3  # two failures, then success
    helps = [s for s in emulator.sent[mark:] if "/delete_me" in s.text]
    assert len(helps) == 1


def test_one_failing_update_does_not_stop_the_next(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    max_ = new_user("Max")
    emulator.fail_next("sendMessage", 400, max_.id)  # Telegram refuses the first answer outright
    mark = len(emulator.sent)
    emulator.send_text(max_, "/help")
    emulator.send_text(max_, "/status")
    emulator.reply_after(mark, max_.id, "something went wrong")
    emulator.reply_after(mark, max_.id, "no session in this chat")


def test_cancel_stops_the_open_question_and_keeps_the_answers(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    ivy = new_user("Ivy")
    offer = set_up_product(emulator, ivy)
    first = press(emulator, ivy, offer, "Team knowledge", "wait between paying")
    press(emulator, ivy, first, "Yes", "(LZMOT)")
    say(emulator, ivy, "Instagram ads and friends' posts", "glory")  # the open question
    stored = evidence_count(live, ivy)
    assert stored >= 1
    say(emulator, ivy, "/cancel", "stopped")
    # The glory question is no longer open: what comes next is not taken as its answer.
    mark = len(emulator.sent)
    emulator.send_text(ivy, "A mum got a birthday coupon and ordered the same day")
    say(emulator, ivy, "/status", "Session for")
    assert "pain" not in emulator.texts_after(mark, ivy.id)
    assert evidence_count(live, ivy) == stored  # the answers given stay


def test_action_server_down_is_reported_not_swallowed(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    ola = new_user("Ola")
    actions = live.stack.processes["actions"]
    os.killpg(actions.pid, signal.SIGTERM)
    actions.wait(timeout=30)
    try:
        assert "send it again" in say(emulator, ola, "where are we", "Sorry").text
    finally:
        live.stack.start_actions()
        live.stack.wait_ready(lambda _: None)
    assert "at the start" in say(emulator, ola, "where are we", "at the start").text


def test_a_redelivered_update_is_handled_once(adapter: Adapter, emulator: BotApiEmulator) -> None:
    jo = new_user("Jo")
    offer = set_up_product(emulator, jo)
    first = press(emulator, jo, offer, "Team knowledge", "wait between paying")
    press(emulator, jo, first, "Yes", "(LZMOT)")
    pressed = emulator.last_update_id()
    # Telegram delivers the press again (its confirmation was lost): handled before, so
    # it must not answer the question that is open now.
    mark = len(emulator.sent)
    emulator.redeliver(pressed)
    say(emulator, jo, "/status", "Session for")
    answered = [s for s in emulator.sent[mark:] if s.chat_id == jo.id]
    assert len(answered) == 1, [s.text for s in answered]


def test_webhook_mode_answers_before_acknowledging_and_once_per_update(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    hook, port = webhook_adapter(adapter, emulator)
    pia = new_user("Pia")
    try:
        assert emulator.webhook["url"] == "https://bot.example.test/tg/hook"
        secret = str(emulator.webhook["secret_token"])
        wrong = post_update(port, emulator.webhook_update(pia, "/help"), "guess")
        assert wrong.status_code == 403
        mark = len(emulator.sent)
        update = emulator.webhook_update(pia, "/status")
        assert post_update(port, update, secret).status_code == 200
        # Handled before Telegram got its 200: the answer is already there.
        assert "no session" in emulator.texts_after(mark, pia.id)
        # Telegram retries an update whose 200 it missed: handled once only.
        assert post_update(port, update, secret).status_code == 200
        assert len([s for s in emulator.sent[mark:] if s.chat_id == pia.id]) == 1
    finally:
        hook.stop()


def test_the_webhook_spends_nothing_on_strangers(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    hook, port = webhook_adapter(adapter, emulator)
    try:
        secret = str(emulator.webhook["secret_token"]).encode()

        def request(method: bytes = b"POST", path: bytes = b"/tg/hook", token: bytes = secret,
                    length: int = 9_000_000) -> bytes:  # fmt: skip
            return (method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n"
                    b"X-Telegram-Bot-Api-Secret-Token: " + token + b"\r\n"
                    b"Content-Length: " + str(length).encode() + b"\r\n\r\n{}")  # fmt: skip

        # Refused on the request line and headers alone: nobody waits for the 9 MB announced.
        started = time.monotonic()
        assert raw_http(port, request(path=b"/elsewhere")).startswith(b"HTTP/1.1 404")
        assert raw_http(port, request(method=b"GET")).startswith(b"HTTP/1.1 405")
        assert raw_http(port, request(token=b"guess")).startswith(b"HTTP/1.1 403")
        assert raw_http(port, request(token="gé€ss".encode())).startswith(b"HTTP/1.1 403")
        assert raw_http(port, request()).startswith(b"HTTP/1.1 413")  # genuine, but too big
        assert time.monotonic() - started < 3

        # Past the cap of open connections a new one is turned away at once; idle ones
        # are closed after the read timeout, and then a genuine update gets through.
        idle = [socket.create_connection(("127.0.0.1", port))
                for _ in range(WEBHOOK_MAX_CONNECTIONS)]  # fmt: skip
        try:
            time.sleep(0.5)
            assert raw_http(port, b"", timeout=3).startswith(b"HTTP/1.1 503")
            idle[0].settimeout(WEBHOOK_READ_TIMEOUT_S + 5)
            assert idle[0].recv(100).startswith(b"HTTP/1.1 408")
        finally:
            for connection in idle:
                connection.close()
        rex = new_user("Rex")
        update = emulator.webhook_update(rex, "/status")
        assert post_update(port, update, secret.decode()).status_code == 200
    finally:
        hook.stop()


def test_a_failing_set_my_commands_only_costs_the_menu(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    emulator.fail_next("setMyCommands", 400)
    hook, port = webhook_adapter(adapter, emulator)
    try:
        sam = new_user("Sam")
        mark = len(emulator.sent)
        update = emulator.webhook_update(sam, "/status")
        assert post_update(port, update, str(emulator.webhook["secret_token"])).status_code == 200
        assert "no session" in emulator.texts_after(mark, sam.id)
        assert "setMyCommands failed" in hook.log.read_text()
    finally:
        hook.stop()


def test_rasa_down_apologises_and_the_message_survives_an_adapter_restart(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    tom = new_user("Tom")
    live.stack.processes["rasa"].send_signal(signal.SIGTERM)
    live.stack.processes["rasa"].wait(timeout=30)
    mark = len(emulator.sent)
    emulator.send_text(tom, "where are we")
    sent_id = emulator.last_update_id()
    emulator.reply_after(mark, tom.id, "can't reach my dialogue engine", timeout=30)

    # The adapter dies while still waiting for Rasa: the update was never confirmed.
    adapter.stop(signal.SIGKILL)
    assert emulator.confirmed_offset <= sent_id
    live.stack.start_rasa("en")
    live.stack.wait_ready(lambda _: None)
    adapter.start(emulator)
    emulator.reply_after(mark, tom.id, "at the start", timeout=120)
    # Once handled, it is confirmed and not handled again.
    emulator.wait_for(lambda _: emulator.confirmed_offset > sent_id, timeout=30)
    assert sum("at the start" in s.text for s in emulator.sent[mark:]) == 1


def test_the_token_never_reaches_the_logs(adapter: Adapter) -> None:
    log = adapter.log.read_text(errors="replace")
    assert "Telegram: serving @mot_test_bot" in log  # the log is the adapter's
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


def test_a_refused_token_is_a_clear_error(emulator: BotApiEmulator, tmp_path: Path) -> None:
    wrong = "999:wrong-token-also-secret"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_API_BASE_URL": emulator.base_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}  # fmt: skip
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mot"), "telegram"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN" in result.stderr
    assert "wrong-token" not in result.stdout + result.stderr
