"""A Telegram Bot API emulator served on localhost, for driving the adapter over HTTP.

It speaks the subset of the Bot API the adapter uses (getMe, getUpdates with
offsets and long polling, sendMessage, sendChatAction, sendDocument, getFile
and file downloads, answerCallbackQuery, editMessageText/ReplyMarkup,
setMyCommands, deleteWebhook, getChatMember), keeps what the bot sent per chat, lets tests
post updates as users would, and can fail chosen calls (429, 500) on purpose; a
gateway error (502, 503, 504) comes as the HTML page of the proxy in front of the
Bot API, not as the Bot API's JSON.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

BOT_ID = 7000001
BOT_USERNAME = "mot_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "MoT", "username": BOT_USERNAME}
JSON_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "allowed_updates", "reply_markup",
    "reply_parameters", "commands", "show_alert", "user_id",
}  # fmt: skip


_UPDATE_IDS = itertools.count(1)

# What the proxy in front of the Bot API answers when the API behind it is down.
GATEWAY_ERRORS = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None  # the language their Telegram app is set to

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class Sent:
    """One message the bot sent (or edited), as the emulator stored it."""

    method: str
    chat_id: int
    message_id: int
    text: str = ""
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    document: bytes | None = None
    file_name: str | None = None
    caption: str | None = None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


@dataclass
class BotApiEmulator:
    token: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    # when each call came (time.monotonic()), in the order of `calls`
    call_times: list[float] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    # (method, status, chat or None for any chat) of calls to fail once
    failures: list[tuple[str, int, int | None]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    confirmed_offset: int = 0
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    # every update ever posted, by id, and those to deliver once more despite a confirmation
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    redelivering: set[int] = field(default_factory=set)
    # When set, users' updates go to it (e.g. POSTed to a webhook) instead of getUpdates.
    deliver: Callable[[dict[str, Any]], None] | None = None
    # (chat, user) of group administrators, as getChatMember tells them
    admins: set[tuple[int, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.lock = threading.Condition()
        # One bot's update ids only ever grow, as Telegram's do: emulators of one test run
        # share the counter, so an adapter on the same database never meets an id it
        # already handled (it would skip it as a repeat).
        self.update_ids = _UPDATE_IDS
        self.message_ids = itertools.count(100)
        self.server: ThreadingHTTPServer | None = None

    # --- serving ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> None:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # file downloads
                prefix, path = f"/file/bot{emulator.token}/", unquote(self.path)
                if not path.startswith(prefix):
                    return self._reply(404, b"not found")
                content = emulator.files.get(path.removeprefix(prefix))
                if content is None:
                    return self._reply(404, b"not found")
                return self._reply(200, content, "application/octet-stream")

            def do_POST(self) -> None:
                prefix = f"/bot{emulator.token}/"
                if not self.path.startswith(prefix):
                    return self._json(404, {"ok": False, "error_code": 404,
                                            "description": "Not Found"})  # fmt: skip
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                params = _parse_params(self.headers.get("Content-Type", ""), body)
                status, payload = emulator.call(self.path.removeprefix(prefix), params)
                if status in GATEWAY_ERRORS:
                    return self._reply(status, _gateway_page(status), "text/html")
                return self._json(status, payload)

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                self._reply(status, json.dumps(payload).encode(), "application/json")

            def _reply(self, status: int, body: bytes, kind: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with suppress(ConnectionError):  # a client stopped mid long-poll
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- the Bot API ----------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append(method)
            self.call_times.append(time.monotonic())
            for index, (failing, status, chat_id) in enumerate(self.failures):
                if failing == method and chat_id in (None, _chat_of(params)):
                    del self.failures[index]
                    return status, _error(status)
        handler = getattr(self, "api_" + method, None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method"}
        return 200, {"ok": True, "result": handler(params)}

    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands = list(params.get("commands") or [])
        return True

    def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + min(timeout, 5)  # short polls keep tests quick
        with self.lock:
            if offset:
                # Telegram forgets every update below the offset: this confirms them.
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self.updates = [
                    u for u in self.updates
                    if u["update_id"] >= offset or u["update_id"] in self.redelivering
                ]  # fmt: skip
            while not self.updates and time.monotonic() < deadline:
                self.lock.wait(deadline - time.monotonic())
            batch = list(self.updates[:limit])
            self.redelivering -= {u["update_id"] for u in batch}
            return batch

    def api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        with self.lock:
            self.callback_answers.append(params)
        return True

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        reply_to = (params.get("reply_parameters") or {}).get("message_id")
        return self._store(
            Sent("sendMessage", int(params["chat_id"]), next(self.message_ids),
                 text=str(params.get("text", "")), reply_markup=params.get("reply_markup"),
                 reply_to=reply_to)
        )  # fmt: skip

    def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        name, content = params["document"]
        return self._store(
            Sent("sendDocument", int(params["chat_id"]), next(self.message_ids),
                 document=content, file_name=name, caption=params.get("caption"))
        )  # fmt: skip

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            Sent("editMessageText", int(params["chat_id"]), int(params["message_id"]),
                 text=str(params.get("text", "")), reply_markup=params.get("reply_markup"))
        )  # fmt: skip

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            Sent("editMessageReplyMarkup", int(params["chat_id"]), int(params["message_id"]),
                 reply_markup=params.get("reply_markup"))
        )  # fmt: skip

    def api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        return {"file_id": file_id, "file_unique_id": file_id,
                "file_size": len(self.files.get(file_id, b"")), "file_path": file_id}  # fmt: skip

    def api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        if (chat_id, user_id) in self.admins:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    def _store(self, sent: Sent) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chat(sent.chat_id),
            "from": BOT_USER,
        }
        if sent.text:
            # Telegram keeps the text without markup (HTML parse mode): what the user reads.
            message["text"] = html.unescape(re.sub(r"<[^>]+>", "", sent.text))
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.document is not None:
            message["document"] = {"file_id": f"sent{sent.message_id}",
                                   "file_unique_id": f"sent{sent.message_id}",
                                   "file_name": sent.file_name}  # fmt: skip
        with self.lock:
            self.sent.append(sent)
            self.messages[(sent.chat_id, sent.message_id)] = message
            self.lock.notify_all()
        return message

    @staticmethod
    def _chat(chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": "Team"}
        return {"id": chat_id, "type": "private", "first_name": "User"}

    # --- what users do --------------------------------------------------------------------

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        with self.lock:
            update_id = next(self.update_ids)
            update = {"update_id": update_id, kind: payload}
            self.history[update_id] = update
            if self.deliver is None:
                self.updates.append(update)
                self.lock.notify_all()
        if self.deliver is not None:
            self.deliver(update)
        return update_id

    def last_update_id(self) -> int:
        with self.lock:
            return max(self.history, default=0)

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when its confirmation was lost
        (the adapter killed between handling a batch and fetching the next)."""
        with self.lock:
            self.redelivering.add(update_id)
            self.updates.insert(0, self.history[update_id])
            self.lock.notify_all()

    def send_text(
        self, user: TgUser, said: str, chat_id: int | None = None, reply_to: int | None = None
    ) -> int:
        """A user writes `said` in a private chat (default) or a group; returns its id."""
        message = self.text_message(user, said, chat_id, reply_to)
        self._push("message", message)
        return int(message["message_id"])

    def webhook_update(self, user: TgUser, said: str, chat_id: int | None = None) -> dict[str, Any]:
        """The update Telegram would POST to a webhook for a message."""
        return {"update_id": next(self.update_ids),
                "message": self.text_message(user, said, chat_id)}  # fmt: skip

    def text_message(
        self, user: TgUser, said: str, chat_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        chat_id = user.id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self.message_ids), "date": int(time.time()),
            "chat": self._chat(chat_id), "from": user.as_dict(), "text": said,
        }  # fmt: skip
        entities = []
        if said.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(said.split()[0])})
        mention = said.find("@" + BOT_USERNAME)
        if mention > 0 or (mention == 0 and not said.startswith("/")):
            entities.append({"type": "mention", "offset": mention,
                             "length": len(BOT_USERNAME) + 1})  # fmt: skip
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self.messages[(chat_id, reply_to)]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def send_other(self, user: TgUser, fields: dict[str, Any], chat_id: int | None = None) -> None:
        """Any other message (a sticker, a photo, a service message) from a user."""
        chat_id = user.id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self.message_ids), "date": int(time.time()),
            "chat": self._chat(chat_id), "from": user.as_dict(), **fields,
        }  # fmt: skip
        self._push("message", message)

    def send_document(
        self, user: TgUser, name: str, content: bytes, chat_id: int | None = None,
        reply_to: int | None = None, size: int | None = None, caption: str | None = None,
    ) -> None:  # fmt: skip
        chat_id = user.id if chat_id is None else chat_id
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = content
        message: dict[str, Any] = {
            "message_id": next(self.message_ids), "date": int(time.time()),
            "chat": self._chat(chat_id), "from": user.as_dict(),
            "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": name,
                         "file_size": len(content) if size is None else size},
        }  # fmt: skip
        if caption is not None:
            message["caption"] = caption
        if reply_to is not None:
            message["reply_to_message"] = self.messages[(chat_id, reply_to)]
        self._push("message", message)

    def press(self, user: TgUser, sent: Sent, title: str) -> None:
        """A user presses the button titled `title` under one of the bot's messages."""
        button = next(b for b in sent.buttons if b["text"] == title)
        self.press_data(user, sent, button["callback_data"])

    def press_data(self, user: TgUser, sent: Sent, data: str) -> None:
        """A callback with any data (a modified client can forge it)."""
        self._push(
            "callback_query",
            {"id": f"cb{next(self.update_ids)}", "from": user.as_dict(),
             "chat_instance": "ci", "data": data,
             "message": self.messages[(sent.chat_id, sent.message_id)]},
        )  # fmt: skip

    def fail_next(self, method: str, status: int, chat_id: int | None = None) -> None:
        """Fail the next call of `method` (to `chat_id` only, when given) with `status`."""
        with self.lock:
            self.failures.append((method, status, chat_id))

    # --- what tests look at -----------------------------------------------------------------

    def wait_for(self, condition: Callable[[list[Sent]], Any], timeout: float = 60) -> Any:
        """Wait until `condition(sent messages)` holds (returns it), or fail with the chat log."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                result = condition(list(self.sent))
                if result:
                    return result
                if time.monotonic() > deadline:
                    log = "\n".join(f"{s.chat_id}: {s.method} {s.text[:120]!r}" for s in self.sent)
                    raise AssertionError(f"timed out; the bot sent:\n{log}")
                self.lock.wait(0.5)

    def reply_after(self, mark: int, chat_id: int, containing: str, timeout: float = 60) -> Sent:
        """The first message to `chat_id` after `mark` (a len(sent)) containing a text."""

        def found(sent: list[Sent]) -> Sent | None:
            return next(
                (s for s in sent[mark:] if s.chat_id == chat_id and containing.lower()
                 in (s.text + (s.caption or "")).lower()), None
            )  # fmt: skip

        result: Sent = self.wait_for(found, timeout)
        return result

    def texts_after(self, mark: int, chat_id: int) -> str:
        return "\n".join(s.text for s in self.sent[mark:] if s.chat_id == chat_id)


def _chat_of(params: dict[str, Any]) -> int | None:
    with suppress(KeyError, TypeError, ValueError):
        return int(params["chat_id"])
    return None


def _error(status: int) -> dict[str, Any]:
    if status == 429:
        return {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1}}  # fmt: skip
    if status == 400:
        return {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    return {"ok": False, "error_code": status, "description": "Internal Server Error"}


def _gateway_page(status: int) -> bytes:
    title = f"{status} {GATEWAY_ERRORS[status]}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def _parse_params(content_type: str, body: bytes) -> dict[str, Any]:
    """Form-encoded or multipart parameters; JSON-valued fields decoded."""
    params: dict[str, Any] = {}
    if content_type.startswith("multipart/form-data"):
        parsed = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            content = part.get_payload(decode=True)
            if filename is not None:
                params[str(name)] = (filename, content)
            else:
                params[str(name)] = content.decode() if isinstance(content, bytes) else content
    elif content_type.startswith("application/json"):
        params = json.loads(body or b"{}")
    else:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            with suppress(ValueError):
                params[key] = json.loads(params[key])
    return params
