"""The Rasa supervisor: trains Rasa's model, starts and stops the Rasa and action servers.

Rasa 3.6 lives in `.venv-rasa` (Python 3.10); nothing here imports it. We
drive it through its command line and talk to it over HTTP only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy.engine import make_url

from bot.core.errors import MotError
from bot.core.texts import text

Progress = Callable[[str], None]
ENV_REFERENCE = re.compile(r"\$\{[A-Z_][A-Z0-9_]*\}")

DEFAULT_MODEL_LANGUAGE = "en"
QUIET_RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}
# Without --enable-api Rasa leaves Sanic's 60 s response timeout, which cancels a turn
# that waits longer (a large export's analysis; a conversation lock held by a server
# that died): as long as the adapter waits for an answer (300 s), and a little more.
RASA_SERVER_ENV = {"SANIC_RESPONSE_TIMEOUT": "330"}


# Files the servers create (the SQLite database and its WAL, logs, uploads) are the
# owner's alone: they hold what teams and customers said.
PRIVATE_UMASK = 0o077


class SupervisorError(MotError):
    """Training or a server failed; the message says where the log is."""


def rasa_bin(root: Path) -> Path:
    return root / ".venv-rasa" / "bin" / "rasa"


def config_file(language: str) -> str:
    """`config.yml` for English, `config-<language>.yml` for every other language."""
    return "config.yml" if language == DEFAULT_MODEL_LANGUAGE else f"config-{language}.yml"


def training_data(root: Path, language: str) -> list[Path]:
    """The data one language's model trains from.

    `data/*.yml` is the English NLU plus the stories and rules every language shares;
    another language brings its own NLU in `data/<language>/` and keeps the shared
    dialogue files (those not named `nlu*`), so both models learn the same dialogue.
    """
    shared = sorted(p for p in (root / "data").glob("*.yml") if p.is_file())
    if language == DEFAULT_MODEL_LANGUAGE:
        return shared
    own = sorted(p for p in (root / "data" / language).glob("*.yml") if p.is_file())
    return [*own, *(p for p in shared if not p.name.startswith("nlu"))]


def training_inputs(root: Path, language: str = DEFAULT_MODEL_LANGUAGE) -> list[Path]:
    return [root / "domain.yml", root / config_file(language), *training_data(root, language)]


def model_languages(root: Path) -> list[str]:
    """English, and each language with its own NLU folder and config."""
    others = sorted(
        path.name
        for path in (root / "data").glob("*")
        if path.is_dir() and (root / config_file(path.name)).is_file()
    )
    return [DEFAULT_MODEL_LANGUAGE, *others]


def fingerprint(root: Path, language: str = DEFAULT_MODEL_LANGUAGE) -> str:
    """A hash of everything the model is trained from: same inputs, same model."""
    digest = hashlib.sha256()
    for file in training_inputs(root, language):
        if not file.is_file():
            continue
        digest.update(str(file.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path, language: str = DEFAULT_MODEL_LANGUAGE) -> Path:
    return root / "models" / f"mot-{language}-{fingerprint(root, language)}.tar.gz"


def _tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def ensure_model(
    root: Path,
    progress: Progress = print,
    *,
    force: bool = False,
    language: str = DEFAULT_MODEL_LANGUAGE,
) -> Path:
    """One language's trained model for the current data, training only when its inputs changed."""
    target = model_path(root, language)
    if target.exists() and not force:
        progress(text("supervisor.model_ready", path=target.relative_to(root)))
        return target
    log_path = root / "var" / "logs" / f"train-{language}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    progress(text("supervisor.training", language=language))
    command = [
        str(rasa_bin(root)),
        "train",
        "--config",
        config_file(language),
        "--domain",
        "domain.yml",
        "--data",
        *(str(path.relative_to(root)) for path in training_data(root, language)),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
        "--out",
        str(target.parent),
        "--force",
    ]
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **QUIET_RASA_ENV},
        )
        reported = 0
        while process.poll() is None:
            time.sleep(1)
            elapsed = int(time.monotonic() - started)
            if elapsed - reported >= 20:
                reported = elapsed
                progress("  " + text("supervisor.still_training", seconds=elapsed))
    if process.returncode != 0 or not target.exists():
        raise SupervisorError(
            f"training failed (exit {process.returncode}); log: {log_path}\n{_tail(log_path)}"
        )
    progress(
        text(
            "supervisor.trained",
            seconds=int(time.monotonic() - started),
            path=target.relative_to(root),
        )
    )
    for old in target.parent.glob(f"mot-{language}-*.tar.gz"):
        if old != target:
            old.unlink()
    return target


def ensure_models(
    root: Path, languages: tuple[str, ...] | list[str], progress: Progress = print
) -> dict[str, Path]:
    """A trained model for each of `languages` that has training data, in that order."""
    known = model_languages(root)
    return {
        language: ensure_model(root, progress, language=language)
        for language in languages
        if language in known
    }


