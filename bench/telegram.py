"""Latency and throughput of the Telegram adapter, through a Bot API emulator.

Simulated Telegram users (each in a private chat) walk through the product
set-up at the same time. Every message goes emulator -> `mot telegram` ->
Rasa -> action server -> SQLite and back; the figure is the time from the
update being queued to the bot's first reply in that chat, compared with the
same turns sent straight to Rasa's REST channel (the adapter's overhead).
Each user pauses 0.3 s between messages, which `turns_per_s` includes.
Prints progress, then one JSON line with the figures.

    .venv/bin/python bench/telegram.py [--users 6]
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.rasa_supervisor import Ports, Stack, ensure_model, free_port  # noqa: E402
from bot.storage.db import upgrade  # noqa: E402
from tests.e2e.bot_api import BotApiEmulator, TgUser  # noqa: E402

SCRIPT = ["/start", "let's start", "ParcelPal", "B2C", "website and app", "busy parents"]
REST_SCRIPT = ["hello", "let's start", "ParcelPal", "B2C", "website and app", "busy parents"]
TOKEN = "100:bench-token"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def through_telegram(api: BotApiEmulator, users: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def one(number: int) -> None:
        user = TgUser(900_000 + number, f"User{number}")
        for said in SCRIPT:
            mark = len(api.sent)
            started = time.perf_counter()
            api.send_text(user, said)
            api.wait_for(lambda sent, m=mark: any(s.chat_id == user.id for s in sent[m:]), 120)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)  # the rest of a multi-message answer arrives meanwhile

    started = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        list(pool.map(one, range(users)))
    return latencies, time.perf_counter() - started


def straight_to_rasa(rasa_url: str, users: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def one(number: int) -> None:
        with httpx.Client(timeout=60) as client:
            for said in REST_SCRIPT:
                started = time.perf_counter()
                client.post(
                    rasa_url + "/webhooks/rest/webhook",
                    json={"sender": f"rest:{number}:{number}", "message": said},
                ).raise_for_status()
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(0.3)

    with ThreadPoolExecutor(users) as pool:
        list(pool.map(one, range(users)))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=6)
    args = parser.parse_args()

    model = ensure_model(ROOT, log)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url, ROOT)
        env = {"UPLOADS_DIR": f"{tmp}/uploads"}
        stack = Stack(ROOT, {"en": model}, url, Ports(free_port(), free_port()), Path(tmp), env)
        api = BotApiEmulator(TOKEN)
        api.start()
        stack.start(log)
        adapter = None
        try:
            adapter_env = {**os.environ, **env, "TELEGRAM_BOT_TOKEN": TOKEN,
                           "TELEGRAM_API_BASE_URL": api.base_url,
                           "RASA_URL": stack.rasa_url, "DATABASE_URL": url}  # fmt: skip
            adapter = subprocess.Popen(
                [str(Path(sys.executable).parent / "mot"), "telegram"],
                env=adapter_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            api.wait_for(lambda _: "setMyCommands" in api.calls, 60)
            log(f"{args.users} Telegram users walk through the set-up ...")
            via_telegram, seconds = through_telegram(api, args.users)
            adapter_rss = rss_mb(adapter.pid)
            log("The same turns straight to Rasa's REST channel ...")
            direct = straight_to_rasa(stack.rasa_url, args.users)
        finally:
            if adapter is not None:
                adapter.terminate()
                adapter.wait(30)
            stack.stop()
            api.stop()
    figures = {
        "users": args.users,
        "turns": len(via_telegram),
        "p50_ms": round(statistics.median(via_telegram)),
        "p95_ms": round(percentile(via_telegram, 0.95)),
        "rest_p50_ms": round(statistics.median(direct)),
        "rest_p95_ms": round(percentile(direct, 0.95)),
        "adapter_overhead_p50_ms": round(
            statistics.median(via_telegram) - statistics.median(direct)
        ),
        "turns_per_s": round(len(via_telegram) / seconds, 2),
        "adapter_rss_mb": round(adapter_rss, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
