"""What the full-stack benchmarks share: the scratch stack, one turn over REST, the checks.

`bench/turns.py` (throughput against the stock bot) and `bench/soak.py` (many
participants for minutes) start the same stack `make run` starts (the action
server and a Rasa server, on a scratch SQLite file) and check the same way that
nothing a participant said was lost, so both figures mean the same thing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.rasa_supervisor import Ports, Stack, ensure_model, free_port  # noqa: E402
from bot.storage.db import make_db_engine, upgrade  # noqa: E402

# One product-context interview: greeting to the confirmed product details.
INTERVIEW = [
    "hello",
    "let's start",
    "ParcelPal",
    "we sell stuff",
    "B2C",
    "website, app and phone",
    "busy parents in cities",
    "yes",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Turn:
    """One message and what came back: the bot's texts, or `ok` False with no texts."""

    ok: bool
    ms: float
    texts: list[str]


def send(client: httpx.Client, rasa_url: str, sender: str, message: str) -> Turn:
    """One message over the REST channel; a turn is ok when Rasa answers 200 with messages."""
    started = time.perf_counter()
    try:
        response = client.post(
            rasa_url + "/webhooks/rest/webhook", json={"sender": sender, "message": message}
        )
        answers = response.json() if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        answers = []
    elapsed = (time.perf_counter() - started) * 1000
    texts = [str(a.get("text") or a.get("custom") or "") for a in answers if isinstance(a, dict)]
    return Turn(bool(answers), elapsed, texts)


def drive(
    url: str, script: list[str], conversations: int, concurrency: int, prefix: str
) -> tuple[list[float], int, list[str], float]:
    """Run `conversations` scripted conversations; latencies in ms, errors, senders, seconds."""

    def conversation() -> Callable[[str, str], bool]:
        client = httpx.Client(timeout=60)
        return lambda sender, message: send(client, url, sender, message).ok

    return drive_with(conversation, script, conversations, concurrency, prefix)


def drive_with(
    conversation: Callable[[], Callable[[str, str], bool]],
    script: list[str],
    conversations: int,
    concurrency: int,
    prefix: str,
) -> tuple[list[float], int, list[str], float]:
    """`drive` over any client: `conversation()` gives one conversation's way to send a
    message (sender, text -> answered?). Latencies in ms, errors, senders, seconds."""
    latencies: list[float] = []
    errors = 0
    senders: list[str] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        nonlocal errors
        sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
        say = conversation()
        for message in script:
            started = time.perf_counter()
            ok = say(sender, message)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                errors += 0 if ok else 1
        with lock:
            senders.append(sender)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(conversations)))
    return latencies, errors, senders, time.perf_counter() - started


@contextmanager
def scratch_stack(env: dict[str, str] | None = None) -> Iterator[tuple[Stack, str]]:
    """The English stack on a fresh SQLite file in a temporary directory, and its URL.

    The database outlives the servers until the block ends, so the caller can
    check what was stored after stopping them (`stack.stop()` is idempotent).
    """
    model = ensure_model(ROOT, log)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url, ROOT)
        stack = Stack(
            ROOT,
            {"en": model},
            url,
            Ports(free_port(), free_port()),
            run_dir=Path(tmp),
            env=env or {},
        )
        stack.start(log)
        try:
            yield stack, url
        finally:
            stack.stop()


def stored_user_turns(database_url: str, senders: list[str]) -> dict[str, int]:
    """How many user messages Rasa's tracker store holds for each sender."""
    db_engine = make_db_engine(database_url)
    try:
        with db_engine.connect() as connection:
            return {
                sender: connection.execute(
                    text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
                    {"s": sender},
                ).scalar()
                or 0
                for sender in senders
            }
    finally:
        db_engine.dispose()


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def _family(pid: int, children: bool) -> set[int]:
    """The process and, with `children`, every process descended from it (from /proc)."""
    family = {pid}
    if not children:
        return family
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _status(int(entry.name))
        if fields:
            parents[int(entry.name)] = int(fields.get("PPid", "0"))
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in family and child not in family:
                family.add(child)
                grew = True
    return family


def rss_mb(pid: int, children: bool = True) -> float:
    """Resident memory (VmRSS) of a process and, with `children`, all its descendants, in MB."""
    family = _family(pid, children)
    total_kb = sum(int((_status(p).get("VmRSS") or "0 kB").split()[0]) for p in family)
    return round(total_kb / 1024, 1)


def cpu_seconds(pid: int, children: bool = True) -> float:
    """CPU time (user and system) a process and its live descendants have used so far."""
    ticks = 0
    for member in _family(pid, children):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
