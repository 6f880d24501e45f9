"""The adapter's pure parts: retrying Bot API calls, keeping the token out of logs, the
webhook's checks, and deletions waiting for turns in flight."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.adapters.rest import (
    AsyncRestClient,
    BotMessage,
    Button,
    RasaUnavailable,
    RasaUnreachable,
)
from bot.adapters.telegram import _file_base
from bot.adapters.telegram_limits import RetryingLimiter
from bot.adapters.telegram_logging import TokenFilter
from bot.adapters.telegram_render import COMMANDS, help_for_commands
from bot.adapters.telegram_state import Turns
from bot.adapters.telegram_transport import WEBHOOK_MAX_BODY, WEBHOOK_MAX_HEAD, _read_request

TOKEN = "123:secret-token"


def run(limiter: RetryingLimiter, failures: list[Exception]) -> tuple[Any, int]:
    calls = 0

    async def call() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return {"ok": True}

    result = asyncio.run(limiter.process_request(call, (), {}, "sendMessage", {}, None))
    return result, calls


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_flood_control_server_errors_and_timeouts_are_retried() -> None:
    limiter = RetryingLimiter(first_delay=0.01)
    failures: list[Exception] = [RetryAfter(0), NetworkError("Internal Server Error"), TimedOut()]
    assert run(limiter, failures) == ({"ok": True}, 4)


def test_a_bad_request_is_not_retried_and_retries_end() -> None:
    with pytest.raises(BadRequest):
        run(RetryingLimiter(first_delay=0.01), [BadRequest("chat not found")])
    with pytest.raises(NetworkError):
        run(RetryingLimiter(attempts=2, first_delay=0.01), [NetworkError("x")] * 3)


def test_the_token_is_blanked_from_messages_arguments_and_tracebacks() -> None:
    token_filter = TokenFilter(TOKEN)
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://api/bot{TOKEN}/getMe",), None
    )
    token_filter.filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()
    try:
        raise ValueError(f"failed at /bot{TOKEN}/sendMessage")
    except ValueError as error:
        failed = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "boom", (), (ValueError, error, error.__traceback__)
        )
    token_filter.filter(failed)
    formatted = logging.Formatter().format(failed)
    assert "boom" in formatted and "ValueError" in formatted and TOKEN not in formatted


def test_files_come_from_the_same_bot_api_host() -> None:
    assert _file_base("http://127.0.0.1:9000/bot") == "http://127.0.0.1:9000/file/bot"
    assert _file_base("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"


def rasa_answering(handler: Any) -> AsyncRestClient:
    return AsyncRestClient("http://rasa.test", transport=httpx.MockTransport(handler))


def send(client: AsyncRestClient) -> Any:
    async def go() -> Any:
        try:
            return await client.send("tg:1:1", "hello")
        finally:
            await client.close()

    return asyncio.run(go())


def test_only_a_rasa_that_was_never_reached_is_worth_retrying() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="Internal Server Error")

    def answers(request: httpx.Request) -> httpx.Response:
        button = {"title": "Start", "payload": "/start"}
        return httpx.Response(200, json=[{"text": "Hi", "buttons": [button]}])

    with pytest.raises(RasaUnreachable):
        send(rasa_answering(refused))
    with pytest.raises(RasaUnavailable) as failed:
        send(rasa_answering(broken))
    assert not isinstance(failed.value, RasaUnreachable)  # may have been handled: no resend
    assert send(rasa_answering(answers)) == [BotMessage("Hi", [Button("Start", "/start")])]


# --- The webhook's checks, made before a body is read ---------------------------------

SECRET = "s3cret"


def read_request(raw: bytes) -> bytes | str:
    async def go() -> bytes | str:
        reader = asyncio.StreamReader(limit=WEBHOOK_MAX_HEAD)
        reader.feed_data(raw)  # no EOF: reading a body that never comes would hang the test
        return await asyncio.wait_for(_read_request(reader, "/hook", SECRET), 1)

    return asyncio.run(go())


def head(target: str = "/hook", method: str = "POST", token: bytes = SECRET.encode(),
         length: str = "2") -> bytes:  # fmt: skip
    return (f"{method} {target} HTTP/1.1\r\nContent-Length: {length}\r\n".encode()
            + b"X-Telegram-Bot-Api-Secret-Token: " + token + b"\r\n\r\n")  # fmt: skip


def test_a_genuine_update_is_read_and_strangers_are_refused_before_their_body() -> None:
    assert read_request(head() + b"{}") == b"{}"
    big = str(10 * WEBHOOK_MAX_BODY)
    assert read_request(head(target="/other", length=big)) == "404 Not Found"
    assert read_request(head(method="GET", length=big)) == "405 Method Not Allowed"
    assert read_request(head(token=b"guess", length=big)) == "403 Forbidden"
    assert read_request(head(token="gé€ss".encode(), length=big)) == "403 Forbidden"
    assert read_request(head(length=big)) == "413 Payload Too Large"
    assert read_request(head(length="-1")) == "411 Length Required"
    assert read_request(head(length="²")) == "411 Length Required"


# --- Turns in flight and deleting a person ---------------------------------------------


def test_a_deletion_waits_for_turns_in_flight_and_holds_new_ones() -> None:
    events: list[str] = []

    async def go() -> None:
        turns = Turns()

        async def long_turn() -> None:
            # Re-entrant: a handler's turn around its own converse.
            async with turns.turn(7), turns.turn(7):
                events.append("turn starts")
                await asyncio.sleep(0.05)
                events.append("turn ends")

        async def delete() -> None:
            await asyncio.sleep(0.01)
            async with turns.alone(7, timeout=5) as idle:
                events.append(f"delete (idle={idle})")
                await asyncio.sleep(0.02)
            events.append("deleted")

        async def new_turn() -> None:
            await asyncio.sleep(0.02)
            async with turns.turn(7):
                events.append("new turn")

        async def someone_else() -> None:
            await asyncio.sleep(0.02)
            async with turns.turn(8):
                events.append("other person")

        await asyncio.gather(long_turn(), delete(), new_turn(), someone_else())

    asyncio.run(go())
    assert events == [
        "turn starts", "other person", "turn ends", "delete (idle=True)", "deleted", "new turn",
    ]  # fmt: skip


def test_a_deletion_waits_only_so_long() -> None:
    async def go() -> bool:
        turns = Turns()
        stuck = asyncio.Event()

        async def hanging_turn() -> None:
            async with turns.turn(7):
                await stuck.wait()

        task = asyncio.create_task(hanging_turn())
        await asyncio.sleep(0)
        async with turns.alone(7, timeout=0.05) as idle:
            pass
        stuck.set()
        await task
        return idle

    assert asyncio.run(go()) is False


def test_help_lists_every_command_of_the_menu() -> None:
    helped = help_for_commands()
    assert all(f"/{name}: " in helped for name in COMMANDS)
    assert "/close_survey" in helped