def tracker_store_config(database_url: str) -> tuple[dict[str, object], dict[str, str]]:
    """Rasa's SQLTrackerStore settings for our DATABASE_URL, plus env for its secrets.

    The password never lands in the file: it is passed as an environment
    variable that Rasa substitutes when it reads the endpoints.
    """
    url = make_url(database_url)
    dialect = url.drivername.split("+", 1)[0]
    if dialect == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": url.database or ""}, {}
    config: dict[str, object] = {
        "type": "SQL",
        "dialect": dialect,
        "url": url.host or "localhost",
        "db": url.database or "",
    }
    env: dict[str, str] = {}
    if url.port:
        config["port"] = url.port
    if url.username:
        config["username"] = url.username
    if url.password:
        config["password"] = "${MOT_TRACKER_DB_PASSWORD}"
        env["MOT_TRACKER_DB_PASSWORD"] = str(url.password)
    return config, env


def lock_store_config(redis_url: str) -> tuple[dict[str, object], dict[str, str]]:
    """Rasa's Redis lock store for our REDIS_URL, plus env for its password.

    With several Rasa servers on one tracker store, the lock must be shared too, or
    two servers could handle one conversation's messages at the same time.
    """
    parts = urlsplit(redis_url)
    if parts.scheme not in {"redis", "rediss"}:
        raise SupervisorError(f"REDIS_URL must start with redis:// (got {parts.scheme}://)")
    database = parts.path.strip("/")
    config: dict[str, object] = {
        "type": "redis",
        "url": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(database) if database.isdigit() else 0,
        "key_prefix": "mot",
    }
    env: dict[str, str] = {}
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    if parts.password:
        config["password"] = "${MOT_LOCK_STORE_PASSWORD}"
        env["MOT_LOCK_STORE_PASSWORD"] = unquote(parts.password)
    return config, env


def endpoints_yaml(endpoints: dict[str, dict[str, object]]) -> str:
    """Rasa's endpoints file: JSON-quoted values, except `${VAR}` references left bare.

    Rasa fills in `${VAR}` from its environment only in plain (unquoted) YAML
    scalars, so secrets stay in the environment and never in the file.
    """
    lines = []
    for section, values in endpoints.items():
        lines.append(f"{section}:")
        for key, value in values.items():
            bare = isinstance(value, str) and ENV_REFERENCE.fullmatch(value)
            lines.append(f"  {key}: {value if bare else json.dumps(value)}")
    return "\n".join(lines) + "\n"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Nothing listens on (or holds) this loopback port right now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def language_ports(languages: list[str], rasa_port: int, actions_port: int) -> dict[str, int]:
    """A Rasa port for each language after the first: the next ports up (5006 for German
    beside 5005), or a free one where that is the action server's or already taken."""
    taken = {rasa_port, actions_port}
    ports: dict[str, int] = {}
    for index, language in enumerate(languages[1:], start=1):
        port = rasa_port + index
        if port in taken or port > 65535 or not port_is_free(port):
            port = free_port()
            while port in taken:
                port = free_port()
        taken.add(port)
        ports[language] = port
    return ports


def wait_for_http(url: str, alive: Callable[[], bool], timeout: float) -> None:
    """Poll `url` until it answers 200; fail when the server died or time ran out."""
    deadline = time.monotonic() + timeout
    while True:
        if not alive():
            raise SupervisorError("exited")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SupervisorError(f"did not start within {timeout:.0f} s")
        time.sleep(0.5)


@dataclass
class Ports:
    rasa: int = 5005  # the default (English) model's Rasa server
    actions: int = 5055
    # Every other language's Rasa server; a language not listed takes the next port up.
    languages: dict[str, int] = field(default_factory=dict)


