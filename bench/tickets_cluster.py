"""Many exports, one process against a local Dask cluster: `mot tickets analyze FOLDER`'s two ways.

Writes `--files` Zendesk-style CSVs of `--tickets` tickets each, drawn from the
labelled corpus (bench/data/corpus: 26 industries, English and German), then
reads and classifies all of them twice: in this process, file by file (what
`mot` does below `bot.ticket_cluster.CLUSTER_FROM_BYTES`), and on a
`LocalCluster` of one worker process per core started for the run (what it
does above). Each figure counts once what `mot` pays before the first ticket:
loading the model, or starting the cluster and loading the model in each
worker. Runs each way `--repeat` times in turns and keeps the best (other work
on the machine slows both), checks both give the same analysis, prints
progress, then one JSON line: tickets_per_s of each (and per CPU-second), the
cluster's start, and the load average before and after.

    .venv/bin/python bench/tickets_cluster.py [--files 20] [--tickets 5000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import ticket_cluster  # noqa: E402
from bot.core.tickets import classify_batch  # noqa: E402

CORPUS = ROOT / "bench" / "data" / "corpus"
WARM_UP = [("0", "Where is my parcel?")]


def corpus_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(CORPUS.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    return texts


def generate(folder: Path, files: int, tickets: int) -> list[Path]:
    """Zendesk-like exports: id, subject, description, status, requester, created."""
    rng = random.Random(14)
    texts = corpus_texts()
    paths = []
    for number in range(files):
        path = folder / f"export_{number:02d}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["Ticket ID", "Subject", "Description", "Status", "Requester", "Created"]
            )
            for index in range(tickets):
                ticket_id = 100_000 * (number + 1) + index
                writer.writerow([ticket_id, "Customer request", rng.choice(texts), "solved",
                                 f"customer{index}@example.com", "2026-03-01 10:00"])  # fmt: skip
        paths.append(path)
    return paths


def worker_cpu(client: Any) -> float:
    """CPU seconds the cluster's worker processes have used so far."""
    return float(sum(client.run(time.process_time).values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=5_000, help="tickets per file")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, taken in turns")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    single: list[float] = []
    cluster: list[float] = []
    single_cpu: list[float] = []
    cluster_cpu: list[float] = []  # this process's and the workers'
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Writing {args.files} x {args.tickets} tickets ...", file=sys.stderr, flush=True)
        files = generate(Path(tmp), args.files, args.tickets)
        size_mb = sum(path.stat().st_size for path in files) / 1e6
        # What `mot` pays before the first ticket: loading the model here, or starting
        # the cluster and loading the model in each worker. Counted once in each figure.
        started = time.perf_counter()
        classify_batch(WARM_UP)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        with ticket_cluster.local_cluster() as client:
            client.run(classify_batch, WARM_UP)
            ready_s = time.perf_counter() - started
            workers = len(client.nthreads())  # type: ignore[no-untyped-call]
            for run in range(args.repeat):
                print(f"Run {run + 1}: one process, {size_mb:.1f} MB ...", file=sys.stderr)
                started, cpu = time.perf_counter(), time.process_time()
                alone = ticket_cluster.analyze_in_process(files)
                single.append(time.perf_counter() - started)
                single_cpu.append(time.process_time() - cpu)
                print(f"Run {run + 1}: local Dask cluster ...", file=sys.stderr, flush=True)
                workers_cpu = worker_cpu(client)
                started, cpu = time.perf_counter(), time.process_time()
                on_cluster = ticket_cluster.analyze_on(client, files)
                cluster.append(time.perf_counter() - started)
                cluster_cpu.append(time.process_time() - cpu + worker_cpu(client) - workers_cpu)
    tickets = len(alone.analysis.tickets)
    same = on_cluster == alone
    single_s, cluster_s = min(single) + load_s, min(cluster) + ready_s
    print(
        f"{tickets} tickets: one process {single_s:.1f} s, cluster of {workers} "
        f"{cluster_s:.1f} s ({ready_s:.1f} s of it starting); same result: {same}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "tickets_cluster",
                "files": args.files,
                "tickets": tickets,
                "mb": round(size_mb, 1),
                "cpus": os.cpu_count(),
                "single_process_s": round(single_s, 2),  # the best run plus loading the model
                "single_process_tickets_per_s": round(tickets / single_s),
                "cluster_workers": workers,
                "model_load_s": round(load_s, 2),
                "cluster_start_s": round(ready_s, 2),  # with the model loaded in each worker
                "cluster_s": round(cluster_s, 2),  # the best run plus the start
                "cluster_tickets_per_s": round(tickets / cluster_s),
                "speed_up": round(single_s / cluster_s, 2),
                # Per CPU-second: what the figures would be with the cores to ourselves.
                "single_process_tickets_per_cpu_s": round(tickets / min(single_cpu)),
                "cluster_tickets_per_cpu_s": round(tickets / min(cluster_cpu)),
                "runs": {"single_s": [round(t, 2) for t in single],
                         "cluster_s": [round(t, 2) for t in cluster]},
                "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                "same_result": same,
            }
        )
    )  # fmt: skip
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
