"""Retention: raw uploads and idle conversations go after N days; findings stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot import services
from bot.app import App
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method, Mot
from bot.retention import purge, start_daily

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def old(path: Path, days: float) -> None:
    moment = (NOW - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


def seed(app: App) -> str:
    """A session with findings, two uploads (one old), two conversations (one idle)."""
    session = services.open_session(app.uow, "tg:-5:7", "Ana")
    services.add_evidence(app.uow, session.id, [Evidence(method=Method.TEAM, mot=Mot.AMOT,
                          text="late parcels")], "tg:7", "Ana")  # fmt: skip
    uploads = app.settings.uploads_dir / "-5"
    uploads.mkdir(parents=True)
    (uploads / "old.csv").write_text("id,description\n1,late\n")
    (uploads / "new.csv").write_text("id,description\n1,late\n")
    old(uploads / "old.csv", 200)
    old(uploads / "new.csv", 2)
    with app.db_engine.begin() as connection:  # Rasa's tracker store table, as Rasa makes it
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, "
                                "sender_id TEXT, timestamp FLOAT)"))  # fmt: skip
        rows = [("tg:-5:7", 300), ("tg:-5:7", 200), ("tg:-6:8", 300), ("tg:-6:8", 1)]
        for sender, days in rows:
            connection.execute(
                text("INSERT INTO events (sender_id, timestamp) VALUES (:s, :t)"),
                {"s": sender, "t": (NOW - timedelta(days=days)).timestamp()},
            )
    return session.id


def test_purge_removes_old_uploads_and_idle_conversations_only(app: App) -> None:
    session_id = seed(app)

    done = purge(app, days=30, now=NOW)

    assert (done.uploads, done.rows.conversations, done.rows.conversation_events) == (
        1,
        1,
        2,
    )
    assert sorted(p.name for p in (app.settings.uploads_dir / "-5").iterdir()) == ["new.csv"]
    with app.db_engine.connect() as connection:
        left = connection.execute(text("SELECT DISTINCT sender_id FROM events")).scalars().all()
    assert left == ["tg:-6:8"]  # still active, so kept whole
    assert services.findings(app.uow, session_id).moments  # findings are never purged


def test_the_daily_job_purges_at_start(app: App) -> None:
    seed(app)
    stop = start_daily(app, every_s=3600)
    try:
        deadline = time.monotonic() + 10
        while (app.settings.uploads_dir / "-5" / "old.csv").exists():
            assert time.monotonic() < deadline, "the daily job did not run"
            time.sleep(0.1)
    finally:
        stop.set()


def test_mot_purge_reports_what_it_removed(app: App) -> None:
    seed(app)
    env = {**os.environ, "DATABASE_URL": app.settings.database_url,
           "UPLOADS_DIR": str(app.settings.uploads_dir), "MOT_SECRET_KEY": "t"}  # fmt: skip
    mot = Path(sys.executable).parent / "mot"
    done = subprocess.run([str(mot), "purge", "--days", "30"], env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Removed 1 uploaded files" in done.stdout and "Findings are kept" in done.stdout
    refused = subprocess.run([str(mot), "purge", "--days", "-1"], env=env, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 2 and "days" in refused.stderr
