"""What the Telegram adapter remembers about the keyboards it sent, in one process or shared.

A pressed button comes back as its callback data. Two things about it are known only
to the adapter that sent the keyboard: the payload behind a shortened key (Telegram
allows 64 bytes) and, in a group, whose question the keyboard answers. With several
adapters (webhooks behind a load balancer), the press may reach another one, so with
`REDIS_URL` set both live in Redis, for 30 days; otherwise in this process.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Protocol

logger = logging.getLogger(__name__)

KEYBOARDS_REMEMBERED = 10_000  # in one process: the newest keyboards' owners
REMEMBER_S = 30 * 24 * 3600  # in Redis: a keyboard older than a month is anyone's to press
_PREFIX = "mot:tg"


class KeyboardMemory(Protocol):
    def remember_payloads(self, long_payloads: dict[str, str]) -> None: ...

    def payload_of(self, callback_data: str) -> str: ...

    def remember_owner(self, chat_id: int, message_id: int, user_id: int, name: str) -> None: ...

    def owner_of(self, chat_id: int, message_id: int) -> tuple[int, str] | None: ...


class LocalKeyboardMemory:
    """This process's memory: enough for one adapter."""

    def __init__(self) -> None:
        self.long_payloads: dict[str, str] = {}
        self.owners: OrderedDict[tuple[int, int], tuple[int, str]] = OrderedDict()

    def remember_payloads(self, long_payloads: dict[str, str]) -> None:
        self.long_payloads.update(long_payloads)

    def payload_of(self, callback_data: str) -> str:
        return self.long_payloads.get(callback_data, callback_data)

    def remember_owner(self, chat_id: int, message_id: int, user_id: int, name: str) -> None:
        self.owners[(chat_id, message_id)] = (user_id, name)
        while len(self.owners) > KEYBOARDS_REMEMBERED:
            self.owners.popitem(last=False)

    def owner_of(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        return self.owners.get((chat_id, message_id))


class RedisKeyboardMemory:
    """Shared by every adapter on one Redis. While Redis is unreachable, this process's
    memory stands in (a press then resolves only on the adapter that sent it)."""

    def __init__(self, redis_url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(
            redis_url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True
        )
        self.errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.local = LocalKeyboardMemory()

    def _down(self, error: Exception) -> None:
        logger.warning(
            "Redis unavailable for the keyboards (%s); using this process's memory", error
        )

    def remember_payloads(self, long_payloads: dict[str, str]) -> None:
        self.local.remember_payloads(long_payloads)
        if not long_payloads:
            return
        try:
            with self.redis.pipeline() as pipe:
                for key, payload in long_payloads.items():
                    pipe.set(f"{_PREFIX}:payload:{key}", payload, ex=REMEMBER_S)
                pipe.execute()
        except self.errors as error:
            self._down(error)

    def payload_of(self, callback_data: str) -> str:
        try:
            found = self.redis.get(f"{_PREFIX}:payload:{callback_data}")
        except self.errors as error:
            self._down(error)
            return self.local.payload_of(callback_data)
        return str(found) if found is not None else self.local.payload_of(callback_data)

    def remember_owner(self, chat_id: int, message_id: int, user_id: int, name: str) -> None:
        self.local.remember_owner(chat_id, message_id, user_id, name)
        try:
            self.redis.set(
                f"{_PREFIX}:owner:{chat_id}:{message_id}", f"{user_id}|{name}", ex=REMEMBER_S
            )
        except self.errors as error:
            self._down(error)

    def owner_of(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        try:
            found = self.redis.get(f"{_PREFIX}:owner:{chat_id}:{message_id}")
        except self.errors as error:
            self._down(error)
            return self.local.owner_of(chat_id, message_id)
        if found is None:
            return self.local.owner_of(chat_id, message_id)
        user_id, _, name = str(found).partition("|")
        return int(user_id), name


def keyboard_memory(redis_url: str | None) -> KeyboardMemory:
    """Redis's when configured (several adapters), else this process's."""
    return RedisKeyboardMemory(redis_url) if redis_url else LocalKeyboardMemory()
