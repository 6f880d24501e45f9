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
from pathlib import Path

from stack import (
    INTERVIEW,
    ROOT,
    drive,
    log,
    percentile,
    scratch_stack,
    stored_user_turns,
)

from bot.rasa_supervisor import QUIET_RASA_ENV, free_port, rasa_bin, wait_for_http

STOCK_SCRIPT = ["hello", "I am sad", "yes", "great", "bye", "hi", "I am happy", "bye"]


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


def measure_stock(conversations: int, concurrency: int) -> tuple[float, int]:
    """The stock bot's turns per second (and errors) under the same load."""
    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
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
            f"http://127.0.0.1:{port}", STOCK_SCRIPT, conversations, concurrency, "stock"
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    return len(STOCK_SCRIPT) * conversations / stock_seconds, stock_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--conversations", type=int, default=12)
    args = parser.parse_args()

    with scratch_stack() as (stack, url):
        log("One participant, for the single-user latency ...")
        single, _, _, _ = drive(stack.rasa_url, INTERVIEW, 2, 1, "single")
        log(f"{args.concurrency} participants, {args.conversations} conversations ...")
        latencies, errors, senders, seconds = drive(
            stack.rasa_url, INTERVIEW, args.conversations, args.concurrency, "load"
        )
        stack.stop()
        stored = sum(stored_user_turns(url, senders).values())

    stock_throughput, stock_errors = measure_stock(args.conversations, args.concurrency)

    turns = len(latencies)
    throughput = turns / seconds
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
