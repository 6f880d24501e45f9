"""The adapter's pure parts: retrying Bot API calls, keeping the token out of logs."""

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
    EngineUnavailable,
    EngineUnreachable,
)
from bot.adapters.telegram import RetryingLimiter, TokenFilter, _file_base

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

    with pytest.raises(EngineUnreachable):
        send(rasa_answering(refused))
    with pytest.raises(EngineUnavailable) as failed:
        send(rasa_answering(broken))
    assert not isinstance(failed.value, EngineUnreachable)  # may have been handled: no resend
    assert send(rasa_answering(answers)) == [BotMessage("Hi", [Button("Start", "/start")])]
