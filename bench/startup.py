"""What serving German beside English costs: startup time and memory of the stack.

Starts the stack `make run` starts (the action server and one Rasa server per
language) on a scratch SQLite file, once with English alone and once with English
and German, and prints the seconds until every server answers and the resident
memory (RSS) of each process once they do. Models are trained first if missing
(not timed). Prints progress, then one JSON line with the figures.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.rasa_supervisor import Ports, Stack, ensure_models, free_port  # noqa: E402
from bot.storage.db import upgrade  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total_kb = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if int(fields.get("Pid", "0")) == pid or int(fields.get("PPid", "0").strip()) == pid:
            total_kb += int(fields.get("VmRSS", "0 kB").split()[0])
    return round(total_kb / 1024, 1)


@dataclass
class Measured:
    languages: list[str]
    seconds_to_ready: float
    rss_mb: dict[str, float]

    @property
    def rss_mb_total(self) -> float:
        return round(sum(self.rss_mb.values()), 1)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rss_mb_total": self.rss_mb_total}


def measure(languages: tuple[str, ...], models: dict[str, Path]) -> Measured:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url, ROOT)
        ports = Ports(free_port(), free_port(), {lang: free_port() for lang in languages[1:]})
        chosen = {lang: models[lang] for lang in languages}
        stack = Stack(ROOT, chosen, url, ports, run_dir=Path(tmp))
        started = time.monotonic()
        stack.start(log)
        seconds = round(time.monotonic() - started, 1)
        try:
            memory = {name: rss_mb(process.pid) for name, process in stack.processes.items()}
        finally:
            stack.stop()
    return Measured(list(languages), seconds, memory)


def main() -> None:
    models = ensure_models(ROOT, ("en", "de"), log)
    english = measure(("en",), models)
    log(json.dumps(english.as_dict()))
    both = measure(("en", "de"), models)
    log(json.dumps(both.as_dict()))
    figures = {
        "english_only": english.as_dict(),
        "english_and_german": both.as_dict(),
        "added_seconds": round(both.seconds_to_ready - english.seconds_to_ready, 1),
        "added_rss_mb": round(both.rss_mb_total - english.rss_mb_total, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
