"""Chat with the bot in a terminal, or from a pipe (one message per line)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.adapters.rest import BotMessage, Button, Engine, EngineUnavailable
from bot.core.messages import MessageTooLong, check_message


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
    client: Engine,
    sender: str,
    display_name: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Runs until end of input; returns the number of messages sent."""
    interactive = stdin.isatty()
    buttons: list[Button] = []
    sent = 0
    if interactive:
        print("Type a message and press Enter; Ctrl-D or Ctrl-C ends the chat.\n", file=stdout)
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
        try:
            answers = client.send(
                sender,
                resolve_choice(message, buttons),
                {"display_name": display_name} if display_name else None,
            )
        except EngineUnavailable as error:
            print(
                f"bot> Sorry, the dialogue engine is not answering ({error}). "
                "Please try again in a moment.",
                file=stdout,
                flush=True,
            )
            continue
        sent += 1
        text, buttons = render(answers)
        print(text or "bot> (no answer)", file=stdout, flush=True)
