from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker

from bot.app import App, build_app, use_app
from bot.config import Settings
from bot.storage.db import upgrade


@pytest.fixture
def app(tmp_path: Path, project_root: Path) -> Iterator[App]:
    """A real, migrated SQLite database the actions use for this one test."""
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    upgrade(url, project_root)
    settings = Settings(database_url=url, root=project_root, uploads_dir=tmp_path / "uploads")
    built = build_app(settings)
    use_app(built)
    yield built
    use_app(None)
    built.db_engine.dispose()


@pytest.fixture(scope="session")
def domain(project_root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project_root / "domain.yml").read_text())
    return loaded


def make_tracker(
    sender_id: str = "terminal-ana",
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
            "metadata": metadata or {},
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )
