"""Train the shipped ticket model (bot/core/models/tickets.json.gz) from bench/data/.

    .venv/bin/python scripts/train_ticket_model.py [--if-changed]

With --if-changed it does nothing when the model's stamp (the hash of the
corpus and the training code) is the current one, so `make` can call it on
every run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.ticket_model import MODEL_PATH  # noqa: E402
from bot.core.ticket_training import corpus_hash, train  # noqa: E402


def current_stamp() -> str | None:
    try:
        return str(json.loads(gzip.decompress(MODEL_PATH.read_bytes()))["meta"]["corpus_hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-changed", action="store_true")
    args = parser.parse_args()
    if args.if_changed and current_stamp() == corpus_hash():
        return
    started = time.perf_counter()
    print(">> training the ticket model (bench/data/corpus) ...", file=sys.stderr, flush=True)
    artifact = train()
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(artifact, separators=(",", ":"), sort_keys=True)
    # mtime 0: the same corpus gives the same bytes.
    MODEL_PATH.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    meta = artifact["meta"]
    print(
        f"   {meta['tickets']} tickets, {len(meta['industries'])} industries, "
        f"{len(artifact['words']) + len(artifact['chars'])} n-grams, "
        f"{MODEL_PATH.stat().st_size / 1e6:.2f} MB compressed, "
        f"temperatures {artifact['mot_temperature']} / {artifact['sentiment_temperature']}, "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
