"""The adapter's pure parts: retrying Bot API calls, keeping the token out of logs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

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
