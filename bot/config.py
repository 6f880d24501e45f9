"""Configuration, read in one place: the environment, then an optional `.env` file.

Secrets (bot token, database URL) are never logged: `Settings.__repr__`
masks them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///var/mot.db"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
DEFAULT_UPLOADS_DIR = "var/uploads"
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0:8443"
DEFAULT_MAX_UPLOAD_MB = 20  # the Bot API's own limit for bots downloading files
DEFAULT_UPLOAD_QUOTA_MB = 200  # all raw uploads one chat may keep at a time
DEFAULT_RETENTION_DAYS = 180  # raw uploads and idle conversations older than this are purged
DEFAULT_ACTIONS_HOST = "127.0.0.1"
DEFAULT_LANGUAGE = "en"  # a catalogue under bot/locale; other languages fall back to it
# The languages a team may talk in: each has a catalogue, word lists and its own Rasa model.
DEFAULT_CHAT_LANGUAGES = "en,de"
SECRET_KEY_FILE = "var/secret.key"
DEFAULT_FACILITATION_TICK_S = 5.0  # how often due timers of facilitated sessions are checked


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; comments and blank lines ignored."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        values[key] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str | None = None
    rasa_url: str = DEFAULT_RASA_URL
    # Each chat language's Rasa server (one model per language); English is `rasa_url`.
    rasa_urls: dict[str, str] = field(default_factory=dict)
    # Every Rasa server of each language when several serve it (scale-out): RASA_URL and
    # RASA_URL_<LANG> may list several, comma-separated; `rasa_urls` holds the first.
    rasa_replicas: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Redis, when several processes share state: Rasa's lock store (one conversation
    # handled by one server at a time) and the Telegram adapter's keyboard owners.
    redis_url: str | None = field(default=None, repr=False)
    root: Path = PROJECT_ROOT
    uploads_dir: Path = PROJECT_ROOT / DEFAULT_UPLOADS_DIR
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    rasa_retry_s: float = 60.0  # how long a chat message waits for a Rasa that is down
    # Keys pseudonyms (survey takers) and derives the action server's token; never logged.
    secret_key: bytes = field(default=b"", repr=False)
    action_server_token: str = field(default="", repr=False)
    actions_host: str = DEFAULT_ACTIONS_HOST
    upload_quota_bytes: int = DEFAULT_UPLOAD_QUOTA_MB * 1024 * 1024
    retention_days: float = DEFAULT_RETENTION_DAYS
    # The terminal's and the CLI's language, and a chat's when its client names none.
    language: str = DEFAULT_LANGUAGE
    # The languages a team may talk in: those the dialogue (a Rasa model) understands
    # too, not merely those with a message catalogue. The first is the fallback.
    chat_languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)
    # Facilitated sessions: how often the adapter looks for due timers, and how many real
    # seconds one agenda minute lasts (60; tests shrink it).
    facilitation_tick_s: float = DEFAULT_FACILITATION_TICK_S
    facilitation_minute_s: float = 60.0

    def __repr__(self) -> str:
        token = "***" if self.telegram_bot_token else None
        return (
            f"Settings(database_url={mask_url(self.database_url)!r}, "
            f"telegram_bot_token={token!r}, rasa_url={self.rasa_url!r}, "
            f"redis_url={mask_url(self.redis_url) if self.redis_url else None!r}, "
            f"telegram_webhook_url={self.telegram_webhook_url!r})"
        )

    def rasa_url_for(self, language: str) -> str:
        """The Rasa server that understands `language`; English's when it has none."""
        return self.rasa_urls.get(language) or self.rasa_url

    def rasa_servers_for(self, language: str) -> tuple[str, ...]:
        """Every Rasa server of `language` (several when scaled out), English's when none.

        A `rasa_url(s)` set after loading (the servers `mot run` started) wins over the
        list read from the environment.
        """
        first = self.rasa_url_for(language)
        servers = self.rasa_replicas.get(language, ())
        return servers if servers[:1] == (first,) else (first,)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with a relative SQLite path anchored at the project root."""
        return absolute_sqlite_url(self.database_url, self.root)


def absolute_sqlite_url(url: str, root: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        relative = url.removeprefix(prefix)
        if relative and relative != ":memory:":
            return prefix + str((root / relative).resolve())
    return url


def mask_url(url: str) -> str:
    """A database URL safe to print: the password replaced by ***."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def secret_key(env: Mapping[str, str], root: Path) -> bytes:
    """`MOT_SECRET_KEY`, else a random key kept in `var/secret.key` (created 0600 once).

    It stays outside the database, so the database alone links no pseudonym to a person.
    """
    if env.get("MOT_SECRET_KEY"):
        return env["MOT_SECRET_KEY"].encode()
    path = root / SECRET_KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_hex(32).encode())
    return path.read_bytes().strip()


