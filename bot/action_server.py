"""The action server (runs in .venv on Python 3.11 with the newest rasa-sdk).

Three things differ from `python -m rasa_sdk`, on purpose:
- it listens on loopback unless `ACTIONS_HOST` says otherwise (the SDK binds 0.0.0.0);
- every call must carry the shared token Rasa's action endpoint sends (`?token=`),
  because an action call names its own sender and slots: whoever can make one
  could act as any team;
- each action runs in a worker thread with its own event loop, so one team's
  long file analysis or database wait never stalls another team's turn.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import os
import warnings
from typing import Any

from bot.config import DEFAULT_ACTION_PORT, Settings
from bot.rasa_supervisor import PRIVATE_UMASK

log = logging.getLogger(__name__)
UNGUARDED_PATHS = frozenset({"/health"})  # liveness only: says nothing, runs nothing


def _quiet_sdk_version_warning() -> None:
    # rasa-sdk warns when its major.minor differs from Rasa's (3.6). We pair
    # the newest SDK with the last open-source Rasa on purpose: the
    # action webhook protocol is the same, and tests/e2e prove the pairing.
    warnings.filterwarnings(
        "ignore", message=r"Your versions of rasa and rasa_sdk might not be compatible"
    )


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison that never raises, whatever bytes arrive."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def conversation_language(action_call: dict[str, Any], default: str) -> str:
    """The language the front-end named for this conversation (message metadata), else `default`."""
    tracker = action_call.get("tracker")
    message = tracker.get("latest_message") if isinstance(tracker, dict) else None
    metadata = message.get("metadata") if isinstance(message, dict) else None
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if isinstance(language, str) and language else default


def repeated_turn_key(action_call: dict[str, Any]) -> str | None:
    """Names this action call within its turn, when the turn carries a `turn_id`.

    With several Rasa servers, a turn whose server died mid-way is sent again to
    another one (`bot/adapters/rasa_pool.py`), which calls the same actions again:
    this key (sender, turn, action, and how often the action already ran in the turn)
    finds what the first call answered. Without a `turn_id` (one Rasa server) None.
    """
    tracker = action_call.get("tracker")
    if not isinstance(tracker, dict):
        return None
    message = tracker.get("latest_message")
    metadata = message.get("metadata") if isinstance(message, dict) else None
    turn_id = metadata.get("turn_id") if isinstance(metadata, dict) else None
    if not isinstance(turn_id, str) or not turn_id:
        return None
    name = str(action_call.get("next_action"))
    earlier = 0
    for event in reversed(tracker.get("events") or []):
        if not isinstance(event, dict) or event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") == name:
            earlier += 1
    said = json.dumps([tracker.get("sender_id"), turn_id, name, earlier])
    return hashlib.sha256(said.encode()).hexdigest()


def unanswered_error_reply() -> Any:
    """What an action that failed on storage (or an untranslated core error) answers."""
    from rasa_sdk.executor import ActionExecutorRunResult

    from bot.core.texts import text

    return ActionExecutorRunResult(events=[], responses=[{"text": text("storage_error")}])


def threaded_executor(default_language: str = "en") -> Any:
    """The SDK's executor, running each action call on a worker thread in its conversation's
    language (what the front-end sent, else `default_language`)."""
    from rasa_sdk.executor import ActionExecutor, ActionExecutorRunResult

    from bot.app import current_app
    from bot.core.errors import MotError
    from bot.core.texts import use_language
    from bot.services import action_response, remember_action_response

    class ThreadedActionExecutor(ActionExecutor):  # type: ignore[misc]
        """Runs each action call on a worker thread (actions do blocking I/O).

        A storage or core error no action translated still gets the user a
        reply (every message is answered) instead of an error Rasa swallows.
        """

        async def run(self, action_call: dict[str, Any]) -> Any:
            language = conversation_language(action_call, default_language)
            key = repeated_turn_key(action_call)

            def in_thread() -> Any:
                if key is not None and (done := action_response(current_app().uow, key)):
                    # The same turn again (its first Rasa server died): answer as then.
                    return ActionExecutorRunResult(
                        events=done["events"], responses=done["responses"]
                    )
                with use_language(language):
                    result = asyncio.run(ActionExecutor.run(self, action_call))
                if key is not None and result is not None:
                    answered = {"events": result.events, "responses": result.responses}
                    remember_action_response(current_app().uow, key, answered)
                return result

            try:
                return await asyncio.to_thread(in_thread)
            except MotError:  # StorageError included: the one reply for it
                log.exception("action %s failed", action_call.get("next_action"))
                with use_language(language):
                    return unanswered_error_reply()

    return ThreadedActionExecutor()


def build_server(settings: Settings) -> Any:
    """The Sanic app: the SDK's routes behind the token check, actions in threads."""
    from rasa_sdk.endpoint import create_app
    from sanic import Request, response

    executor = threaded_executor(settings.language)
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])
    token = settings.action_server_token

    @app.on_request  # type: ignore[untyped-decorator]
    async def require_token(request: Request) -> Any:
        if request.path in UNGUARDED_PATHS:
            return None
        given = request.args.get("token") or request.headers.get("x-action-token")
        if not token_matches(given, token):
            log.warning("refused an action call without the right token from %s", request.ip)
            return response.json({"error": "missing or wrong token"}, status=401)
        return None

    return app


def main(argv: list[str] | None = None) -> None:
    _quiet_sdk_version_warning()
    parser = argparse.ArgumentParser(description="The moments-of-truth action server.")
    parser.add_argument("--port", type=int, default=DEFAULT_ACTION_PORT)
    parser.add_argument("--host", default=None, help="default: ACTIONS_HOST or 127.0.0.1")
    args = parser.parse_args(argv)
    os.umask(PRIVATE_UMASK)  # the database and its WAL hold what teams said: owner only
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    from bot.app import current_app

    settings = current_app().settings  # built once here, before threads share it
    host = args.host or settings.actions_host
    app = build_server(settings)
    log.info("Action server on http://%s:%d (token required)", host, args.port)
    app.run(
        host=host,
        port=args.port,
        single_process=True,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
