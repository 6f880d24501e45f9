"""What the servers expose: loopback only, a token on every action call, no team's data
to a stranger, and actions that run side by side."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot import services
from bot.app import build_app
from bot.config import Settings
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method, Mot, Polarity
from tests.e2e.conftest import Live

pytestmark = pytest.mark.e2e


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, read from the kernel's tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        lines = Path(table).read_text().splitlines()[1:] if Path(table).exists() else []
        for line in lines:
            local, _remote, state = line.split()[1:4]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                if width == 8:
                    found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("::" if set(address) == {"0"} else address)
    return found


def action_call(
    name: str, sender: str, slots: dict[str, Any], domain: dict[str, Any], **latest: Any
) -> dict[str, Any]:
    return {
        "next_action": name,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": domain,
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "", "intent": {}, "entities": [], **latest},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.fixture(scope="module")
def domain(project_root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project_root / "domain.yml").read_text())
    return loaded


def test_both_servers_listen_on_loopback_only(live: Live) -> None:
    assert listening_addresses(live.stack.ports.actions) == {"127.0.0.1"}
    assert listening_addresses(live.stack.ports.rasa) == {"127.0.0.1"}


def test_an_action_call_without_the_token_is_refused(live: Live, domain: dict[str, Any]) -> None:
    webhook = f"{live.stack.actions_url}/webhook"
    body = action_call("action_findings", "stranger", {}, domain)
    for params in ({}, {"token": "wrong"}, {"token": "tökén"}):
        answer = httpx.post(webhook, params=params, json=body, timeout=10)
        assert answer.status_code == 401, params
        assert "token" in answer.json()["error"]
    assert httpx.get(f"{live.stack.actions_url}/health", timeout=10).status_code == 200


def test_a_stranger_with_another_teams_session_id_gets_nothing(
    live: Live, domain: dict[str, Any]
) -> None:
    app = build_app(Settings(database_url=live.database_url))
    team = services.open_session(app.uow, "tg:-77:1", "Ana")
    services.add_evidence(
        app.uow,
        team.id,
        [Evidence(method=Method.TEAM, mot=Mot.AMOT, polarity=Polarity.PAIN,
                  text="secret: the courier loses every third parcel", importance=5,
                  performance=1)],
    )  # fmt: skip
    assert services.findings(app.uow, team.id).moments  # the team itself sees its findings
    webhook = f"{live.stack.actions_url}/webhook"
    for sender in ("stranger", "tg:-78:2", "tg:-77"):
        body = action_call("action_findings", sender, {"session_id": team.id}, domain)
        answer = httpx.post(webhook, params={"token": live.stack.action_token}, json=body,
                            timeout=30)  # fmt: skip
        assert answer.status_code == 200
        said = " ".join(r.get("text") or "" for r in answer.json()["responses"])
        assert "courier" not in said and "score" not in said
        assert "haven't started" in said
    app.db_engine.dispose()


def test_a_long_file_analysis_does_not_hold_up_other_teams(
    live: Live, domain: dict[str, Any]
) -> None:
    folder = live.uploads / "-9"
    folder.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(
        f"{n},Order {n} arrived two weeks late and tracking never updated" for n in range(60_000)
    )
    (folder / "big.csv").write_text("id,description\n" + rows + "\n")
    webhook = f"{live.stack.actions_url}/webhook"
    token = {"token": live.stack.action_token}
    finished: dict[str, float] = {}

    def slow() -> None:
        body = action_call(
            "action_receive_file", "tg:-9:9", {}, domain,
            intent={"name": "upload_file"},
            entities=[{"entity": "file_path", "value": "-9/big.csv"}],
        )  # fmt: skip
        answer = httpx.post(webhook, params=token, json=body, timeout=120)
        assert "I read 60000 tickets" in answer.text
        finished["slow"] = time.monotonic()

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)  # the analysis is under way
    quick = action_call("action_explain", "tg:-10:10", {"mot": "zmot"}, domain)
    answer = httpx.post(webhook, params=token, json=quick, timeout=60)
    finished["quick"] = time.monotonic()
    assert "Zero Moment of Truth" in answer.text
    worker.join(120)
    assert finished["quick"] < finished["slow"], "the quick action waited for the file"
