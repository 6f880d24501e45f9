from __future__ import annotations

import io
from typing import Any

from bot.adapters.rest import BotMessage, Button, EngineUnavailable, parse_messages
from bot.adapters.terminal import chat, render, resolve_choice


def test_rest_answers_become_messages_with_buttons() -> None:
    messages = parse_messages(
        [{"recipient_id": "a", "text": "Pick", "buttons": [{"title": "B2B", "payload": "B2B"}]}]
    )
    assert messages == [BotMessage("Pick", [Button("B2B", "B2B")])]


def test_buttons_are_numbered_and_picked_by_number() -> None:
    text, buttons = render([BotMessage("Is that right?", [Button("Yes", "/affirm")])])
    assert "[1] Yes" in text
    assert resolve_choice("1", buttons) == "/affirm"
    assert resolve_choice("7", buttons) == "7"


class RecordingEngine:
    """Stands in for the Rasa server: the loop's own behaviour is what is tested here."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        self.fail = fail

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        if self.fail:
            raise EngineUnavailable("connection refused")
        self.sent.append((sender, message, metadata))
        return [BotMessage(f"echo {message}", [Button("Yes", "/affirm")])]


def test_chat_reads_a_pipe_line_by_line_and_skips_blank_lines() -> None:
    engine = RecordingEngine()
    out = io.StringIO()
    sent = chat(engine, "t-1", "ana", stdin=io.StringIO("hello\n\n1\n"), stdout=out)
    assert sent == 2
    assert [m for _, m, _ in engine.sent] == ["hello", "/affirm"]
    assert engine.sent[0][2] == {"display_name": "ana"}
    assert "bot> echo hello" in out.getvalue()


def test_oversized_lines_get_a_friendly_reply_and_are_not_sent() -> None:
    engine = RecordingEngine()
    out = io.StringIO()
    chat(engine, "t-1", stdin=io.StringIO("x" * 5000 + "\nok\n"), stdout=out)
    assert [m for _, m, _ in engine.sent] == ["ok"]
    assert "5000 characters" in out.getvalue()


def test_an_unreachable_engine_is_reported_not_fatal() -> None:
    out = io.StringIO()
    sent = chat(RecordingEngine(fail=True), "t-1", stdin=io.StringIO("hi\n"), stdout=out)
    assert sent == 0
    assert "not answering" in out.getvalue()
