"""Ticket analysis throughput: 100,000 generated helpdesk tickets, analysed like the CLI does.

Generates a Zendesk-style CSV (English and German, all six moments), then
reads, classifies and aggregates it with the same service the CLI uses.
Prints progress, then one JSON line: tickets_per_s and peak_rss_mb.

    .venv/bin/python bench/tickets.py [--tickets 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.exports import analyze_helpdesk_export  # noqa: E402

TEMPLATES = [
    "Where is my order {n}? I paid {d} days ago and the parcel has still not arrived.",
    "The courier left the package at the neighbour's without telling me, order {n}.",
    "Tracking number for order {n} doesn't work, the carrier says unknown.",
    "The {item} broke after {d} days, poor quality. I want a refund.",
    "Your support agent was rude when I called about order {n}.",
    "How do I set up the {item}? The manual is missing.",
    "The product page says the {item} is waterproof but it isn't.",
    "Too expensive: the price at checkout was higher than on the product page.",
    "I read the reviews on Trustpilot before ordering the {item}, are the complaints true?",
    "I'll leave a one-star review and tell all my friends about order {n}.",
    "Thanks, the team was super helpful with my {item}!",
    "Please stop sending me your newsletter every day.",
    "Wo bleibt meine Bestellung {n}? Das Paket ist seit {d} Tagen nicht angekommen.",
    "Der {item} ist nach {d} Tagen kaputt, schlechte Qualität.",
    "Die Mitarbeiterin an der Hotline war unfreundlich.",
    "Ich habe Sie allen Freunden empfohlen, danke!",
]
ITEMS = ["kettle", "lamp", "jacket", "blender", "sofa cover", "router", "Mixer", "Rucksack"]


def generate(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ticket ID", "Subject", "Description", "Status"])
        for index in range(count):
            text = rng.choice(TEMPLATES).format(
                n=10_000 + index, d=rng.randint(2, 30), item=rng.choice(ITEMS)
            )
            writer.writerow([10_000 + index, "Customer request", text, "solved"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.csv"
        print(f"Generating {args.tickets} tickets ...", file=sys.stderr, flush=True)
        generate(path, args.tickets)
        size_mb = path.stat().st_size / 1e6
        print(f"Analysing {size_mb:.1f} MB ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        analysis = analyze_helpdesk_export(path)
        seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"{len(analysis.tickets)} tickets in {seconds:.2f} s; hardest: "
        f"{', '.join(m.value for m in analysis.hardest()[:3])}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "tickets",
                "tickets": len(analysis.tickets),
                "file_mb": round(size_mb, 1),
                "seconds": round(seconds, 2),
                "tickets_per_s": round(len(analysis.tickets) / seconds),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "worker_peak_rss_mb": round(workers_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
