"""One real stack per test run: the Rasa 3.6 server (.venv-rasa), our action
server (.venv, newest rasa-sdk) and a real SQLite database, on free ports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.adapters.rest import BotMessage, RestClient
from bot.rasa_supervisor import Ports, Stack, ensure_model, free_port
from bot.storage.db import make_db_engine, upgrade

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an e2e test (`-m "not e2e"` leaves them all out)."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Live:
    stack: Stack
    client: RestClient
    db_engine: Engine
    database_url: str
    uploads: Path

    def say(self, sender: str, text: str, **metadata: Any) -> list[BotMessage]:
        return self.client.send(sender, text, metadata or None)

    def text(self, sender: str, text: str, **metadata: Any) -> str:
        """Everything the bot answered to one message, as one string."""
        return "\n".join(m.text for m in self.say(sender, text, **metadata))


@pytest.fixture(scope="session")
def model(project_root: Path) -> Path:
    return ensure_model(project_root, _progress)


@pytest.fixture(scope="session")
def live(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path, model: Path
) -> Iterator[Live]:
    run_dir = tmp_path_factory.mktemp("stack")
    url = f"sqlite:///{run_dir / 'mot.db'}"
    upgrade(url, project_root)
    uploads = run_dir / "uploads"
    stack = Stack(
        project_root, model, url, Ports(free_port(), free_port()), run_dir=run_dir,
        env={"UPLOADS_DIR": str(uploads)},
    )  # fmt: skip
    stack.start(_progress)
    db_engine = make_db_engine(url)
    try:
        yield Live(stack, RestClient(stack.rasa_url, timeout=60), db_engine, url, uploads)
    finally:
        stack.stop()
        db_engine.dispose()
