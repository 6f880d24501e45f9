"""Two Telegram adapters on one Redis: a keyboard sent by one is pressed on the other.

A real redis-server on a free loopback port (Debian's package; `make services`
installs it). Skipped with the reason where it is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.telegram_memory import LocalKeyboardMemory, RedisKeyboardMemory
from bot.rasa_supervisor import free_port
from bot.topology import Services


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed here (make services installs it)")
    services = Services(Path(tmp_path_factory.mktemp("redis")), redis_port=free_port())
    services.start_redis(lambda _: None)
    try:
        yield services.redis_url
    finally:
        services.stop_redis()


def test_a_group_keyboard_sent_by_one_adapter_is_resolved_by_another(redis_url: str) -> None:
    sender, receiver = RedisKeyboardMemory(redis_url), RedisKeyboardMemory(redis_url)
    sender.remember_owner(-1001, 77, 42, "Ana")
    sender.remember_payloads({"k:3f2a": '/correct_context{"context_field": "typical_customer"}'})
    assert receiver.owner_of(-1001, 77) == (42, "Ana")
    assert receiver.payload_of("k:3f2a") == '/correct_context{"context_field": "typical_customer"}'
    assert receiver.owner_of(-1001, 78) is None  # anyone may press a keyboard nobody owns
    assert receiver.payload_of("/start_session") == "/start_session"


def test_a_name_with_the_separator_survives(redis_url: str) -> None:
    memory = RedisKeyboardMemory(redis_url)
    memory.remember_owner(-5, 1, 7, "Jo|Anne")
    assert RedisKeyboardMemory(redis_url).owner_of(-5, 1) == (7, "Jo|Anne")


def test_with_redis_down_the_adapter_keeps_working_on_its_own_memory() -> None:
    memory = RedisKeyboardMemory(f"redis://127.0.0.1:{free_port()}/0")
    memory.remember_owner(-1001, 5, 42, "Ana")
    memory.remember_payloads({"k:1": "/long"})
    assert memory.owner_of(-1001, 5) == (42, "Ana")
    assert memory.payload_of("k:1") == "/long"


def test_one_process_forgets_the_oldest_keyboards_first() -> None:
    memory = LocalKeyboardMemory()
    for message_id in range(10_001):
        memory.remember_owner(-1, message_id, 1, "A")
    assert memory.owner_of(-1, 0) is None and memory.owner_of(-1, 10_000) == (1, "A")