@dataclass
class Stack:
    """The action server and one Rasa server per language, started and stopped together.

    Rasa handles one language per model, so each language's model gets its own Rasa
    server; all of them share the domain, the action server and the tracker store, so a
    conversation that changes language continues where it was.
    """

    root: Path
    models: dict[str, Path]  # language -> trained model; the first is the default
    database_url: str
    ports: Ports = field(default_factory=Ports)
    run_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)  # extra environment for all servers
    # The secret Rasa sends with every action call; random per stack unless given.
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Rasa's lock store, shared with other stacks on the same database (scale-out).
    redis_url: str | None = field(default=None, repr=False)

    @property
    def languages(self) -> list[str]:
        return list(self.models)

    def rasa_port(self, language: str) -> int:
        if language == self.languages[0]:
            return self.ports.rasa
        return self.ports.languages.get(language, self.ports.rasa + self.languages.index(language))

    @property
    def rasa_urls(self) -> dict[str, str]:
        """Each language's Rasa server, the default language first."""
        return {lang: f"http://127.0.0.1:{self.rasa_port(lang)}" for lang in self.languages}

    @property
    def rasa_url(self) -> str:
        return self.rasa_urls[self.languages[0]]

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def logs(self) -> Path:
        return (self.run_dir or self.root / "var") / "logs"

    def _server(self, language: str) -> str:
        """The process key and log name of a language's Rasa server: rasa, rasa-de, ..."""
        return "rasa" if language == self.languages[0] else f"rasa-{language}"

    def _endpoints_path(self, port: int) -> Path:
        return (self.run_dir or self.root / "var") / f"endpoints-{port}.yml"

    def _write_endpoints(self, port: int) -> tuple[Path, dict[str, str]]:
        tracker_store, secret_env = tracker_store_config(self.database_url)
        endpoints: dict[str, dict[str, object]] = {
            # Rasa substitutes the token from its environment: it never lands in the file.
            "action_endpoint": {
                "url": f"{self.actions_url}/webhook",
                "token": "${MOT_ACTION_TOKEN}",
            },
            "tracker_store": tracker_store,
        }
        if self.redis_url:
            endpoints["lock_store"], lock_env = lock_store_config(self.redis_url)
            secret_env |= lock_env
        secret_env = {**secret_env, "MOT_ACTION_TOKEN": self.action_token}
        path = self._endpoints_path(port)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(endpoints_yaml(endpoints))
        return path, secret_env

    def start_actions(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / "actions.log").open("ab") as log:  # the child keeps its own copy
            self.processes["actions"] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.action_server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.ports.actions),
                ],
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=PRIVATE_UMASK,
                env={
                    **os.environ,
                    **self.env,
                    "DATABASE_URL": self.database_url,
                    "ACTION_SERVER_TOKEN": self.action_token,
                },
            )

    def start_rasa(self, language: str | None = None) -> None:
        """Every language's Rasa server, or only `language`'s (a restart after a crash)."""
        for lang in [language] if language else self.languages:
            if not self.models[lang].is_file():
                # Rasa would silently load the newest model in models/, maybe another
                # language's (a retraining removed this one): refuse instead.
                raise SupervisorError(f"the {lang} model is gone: {self.models[lang]}")
            port = self.rasa_port(lang)
            endpoints, secret_env = self._write_endpoints(port)
            self.logs.mkdir(parents=True, exist_ok=True)
            name = self._server(lang)
            with (self.logs / f"{name}.log").open("ab") as log:  # the child keeps its own copy
                self.processes[name] = subprocess.Popen(
                    [
                        str(rasa_bin(self.root)),
                        "run",
                        "--model",
                        str(self.models[lang]),
                        "--endpoints",
                        str(endpoints),
                        "--credentials",
                        "credentials.yml",
                        "--interface",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    cwd=self.root,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    umask=PRIVATE_UMASK,
                    env={
                        **os.environ,
                        **RASA_SERVER_ENV,
                        **self.env,
                        **QUIET_RASA_ENV,
                        **secret_env,
                    },
                )

    def start(self, progress: Progress = print, timeout: float = 240) -> None:
        self.start_actions()
        self.start_rasa()
        self.wait_ready(progress, timeout)

    def wait_ready(self, progress: Progress = print, timeout: float = 240) -> None:
        checks = {"actions": f"{self.actions_url}/health"}
        checks |= {self._server(lang): f"{url}/" for lang, url in self.rasa_urls.items()}
        started = time.monotonic()
        for key, url in checks.items():
            if key == "actions":
                progress(text("supervisor.waiting_actions", url=url.rsplit("/", 1)[0]))
            else:
                progress(text("supervisor.waiting_rasa", url=url.rstrip("/")))
            process = self.processes.get(key)

            def alive(process: subprocess.Popen[bytes] | None = process) -> bool:
                return process is None or process.poll() is None

            try:
                wait_for_http(url, alive, timeout - (time.monotonic() - started))
            except SupervisorError as error:
                self.stop()
                name = "action server" if key == "actions" else f"Rasa server ({key})"
                log = self.logs / f"{key}.log"
                raise SupervisorError(f"the {name} {error}; log: {log}\n{_tail(log)}") from None
        progress(text("supervisor.ready", seconds=f"{time.monotonic() - started:.0f}"))

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        # Rasa read its endpoints at start; the files would only pile up in var/.
        for language in self.languages:
            self._endpoints_path(self.rasa_port(language)).unlink(missing_ok=True)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill one server of the running stack ("actions", "rasa", "rasa-de") as a crash
        would (SIGKILL: no clean shutdown); the others keep running. For fault drills."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def revive(self, name: str, progress: Progress = print, timeout: float = 240) -> None:
        """Start one server that `kill` (or a crash) stopped and wait until it answers."""
        if name == "actions":
            self.start_actions()
        else:
            self.start_rasa(next(lang for lang in self.languages if self._server(lang) == name))
        self.wait_ready(progress, timeout)


@contextmanager
def running_stack(stack: Stack, progress: Progress = print) -> Iterator[Stack]:
    try:
        stack.start(progress)
        yield stack
    finally:
        stack.stop()
