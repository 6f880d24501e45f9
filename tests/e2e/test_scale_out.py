"""Scale-out on the local topology: PostgreSQL, Redis, two Rasa servers, two action servers.

Conversations run side by side, each turn sent to the other Rasa server than the
last one (`RasaPool`); halfway through, one Rasa server is killed with SIGKILL while
turns are in flight. No turn may be lost or handled twice, and every answer must be
stored once. Skipped with the reason only where PostgreSQL or Redis cannot be
installed (the packages are Debian's; `scripts/setup-services.sh` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from bot.adapters.rasa_pool import RasaPool
from bot.adapters.rest import BotMessage, RestClient
from bot.rasa_supervisor import free_port
from bot.storage.db import make_db_engine
from bot.storage.models import EvidenceItem, InterviewSession, Workspace
from bot.topology import Services, ServicesUnavailable, Topology

# A product-context interview and the start of the team-knowledge method: 16 turns,
# every one of them stored somewhere (tracker events; context, method answers).
SCRIPT = [
    "start",
    "{product}",
    "B2C",
    "website and app",
    "busy parents",
    "yes",
    "Live",
    '/choose_method{{"method": "team"}}',
    "yes",
    "Instagram ads and friends' posts about {product}",
    "A mum got a birthday coupon for {product} and ordered the same day",
    "Pushy retargeting ads annoyed people",
    "good",
    "yes",
    "1",
    "2",
]
CONVERSATIONS = 6  # all at once: every one is mid-way when a server dies
PARALLEL = CONVERSATIONS


@dataclass
class Counting:
    """One Rasa server's client that counts the turns it answered, for the test's eyes."""

    client: RestClient
    answered: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        answer = self.client.send(sender, message, metadata)
        with self.lock:
            self.answered[sender] += 1
        return answer


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    directory = Path(tempfile.mkdtemp(prefix="mot-scale-out-"))
    services = Services(directory, postgres_port=free_port(), redis_port=free_port())
    try:
        services.start(lambda message: None)
    except ServicesUnavailable as error:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.skip(f"PostgreSQL/Redis unavailable here: {error}")
    try:
        yield services
    finally:
        services.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def topology(services: Services, project_root: Path, models: dict[str, Path]) -> Iterator[Topology]:
    topology = Topology(project_root, services, {"en": models["en"]})
    # A killed server's lock on a conversation expires after this (Rasa's default: 60 s).
    topology.start(2, lambda message: None, env={"TICKET_LOCK_LIFETIME": "5"})
    try:
        yield topology
    finally:
        topology.stop()


@pytest.fixture
def database(services: Services) -> Iterator[Engine]:
    engine = make_db_engine(services.database_url)
    yield engine
    engine.dispose()


def _converse(
    pool: RasaPool, sender: str, product: str, halfway: threading.Event
) -> list[list[BotMessage]]:
    answers = []
    for index, line in enumerate(SCRIPT):
        if index == len(SCRIPT) // 2:
            halfway.set()
        answers.append(pool.send(sender, line.format(product=product), {"language": "en"}))
    return answers


def _user_turns(engine: Engine, sender: str) -> list[str]:
    """The user messages Rasa's tracker store holds for `sender`, in order."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' "
                "ORDER BY id"
            ),
            {"sender": sender},
        )
        return [json.loads(row[0])["text"] for row in rows]


def test_a_turn_sent_again_to_the_other_server_is_answered_once(
    topology: Topology, database: Engine
) -> None:
    """What the pool does when a server dies mid-turn: the same turn_id, another server."""
    first, second = (RestClient(url, timeout=60) for url in topology.rasa_urls)
    sender = f"resend-{uuid.uuid4().hex[:6]}"
    first.send(sender, "start", {"language": "en"})
    turn = {"language": "en", "turn_id": uuid.uuid4().hex}
    answer = first.send(sender, "Kettlebell Club", turn)
    again = second.send(sender, "Kettlebell Club", turn)
    assert [m.text for m in again] == [m.text for m in answer]
    assert "B2C" in answer[-1].text
    assert _user_turns(database, sender) == ["start", "Kettlebell Club"]
    # The conversation goes on from there, on either server.
    assert "channels" in " ".join(m.text for m in second.send(sender, "B2C", {"language": "en"}))


