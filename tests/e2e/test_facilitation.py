"""A facilitated group session end to end: the Telegram adapter (`mot telegram`, its own
process) in front of the real Rasa server, action server and SQLite database, driven
through the Bot API emulator.

Two members (the facilitator and one more) work through a short time-boxed phase,
each answering on their own; the half-time nudge arrives, the adapter is restarted
mid-phase and the time-up still comes, once; both vote, and `/end` posts the summary
and the report, whose findings carry the vote as `vote_share`.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.report import workspace_report
from bot.storage.models import EvidenceItem, Participant
from tests.e2e.bot_api import BotApiEmulator, Sent, TgUser
from tests.e2e.conftest import Adapter, Live
from tests.e2e.test_telegram import (
    join_team,
    new_group,
    new_user,
    set_up_product,
    uow_of,
)

pytestmark = pytest.mark.e2e

PHASE_MINUTES = 0.75  # 45 s: half time after 22.5 s, the time box over after 45 s


@pytest.fixture(scope="module")
def adapter_env() -> dict[str, str]:
    return {"ENGINE_RETRY_SECONDS": "240", "MOT_FACILITATION_TICK_SECONDS": "0.5"}


def posted(api: BotApiEmulator, mark: int, chat: int, containing: str) -> Sent:
    """The bot's first new message (not an edit) to `chat` after `mark` containing a text."""

    def found(sent: list[Sent]) -> Sent | None:
        return next(
            (s for s in sent[mark:] if s.chat_id == chat and s.method == "sendMessage"
             and containing.lower() in s.text.lower()), None,
        )  # fmt: skip

    result: Sent = api.wait_for(found, timeout=90)
    return result


def count(api: BotApiEmulator, chat: int, containing: str) -> int:
    return sum(
        1
        for s in api.sent
        if s.chat_id == chat and s.method == "sendMessage" and containing in s.text
    )


def answer(
    api: BotApiEmulator, user: TgUser, chat: int, question: Sent, said: str, expect: str
) -> Sent:
    """A member answers their question by replying to it; the next question."""
    mark = len(api.sent)
    api.send_text(user, said, chat_id=chat, reply_to=question.message_id)
    return posted(api, mark, chat, expect)


def vote(api: BotApiEmulator, member: TgUser, ballot: Sent, title: str) -> None:
    """A member presses a moment on the ballot; waits for the answer only they see."""
    before = len(api.callback_answers)
    api.press(member, ballot, title)
    api.wait_for(lambda _: len(api.callback_answers) > before)


def test_a_facilitated_group_session_with_time_boxes_a_restart_and_a_vote(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    api = emulator
    ben, cara, group = new_user("Ben", "ben"), new_user("Cara", "cara"), new_group()
    set_up_product(api, ben, chat_id=group, product="TeamTrack")
    join_team(api, cara, group)

    # Ben facilitates; the agenda is agreed by a reply to it.
    mark = len(api.sent)
    api.send_text(ben, "/facilitate", chat_id=group)
    agenda = posted(api, mark, group, "facilitated by Ben")
    assert "Begin ▶" in [b["text"] for b in agenda.buttons]
    mark = len(api.sent)
    api.send_text(
        ben, f"team {PHASE_MINUTES}, skip records, skip survey, skip competitor, vote 5",
        chat_id=group, reply_to=agenda.message_id,
    )  # fmt: skip
    agreed = posted(api, mark, group, "facilitated by Ben")
    assert "1. Team knowledge: 0.75 min" in agreed.text and "2. Vote" in agreed.text
    # Cara cannot steer: one line says who can.
    mark = len(api.sent)
    api.send_text(cara, "/next", chat_id=group)
    assert "Only Ben (the facilitator)" in posted(api, mark, group, "Only").text

    mark = len(api.sent)
    api.press(ben, agreed, "Begin ▶")
    phase = posted(api, mark, group, "Phase 1 of 2: Team knowledge")
    started = time.monotonic()
    assert "Not yet: Ben, Cara" in phase.text

    # Each member begins the method with the phase's button and answers on their own.
    questions = {}
    for member in (ben, cara):
        mark = len(api.sent)
        api.press(member, phase, "Begin Team knowledge")
        questions[member.id] = posted(api, mark, group, "wait between paying")
    mark = len(api.sent)
    api.press(ben, questions[ben.id], "Yes")
    ben_q = posted(api, mark, group, "(LZMOT)")
    mark = len(api.sent)
    api.press(cara, questions[cara.id], "No")
    cara_q = posted(api, mark, group, "(LZMOT)")
    ben_q = answer(api, ben, group, ben_q, "LinkedIn posts by peers", "glory")
    cara_q = answer(api, cara, group, cara_q, "A webinar we ran", "glory")
    ben_q = answer(api, ben, group, ben_q, "A CFO signed after one demo", "pain")
    answer(api, ben, group, ben_q, "Our demo crashed in front of a prospect", "weigh")

    # Live progress: the announcement is edited as members answer.
    def progress_shown(sent: list[Sent]) -> Sent | None:
        return next(
            (s for s in reversed(sent) if s.message_id == phase.message_id
             and "Ben: 4 of" in s.text and "Cara: 2 of" in s.text), None,
        )  # fmt: skip

    api.wait_for(progress_shown, timeout=30)

    half = posted(api, 0, group, "Half time for Team knowledge")
    assert half.reply_to == phase.message_id
    assert time.monotonic() - started < PHASE_MINUTES * 60 - 5, "too slow to stop mid-phase"
    # The adapter goes down mid-phase and comes back: the time-up is still due, and said once.
    adapter.stop()
    restarted = len(api.sent)
    assert count(api, group, "Time is up") == 0
    adapter.start(api)
    posted(api, restarted, group, "Time is up for Team knowledge")
    time.sleep(2)  # a few more ticks: nothing is said twice
    assert count(api, group, "Half time for Team knowledge") == 1
    assert count(api, group, "Time is up for Team knowledge") == 1

    # Each member's answers are attributed to them.
    with Session(live.db_engine) as db:
        rows = db.execute(
            select(Participant.display_name, EvidenceItem.text, EvidenceItem.touchpoint)
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(Participant.key.in_([f"tg:{ben.id}", f"tg:{cara.id}"]))
        ).all()
    said_by = {said: name for name, *texts in rows for said in texts if said}
    assert said_by.get("Our demo crashed in front of a prospect") == "Ben"
    assert said_by.get("A webinar we ran") == "Cara"

    # The vote: both members, within their budget of three.
    mark = len(api.sent)
    api.send_text(ben, "/next", chat_id=group)
    ballot = posted(api, mark, group, "Phase 2 of 2: Vote on the top moments")
    first, second = (b["text"] for b in ballot.buttons[:2])
    assert first.startswith("LZMOT")
    for member, choices in ((ben, [first, first]), (cara, [first, second])):
        for title in choices:
            vote(api, member, ballot, title)
    assert api.callback_answers[-1]["text"] == "Your votes: LZMOT: 1, ZMOT: 1 (1 left)"

    mark = len(api.sent)
    api.send_text(ben, "/end", chat_id=group)
    summary = posted(api, mark, group, "The session is over")
    assert "LZMOT" in summary.text and "votes: 3" in summary.text
    assert "4 votes from 2 members" in summary.text
    api.wait_for(
        lambda sent: next(
            (s for s in sent[mark:] if s.chat_id == group and s.method == "sendDocument"), None
        )
    )
    report = workspace_report(uow_of(live), f"tg:{group}", "md")
    assert report is not None
    content = report.content if isinstance(report.content, bytes) else report.content.encode()
    assert b"vote_share = 0.75" in content
