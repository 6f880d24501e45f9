"""The executor around every action: it answers a storage error, in the conversation's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.action_server import conversation_language, threaded_executor
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
