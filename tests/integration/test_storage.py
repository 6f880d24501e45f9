"""Migrations and the shared SQLite file."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage.db import include_name, make_engine, upgrade
from bot.storage.models import Base


def test_migrations_create_every_table_and_switch_to_wal(
    tmp_path: Path, project_root: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    engine = make_engine(url)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert {"workspaces", "participants", "interview_sessions", "evidence_items"} <= tables
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    engine.dispose()


def test_upgrade_twice_is_harmless(tmp_path: Path, project_root: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO workspaces (key, created_at) VALUES ('t', '2026-01-01')")
        )
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    upgrade(url, project_root)  # a second `make run` on the same file
    with engine.connect() as connection:
        assert connection.execute(text("SELECT key FROM workspaces")).scalars().all() == ["t"]
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v for (v,) in versions] == [head]
    engine.dispose()


def test_models_and_migrations_agree_and_rasa_events_are_left_alone(
    tmp_path: Path, project_root: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    engine = make_engine(url)
    with engine.begin() as connection:
        # What Rasa's SQLTrackerStore creates in the same file.
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "render_as_batch": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
