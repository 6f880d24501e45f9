"""Soak: many participants for minutes through the full stack, watching errors, losses, memory.

Each participant talks to the stack `make run` starts (Rasa server, action
server, SQLite; the same one `bench/turns.py` measures) over the REST channel,
back to back: it starts an interview under a new sender id, goes through the
product context and one of four realistic paths through the methods, then starts
over as a new conversation until time is up. Every 30 s it prints turns, turns/s,
latency and the resident memory (VmRSS, children included) of each Rasa server,
the action server and this driver, so a leak shows as a rising column. At the end
it checks that everything the participants said reached the database (Rasa's
tracker store and our own tables), and prints one JSON line with the figures.

    .venv/bin/python bench/soak.py [--participants 50] [--minutes 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session
from stack import (
    cpu_seconds,
    log,
    percentile,
    rss_mb,
    scratch_stack,
    send,
    stored_user_turns,
)

from bot.core.texts import text as say
from bot.storage.db import make_db_engine
from bot.storage.models import EvidenceItem, InterviewSession, SurveyAnswer, Workspace

CODE = re.compile(r"\bsurvey ([0-9a-f]{8})\b")
SURVEY_ANSWERED = "@survey"  # a `stored` mark: the customer's scores are in the survey's table
# What the bot says when the action server could not save an answer: a failure, not a reply.
NOT_SAVED = say("storage_error")
PRODUCTS = ["ParcelPal", "Kitchenly", "Radhaus", "GreenLeaf", "TinyTutor", "Fixly", "Bookwise"]


@dataclass(frozen=True)
class Step:
    """One message of a conversation: who sends it, and what must be stored once it is answered.

    `say` may name `{product}` (this conversation's product) and `{code}` (the survey code
    the bot gave earlier). `stored` holds texts that must then be found in the team's
    findings (`{product}` the product name), or SURVEY_ANSWERED.
    """

    say: str
    customer: bool = False
    stored: tuple[str, ...] = ()


def steps(*items: str | Step) -> list[Step]:
    return [item if isinstance(item, Step) else Step(item) for item in items]


CONTEXT_B2C = steps("hello", "let's start", "{product}", "B2C", "website, app and phone")
# Four paths through the methods, as teams take them; each starts with the product context.
PATHS: dict[str, list[Step]] = {
    "team": [
        *CONTEXT_B2C,
        *steps("busy parents in cities"),
        Step("yes", stored=("{product}",)),
        *steps(
            "live", "let's start with team knowledge", "yes", "Instagram ads and friends' posts"
        ),
        *steps("A mum got a birthday coupon and ordered the same day"),
        *steps("Pushy retargeting ads annoyed people", "good", "yes"),
        Step("2", stored=("A mum got a birthday coupon", "Pushy retargeting ads annoyed people")),
        *steps("where are we", "what is a ZMOT", "Search results and review sites"),
        *steps("A five star review convinced a dad", "A bad review about lost parcels", "4"),
        Step("3", stored=("A bad review about lost parcels",)),
        *steps("skip", "skip", "skip", "what have we found so far", "pause"),
    ],
    "competitor": [
        *steps("hi", "start", "{product}", "we sell to businesses", "sales team and website"),
        *steps("small bike shops"),
        Step("yes", stored=("{product}",)),
        *steps("still planning", "competitor walk-through", "GreenPan Box", "3", "3"),
        *steps("Their ads show real parents", "Show real parents in our ads", "4", "2"),
        *steps("pause", "resume", "They answer every review within a day"),
        Step("Answer reviews faster", stored=("GreenPan Box", "Their ads show real parents")),
        *steps("skip", "skip", "A manager answers bad reviews with a fix", "Answer every review"),
    ],
    "records_and_survey": [
        *steps("hello", "let's start", "{product}", "B2C", "app", "home cooks"),
        Step("yes", stored=("{product}",)),
        *steps("live", "service records", "no", "Late deliveries"),
        *steps("Friendly support on the phone"),
        Step("when the parcel arrives", stored=("Late deliveries",)),
        *steps("where are we", "customer survey"),
        *steps(Step("survey {code}", customer=True), Step("9", customer=True)),
        *steps(Step("4", customer=True), Step("Fast delivery", customer=True)),
        Step("The box was crushed", customer=True, stored=(SURVEY_ANSWERED,)),
        *steps("skip", "what have we found so far", "send me the report"),
    ],
    "planning_with_detours": [
        *steps("hi there", "how does this work?", "start", "{product}", "B2B"),
        *steps("sales team and website", "small bike shops"),
        Step("yes", stored=("{product}",)),
        *steps("still planning", "team knowledge", "no", "LinkedIn posts", "go back"),
        *steps("LinkedIn posts and trade fairs", "A shop owner found us through a colleague"),
        *steps("Our ads never reach the owners", "5"),
        Step("2", stored=("A shop owner found us through a colleague",)),
        *steps("skip", "skip", "skip", "skip", "skip", "where are we", "pause", "resume", "skip"),
    ],
}


@dataclass
class Soak:
    """What the participants did, shared by their threads (under `lock`)."""

    url: str
    deadline: float
    pause: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: array[float] = field(default_factory=lambda: array("d"))  # each turn's ms
    errors: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)  # messages per sender
    expected: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    reference: dict[tuple[str, int], str] = field(default_factory=dict)
    diverged: list[str] = field(default_factory=list)
    conversations: Counter[str] = field(default_factory=Counter)

    def participant(self, index: int, seed: int) -> None:
        """Conversation after conversation, each under new sender ids, until the deadline."""
        rng = random.Random(seed * 1000 + index)
        number = 0
        with httpx.Client(timeout=120) as client:
            while time.monotonic() < self.deadline:
                path = rng.choice(sorted(PATHS))
                self.conversation(client, f"soak-{index}-{number}", path, rng.choice(PRODUCTS))
                number += 1

    def conversation(self, client: httpx.Client, team: str, path: str, product: str) -> None:
        code: str | None = None
        finished = True
        for position, step in enumerate(PATHS[path]):
            if time.monotonic() >= self.deadline:
                finished = False
                break
            if self.pause:
                time.sleep(self.pause)
            sender = f"{team}-customer" if step.customer else team
            if "{code}" in step.say and code is None:
                with self.lock:
                    self.errors.append(f"{team}: no survey code to answer with")
                finished = False
                break
            message = step.say.format(product=product, code=code)
            turn = send(client, self.url, sender, message)
            said = "\n".join(turn.texts)
            found = CODE.search(said)
            code = found.group(1) if found and code is None else code
            # The same path answers the same, whatever the load: only names and codes differ.
            seen = CODE.sub("survey <code>", said).replace(product, "<product>")
            seen = re.sub(r"\b[0-9a-f]{8}\b", "<code>", seen)
            with self.lock:
                self.done.append(turn.ms)
                self.sent[sender] += 1
                if not turn.ok:
                    self.errors.append(f"{sender}: no answer to {message!r}")
                elif NOT_SAVED in said:
                    self.errors.append(f"{sender}: not saved: {message!r}")
                expected = self.reference.setdefault((path, position), seen)
                if expected != seen:
                    self.diverged.append(
                        f"{path} step {position} {message!r}: {seen!r} instead of {expected!r}"
                    )
                if turn.ok:
                    for what in step.stored:
                        self.expected.append((team, what.format(product=product), path, code))
        if finished:
            with self.lock:
                self.conversations[path] += 1


def missing_findings(
    database_url: str, expected: list[tuple[str, str, str, str | None]]
) -> list[str]:
    """Answers that were confirmed in the chat but are not in our tables."""
    teams = sorted({team for team, _, _, _ in expected})
    db_engine = make_db_engine(database_url)
    stored: dict[str, str] = {}
    answered: Counter[str] = Counter()
    try:
        with Session(db_engine) as db:
            rows = db.execute(
                select(Workspace.key, InterviewSession.product_name, EvidenceItem)
                .join(InterviewSession, InterviewSession.workspace_id == Workspace.id)
                .outerjoin(EvidenceItem, EvidenceItem.session_id == InterviewSession.id)
                .where(Workspace.key.in_(teams))
            ).all()
            for key, product, item in rows:
                found = [product or ""]
                if item is not None:
                    found += [item.text or "", item.touchpoint or "", json.dumps(item.details)]
                stored[key] = stored.get(key, "") + "\n" + "\n".join(found).lower()
            answered.update(db.scalars(select(SurveyAnswer.survey_code)).all())
    finally:
        db_engine.dispose()
    missing = []
    for team, what, path, code in expected:
        if what == SURVEY_ANSWERED:
            if not code or not answered[code]:
                missing.append(f"{team} ({path}): no survey answer for {code}")
        elif what.lower() not in stored.get(team, ""):
            missing.append(f"{team} ({path}): {what!r} not stored")
    return missing


def log_errors(logs: Path) -> list[str]:
    """Tracebacks and ERROR lines the servers logged during the soak."""
    found = []
    for path in sorted(logs.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if "Traceback" in line or " ERROR " in line or line.startswith("ERROR"):
                found.append(f"{path.name}: {line.strip()[:200]}")
    return found


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares growth in MB per minute: a leak's trend, less noisy than end minus start."""
    if len(points) < 2:
        return 0.0
    xs = [x / 60 for x, _ in points]
    ys = [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / (spread or 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--sample-every", type=float, default=30, help="seconds between samples")
    parser.add_argument("--pause", type=float, default=0, help="seconds between one's messages")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with scratch_stack() as (stack, url):
        pids = {name: process.pid for name, process in stack.processes.items()}

        def memory() -> dict[str, float]:
            sizes = {name: rss_mb(pid) for name, pid in pids.items()}
            return {**sizes, "driver": rss_mb(os.getpid(), children=False)}

        def cpu() -> dict[str, float]:
            used = {name: cpu_seconds(pid) for name, pid in pids.items()}
            return {**used, "driver": cpu_seconds(os.getpid(), children=False)}

        ready = memory()
        log(f"RSS at ready (MB): {ready}")
        started = time.monotonic()
        soak = Soak(stack.rasa_url, started + args.minutes * 60, args.pause)
        threads = [
            threading.Thread(target=soak.participant, args=(i, args.seed), daemon=True)
            for i in range(args.participants)
        ]
        log(f"{args.participants} participants for {args.minutes:g} min ...")
        cpu_before = cpu()
        for thread in threads:
            thread.start()
        samples: list[tuple[float, dict[str, float]]] = []
        cpu_samples: list[tuple[float, dict[str, float]]] = []
        counted, last, used_before = 0, 0.0, cpu_before

        def sample(now: float) -> None:
            """One line of the trend: turns, turns/s, p95, CPU per turn and RSS of each process."""
            nonlocal counted, last, used_before
            sizes, used = memory(), cpu()
            with soak.lock:
                recent = list(soak.done[counted:])
                counted, errors = len(soak.done), len(soak.errors)
            per_turn = {
                name: round((used[name] - used_before[name]) * 1000 / max(1, len(recent)), 1)
                for name in used
            }
            samples.append((round(now), sizes))
            cpu_samples.append((round(now), per_turn))
            p95 = f"{percentile(recent, 0.95):5.0f}" if recent else "    -"
            log(
                f"{now:5.0f} s  turns {counted:6d}  {len(recent) / (now - last):5.1f}/s  "
                f"p95 {p95} ms  errors {errors}  RSS MB "
                + " ".join(f"{name} {size:.1f}" for name, size in sizes.items())
                + "  CPU ms/turn "
                + " ".join(f"{name} {ms:.0f}" for name, ms in per_turn.items())
            )
            last, used_before = now, used

        while (now := time.monotonic() - started) < args.minutes * 60:
            time.sleep(min(0.5, max(0.0, (len(samples) + 1) * args.sample_every - now)))
            now = time.monotonic() - started
            if now >= (len(samples) + 1) * args.sample_every:
                sample(now)
        for thread in threads:  # each stops after its turn in flight
            thread.join()
        elapsed = time.monotonic() - started
        if elapsed - last >= 1:
            sample(elapsed)
        end = samples[-1][1] if samples else memory()
        cpu_total = {
            name: round((seconds - cpu_before[name]) * 1000 / max(1, len(soak.done)), 1)
            for name, seconds in cpu().items()
        }
        stack.stop()
        lost_messages = sum(
            max(0, soak.sent[sender] - stored)
            for sender, stored in stored_user_turns(url, list(soak.sent)).items()
        )
        missing = missing_findings(url, soak.expected)
        server_errors = log_errors(stack.logs)

    latencies = list(soak.done)
    for problem in [*soak.errors[:5], *soak.diverged[:5], *missing[:5], *server_errors[:10]]:
        log(f"  ! {problem}")
    # The first sample, after the first interval of load, is the start: from ready to
    # loaded every process grows once (buffers, caches, lazily loaded code), which is no leak.
    start = samples[0][1] if samples else ready
    names = list(end)
    print(
        json.dumps(
            {
                "bench": "soak",
                "participants": args.participants,
                "seconds": round(elapsed),
                "turns": len(latencies),
                "conversations": dict(soak.conversations),
                "throughput_per_s": round(len(latencies) / elapsed, 2),
                "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
                "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
                "errors": len(soak.errors),
                "lost_answers": lost_messages + len(missing),
                "lost_messages": lost_messages,
                "lost_findings": len(missing),
                "messages_checked": sum(soak.sent.values()),
                "answers_checked": len(soak.expected),
                "diverged_turns": len(soak.diverged),
                "server_log_errors": len(server_errors),
                "rss_ready_mb": ready,
                "rss_start_mb": start,
                "rss_end_mb": end,
                "rss_growth_mb": {n: round(end[n] - start[n], 1) for n in names},
                "rss_slope_mb_per_min": {
                    n: round(slope_per_minute([(s, sizes[n]) for s, sizes in samples]), 2)
                    for n in names
                },
                "rss_samples_mb": [{"s": s, **sizes} for s, sizes in samples],
                "cpu_ms_per_turn": cpu_total,
                "cpu_ms_per_turn_samples": [{"s": s, **ms} for s, ms in cpu_samples],
            }
        )
    )


if __name__ == "__main__":
    main()