def test_the_database_down_for_seconds_is_waited_out_and_nothing_is_lost(
    topology: Topology, services: Services, database: Engine
) -> None:
    """PostgreSQL stops between two turns and is back 4 s later: the turn sent meanwhile
    is answered once it is back, and stored once."""
    pool = RasaPool.for_urls(topology.rasa_urls, timeout=120)
    sender = f"outage-{uuid.uuid4().hex[:6]}"
    product = f"Outage{uuid.uuid4().hex[:4]}"
    pool.send(sender, "start", {"language": "en"})
    pool.send(sender, product, {"language": "en"})
    services.stop_postgres()
    restart = threading.Timer(4, services.start_postgres, kwargs={"progress": lambda _: None})
    restart.start()
    try:
        started = time.monotonic()
        answer = pool.send(sender, "B2C", {"language": "en"})
        waited = time.monotonic() - started
    finally:
        restart.join()
    assert waited > 3, "the turn did not meet the outage"
    assert "channels" in " ".join(m.text for m in answer)
    for line in ("website and app", "busy parents", "yes"):
        pool.send(sender, line, {"language": "en"})
    assert _user_turns(database, sender) == [
        "start", product, "B2C", "website and app", "busy parents", "yes",
    ]  # fmt: skip
    with database.connect() as connection:
        business = connection.execute(
            select(InterviewSession.business).where(InterviewSession.product_name == product)
        ).scalars()
        assert list(business) == ["b2c"]


def test_turns_alternate_and_survive_a_killed_rasa_server(
    topology: Topology, database: Engine
) -> None:
    counted = [Counting(RestClient(url, timeout=120)) for url in topology.rasa_urls]
    run = uuid.uuid4().hex[:6]
    people = {f"scale-{run}-{n}": f"Product{n}x{run}" for n in range(CONVERSATIONS)}
    halfway = threading.Event()
    victim = topology.replicas[1].processes["rasa"]

    def kill_when_halfway() -> None:
        halfway.wait(timeout=300)
        time.sleep(0.3)  # turns are in flight on both servers now
        os.killpg(victim.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_halfway)
    killer.start()
    with ThreadPoolExecutor(PARALLEL) as workers:
        futures = {
            sender: workers.submit(_converse, RasaPool(counted), sender, product, halfway)
            for sender, product in people.items()
        }
        answers = {sender: future.result() for sender, future in futures.items()}
    killer.join()
    assert victim.poll() is not None, "the second Rasa server was not killed"

    # Every turn was answered, and both servers answered turns of every conversation.
    for sender, replies in answers.items():
        assert all(replies), f"{sender} got no answer to some turn"
        assert all(counter.answered[sender] for counter in counted), sender
    # The survivor answered everything after the kill, so the dead one answered fewer.
    assert sum(counted[1].answered.values()) < sum(counted[0].answered.values())

    # The tracker store holds each turn once, in order: none lost, none twice.
    for sender, product in people.items():
        expected = [line.format(product=product) for line in SCRIPT]
        assert _user_turns(database, sender) == expected, sender

    # Every answer stored once: one workspace, one session with its context, and each
    # team-knowledge answer as one evidence item.
    with database.connect() as connection:
        for sender, product in people.items():
            sessions = connection.execute(
                select(InterviewSession).where(InterviewSession.product_name == product)
            ).all()
            assert len(sessions) == 1, (sender, sessions)
            workspaces = connection.execute(
                select(Workspace.id).where(Workspace.id == sessions[0].workspace_id)
            ).all()
            assert len(workspaces) == 1
            stories = connection.execute(
                select(EvidenceItem.text).where(
                    EvidenceItem.session_id == sessions[0].id, EvidenceItem.text != ""
                )
            ).scalars()
            assert sorted(Counter(stories).items()) == [
                (f"A mum got a birthday coupon for {product} and ordered the same day", 1),
                ("Pushy retargeting ads annoyed people", 1),
            ], sender
