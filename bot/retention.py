"""Retention: raw uploads and idle conversations are purged after `RETENTION_DAYS`.

`mot purge` runs it once; `mot run` and `mot telegram` run it at start and
then daily in a background thread. Findings stay; raw material does not.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import services
from bot.app import App

log = logging.getLogger(__name__)
DAY_S = 24 * 60 * 60


@dataclass(frozen=True)
class RetentionRun:
    uploads: int
    upload_bytes: int
    rows: services.Purged  # conversations and bookkeeping rows removed from the database


def purge_uploads(folder: Path, older_than: datetime) -> tuple[int, int]:
    """Delete uploaded files last changed before `older_than`, and folders left empty."""
    if not folder.is_dir():
        return 0, 0
    cutoff = older_than.timestamp()
    files = size = 0
    for path in sorted(folder.rglob("*"), reverse=True):  # children before their folders
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                size += path.stat().st_size
                path.unlink()
                files += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        except OSError as error:  # a file removed meanwhile, or not ours to remove
            log.warning("retention: could not remove %s: %s", path.name, error)
    return files, size


def purge(app: App, days: float | None = None, now: datetime | None = None) -> RetentionRun:
    """One retention run: uploads and conversations older than `days` (default: settings)."""
    now = now or datetime.now(UTC)
    older_than = now - timedelta(days=app.settings.retention_days if days is None else days)
    files, size = purge_uploads(app.settings.uploads_dir, older_than)
    return RetentionRun(files, size, services.purge_old_rows(app.uow, older_than, now))


def start_daily(app: App, every_s: float = DAY_S) -> threading.Event:
    """Purge now and then every day in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                done = purge(app)
                log.info(
                    "retention: removed %d uploads, %d idle conversations",
                    done.uploads,
                    done.rows.conversations,
                )
            except Exception:  # the next day tries again; serving goes on
                log.exception("retention run failed")
            stop.wait(every_s)

    threading.Thread(target=loop, name="retention", daemon=True).start()
    return stop
