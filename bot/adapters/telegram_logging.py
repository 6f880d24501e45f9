"""Keeping the bot token out of the logs: every Bot API URL carries it."""

from __future__ import annotations

import logging


class TokenFilter(logging.Filter):
    """Blanks the bot token out of every log line (URLs of the Bot API carry it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = record.exc_text.replace(self.token, "<token>")
            record.exc_info = None
        return True


def protect_logs(token: str) -> None:
    """Keep the token out of all logs: httpx's request lines off, a filter on every handler."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    token_filter = TokenFilter(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)
