"""One real stack per test run: a Rasa 3.6 server per language (.venv-rasa; English
and German models), our action server (.venv, newest rasa-sdk) and a real SQLite
database, on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.adapters.rest import BotMessage, LanguageRouter, RestClient
from bot.rasa_supervisor import Ports, Stack, ensure_models, free_port
from bot.storage.db import make_db_engine, upgrade
from tests.e2e.bot_api import BotApiEmulator

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
    client: LanguageRouter  # each message to the Rasa server of its `language` metadata
    db_engine: Engine
    database_url: str
    uploads: Path

    def say(self, sender: str, text: str, **metadata: Any) -> list[BotMessage]:
        return self.client.send(sender, text, metadata or None)

    def text(self, sender: str, text: str, **metadata: Any) -> str:
        """Everything the bot answered to one message, as one string."""
        return "\n".join(m.text for m in self.say(sender, text, **metadata))


@pytest.fixture(scope="session")
def models(project_root: Path) -> dict[str, Path]:
    return ensure_models(project_root, ("en", "de"), _progress)


@pytest.fixture(scope="session")
def live(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path, models: dict[str, Path]
) -> Iterator[Live]:
    run_dir = tmp_path_factory.mktemp("stack")
    url = f"sqlite:///{run_dir / 'mot.db'}"
    upgrade(url, project_root)
    uploads = run_dir / "uploads"
    ports = Ports(free_port(), free_port(), {"de": free_port()})
    stack = Stack(
        project_root, models, url, ports, run_dir=run_dir, env={"UPLOADS_DIR": str(uploads)}
    )
    stack.start(_progress)
    db_engine = make_db_engine(url)
    try:
        clients = {lang: RestClient(url, timeout=60) for lang, url in stack.rasa_urls.items()}
        yield Live(stack, LanguageRouter(clients), db_engine, url, uploads)
    finally:
        stack.stop()
        db_engine.dispose()


# --- Telegram: the Bot API emulator and `mot telegram` in front of the live stack ------

TOKEN = "123456789:AAE-secret-test-token-never-logged"


@dataclass
class Adapter:
    """`mot telegram` as a child process, restartable."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, emulator: BotApiEmulator) -> None:
        calls_before = emulator.calls.count("setMyCommands")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "mot"), "telegram"],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
            )  # fmt: skip
        emulator.wait_for(
            lambda _: emulator.calls.count("setMyCommands") > calls_before, timeout=60
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def emulator() -> Iterator[BotApiEmulator]:
    """One Bot API emulator per test module, on a free port of localhost."""
    api = BotApiEmulator(TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def adapter_env() -> dict[str, str]:
    """What a module adds to the adapter's environment (a module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def adapter(
    live: Live,
    emulator: BotApiEmulator,
    adapter_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Adapter]:
    """`mot telegram` talking to the emulator and to the live stack's Rasa servers."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "RASA_URL": live.stack.rasa_url,
        "RASA_URL_DE": live.stack.rasa_urls["de"],
        "DATABASE_URL": live.database_url,
        "UPLOADS_DIR": str(live.uploads),
        **adapter_env,
    }
    running = Adapter(env, tmp_path_factory.mktemp("adapter") / "adapter.log")
    running.start(emulator)
    yield running
    running.stop()
