"""Chat with the bot in a terminal, or from a pipe (one message per line).

The terminal is the one front-end whose user sits at this machine, so it is
the only one that reads a file by the path its user types: it copies the
file into the uploads folder and announces it to Rasa like any chat upload.
The servers never open a path that came in a message.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

from bot.adapters.rest import BotMessage, Button, RasaClient, RasaUnavailable
from bot.core.identity import LOCAL_UPLOADS
from bot.core.language import UnknownLanguage, parse_language
from bot.core.messages import MessageTooLong, check_message
from bot.core.names import safe_file_name
from bot.core.texts import current_language, set_language, text, use_language

READABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx"})

# Writes the report a message asks for; returns where it went (or why it could not).
ReportWriter = Callable[[dict[str, object]], str]


class Facilitation(Protocol):
    """A facilitated session rehearsed alone (`bot.facilitation_service.Rehearsal`)."""

    def due(self) -> list[str]:
        """The nudges due now, as text (checked whenever a line is typed)."""
        ...

    def command(self, line: str) -> list[str] | None:
        """The answer to /facilitate, /next, /pause...; None for a line meant for Rasa."""
        ...


def as_upload(line: str, uploads: Path) -> str | None:
    """When the user typed the path of a readable export, copy it in; the upload message.

    None when the line is not the path of an existing CSV/TSV/TXT/XLSX file.
    """
    candidate = line.strip().strip("'\"")
    if not candidate or len(candidate) > 4096:
        return None
    path = Path(candidate).expanduser()
    try:
        if path.suffix.lower() not in READABLE_SUFFIXES or not path.is_file():
            return None
    except OSError:  # a name too long for the disk, a path through a file...
        return None
    relative = Path(LOCAL_UPLOADS) / f"{secrets.token_hex(4)}-{safe_file_name(path.name)}"
    target = uploads / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(path, target)
    os.chmod(target, 0o600)
    return "/upload_file" + json.dumps({"file_path": relative.as_posix()})


def render(messages: list[BotMessage]) -> tuple[str, list[Button]]:
    """The bot's answers as text, with numbered buttons the user can pick by number."""
    lines: list[str] = []
    buttons: list[Button] = []
    for message in messages:
        if message.text:
            lines.extend(
                f"bot> {line}" if i == 0 else f"     {line}"
                for i, line in enumerate(message.text.splitlines())
            )
        for button in message.buttons:
            buttons.append(button)
            lines.append(f"     [{len(buttons)}] {button.title}")
    return "\n".join(lines), buttons


def resolve_choice(line: str, buttons: list[Button]) -> str:
    """A bare number picks the matching button of the last answer."""
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        return buttons[int(line) - 1].payload
    return line


def chat(
    client: RasaClient,
    sender: str,
    display_name: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    uploads: Path | None = None,
    write_report: ReportWriter | None = None,
    language: str | None = None,
    facilitation: Facilitation | None = None,
    languages: tuple[str, ...] = (),
) -> int:
    """Runs until end of input; returns the number of messages sent.

    With `uploads`, a typed file path is sent as an upload; with `write_report`,
    a report the bot hands over is written to a file and its path shown. The
    conversation speaks `language` (English by default), here and in the actions, and
    `/language <code>` switches to another of `languages` (the client routes by it). With
    `facilitation`, its commands are answered here and its timers checked at every line.
    """
    with use_language(language):
        return _chat(
            client, sender, display_name, stdin, stdout, uploads, write_report, facilitation,
            languages,
        )  # fmt: skip


def switch_language(line: str, offered: tuple[str, ...], metadata: dict[str, object]) -> str:
    """`/language [code]`: the language in use, or a switch to another one offered."""
    asked = line.partition(" ")[2].strip()
    choices = ", ".join(f"/language {code}" for code in offered)
    if not asked:
        return text("lang.current", language=text(f"lang.name.{current_language()}"),
                    choices=choices)  # fmt: skip
    try:
        language = parse_language(asked, offered)
    except UnknownLanguage:
        return text("lang.unknown", said=asked[:40], choices=choices)
    set_language(language)
    metadata["language"] = language
    return text("lang.set", language=text(f"lang.name.{language}"))


def _chat(
    client: RasaClient,
    sender: str,
    display_name: str | None,
    stdin: TextIO,
    stdout: TextIO,
    uploads: Path | None,
    write_report: ReportWriter | None,
    facilitation: Facilitation | None = None,
    languages: tuple[str, ...] = (),
) -> int:
    metadata: dict[str, object] = {"language": current_language()}
    if display_name:
        metadata["display_name"] = display_name
    interactive = stdin.isatty()
    buttons: list[Button] = []
    sent = 0
    if interactive:
        print(text("terminal.how") + "\n", file=stdout)
    while True:
        if interactive:
            print("you> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return sent
        try:
            message = check_message(line)
        except MessageTooLong as too_long:
            print(f"bot> {too_long}", file=stdout, flush=True)
            continue
        if not message:
            continue
        if len(languages) > 1 and message.split()[0].lower() == "/language":
            print(f"bot> {switch_language(message, languages, metadata)}", file=stdout, flush=True)
            continue
        if facilitation is not None:
            due = facilitation.due()  # before the command: /end would silence them
            answered = facilitation.command(message)
            for said in due + (answered or []):
                print(f"bot> {said}", file=stdout, flush=True)
            if answered is not None:
                continue
        outgoing = resolve_choice(message, buttons)
        if uploads is not None and not outgoing.startswith("/"):
            try:
                outgoing = as_upload(outgoing, uploads) or outgoing
            except OSError as error:
                print(f"bot> {text('terminal.copy_failed', error=error.strerror)}", file=stdout)
                continue
        try:
            answers = client.send(sender, outgoing, metadata)
        except RasaUnavailable as error:
            print(f"bot> {text('terminal.rasa_down', error=error)}", file=stdout, flush=True)
            continue
        sent += 1
        shown, buttons = render(answers)
        print(shown or f"bot> {text('terminal.no_answer')}", file=stdout, flush=True)
        for answer in answers:
            report = answer.custom.get("report")
            if isinstance(report, dict) and write_report is not None:
                print(f"bot> {write_report(report)}", file=stdout, flush=True)
