"""Surviving restarts, and `mot run` as a user starts it (from a pipe)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from bot.rasa_supervisor import free_port
from bot.storage.db import upgrade
from tests.e2e.bot_api import BotApiEmulator, TgUser
from tests.e2e.conftest import Live


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_form_interrupted_by_restarting_both_servers_continues(live: Live) -> None:
    sender = f"e2e-restart-{uuid.uuid4().hex[:6]}"
    live.text(sender, "start")
    assert "(B2C)?" in live.text(sender, "Tandem")

    live.stack.stop()
    assert _port_is_free(live.stack.ports.rasa)
    live.stack.start()

    assert "channels" in live.text(sender, "B2B")
    assert "typical customer" in live.text(sender, "website")


@pytest.mark.timeout(600)
def test_mot_run_chats_through_a_pipe_and_leaves_no_servers(
    tmp_path: Path, project_root: Path, live: Live
) -> None:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    upgrade(url, project_root)
    rasa_port, actions_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [
            str(project_root / ".venv" / "bin" / "mot"),
            "run",
            "--name",
            "pipe-user",
            "--rasa-port",
            str(rasa_port),
            "--actions-port",
            str(actions_port),
        ],
        input="hello\nstart\nParcelPal\n",
        capture_output=True,
        text=True,
        cwd=project_root,
        env=env,
        timeout=540,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Waiting for the Rasa server" in result.stderr
    assert "moments of truth" in result.stdout
    assert "What is it called?" in result.stdout
    assert "(B2C)?" in result.stdout
    assert _port_is_free(rasa_port)
    assert _port_is_free(actions_port)


def test_mot_run_with_a_token_serves_telegram_and_stops_cleanly(
    tmp_path: Path, project_root: Path
) -> None:
    """`make run` with TELEGRAM_BOT_TOKEN: both servers and the adapter, one Ctrl-C away."""
    token = "987654:run-test-token-stays-secret"
    api = BotApiEmulator(token)
    api.start()
    url = f"sqlite:///{tmp_path / 'run.db'}"
    rasa_port, actions_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": token,
           "TELEGRAM_API_BASE_URL": api.base_url, "UPLOADS_DIR": str(tmp_path / "up")}  # fmt: skip
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(project_root / ".venv" / "bin" / "mot"), "run",
             "--rasa-port", str(rasa_port), "--actions-port", str(actions_port)],
            stdout=out, stderr=subprocess.STDOUT, cwd=project_root, env=env,
        )  # fmt: skip
    try:
        api.wait_for(lambda _: "setMyCommands" in api.calls, timeout=300)
        api.send_text(TgUser(55, "Eve"), "/start")
        greeting = api.reply_after(0, 55, "moments of truth")
        assert greeting.buttons[0]["text"] == "Start"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        api.stop()
    output = log.read_text(errors="replace")
    assert "Telegram: serving @mot_test_bot (long polling)" in output
    assert token not in output and token.split(":")[1] not in output
    assert _port_is_free(rasa_port) and _port_is_free(actions_port)
