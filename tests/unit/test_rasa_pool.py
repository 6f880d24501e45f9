"""Several Rasa servers behind one client (scale-out), and the settings that list them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from bot.adapters.rasa_pool import AsyncRasaPool, RasaPool, async_rasa_router, rasa_router
from bot.adapters.rest import (
    AsyncRestClient,
    BotMessage,
    RasaUnavailable,
    RasaUnreachable,
    RestClient,
)
from bot.config import load_settings
from bot.rasa_supervisor import SupervisorError, lock_store_config


class Server:
    """A Rasa server as the pool sees it: answers, or fails in one of two ways."""

    def __init__(self, name: str, failure: type[RasaUnavailable] | None = None) -> None:
        self.name = name
        self.failure = failure
        self.turns: list[tuple[str, dict[str, Any]]] = []

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        self.turns.append((message, dict(metadata or {})))
        if self.failure:
            raise self.failure(f"{self.name} is down")
        return [BotMessage(f"{self.name} heard {message}")]


class AsyncServer(Server):
    async def send(  # type: ignore[override]
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        return Server.send(self, sender, message, metadata)

    async def close(self) -> None:
        pass


def test_turns_alternate_between_servers() -> None:
    a, b = Server("a"), Server("b")
    pool = RasaPool([a, b])
    heard = [pool.send("ana", f"turn {n}")[0].text for n in range(4)]
    assert heard == ["a heard turn 0", "b heard turn 1", "a heard turn 2", "b heard turn 3"]


def test_an_unreachable_server_is_skipped() -> None:
    dead, alive = Server("dead", RasaUnreachable), Server("alive")
    pool = RasaPool([dead, alive])
    assert [pool.send("ana", f"turn {n}")[0].text for n in range(3)] == [
        "alive heard turn 0",
        "alive heard turn 1",
        "alive heard turn 2",
    ]


def test_a_turn_that_broke_mid_way_is_resent_with_the_same_turn_id() -> None:
    broken, alive = Server("broken", RasaUnavailable), Server("alive")
    RasaPool([broken, alive]).send("ana", "B2C", {"language": "en"})
    (_, first), (_, again) = broken.turns[0], alive.turns[0]
    assert first["turn_id"] == again["turn_id"] and len(first["turn_id"]) == 32
    assert again["language"] == "en"


def test_each_turn_gets_its_own_id_and_a_given_one_is_kept() -> None:
    server = Server("a")
    pool = RasaPool([server])
    pool.send("ana", "one")
    pool.send("ana", "two")
    pool.send("ana", "three", {"turn_id": "update-42"})
    ids = [metadata["turn_id"] for _, metadata in server.turns]
    assert ids[0] != ids[1] and ids[2] == "update-42"


def test_every_server_down_names_each_and_says_whether_anything_arrived() -> None:
    with pytest.raises(RasaUnreachable) as nothing_arrived:
        RasaPool([Server("a", RasaUnreachable), Server("b", RasaUnreachable)], ["a", "b"]).send(
            "ana", "hi"
        )
    assert "a: a is down" in str(nothing_arrived.value)
    assert "b: b is down" in str(nothing_arrived.value)
    with pytest.raises(RasaUnavailable) as maybe_arrived:
        RasaPool([Server("a", RasaUnreachable), Server("b", RasaUnavailable)]).send("ana", "hi")
    assert not isinstance(maybe_arrived.value, RasaUnreachable)


def test_the_async_pool_fails_over_the_same_way() -> None:
    dead, alive = AsyncServer("dead", RasaUnreachable), AsyncServer("alive")
    pool = AsyncRasaPool([dead, alive])
    answers = asyncio.run(pool.send("ana", "hello"))
    assert answers[0].text == "alive heard hello"


def test_settings_list_several_rasa_servers_and_the_routers_pool_them() -> None:
    settings = load_settings(
        {"RASA_URL": "http://10.0.0.1:5005, http://10.0.0.2:5005", "MOT_CHAT_LANGUAGES": "en,de"}
    )
    assert settings.rasa_url == "http://10.0.0.1:5005"
    assert settings.rasa_servers_for("en") == ("http://10.0.0.1:5005", "http://10.0.0.2:5005")
    assert settings.rasa_servers_for("de") == ("http://10.0.0.1:5006",)
    router = rasa_router(settings)
    assert isinstance(router.clients["en"], RasaPool)
    assert isinstance(router.clients["de"], RestClient)  # one server: no turn look-ups
    async_router = async_rasa_router(settings)
    assert isinstance(async_router.clients["en"], AsyncRasaPool)
    assert isinstance(async_router.clients["de"], AsyncRestClient)
    asyncio.run(async_router.close())


def test_one_rasa_server_stays_a_plain_client() -> None:
    router = rasa_router(load_settings({"MOT_CHAT_LANGUAGES": "en"}))
    assert isinstance(router.clients["en"], RestClient)


def test_the_redis_password_stays_out_of_rasas_endpoints_and_the_settings_repr() -> None:
    config, env = lock_store_config("redis://:s3cret@cache.internal:6380/2")
    assert config == {
        "type": "redis",
        "url": "cache.internal",
        "port": 6380,
        "db": 2,
        "key_prefix": "mot",
        "password": "${MOT_LOCK_STORE_PASSWORD}",
    }
    assert env == {"MOT_LOCK_STORE_PASSWORD": "s3cret"}
    settings = load_settings({"REDIS_URL": "redis://:s3cret@cache.internal:6380/2"})
    assert "s3cret" not in repr(settings)


def test_a_redis_url_of_another_kind_is_refused_clearly() -> None:
    with pytest.raises(SupervisorError, match="redis://"):
        lock_store_config("http://cache.internal:6379")


def test_servers_started_by_mot_run_replace_the_listed_ones() -> None:
    settings = load_settings({"RASA_URL": "http://10.0.0.1:5005,http://10.0.0.2:5005"})
    started = replace(settings, rasa_url="http://127.0.0.1:41234", rasa_urls={})
    assert started.rasa_servers_for("en") == ("http://127.0.0.1:41234",)
