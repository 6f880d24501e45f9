"""The Telegram adapter driven over HTTP through a Bot API emulator on localhost.

Behind it: the real Rasa server, the real action server and a real SQLite
database (the session's `live` stack). The adapter runs as its own process,
`mot telegram`, exactly as `make run` starts it with a token.

The tests share one adapter and build on each other in file order (the team's
interview, then its report, its survey, ...); the last one stops Rasa.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.engine import free_port
from bot.storage.models import EvidenceItem, Participant
from tests.e2e.bot_api import BOT_USER, BOT_USERNAME, BotApiEmulator, Sent, TgUser
from tests.e2e.conftest import Live

TOKEN = "123456789:AAE-secret-test-token-never-logged"
ANA, BEN, CARA, DAN = (
    TgUser(101, "Ana"), TgUser(202, "Ben"), TgUser(303, "Cara"), TgUser(404, "Dan"),
)  # fmt: skip
GROUP = -1000555


@dataclass
class Adapter:
    """`mot telegram` as a child process, restartable."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, emulator: BotApiEmulator) -> None:
        calls_before = emulator.calls.count("setMyCommands")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "mot"), "telegram"],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
            )  # fmt: skip
        emulator.wait_for(
            lambda _: emulator.calls.count("setMyCommands") > calls_before, timeout=60
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def emulator() -> Iterator[BotApiEmulator]:
    api = BotApiEmulator(TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def adapter(
    live: Live, emulator: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adapter]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "RASA_URL": live.stack.rasa_url,
        "DATABASE_URL": live.database_url,
        "UPLOADS_DIR": str(live.uploads),
        "ENGINE_RETRY_SECONDS": "240",
    }
    running = Adapter(env, tmp_path_factory.mktemp("adapter") / "adapter.log")
    running.start(emulator)
    yield running
    running.stop()


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
    return bool(sent.buttons) or sent.text.rstrip().endswith(("?", ")"))


def skip_to_end(api: BotApiEmulator, user: TgUser, marker: str) -> None:
    start = len(api.sent)
    for _ in range(45):
        mark = len(api.sent)
        api.send_text(user, "skip")
        until(api, mark, user.id, lambda s: marker in s.text or asks(s))
        if marker in api.texts_after(start, user.id):
            return
    raise AssertionError(f"never reached {marker!r}")


def test_commands_are_registered_for_the_menu(adapter: Adapter, emulator: BotApiEmulator) -> None:
    names = [c["command"] for c in emulator.commands]
    assert names == ["start", "help", "status", "report", "cancel", "delete_me"]


def test_private_interview_from_start_to_a_finished_method(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    greeting = say(emulator, ANA, "/start", "moments of truth")
    assert [b["text"] for b in greeting.buttons] == ["Start", "How does it work?"]
    press(emulator, ANA, greeting, "Start", "product")
    # What the user typed comes back escaped, never as markup.
    say(emulator, ANA, "Fresh<b>Crate</b> & Co", "business")
    say(emulator, ANA, "B2C", "channels")
    say(emulator, ANA, "website and app", "typical customer")
    mark = len(emulator.sent)
    emulator.send_text(ANA, "busy parents")
    summary = with_buttons(emulator, mark, ANA.id)
    assert "Fresh&lt;b&gt;Crate&lt;/b&gt; &amp; Co" in summary.text
    # The pressed button closes its keyboard and shows the choice.
    mark = len(emulator.sent)
    emulator.press(ANA, summary, "Yes, that's right")
    offer = with_buttons(emulator, mark, ANA.id)
    closed = next(s for s in emulator.sent[mark:] if s.method == "editMessageText")
    assert closed.message_id == summary.message_id and not closed.buttons
    assert "→ Yes, that's right" in closed.text
    assert offer.buttons[0]["text"] == "Team knowledge"

    first = press(emulator, ANA, offer, "Team knowledge", "wait between paying")
    assert [b["text"] for b in first.buttons] == ["Yes", "No"]
    press(emulator, ANA, first, "Yes", "(LZMOT)")
    say(emulator, ANA, "Instagram ads and friends' posts", "glory")
    say(emulator, ANA, "A mum got a birthday coupon and ordered the same day", "pain")
    rating = say(emulator, ANA, "Pushy retargeting ads annoyed people", "weigh")
    # An inline-button rating: one row of 1-5.
    assert [b["text"] for b in rating.buttons] == ["1", "2", "3", "4", "5"]
    performance = press(emulator, ANA, rating, "4", "How well does")
    press(emulator, ANA, performance, "2", "ZMOT")
    skip_to_end(emulator, ANA, "That completes the team knowledge")

    assert "sendChatAction" in emulator.calls  # "typing..." while Rasa works
    status = say(emulator, ANA, "/status", "Session for")
    assert "✅ team knowledge" in status.text and "⬜ service records" in status.text
    assert "Who answered: Ana" in status.text


def test_document_upload_is_analysed_and_added(
    adapter: Adapter, emulator: BotApiEmulator, project_root: Path
) -> None:
    tickets = (project_root / "bot" / "demo" / "tickets.csv").read_bytes()
    mark = len(emulator.sent)
    emulator.send_document(ANA, "helpdesk export.csv", tickets)
    assert "Reading it" in emulator.reply_after(mark, ANA.id, "Got").text
    analysed = emulator.reply_after(mark, ANA.id, "I read 36 tickets").text
    assert "1. AMOT" in analysed and "added this to your findings" in analysed

    mark = len(emulator.sent)
    emulator.send_document(ANA, "huge.csv", b"a,b\n1,2\n", size=50 * 1024 * 1024)
    assert "up to 20 MB" in emulator.reply_after(mark, ANA.id, "That file is 50 MB").text
    mark = len(emulator.sent)
    emulator.send_document(ANA, "slides.pdf", b"%PDF-1.4")
    emulator.reply_after(mark, ANA.id, "I can read CSV and XLSX")
    mark = len(emulator.sent)
    emulator.send_document(ANA, "broken.xlsx", b"PK\x03\x04 not really a workbook")
    unreadable = emulator.reply_after(mark, ANA.id, "couldn't read").text
    assert "broken.xlsx" in unreadable and str(project_root) not in unreadable


def test_report_arrives_as_a_document(adapter: Adapter, emulator: BotApiEmulator) -> None:
    mark = len(emulator.sent)
    emulator.send_text(ANA, "/report")
    document = emulator.wait_for(
        lambda sent: next((s for s in sent[mark:] if s.method == "sendDocument"), None)
    )
    assert document.chat_id == ANA.id and document.file_name.endswith(".md")
    content = document.document.decode()
    assert "Fresh<b>Crate</b> & Co" in content or "FreshCrate" in content.replace("\\", "")
    assert "AMOT" in content  # the helpdesk export's hardest moment
    # Someone with no session of their own gets no document, only a pointer.
    assert "no session" in say(emulator, DAN, "/report", "session").text


def test_a_group_that_adds_the_bot_learns_how_to_talk_to_it(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    mark = len(emulator.sent)
    emulator.send_other(BEN, {"new_chat_members": [BOT_USER]}, chat_id=GROUP)
    intro = emulator.reply_after(mark, GROUP, "privacy mode").text
    assert "/delete_me" in intro and "reply" in intro
    # Stickers and photos get a pointer in a private chat, nothing in a group.
    emulator.send_other(BEN, {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 1,
                                          "height": 1, "is_animated": False, "is_video": False,
                                          "type": "regular"}}, chat_id=GROUP)  # fmt: skip
    emulator.send_other(ANA, {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 1,
                                         "height": 1}]})  # fmt: skip
    emulator.reply_after(mark, ANA.id, "I can read text messages")
    assert sum(s.chat_id == GROUP for s in emulator.sent[mark:]) == 1


