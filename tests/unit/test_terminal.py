from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

from bot.adapters.rest import BotMessage, Button, LanguageRouter, RasaUnavailable, parse_messages
from bot.adapters.terminal import as_upload, chat, render, resolve_choice


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


class RecordingRasa:
    """Stands in for the Rasa server: the loop's own behaviour is what is tested here."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        self.fail = fail

    def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[BotMessage]:
        if self.fail:
            raise RasaUnavailable("connection refused")
        self.sent.append((sender, message, dict(metadata or {})))  # as sent, not as changed later
        return [BotMessage(f"echo {message}", [Button("Yes", "/affirm")])]


def test_chat_reads_a_pipe_line_by_line_and_skips_blank_lines() -> None:
    rasa = RecordingRasa()
    out = io.StringIO()
    sent = chat(rasa, "t-1", "ana", stdin=io.StringIO("hello\n\n1\n"), stdout=out)
    assert sent == 2
    assert [m for _, m, _ in rasa.sent] == ["hello", "/affirm"]
    assert rasa.sent[0][2] == {"language": "en", "display_name": "ana"}
    assert "bot> echo hello" in out.getvalue()


def test_the_conversation_names_its_language_to_rasa() -> None:
    rasa = RecordingRasa()
    chat(rasa, "t-1", stdin=io.StringIO("hallo\n"), stdout=io.StringIO(), language="de-DE")
    assert rasa.sent[0][2] == {"language": "de_DE"}


def test_oversized_lines_get_a_friendly_reply_and_are_not_sent() -> None:
    rasa = RecordingRasa()
    out = io.StringIO()
    chat(rasa, "t-1", stdin=io.StringIO("x" * 5000 + "\nok\n"), stdout=out)
    assert [m for _, m, _ in rasa.sent] == ["ok"]
    assert "5000 characters" in out.getvalue()


def test_an_unreachable_rasa_is_reported_not_fatal() -> None:
    out = io.StringIO()
    sent = chat(RecordingRasa(fail=True), "t-1", stdin=io.StringIO("hi\n"), stdout=out)
    assert sent == 0
    assert "not answering" in out.getvalue()


def test_a_typed_path_of_an_export_is_uploaded_privately(tmp_path: Path) -> None:
    export = tmp_path / "my tickets.csv"
    export.write_text("id,description\n1,late parcel\n")
    uploads = tmp_path / "uploads"
    rasa = RecordingRasa()
    out = io.StringIO()
    chat(rasa, "t-1", stdin=io.StringIO(f"'{export}'\nParcelPal\n"), stdout=out, uploads=uploads)

    sent = [message for _, message, _ in rasa.sent]
    assert sent[0].startswith("/upload_file") and sent[1] == "ParcelPal"
    relative = json.loads(sent[0].removeprefix("/upload_file"))["file_path"]
    copy = uploads / relative
    assert copy.read_text() == export.read_text()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700


def test_only_existing_exports_count_as_paths(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x")
    assert as_upload(str(tmp_path / "missing.csv"), tmp_path / "u") is None
    assert as_upload(str(tmp_path / "notes.md"), tmp_path / "u") is None
    assert as_upload(str(tmp_path), tmp_path / "u") is None
    assert as_upload("ParcelPal", tmp_path / "u") is None
    assert as_upload("x" * 5000 + ".csv", tmp_path / "u") is None


def test_a_report_handed_over_is_written_and_its_path_shown() -> None:
    class ReportingRasa(RecordingRasa):
        def send(
            self, sender: str, message: str, metadata: dict[str, Any] | None = None
        ) -> list[BotMessage]:
            return [BotMessage("Here it is."), BotMessage(custom={"report": {"format": "md"}})]

    asked: list[dict[str, object]] = []

    def write(request: dict[str, object]) -> str:
        asked.append(request)
        return "Your report is written to /tmp/r.md"

    out = io.StringIO()
    chat(ReportingRasa(), "t-1", stdin=io.StringIO("send me the report\n"), stdout=out,
         write_report=write)  # fmt: skip
    assert asked == [{"format": "md"}]
    assert "Here it is." in out.getvalue() and "/tmp/r.md" in out.getvalue()
    assert "format" not in out.getvalue()  # the payload itself is never shown


def test_language_switches_the_terminal_and_the_rasa_server_it_talks_to() -> None:
    english, german = RecordingRasa(), RecordingRasa()
    router = LanguageRouter({"en": english, "de": german})
    out = io.StringIO()
    lines = "hello\n/language de\nhallo\n/language klingon\n/language\n/language en\nbye\n"
    sent = chat(router, "t-1", stdin=io.StringIO(lines), stdout=out, languages=("en", "de"))
    assert sent == 3  # the /language lines never reach Rasa
    assert [m for _, m, _ in english.sent] == ["hello", "bye"]
    assert [(m, meta["language"]) for _, m, meta in german.sent] == [("hallo", "de")]
    shown = out.getvalue()
    assert "Ab jetzt schreibe ich hier auf Deutsch" in shown
    assert "„klingon“ spreche ich noch nicht" in shown and "/language en, /language de" in shown
    assert "Wir schreiben hier auf Deutsch" in shown
    assert "From now on I talk English here" in shown