def action_token(key: bytes) -> str:
    """The shared secret Rasa sends the action server: derived, so both sides agree."""
    return hmac.new(key, b"action-server", hashlib.sha256).hexdigest()


def load_settings(environ: Mapping[str, str] | None = None, root: Path = PROJECT_ROOT) -> Settings:
    """Settings from the environment, falling back to `.env` in the project root."""
    env = dict(read_dotenv(root / ".env"))
    env.update(os.environ if environ is None else environ)
    key = secret_key(env, root)
    languages = _languages(env.get("MOT_CHAT_LANGUAGES"))
    rasa_url = (_url_list(env.get("RASA_URL")) or (DEFAULT_RASA_URL,))[0]
    return Settings(
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
        rasa_url=rasa_url,
        rasa_urls=_rasa_urls(env, languages, rasa_url),
        rasa_replicas=rasa_replicas(env, languages),
        redis_url=env.get("REDIS_URL") or None,
        root=root,
        uploads_dir=(root / (env.get("UPLOADS_DIR") or DEFAULT_UPLOADS_DIR)).resolve(),
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
        telegram_webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN,
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        max_upload_bytes=_megabytes(env.get("TELEGRAM_MAX_UPLOAD_MB"), DEFAULT_MAX_UPLOAD_MB),
        rasa_retry_s=_number(env.get("ENGINE_RETRY_SECONDS"), 60.0),
        secret_key=key,
        action_server_token=env.get("ACTION_SERVER_TOKEN") or action_token(key),
        actions_host=env.get("ACTIONS_HOST") or DEFAULT_ACTIONS_HOST,
        upload_quota_bytes=_megabytes(env.get("UPLOAD_QUOTA_MB"), DEFAULT_UPLOAD_QUOTA_MB),
        retention_days=_number(env.get("RETENTION_DAYS"), DEFAULT_RETENTION_DAYS),
        language=configured_language(env),
        chat_languages=languages,
        facilitation_tick_s=max(
            _number(env.get("MOT_FACILITATION_TICK_SECONDS"), DEFAULT_FACILITATION_TICK_S), 0.1
        ),
        facilitation_minute_s=max(_number(env.get("MOT_FACILITATION_MINUTE_SECONDS"), 60.0), 0.01),
    )


def configured_language(environ: Mapping[str, str] | None = None, root: Path = PROJECT_ROOT) -> str:
    """`MOT_LANGUAGE` (environment, then `.env`), without the rest of the settings' work."""
    if environ is None:
        environ = {**read_dotenv(root / ".env"), **os.environ}
    return environ.get("MOT_LANGUAGE") or DEFAULT_LANGUAGE


def _languages(raw: str | None) -> tuple[str, ...]:
    """`MOT_CHAT_LANGUAGES` ("en,de", the default; "en" serves English only): English
    always, the others as listed."""
    raw = DEFAULT_CHAT_LANGUAGES if raw is None else raw
    listed = [part.strip().lower() for part in raw.split(",") if part.strip()]
    return tuple(dict.fromkeys([DEFAULT_LANGUAGE, *listed]))


def _url_list(raw: str | None) -> tuple[str, ...]:
    """A comma-separated list of server URLs (one server, or several of one language)."""
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def _rasa_urls(env: Mapping[str, str], languages: tuple[str, ...], default: str) -> dict[str, str]:
    """`RASA_URL` for English, `RASA_URL_<LANG>` for the others (default: the next port);
    where a variable lists several servers, the first."""
    urls = {DEFAULT_LANGUAGE: default}
    scheme, _, rest = default.rpartition(":")
    for index, language in enumerate(languages[1:], start=1):
        port = int(rest) + index if rest.isdigit() else DEFAULT_RASA_PORT + index
        listed = _url_list(env.get(f"RASA_URL_{language.upper()}"))
        urls[language] = listed[0] if listed else f"{scheme}:{port}"
    return urls


def rasa_replicas(env: Mapping[str, str], languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every listed Rasa server of each language (`RASA_URL`, `RASA_URL_<LANG>`)."""
    english = _url_list(env.get("RASA_URL")) or (DEFAULT_RASA_URL,)
    urls = _rasa_urls(env, languages, english[0])
    return {
        language: english
        if language == DEFAULT_LANGUAGE
        else (_url_list(env.get(f"RASA_URL_{language.upper()}")) or (url,))
        for language, url in urls.items()
    }


def _number(raw: str | None, default: float) -> float:
    try:
        return max(float(raw), 0.0) if raw else default
    except ValueError:
        return default


def _megabytes(raw: str | None, default: int) -> int:
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    return int(max(value, 0.001) * 1024 * 1024)
