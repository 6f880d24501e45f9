"""Fault drills (issue 14, "Production"): a server dies mid-conversation, Telegram fails.

Each drill kills one server of the session's live stack as a crash would (SIGKILL),
checks what the user sees while it is down, starts it again and checks that the
conversation continues where it was: the open question still open, the earlier
answers kept. The servers come back in a `finally`, so the stack is whole for the
tests after these. (The database-unavailable drill runs on PostgreSQL elsewhere.)
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy import text as text_sql
from sqlalchemy.orm import Session

from bot.adapters.rest import RasaUnavailable
from bot.core.texts import text
from bot.storage.models import EvidenceItem, Participant
from tests.e2e.bot_api import BotApiEmulator, Sent, TgUser
from tests.e2e.conftest import Adapter, Live
from tests.e2e.test_telegram import evidence_count, new_user, press, say, set_up_product

GLORY = "A customer's bike was fixed the same day before her holiday"


@pytest.fixture(scope="module")
def adapter_env() -> dict[str, str]:
    return {"ENGINE_RETRY_SECONDS": "240"}  # a message waits for a restarting Rasa


def quiet(_: str) -> None:
    """No progress lines from restarting servers."""


def to(emulator: BotApiEmulator, mark: int, user: TgUser) -> list[Sent]:
    """The messages the bot sent to `user`'s private chat since `mark`."""
    return [s for s in emulator.sent[mark:] if s.chat_id == user.id]


def told(live: Live, user: TgUser, said: str) -> int:
    """How many of `user`'s stored evidence items hold `said`."""
    with Session(live.db_engine) as db:
        return len(
            db.scalars(
                select(EvidenceItem)
                .join(Participant)
                .where(Participant.key == f"tg:{user.id}", EvidenceItem.text == said)
            ).all()
        )


def at_business_question(emulator: BotApiEmulator, user: TgUser, product: str) -> Sent:
    """`user` starts and names the product; returns the open question, "B2B or B2C?"."""
    greeting = say(emulator, user, "/start", "moments of truth")
    press(emulator, user, greeting, "Start", "What is it called?")
    return say(emulator, user, product, "(B2C)?")


