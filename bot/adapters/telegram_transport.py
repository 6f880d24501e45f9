"""How updates reach the Telegram adapter: long polling or a webhook server, each update once.

Updates are acknowledged to Telegram only after they were handled (our own
polling loop, or the webhook's 200 sent after handling), so nothing is lost
when the adapter stops mid-update. The price is redelivery: an update handled
but not yet acknowledged comes again, so handled update ids are remembered in
the database and repeats are skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import suppress

from telegram import Bot, Update
from telegram.error import TelegramError

from bot import services
from bot.config import Settings
from bot.services import UowFactory

log = logging.getLogger(__name__)

Process = Callable[[Update], Awaitable[None]]
ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram's updates are a few KB; anything near this is not Telegram.
WEBHOOK_MAX_BODY = 1024 * 1024
WEBHOOK_MAX_HEAD = 16 * 1024
# Telegram opens at most this many connections (we tell it so in setWebhook).
WEBHOOK_MAX_CONNECTIONS = 40
WEBHOOK_READ_TIMEOUT_S = 10.0  # for the whole request; Telegram sends it at once


def once_only(process: Process, uow: UowFactory, bot_id: str) -> Process:
    """`process`, skipping updates already handled (durably) or being handled right now."""
    in_flight: set[int] = set()

    async def process_once(update: Update) -> None:
        update_id = update.update_id
        if update_id in in_flight or await asyncio.to_thread(
            services.is_handled, uow, bot_id, update_id
        ):
            log.info("update %d was delivered again: skipped", update_id)
            return
        in_flight.add(update_id)
        try:
            await process(update)
            await asyncio.to_thread(services.mark_handled, uow, bot_id, update_id)
        except Exception:  # one update never stops the others
            log.exception("update %d failed", update_id)
        finally:
            in_flight.discard(update_id)

    return process_once


# --- Long polling ----------------------------------------------------------------------


async def handle_batch(process: Process, updates: list[Update]) -> None:
    """Handle a batch: each chat's updates in order, different chats side by side."""
    by_chat: dict[int, list[Update]] = defaultdict(list)
    for update in updates:
        chat = update.effective_chat
        by_chat[chat.id if chat else 0].append(update)

    async def one_chat(chat_updates: list[Update]) -> None:
        for update in chat_updates:
            await process(update)

    await asyncio.gather(*(one_chat(u) for u in by_chat.values()))


async def poll(bot: Bot, process: Process, stop: asyncio.Event, timeout: int = 25) -> None:
    """Long polling that confirms updates to Telegram only once they were handled.

    Telegram forgets an update when `getUpdates` is called with a higher offset,
    so the offset moves past a batch only after the whole batch was processed:
    an adapter stopped halfway gets the same updates again when it restarts.
    """
    offset: int | None = None
    await bot.delete_webhook()
    stopping = asyncio.create_task(stop.wait())
    while not stop.is_set():
        fetch = asyncio.create_task(
            bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        )
        await asyncio.wait([fetch, stopping], return_when=asyncio.FIRST_COMPLETED)
        if not fetch.done():  # stopped while waiting for updates: nothing is half-handled
            fetch.cancel()
            with suppress(asyncio.CancelledError, TelegramError):
                await fetch
            break
        try:
            updates = fetch.result()
        except TelegramError as error:
            log.warning("getUpdates failed: %s", error)
            await _sleep_or_stop(stop, 2)
            continue
        if updates:
            await handle_batch(process, list(updates))
            offset = updates[-1].update_id + 1
    stopping.cancel()
    if offset is not None:
        # Confirm the last batch so a restart does not fetch it again.
        with suppress(TelegramError):
            await bot.get_updates(offset=offset, timeout=0, limit=1)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


# --- Webhook ---------------------------------------------------------------------------


async def serve_webhook(
    bot: Bot, process: Process, settings: Settings, stop: asyncio.Event
) -> None:
    """Webhook mode for servers: Telegram POSTs updates; we answer 200 after handling them.

    A deliberately small HTTP/1.1 server (asyncio streams), one JSON POST per
    connection. It is reachable from the internet, so it spends nothing on a
    stranger: method, path and secret header are checked before the body is read,
    the body is capped, the whole request must arrive within a timeout, and past
    `WEBHOOK_MAX_CONNECTIONS` open connections a new one gets 503 at once.
    """
    assert settings.telegram_webhook_url
    secret = settings.telegram_webhook_secret or secrets.token_urlsafe(24)
    path = "/" + settings.telegram_webhook_url.split("://", 1)[-1].partition("/")[2]
    host, _, port = settings.telegram_webhook_listen.rpartition(":")
    slots = asyncio.Semaphore(WEBHOOK_MAX_CONNECTIONS)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if slots.locked():
                await _respond(writer, "503 Service Unavailable")
                return
            async with slots:
                await _respond(writer, await _webhook_call(bot, process, reader, path, secret))
        except Exception:  # a broken connection must not reach asyncio's default handler
            log.exception("webhook connection failed")
        finally:
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(
        handle, host or "0.0.0.0", int(port), limit=WEBHOOK_MAX_HEAD
    )
    await bot.set_webhook(
        settings.telegram_webhook_url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=WEBHOOK_MAX_CONNECTIONS,
    )
    log.info("Webhook listening on %s", settings.telegram_webhook_listen)
    async with server:
        await stop.wait()


async def _respond(writer: asyncio.StreamWriter, status: str) -> None:
    writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    with suppress(ConnectionError):
        await writer.drain()


async def _webhook_call(
    bot: Bot, process: Process, reader: asyncio.StreamReader, path: str, secret: str
) -> str:
    """Read one request within the timeout, handle its update; the HTTP status to answer."""
    try:
        body = await asyncio.wait_for(_read_request(reader, path, secret), WEBHOOK_READ_TIMEOUT_S)
    except TimeoutError:
        return "408 Request Timeout"
    except (asyncio.IncompleteReadError, ConnectionError):
        return "400 Bad Request"
    except (asyncio.LimitOverrunError, ValueError):  # a head over WEBHOOK_MAX_HEAD
        return "431 Request Header Fields Too Large"
    if isinstance(body, str):
        return body
    try:
        update = Update.de_json(json.loads(body), bot)
    except (ValueError, TypeError, KeyError):
        return "400 Bad Request"
    if update is not None:
        await process(update)
    return "200 OK"


async def _read_request(reader: asyncio.StreamReader, path: str, secret: str) -> bytes | str:
    """The body of a genuine webhook call, or the status refusing it, decided before the body."""
    head = await reader.readuntil(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        return "400 Bad Request"
    method, target, _version = parts
    if target.split("?")[0] != path:
        return "404 Not Found"
    if method != "POST":
        return "405 Method Not Allowed"
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in header_lines if line)
    }
    # Bytes, not str: compare_digest refuses non-ASCII text (a forged header is just wrong).
    given = headers.get("x-telegram-bot-api-secret-token", "").encode("latin-1")
    if not secrets.compare_digest(given, secret.encode()):
        return "403 Forbidden"
    if "transfer-encoding" in headers or not _is_number(headers.get("content-length", "")):
        return "411 Length Required"
    length = int(headers["content-length"])
    if length > WEBHOOK_MAX_BODY:
        return "413 Payload Too Large"
    return await reader.readexactly(length)


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()
