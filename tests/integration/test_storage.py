"""Migrations, the shared SQLite file, and what the storage promises the services."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot import services
from bot.app import App
from bot.core.errors import StorageError
from bot.core.evidence import Evidence
from bot.core.language import LanguageChoice
from bot.core.taxonomy import Method, Mot
from bot.demo import load_demo
from bot.storage.db import include_name, make_db_engine, upgrade
from bot.storage.models import Base
from tests.fakes import FakeDatabase


def test_migrations_create_every_table_and_switch_to_wal(
    tmp_path: Path, project_root: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    db_engine = make_db_engine(url)
    with db_engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert {"workspaces", "participants", "interview_sessions", "evidence_items"} <= tables
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    db_engine.dispose()


def test_upgrade_twice_is_harmless(tmp_path: Path, project_root: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    db_engine = make_db_engine(url)
    with db_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO workspaces (key, created_at) VALUES ('t', '2026-01-01')")
        )
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    upgrade(url, project_root)  # a second `make run` on the same file
    with db_engine.connect() as connection:
        assert connection.execute(text("SELECT key FROM workspaces")).scalars().all() == ["t"]
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v for (v,) in versions] == [head]
    db_engine.dispose()


def test_models_and_migrations_agree_and_rasa_events_are_left_alone(
    tmp_path: Path, project_root: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    db_engine = make_db_engine(url)
    with db_engine.begin() as connection:
        # What Rasa's SQLTrackerStore creates in the same file.
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "render_as_batch": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    db_engine.dispose()


def test_a_database_error_leaves_the_services_as_a_storage_error(app: App) -> None:
    view = services.open_session(app.uow, "tg:-5:7", "Ana")
    item = Evidence(Method.TEAM, Mot.AMOT, text="late parcels")
    with app.uow() as uow:  # an item for an interview that does not exist fails at commit
        uow.repo.add_evidence("no-such-interview", item)
        with pytest.raises(StorageError) as at_commit:
            uow.commit()
    assert isinstance(at_commit.value.__cause__, IntegrityError)

    with app.db_engine.begin() as connection:
        connection.execute(text("DROP TABLE evidence_items"))
    with pytest.raises(StorageError) as caught:
        services.add_evidence(app.uow, view.id, [item], "tg:7", "Ana")
    assert isinstance(caught.value.__cause__, OperationalError)
    assert "evidence_items" in str(caught.value)
    with pytest.raises(StorageError):
        services.findings(app.uow, view.id)


def test_the_fake_database_gives_the_same_findings_as_sqlite(app: App) -> None:
    """The demo (all four methods, a chat survey) through both: the fake keeps SQL's promises."""
    fake = FakeDatabase()
    real = services.findings(app.uow, load_demo(app.uow))
    faked = services.findings(fake.unit_of_work, load_demo(fake.unit_of_work))

    def shown(found: services.Findings) -> list[tuple[object, ...]]:
        return [
            (m.rank, m.mot, m.polarity, m.score, m.methods, [e.participant for e in m.items])
            for m in found.moments + found.strengths
        ]

    assert shown(faked) == shown(real) and real.moments
    assert faked.metrics == real.metrics
    assert faked.session.context == real.session.context
    assert load_demo(fake.unit_of_work) == faked.session.id  # loaded once
    status = (services.session_status(fake.unit_of_work, faked.session.id),
              services.session_status(app.uow, real.session.id))  # fmt: skip
    assert status[0].answers_per_method == status[1].answers_per_method
    assert status[0].participants == status[1].participants
    assert (status[0].survey_responses, status[0].open_methods) == (
        status[1].survey_responses, status[1].open_methods
    )  # fmt: skip


def test_a_teams_language_is_kept_on_sqlite_as_on_the_fake(app: App) -> None:
    """Migration 0007's columns: the choice survives, a workspace's deletion takes it along,
    and a value some other version wrote is read as no choice rather than a crash."""
    choice = LanguageChoice("de", "speaker")
    for uow in (app.uow, FakeDatabase().unit_of_work):
        assert services.workspace_language(uow, "tg:-8") is None
        services.settle_language(uow, "tg:-8", lambda _: choice)
        assert services.workspace_language(uow, "tg:-8") == choice
        services.settle_language(uow, "tg:-8", lambda stored: stored)  # nothing to write
        assert services.workspace_language(uow, "tg:-8") == choice
        with uow() as unit:
            unit.repo.delete_workspace("tg:-8")
            unit.commit()
        assert services.workspace_language(uow, "tg:-8") is None
    with app.db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO workspaces (key, language, language_source, created_at) "
            "VALUES ('tg:-9', 'de', 'telepathy', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
    assert services.workspace_language(app.uow, "tg:-9") is None