def test_action_server_killed_mid_interview_apologises_and_the_question_stays_open(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    ada = new_user("Ada")
    offer = set_up_product(emulator, ada, product="Tandem Bikes")
    first = press(emulator, ada, offer, "Team knowledge", "wait between paying")
    press(emulator, ada, first, "Yes", "(LZMOT)")
    say(emulator, ada, "Instagram ads and friends' posts", "glory")  # the open question
    stored = evidence_count(live, ada)
    assert stored >= 1 and told(live, ada, GLORY) == 0

    live.stack.kill("actions")
    try:
        mark = len(emulator.sent)
        emulator.send_text(ada, GLORY)
        sorry = emulator.reply_after(mark, ada.id, "sorry", timeout=60)
        # One short, friendly message: no silence, no raw error, nothing half-saved.
        assert sorry.text == text("tg.rasa_silent")
        assert [s.text for s in to(emulator, mark, ada)] == [sorry.text]
        assert told(live, ada, GLORY) == 0
    finally:
        live.stack.revive("actions", quiet)

    # The glory question is still open: the answer sent again is taken as its answer,
    # once, next to the answers given before the crash.
    say(emulator, ada, GLORY, "pain")
    assert told(live, ada, GLORY) == 1
    assert evidence_count(live, ada) == stored
    assert "Tandem Bikes" in say(emulator, ada, "/status", "Session for").text


def test_rasa_killed_mid_form_resumes_from_the_tracker_store_over_rest(live: Live) -> None:
    sender = f"e2e-drill-{uuid.uuid4().hex[:6]}"
    live.text(sender, "start")
    assert "(B2C)?" in live.text(sender, "Tandem Bikes")

    live.stack.kill("rasa")
    try:
        with pytest.raises(RasaUnavailable):  # the front-end says so (terminal.rasa_down)
            live.say(sender, "B2B")
    finally:
        live.stack.revive("rasa", quiet)

    # A new Rasa process reads the conversation from the tracker store: same question.
    assert "channels" in live.text(sender, "B2B")
    assert "typical customer" in live.text(sender, "website")
    summary = live.text(sender, "bike commuters")
    assert "Product: Tandem Bikes" in summary and "(B2B)" in summary


def test_rasa_killed_mid_form_telegram_waits_and_the_message_is_answered_once(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    bo = new_user("Bo")
    at_business_question(emulator, bo, "Tandem Bikes")

    live.stack.kill("rasa")
    try:
        mark = len(emulator.sent)
        emulator.send_text(bo, "B2C")
        emulator.reply_after(mark, bo.id, "can't reach my dialogue engine", timeout=30)
    finally:
        live.stack.revive("rasa", quiet)

    # The adapter kept the message and hands it to the restarted Rasa: answered once.
    emulator.reply_after(mark, bo.id, "channels", timeout=120)
    assert sum("channels" in s.text for s in to(emulator, mark, bo)) == 1
    say(emulator, bo, "website and app", "typical customer")
    summary = say(emulator, bo, "busy parents", "Is that right?").text
    assert "Tandem Bikes" in summary and "(B2C)" in summary


@pytest.mark.parametrize("status", [502, 503])
def test_telegram_429_then_a_gateway_error_still_delivers_the_answer_once(
    adapter: Adapter, emulator: BotApiEmulator, status: int
) -> None:
    cy = new_user("Cy")
    greeting = say(emulator, cy, "/start", "moments of truth")
    press(emulator, cy, greeting, "Start", "What is it called?")
    emulator.fail_next("sendMessage", 429, cy.id)  # flood control: retry after 1 s
    emulator.fail_next("sendMessage", status, cy.id)  # the proxy's HTML page, no JSON
    calls = len(emulator.calls)
    mark = len(emulator.sent)
    emulator.send_text(cy, "Tandem Bikes")
    emulator.reply_after(mark, cy.id, "(B2C)?")

    with emulator.lock:
        timeline = list(zip(emulator.calls, emulator.call_times, strict=True))[calls:]
    sends = [at for method, at in timeline if method == "sendMessage"]
    assert len(sends) == 3  # refused, failed, delivered
    assert sends[1] - sends[0] >= 1.0  # Telegram's retry_after was respected
    assert len(to(emulator, mark, cy)) == 1
    # Rasa heard the product name once: the next answer goes to the next question.
    say(emulator, cy, "B2C", "channels")


def test_a_press_while_the_action_server_is_down_gives_the_buttons_back(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    eve = new_user("Eve")
    question = at_business_question(emulator, eve, "Tandem Bikes")

    live.stack.kill("actions")
    try:
        mark = len(emulator.sent)
        emulator.press(eve, question, "B2C")
        emulator.reply_after(mark, eve.id, text("tg.rasa_silent"), timeout=60)
        # "Send it again": the question has its buttons again to press.
        reopened = emulator.wait_for(
            lambda sent: next(
                (s for s in sent[mark:] if s.message_id == question.message_id and s.buttons),
                None,
            )
        )
    finally:
        live.stack.revive("actions", quiet)
    assert reopened.text == question.text  # no "→ B2C": nothing was chosen

    mark = len(emulator.sent)
    emulator.press(eve, reopened, "B2C")
    emulator.reply_after(mark, eve.id, "channels")
    assert sum("channels" in s.text for s in to(emulator, mark, eve)) == 1


def test_a_turn_that_could_not_reach_the_action_server_is_not_half_saved(live: Live) -> None:
    """Outside a form too: the confirmation pressed while the action server is down is
    not taken (Rasa would have moved on without the action's answer), so pressing it
    again once the server is back leads on as it would have."""
    sender = f"e2e-drill-{uuid.uuid4().hex[:6]}"
    for line in ("start", "Tandem Bikes", "B2C", "website", "bike commuters"):
        live.text(sender, line)
    live.stack.kill("actions")
    try:
        assert live.say(sender, "yes") == []  # no answer: the front-end asks to send it again
    finally:
        live.stack.revive("actions", quiet)
    assert "Tandem Bikes already live" in live.text(sender, "yes")
    with live.db_engine.connect() as connection:
        confirmations = connection.execute(
            text_sql(
                "SELECT count(*) FROM events WHERE sender_id = :sender "
                "AND type_name = 'user' AND data LIKE '%\"text\": \"yes\"%'"
            ),
            {"sender": sender},
        ).scalar_one()
    assert confirmations == 1
