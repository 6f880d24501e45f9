"""The executor around every action: it answers a storage error, in the conversation's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.action_server import conversation_language, threaded_executor
from bot.app import App
from bot.core import catalogue
from bot.core.errors import SessionNotFound, StorageError
from bot.core.texts import current_language, text
from tests.unit.test_catalogue import partial_german


class _Broken(Action):
    def __init__(self, error: Exception) -> None:
        self.error = error

    def name(self) -> str:
        return "action_broken"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        dispatcher.utter_message(text="half an answer")
        raise self.error


CALL: dict[str, Any] = {
    "next_action": "action_broken",
    "sender_id": "tg:-5:7",
    "tracker": {"sender_id": "tg:-5:7", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
}


async def test_a_storage_error_becomes_a_friendly_reply() -> None:
    for error in (StorageError("database is locked"), SessionNotFound("gone")):
        executor = threaded_executor()
        executor.register_action(_Broken(error))
        result = await executor.run(dict(CALL))
        replies = [r["text"] for r in result.model_dump()["responses"]]
        assert replies == [
            "Sorry, I couldn't save that just now. Nothing you confirmed is lost; "
            "please send your answer again in a moment."
        ]
        assert result.model_dump()["events"] == []


class _Skip(Action):
    def name(self) -> str:
        return "action_skip_it"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        dispatcher.utter_message(text=text("skipped"))
        return []


def _call(action: str, metadata: dict[str, Any] | None) -> dict[str, Any]:
    message = {"metadata": metadata} if metadata is not None else {}
    return {
        **CALL,
        "next_action": action,
        "tracker": {**CALL["tracker"], "latest_message": message},
    }


def test_the_language_is_the_one_the_front_end_sent() -> None:
    assert conversation_language(_call("x", {"language": "de"}), "en") == "de"
    for metadata in (None, {}, {"language": ""}, {"language": 7}):
        assert conversation_language(_call("x", metadata), "fr") == "fr"
    assert conversation_language({"tracker": "nonsense"}, "en") == "en"


async def test_each_action_speaks_its_conversations_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial_german(tmp_path, monkeypatch)
    try:
        executor = threaded_executor()
        executor.register_action(_Skip())
        executor.register_action(_Broken(SessionNotFound("gone")))
        said = {}
        for language in ("de", "en", None):
            metadata = {"language": language} if language else None
            for action in ("action_skip_it", "action_broken"):
                result = await executor.run(_call(action, metadata))
                said[language, action] = [r["text"] for r in result.model_dump()["responses"]]
        assert said["de", "action_skip_it"] == ["Übersprungen."]
        assert said["de", "action_broken"] == ["Das konnte ich gerade nicht speichern."]
        assert said["en", "action_skip_it"] == said[None, "action_skip_it"] == ["Skipped."]
        assert current_language() == "en"  # the server's own context is untouched
        german = threaded_executor("de")  # the server's default, when the message names none
        german.register_action(_Skip())
        result = await german.run(_call("action_skip_it", None))
        assert [r["text"] for r in result.model_dump()["responses"]] == ["Übersprungen."]
    finally:
        catalogue.clear_cache()


async def test_other_errors_are_not_hidden() -> None:
    executor = threaded_executor()
    executor.register_action(_Broken(ZeroDivisionError("bug")))
    try:
        await executor.run(dict(CALL))
    except ZeroDivisionError:
        return
    raise AssertionError("a programming error must surface, not be dressed as a storage error")


class _Counting(Action):
    """Acts (counts) and answers; a second run in the same turn would count twice."""

    def __init__(self) -> None:
        self.runs = 0

    def name(self) -> str:
        return "action_count"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        self.runs += 1
        dispatcher.utter_message(text=f"counted {self.runs}")
        return [{"event": "slot", "name": "count", "value": self.runs}]


def _turn_call(turn_id: str | None, events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    call = _call("action_count", {"turn_id": turn_id} if turn_id else {})
    call["tracker"]["events"] = events or [{"event": "user", "text": "2"}]
    return call


async def test_the_same_turn_sent_again_gets_the_first_answer_and_acts_once(app: App) -> None:
    """A Rasa server died mid-turn and the turn went to another one, which calls the
    same action again: it answers as the first time, and nothing is done twice."""
    counting = _Counting()
    executor = threaded_executor()
    executor.register_action(counting)
    first = (await executor.run(_turn_call("turn-1"))).model_dump()
    again = (await executor.run(_turn_call("turn-1"))).model_dump()
    assert again == first and counting.runs == 1
    assert [r["text"] for r in first["responses"]] == ["counted 1"]
    # Another turn acts again; so does the action's second run within one turn.
    await executor.run(_turn_call("turn-2"))
    ran_once = [{"event": "user", "text": "2"}, {"event": "action", "name": "action_count"}]
    await executor.run(_turn_call("turn-2", ran_once))
    assert counting.runs == 3


async def test_without_a_turn_id_every_call_acts(app: App) -> None:
    counting = _Counting()
    executor = threaded_executor()
    executor.register_action(counting)
    await executor.run(_turn_call(None))
    await executor.run(_turn_call(None))
    assert counting.runs == 2
    with app.uow() as uow:
        assert uow.repo.action_response("anything") is None
