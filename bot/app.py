"""The composition root: settings -> database engine -> unit-of-work factory.

Built lazily on first use, never at import time, so importing any module
touches neither the environment nor the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.config import Settings, load_settings
from bot.storage.db import make_db_engine
from bot.storage.uow import SqlUowFactory, unit_of_work_factory


@dataclass(frozen=True)
class App:
    settings: Settings
    db_engine: Engine
    uow: SqlUowFactory  # a services.UowFactory; tests and tools may also reach its `.db`


def build_app(settings: Settings | None = None) -> App:
    settings = settings or load_settings()
    db_engine = make_db_engine(settings.sqlalchemy_url)
    return App(
        settings, db_engine, unit_of_work_factory(sessionmaker(db_engine, expire_on_commit=False))
    )


_current: App | None = None


def current_app() -> App:
    global _current
    if _current is None:
        _current = build_app()
    return _current


def use_app(app: App | None) -> None:
    """Point the adapters at another app (tests use a temporary database)."""
    global _current
    _current = app
