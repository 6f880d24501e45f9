"""An action that fails on storage still answers the user: the executor translates the error."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from bot.action_server import threaded_executor
from bot.core.errors import SessionNotFound


class _Broken(Action):
    def __init__(self, error: Exception) -> None:
        self.error = error

    def name(self) -> str:
        return "action_broken"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        dispatcher.utter_message(text="half an answer")
        raise self.error


CALL = {
    "next_action": "action_broken",
    "sender_id": "tg:-5:7",
    "tracker": {"sender_id": "tg:-5:7", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
}


async def test_a_storage_error_becomes_a_friendly_reply() -> None:
    for error in (OperationalError("SELECT 1", {}, Exception("database is locked")),
                  SessionNotFound("gone")):  # fmt: skip
        executor = threaded_executor()
        executor.register_action(_Broken(error))
        result = await executor.run(dict(CALL))
        replies = [r["text"] for r in result.model_dump()["responses"]]
        assert replies == [
            "Sorry, I couldn't save that just now. Nothing you confirmed is lost; "
            "please send your answer again in a moment."
        ]
        assert result.model_dump()["events"] == []


async def test_other_errors_are_not_hidden() -> None:
    executor = threaded_executor()
    executor.register_action(_Broken(ZeroDivisionError("bug")))
    try:
        await executor.run(dict(CALL))
    except ZeroDivisionError:
        return
    raise AssertionError("a programming error must surface, not be dressed as a storage error")
