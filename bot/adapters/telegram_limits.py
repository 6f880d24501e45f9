"""Retrying Bot API calls: Telegram's flood control, 5xx and timeouts must not lose a reply.

Plugged into the application as PTB's rate limiter, the one hook that wraps every request.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)


def _retry_after(error: RetryAfter) -> float:
    """Seconds to wait; PTB 22 warns that the attribute turns into a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = error.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class RetryingLimiter(BaseRateLimiter[None]):
    """Retries every Bot API call on 429 (after `retry_after`), 5xx and timeouts.

    PTB's public hook for wrapping requests; bad requests and forbidden chats are
    not retried because sending them again cannot succeed.
    """

    def __init__(self, attempts: int = 5, first_delay: float = 0.5, max_delay: float = 30) -> None:
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        delay = self.first_delay
        attempt = 1
        while True:
            try:
                return await callback(*args, **kwargs)
            except (BadRequest, Forbidden, InvalidToken, Conflict):
                raise  # sending it again cannot succeed
            except RetryAfter as error:
                if attempt >= self.attempts:
                    raise
                wait = _retry_after(error)
            except NetworkError as error:  # 5xx, timeouts, connection errors
                if attempt >= self.attempts:
                    raise
                wait, delay = delay, delay * 2
                log.warning("Telegram %s failed (%s), attempt %d", endpoint, error, attempt)
            attempt += 1
            await asyncio.sleep(min(wait, self.max_delay))
