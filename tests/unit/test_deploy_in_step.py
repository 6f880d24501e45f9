"""docker-compose.yml describes the topology that scripts/topology.sh starts and the
scale-out test exercises: the same servers, wired the same way, with the endpoints
Rasa gets from our supervisor. It cannot run here (no Docker engine), so this is
what keeps it from drifting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.rasa_supervisor import RASA_SERVER_ENV, lock_store_config, tracker_store_config
from bot.topology import DEFAULT_REPLICAS


@pytest.fixture(scope="module")
def compose(project_root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project_root / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def endpoints(project_root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project_root / "deploy/endpoints.yml").read_text())
    return loaded


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in service.get("environment", {}).items()}


def test_the_same_servers_as_the_local_topology(compose: dict[str, Any]) -> None:
    replicas = range(1, DEFAULT_REPLICAS + 1)
    assert set(compose["services"]) == {
        "postgres", "redis", "migrate", "adapter",
        *(f"rasa-{n}" for n in replicas), *(f"actions-{n}" for n in replicas),
    }  # fmt: skip


def test_each_rasa_server_has_its_own_action_server_and_the_adapter_all_of_them(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    rasa = sorted(name for name in services if name.startswith("rasa-"))
    for name in rasa:
        number = name.removeprefix("rasa-")
        assert _env(services[name])["ACTION_ENDPOINT_URL"] == (
            f"http://actions-{number}:5055/webhook"
        )
        assert "credentials.yml" in services[name]["command"]  # the once-per-turn channel
    adapter = _env(services["adapter"])
    assert adapter["RASA_URL"].split(",") == [f"http://{name}:5005" for name in rasa]


def test_every_process_of_ours_shares_one_database_and_one_redis(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    ours = [name for name in services if name.startswith("actions-")] + ["adapter"]
    urls = {(_env(services[n])["DATABASE_URL"], _env(services[n])["REDIS_URL"]) for n in ours}
    assert len(urls) == 1
    database_url, redis_url = urls.pop()
    assert (
        database_url.startswith("postgresql+psycopg://mot:")
        and "@postgres:5432/mot" in database_url
    )
    assert redis_url == "redis://redis:6379/0"


def test_rasa_gets_the_endpoints_our_supervisor_writes(
    compose: dict[str, Any], endpoints: dict[str, Any]
) -> None:
    tracker, tracker_env = tracker_store_config("postgresql+psycopg://mot:pw@postgres:5432/mot")
    lock, lock_env = lock_store_config("redis://redis:6379/0")
    assert endpoints["tracker_store"] == tracker
    assert endpoints["lock_store"] == lock
    assert endpoints["action_endpoint"]["token"] == "${MOT_ACTION_TOKEN}"
    for name, service in compose["services"].items():
        if name.startswith("rasa-"):
            env = _env(service)
            assert set(tracker_env) | set(lock_env) | {"MOT_ACTION_TOKEN"} <= set(env)
            assert RASA_SERVER_ENV.items() <= env.items()
