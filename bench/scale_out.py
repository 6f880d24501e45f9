"""Turns per second on the scale-out topology: PostgreSQL, Redis, N Rasa + action servers.

The same participants and interview as `bench/turns.py`, sent through the adapter's
pool (`RasaPool`: each turn to the next Rasa server, a turn id on every message)
onto the topology `scripts/topology.sh` starts, on a PostgreSQL cluster and a Redis
of its own. With `--stock`, the stock `rasa init` bot answers the same load in the
same run, for the ratio. Prints progress, then one JSON line.

    .venv/bin/python bench/scale_out.py [--replicas 2] [--concurrency 10] \
        [--conversations 40] [--stock]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from stack import INTERVIEW, ROOT, drive_with, log, percentile, stored_user_turns

from bot.adapters.rasa_pool import RasaPool
from bot.adapters.rest import RasaClient, RasaUnavailable, RestClient
from bot.rasa_supervisor import ensure_model, free_port
from bot.topology import Services, Topology


def drive(
    urls: list[str], conversations: int, concurrency: int
) -> tuple[list[float], int, list[str], float]:
    """Scripted conversations through a pool over `urls`: latencies (ms), errors, senders, s."""

    def conversation() -> Callable[[str, str], bool]:
        client: RasaClient = (
            RasaPool.for_urls(urls, timeout=60) if len(urls) > 1 else RestClient(urls[0], 60)
        )

        def say(sender: str, message: str) -> bool:
            try:
                return bool(client.send(sender, message, {"language": "en"}))
            except RasaUnavailable:
                return False

        return say

    return drive_with(conversation, INTERVIEW, conversations, concurrency, "scale")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--stock", action="store_true", help="also the stock bot, for the ratio")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="mot-bench-scale-"))
    services = Services(directory, postgres_port=free_port(), redis_port=free_port())
    services.start(log)
    figures: dict[str, object] = {"bench": "scale_out", "replicas": args.replicas}
    try:
        topology = Topology(ROOT, services, {"en": ensure_model(ROOT, log)})
        topology.start(args.replicas, log)
        try:
            drive(topology.rasa_urls, 1, 1)  # warm: every server has loaded its caches
            log(f"{args.concurrency} participants, {args.conversations} conversations ...")
            latencies, errors, senders, seconds = drive(
                topology.rasa_urls, args.conversations, args.concurrency
            )
        finally:
            topology.stop()
        stored = sum(stored_user_turns(services.database_url, senders).values())
    finally:
        services.stop()
        shutil.rmtree(directory, ignore_errors=True)
    turns = len(latencies)
    figures |= {
        "concurrency": args.concurrency,
        "turns": turns,
        "throughput_per_s": round(turns / seconds, 2),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "errors": errors,
        "lost_answers": turns - stored,
    }
    if args.stock:
        from turns import measure_stock

        stock, stock_errors = measure_stock(args.conversations, args.concurrency)
        figures |= {
            "stock_throughput_per_s": round(stock, 2),
            "stock_errors": stock_errors,
            "ratio": round(turns / seconds / stock, 3),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
