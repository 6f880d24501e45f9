"""Conversation turns per second through the full stack, against the stock Rasa bot.

Simulated participants walk through the product-context interview over the
REST channel (Rasa server, action server, SQLite). In the same run the stock
bot that `rasa init` creates answers the same number of turns under the same
concurrency. Prints progress, then one JSON line with the figures.

    .venv/bin/python bench/turns.py [--concurrency 4] [--conversations 12]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.rasa_supervisor import (  # noqa: E402
    QUIET_RASA_ENV,
    Ports,
    Stack,
    ensure_model,
    free_port,
    rasa_bin,
    wait_for_http,
)
from bot.storage.db import make_db_engine, upgrade  # noqa: E402

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
STOCK_SCRIPT = ["hello", "I am sad", "yes", "great", "bye", "hi", "I am happy", "bye"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def drive(
    url: str, script: list[str], conversations: int, concurrency: int, prefix: str
) -> tuple[list[float], int, list[str], float]:
    """Run `conversations` scripted conversations; latencies in ms, errors, senders, seconds."""
    latencies: list[float] = []
    errors = 0
    senders: list[str] = []
    lock = threading.Lock()
    webhook = url + "/webhooks/rest/webhook"

    def one(_: int) -> None:
        nonlocal errors
        sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
        with httpx.Client(timeout=60) as client:
            for message in script:
                started = time.perf_counter()
                try:
                    response = client.post(webhook, json={"sender": sender, "message": message})
                    ok = response.status_code == 200 and bool(response.json())
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1
        with lock:
            senders.append(sender)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(conversations)))
    return latencies, errors, senders, time.perf_counter() - started


def stock_bot(workdir: Path) -> Path:
    """The `rasa init` project and its trained model (trained once, kept under var/)."""
    project = workdir / "stock"
    models = sorted((project / "models").glob("*.tar.gz")) if project.exists() else []
    if models:
        return models[-1]
    project.mkdir(parents=True, exist_ok=True)
    log("Creating and training the stock `rasa init` bot (about 90 s, once) ...")
    subprocess.run(
        [str(rasa_bin(ROOT)), "init", "--no-prompt", "--init-dir", str(project)],
        check=True,
        cwd=project,
        env={**os.environ, **QUIET_RASA_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return sorted((project / "models").glob("*.tar.gz"))[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--conversations", type=int, default=12)
    args = parser.parse_args()

    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    model = ensure_model(ROOT, log)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url, ROOT)
        stack = Stack(ROOT, {"en": model}, url, Ports(free_port(), free_port()), run_dir=Path(tmp))
        stack.start(log)
        try:
            log("One participant, for the single-user latency ...")
            single, _, _, _ = drive(stack.rasa_url, INTERVIEW, 2, 1, "single")
            log(f"{args.concurrency} participants, {args.conversations} conversations ...")
            latencies, errors, senders, seconds = drive(
                stack.rasa_url, INTERVIEW, args.conversations, args.concurrency, "load"
            )
        finally:
            stack.stop()
        db_engine = make_db_engine(url)
        with db_engine.connect() as connection:
            stored = sum(
                connection.execute(
                    text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
                    {"s": sender},
                ).scalar()
                or 0
                for sender in senders
            )
        db_engine.dispose()

    stock_model = stock_bot(workdir)
    port = free_port()
    log("Starting the stock bot ...")
    process = subprocess.Popen(
        [
            str(rasa_bin(ROOT)),
            "run",
            "--model",
            str(stock_model),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
        ],
        cwd=workdir / "stock",
        env={**os.environ, **QUIET_RASA_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", lambda: process.poll() is None, 240)
        log("Same load on the stock bot ...")
        _, stock_errors, _, stock_seconds = drive(
            f"http://127.0.0.1:{port}", STOCK_SCRIPT, args.conversations, args.concurrency, "stock"
        )
    finally:
        process.terminate()
        process.wait(timeout=30)

    turns = len(latencies)
    throughput = turns / seconds
    stock_throughput = len(STOCK_SCRIPT) * args.conversations / stock_seconds
    print(
        json.dumps(
            {
                "bench": "turns",
                "concurrency": args.concurrency,
                "turns": turns,
                "throughput_per_s": round(throughput, 2),
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "p95_single_ms": round(percentile(single, 0.95), 1),
                "errors": errors,
                "lost_answers": turns - stored,
                "stock_throughput_per_s": round(stock_throughput, 2),
                "stock_errors": stock_errors,
                "ratio": round(throughput / stock_throughput, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