def test_group_members_answer_in_turns_without_mixing_up(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    group = {"chat_id": GROUP}
    greeting = say(emulator, BEN, f"/start@{BOT_USERNAME}", "moments of truth", **group)
    assert greeting.reply_to is not None
    # Cara cannot press the keyboard meant for Ben.
    answers_before = len(emulator.callback_answers)
    emulator.press(CARA, greeting, "Start")
    emulator.wait_for(lambda _: len(emulator.callback_answers) > answers_before)
    assert "This question is for Ben" in emulator.callback_answers[-1].get("text", "")

    question = press(emulator, BEN, greeting, "Start", "product")
    # Chatter that doesn't address the bot is ignored (privacy mode works the same).
    mark = len(emulator.sent)
    emulator.send_text(CARA, "lunch at 12?", chat_id=GROUP)
    question = say(
        emulator, BEN, "TeamTrack", "business", chat_id=GROUP, reply_to=question.message_id
    )
    question = say(emulator, BEN, "B2B", "channels", chat_id=GROUP, reply_to=question.message_id)
    question = say(
        emulator, BEN, f"@{BOT_USERNAME} sales team and website", "typical customer", **group
    )
    mark_summary = len(emulator.sent)
    emulator.send_text(BEN, "operations managers", chat_id=GROUP, reply_to=question.message_id)
    summary = with_buttons(emulator, mark_summary, GROUP)
    assert not any("lunch" in s.text for s in emulator.sent[mark:])
    offer_mark = len(emulator.sent)
    emulator.press(BEN, summary, "Yes, that's right")
    ben_offer = with_buttons(emulator, offer_mark, GROUP)

    # Cara joins: the group's product is already set up, she only confirms it.
    cara_greeting = say(emulator, CARA, "/start", "moments of truth", **group)
    cara_summary_mark = len(emulator.sent)
    emulator.press(CARA, cara_greeting, "Start")
    cara_summary = with_buttons(emulator, cara_summary_mark, GROUP)
    assert "TeamTrack" in cara_summary.text
    cara_offer_mark = len(emulator.sent)
    emulator.press(CARA, cara_summary, "Yes, that's right")
    cara_offer = with_buttons(emulator, cara_offer_mark, GROUP)

    # Both start the team method and answer in turns, each replying to their own question.
    mark = len(emulator.sent)
    emulator.press(BEN, ben_offer, "Team knowledge")
    ben_q = with_buttons(emulator, mark, GROUP)
    mark = len(emulator.sent)
    emulator.press(CARA, cara_offer, "Team knowledge")
    cara_q = with_buttons(emulator, mark, GROUP)
    assert ben_q.reply_to != cara_q.reply_to  # each question answers its own member
    ben_q = press(emulator, BEN, ben_q, "Yes", "(LZMOT)")
    cara_q = press(emulator, CARA, cara_q, "No", "(LZMOT)")
    ben_next = say(
        emulator, BEN, "LinkedIn posts by peers", "glory", chat_id=GROUP, reply_to=ben_q.message_id
    )
    cara_next = say(
        emulator, CARA, "A webinar we ran", "glory", chat_id=GROUP, reply_to=cara_q.message_id
    )
    say(
        emulator,
        BEN,
        "A CFO signed after one demo",
        "pain",
        chat_id=GROUP,
        reply_to=ben_next.message_id,
    )
    say(
        emulator,
        CARA,
        "Our demo crashed in front of a prospect",
        "pain",
        chat_id=GROUP,
        reply_to=cara_next.message_id,
    )

    with Session(live.engine) as db:
        rows = db.execute(
            select(Participant.display_name, EvidenceItem.text, EvidenceItem.touchpoint)
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(Participant.key.in_([f"tg:{BEN.id}", f"tg:{CARA.id}"]))
        ).all()
    said_by = {said: name for name, *texts in rows for said in texts if said}
    assert said_by.get("LinkedIn posts by peers") == "Ben"
    assert said_by.get("A CFO signed after one demo") == "Ben"
    assert said_by.get("A webinar we ran") == "Cara"
    assert said_by.get("Our demo crashed in front of a prospect") == "Cara"

    status = say(emulator, BEN, "/status", "Session for TeamTrack", **group)
    assert "Ben (" in status.text and "Cara (" in status.text
    helped = say(emulator, CARA, "/help", "privacy mode", **group)
    assert "reply" in helped.text


def test_survey_deep_link_answered_anonymously_by_a_customer(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    mark = len(emulator.sent)
    emulator.send_text(ANA, "let's do the customer survey")
    link = emulator.reply_after(mark, ANA.id, "t.me/").text
    code = re.search(rf"https://t\.me/{BOT_USERNAME}\?start=([0-9a-f]{{8}})", link)
    assert code, link

    start = len(emulator.sent)
    say(emulator, DAN, f"/start {code.group(1)}", "recommend")
    assert "anonymous" in emulator.texts_after(start, DAN.id)
    csat = say(emulator, DAN, "9", "satisfied")
    assert [b["text"] for b in csat.buttons] == ["1", "2", "3", "4", "5"]
    press(emulator, DAN, csat, "4", "went well")
    for _ in range(12):
        mark = len(emulator.sent)
        emulator.send_text(DAN, "Delivery was late but the food was great")
        turn = until(emulator, mark, DAN.id, lambda s: asks(s) or "without your name" in s.text)
        if "without your name" in turn[-1].text:
            break
    else:
        raise AssertionError("the survey never ended")

    # The customer can read nothing of the team's data.
    peek = len(emulator.sent)
    emulator.send_text(DAN, "what have we found so far")
    emulator.send_text(DAN, "/status")
    emulator.send_text(DAN, "/report")
    emulator.wait_for(lambda sent: sum(s.chat_id == DAN.id for s in sent[peek:]) >= 3)
    seen = emulator.texts_after(peek, DAN.id)
    assert "Crate" not in seen and "AMOT" not in seen
    assert not any(s.method == "sendDocument" and s.chat_id == DAN.id for s in emulator.sent)
    with Session(live.engine) as db:
        names = db.scalars(select(Participant.display_name)).all()
    assert "Dan" not in names  # answered anonymously

    assert "don't know that survey code" in say(emulator, DAN, "/start deadbeef", "survey").text
    assert "doesn't hold a survey code" in say(emulator, DAN, "/start hello", "survey code").text
    in_group = f"/start@{BOT_USERNAME} {code.group(1)}"
    assert "private chat" in say(emulator, DAN, in_group, "Surveys", chat_id=GROUP).text


def test_delete_me_removes_a_members_data_and_confirms(
    adapter: Adapter, emulator: BotApiEmulator, live: Live, project_root: Path
) -> None:
    mark = len(emulator.sent)
    emulator.send_document(CARA, "survey.csv", (project_root / "bot/demo/survey.csv").read_bytes())
    emulator.reply_after(mark, CARA.id, "survey responses")
    assert (live.uploads / str(CARA.id)).is_dir()
    confirm = say(emulator, CARA, "/delete_me", "Delete?", chat_id=GROUP)
    done = press(emulator, CARA, confirm, "Yes, delete my data", "Done.")
    assert re.search(r"your answers: [1-9]", done.text)
    assert "private chat: 1" in done.text
    assert not (live.uploads / str(CARA.id)).exists()
    with Session(live.engine) as db:
        assert not db.scalars(select(Participant).where(Participant.key == f"tg:{CARA.id}")).all()
        events = db.execute(
            text("SELECT count(*) FROM events WHERE sender_id LIKE :p"), {"p": f"tg:%:{CARA.id}"}
        ).scalar_one()
        bens = db.scalars(
            select(EvidenceItem).join(Participant).where(Participant.key == f"tg:{BEN.id}")
        ).all()
    assert events == 0
    assert bens, "the other member's answers stay"


def test_unknown_commands_and_oversized_messages_get_clear_replies(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    assert "/frobnicate" in say(emulator, ANA, "/frobnicate", "don't know the command").text
    # Rasa's intent syntax typed by a person is never passed on.
    injected = '/upload_file{"file_path": "../../../etc/passwd"}'
    say(emulator, ANA, injected, "don't know the command")
    assert "under 4000" in say(emulator, ANA, "x" * 4090, "characters long").text
    # A forged button press is refused, not passed on.
    menu = say(emulator, ANA, "/delete_me", "Delete?")
    answers = len(emulator.callback_answers)
    mark = len(emulator.sent)
    emulator.press_data(ANA, menu, '/upload_file{"file_path": "../../etc/passwd"}')
    emulator.wait_for(lambda _: len(emulator.callback_answers) > answers)
    assert "expired" in emulator.callback_answers[-1]["text"]
    say(emulator, ANA, "/help", "/delete_me")
    assert not any("couldn" in s.text for s in emulator.sent[mark:])
    press(emulator, ANA, menu, "No, keep it", "Nothing was deleted")


def test_telegram_errors_are_retried_and_nothing_is_sent_twice(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    emulator.fail_next("sendMessage", 429)
    emulator.fail_next("sendMessage", 500)
    before = emulator.calls.count("sendMessage")
    mark = len(emulator.sent)
    emulator.send_text(ANA, "/help")
    emulator.reply_after(mark, ANA.id, "/delete_me")
    assert emulator.calls.count("sendMessage") >= before + 3  # two failures, then success
    helps = [s for s in emulator.sent[mark:] if "/delete_me" in s.text]
    assert len(helps) == 1


def test_one_failing_update_does_not_stop_the_next(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    emulator.fail_next("sendMessage", 400)  # Telegram refuses the first answer outright
    mark = len(emulator.sent)
    emulator.send_text(ANA, "/help")
    emulator.send_text(ANA, "/status")
    emulator.reply_after(mark, ANA.id, "something went wrong")
    emulator.reply_after(mark, ANA.id, "Session for")


def test_cancel_stops_the_current_question(adapter: Adapter, emulator: BotApiEmulator) -> None:
    say(emulator, ANA, "/cancel", "stopped")


def test_action_server_down_is_reported_not_swallowed(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    actions = live.stack.processes["actions"]
    os.killpg(actions.pid, signal.SIGTERM)
    actions.wait(timeout=30)
    try:
        assert "send it again" in say(emulator, ANA, "where are we", "Sorry").text
    finally:
        live.stack.start_actions()
        live.stack.wait_ready(lambda _: None)
    assert "Where we are" in say(emulator, ANA, "where are we", "Where we are").text


def test_webhook_mode_answers_before_acknowledging(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    port = free_port()
    hook = Adapter(
        {**adapter.env, "TELEGRAM_WEBHOOK_URL": "https://bot.example.test/tg/hook",
         "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}"},
        adapter.log.with_name("webhook.log"),
    )  # fmt: skip
    hook.start(emulator)
    try:
        assert emulator.webhook["url"] == "https://bot.example.test/tg/hook"
        secret = str(emulator.webhook["secret_token"])
        url = f"http://127.0.0.1:{port}/tg/hook"
        wrong = httpx.post(url, json=emulator.webhook_update(ANA, "/help"),
                           headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})  # fmt: skip
        assert wrong.status_code == 403
        mark = len(emulator.sent)
        answered = httpx.post(
            url, json=emulator.webhook_update(ANA, "/status"), timeout=60,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )  # fmt: skip
        assert answered.status_code == 200
        # Handled before Telegram got its 200: the answer is already there.
        assert "session" in emulator.texts_after(mark, ANA.id).lower()
    finally:
        hook.stop()


def test_rasa_down_apologises_and_the_message_survives_an_adapter_restart(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    live.stack.processes["rasa"].send_signal(signal.SIGTERM)
    live.stack.processes["rasa"].wait(timeout=30)
    mark = len(emulator.sent)
    update_id = len(emulator.updates) and emulator.updates[-1]["update_id"]
    emulator.send_text(ANA, "where are we")
    emulator.reply_after(mark, ANA.id, "can't reach my dialogue engine", timeout=30)

    # The adapter dies while still waiting for Rasa: the update was never confirmed.
    adapter.stop(signal.SIGKILL)
    assert emulator.confirmed_offset <= max(update_id, 0) + 1 or emulator.updates
    live.stack.start_rasa()
    live.stack.wait_ready(lambda _: None)
    adapter.start(emulator)
    answered = emulator.reply_after(mark, ANA.id, "Where we are", timeout=120)
    assert "team knowledge: done" in answered.text
    # Once handled, it is confirmed and not handled again.
    emulator.wait_for(lambda _: not emulator.updates or emulator.confirmed_offset >
                      emulator.updates[-1]["update_id"], timeout=30)  # fmt: skip


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
