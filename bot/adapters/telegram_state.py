"""What the Telegram handlers share, as one typed object instead of loose `bot_data` keys.

PTB hands handlers a `context`, not our objects: the state is stored once in
`application.bot_data` by the builder and read back only through `shared()`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import User
from telegram.ext import Application, CallbackContext

from bot.adapters.rest import AsyncRasaClient
from bot.adapters.telegram_memory import KeyboardMemory, LocalKeyboardMemory
from bot.app import App
from bot.config import Settings

_STATE_KEY = "shared_state"

_turn_of: ContextVar[frozenset[int]] = ContextVar("turn_of", default=frozenset())


class Turns:
    """Turns in flight per Telegram user, across chats, so deleting a person can wait for them.

    A turn (a message on its way through Rasa and the actions) writes the person's
    tracker events and answers; deleting meanwhile would see them written back.
    """

    def __init__(self) -> None:
        self.busy: Counter[int] = Counter()
        self.held: dict[int, asyncio.Event] = {}
        self.changed = asyncio.Condition()

    @asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        """One turn of `user_id`; waits while their data is being deleted. Re-entrant."""
        if user_id in _turn_of.get():
            yield
            return
        while (held := self.held.get(user_id)) is not None:
            await held.wait()
        self.busy[user_id] += 1
        token = _turn_of.set(_turn_of.get() | {user_id})
        try:
            yield
        finally:
            _turn_of.reset(token)
            async with self.changed:
                self.busy[user_id] -= 1
                if self.busy[user_id] <= 0:
                    del self.busy[user_id]
                self.changed.notify_all()

    @asynccontextmanager
    async def alone(self, user_id: int, timeout: float) -> AsyncIterator[bool]:
        """Hold `user_id`'s new turns and wait (at most `timeout`) for those in flight.

        Yields whether they all ended in time.
        """
        while (other := self.held.get(user_id)) is not None:
            await other.wait()
        released = asyncio.Event()
        self.held[user_id] = released
        try:
            async with self.changed:
                try:
                    await asyncio.wait_for(
                        self.changed.wait_for(lambda: not self.busy.get(user_id)), timeout
                    )
                    idle = True
                except TimeoutError:
                    idle = False
            yield idle
        finally:
            del self.held[user_id]
            released.set()


@dataclass
class SharedState:
    """Everything the handlers share: Rasa's REST client, the app, settings, what they remember."""

    rasa: AsyncRasaClient
    app: App
    settings: Settings
    rasa_retry_s: float = 60.0
    bot_username: str = ""  # learnt from getMe when the application starts
    turns: Turns = field(default_factory=Turns)
    # The payloads behind shortened keys and the owners of group keyboards: this
    # process's, or shared in Redis by several adapters (`keyboard_memory`).
    keyboards: KeyboardMemory = field(default_factory=LocalKeyboardMemory)

    def remember_payloads(self, long_payloads: dict[str, str]) -> None:
        """Keep the payloads behind a keyboard's short keys, to resolve a press later."""
        self.keyboards.remember_payloads(long_payloads)

    def payload_of(self, callback_data: str) -> str:
        """The payload a pressed button stands for (its callback data unless shortened)."""
        return self.keyboards.payload_of(callback_data)

    def remember_owner(self, chat_id: int, message_id: int, user: User) -> None:
        """Note whose question a group keyboard is."""
        self.keyboards.remember_owner(chat_id, message_id, user.id, user.first_name)

    def owner_of(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        """(user id, first name) a group keyboard was meant for; None when anyone may press."""
        return self.keyboards.owner_of(chat_id, message_id)


AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyContext = CallbackContext[Any, Any, Any, Any]


def attach_state(application: AnyApplication, state: SharedState) -> None:
    """Store the state where every handler's context can reach it (done once, by the builder)."""
    application.bot_data[_STATE_KEY] = state


def shared(holder: AnyApplication | AnyContext) -> SharedState:
    """The handlers' shared state, from a handler's context or from the application."""
    application = holder if isinstance(holder, Application) else holder.application
    state = application.bot_data[_STATE_KEY]
    if not isinstance(state, SharedState):
        raise TypeError("the Telegram application was built without its shared state")
    return state
