"""The scale-out topology on one machine: PostgreSQL, Redis, several Rasa + action servers.

`scripts/topology.sh up` (`mot topology up`, a thin command over this module)
starts it for trying and testing what `docker-compose.yml` describes for real
servers:

- PostgreSQL on loopback, holding Rasa's tracker store and our tables (one `DATABASE_URL`);
- Redis on loopback: Rasa's lock store, shared by every Rasa server;
- N replicas, each a Rasa server and its action server (`Stack`), all on that database;
- the adapter in front of all Rasa servers (`RASA_URL` lists them): Telegram when
  `TELEGRAM_BOT_TOKEN` is set, else the terminal chat.

PostgreSQL and Redis come from Debian's packages (installed when absent, by root);
a server already running on the chosen port is reused, not started twice. Their data
lives in `var/services/` (under /tmp when run as root: PostgreSQL refuses to run as
root, so its files belong to the `postgres` user there).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings
from bot.core.errors import MotError
from bot.core.texts import text
from bot.rasa_supervisor import Ports, Progress, Stack, ensure_models, free_port

DEFAULT_POSTGRES_PORT = 55432
DEFAULT_REDIS_PORT = 56379
DEFAULT_REPLICAS = 2  # Rasa + action servers; docker-compose.yml describes as many
DATABASE = "mot"
DB_USER = "mot"
DEBIAN_PACKAGES = ("postgresql", "redis-server")


class ServicesUnavailable(MotError):
    """PostgreSQL or Redis cannot be installed or started here; the message says why."""


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_listening(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not _listening(port):
        if time.monotonic() > deadline:
            raise ServicesUnavailable(f"{what} did not listen on 127.0.0.1:{port} in {timeout} s")
        time.sleep(0.2)


def _postgres_bin(name: str) -> Path | None:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<v>/bin."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which(name)
    return Path(found) if found else None


def missing_programs() -> list[str]:
    """The Debian packages whose programs this machine lacks."""
    missing = []
    if _postgres_bin("initdb") is None or _postgres_bin("pg_ctl") is None:
        missing.append("postgresql")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    return missing


def ensure_packages(progress: Progress = print) -> None:
    """Install PostgreSQL and Redis from Debian's packages when absent (as root, or with
    password-less sudo); otherwise say what to install."""
    missing = missing_programs()
    if not missing:
        return
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif (
        shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], check=False).returncode == 0
    ):
        prefix = ["sudo", "-n"]
    else:
        raise ServicesUnavailable(
            f"{', '.join(missing)} not installed, and installing needs root: "
            f"sudo apt-get install {' '.join(missing)}"
        )
    if shutil.which("apt-get") is None:
        raise ServicesUnavailable(f"{', '.join(missing)} not installed and no apt-get here")
    progress(text("topology.installing", packages=", ".join(missing)))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *missing]):
        result = subprocess.run(
            prefix + command, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0 and command[1] == "install":
            raise ServicesUnavailable(
                f"apt-get install {' '.join(missing)} failed: {result.stderr.strip()[-300:]}"
            )
    if still := missing_programs():
        raise ServicesUnavailable(f"{', '.join(still)} still missing after apt-get install")


def state_dir(root: Path = PROJECT_ROOT) -> Path:
    """Where the services keep their data: var/services, or /tmp when run as root."""
    if os.geteuid() != 0:
        return root / "var" / "services"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    return Path(tempfile.gettempdir()) / f"mot-services-{digest}"


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as `postgres`."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class Services:
    """PostgreSQL and Redis on loopback, for the topology and its tests."""

    directory: Path
    postgres_port: int = DEFAULT_POSTGRES_PORT
    redis_port: int = DEFAULT_REDIS_PORT
    started: list[str] = field(default_factory=list)  # what this object started

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.postgres_port}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def pgdata(self) -> Path:
        return self.directory / "postgres"

    def start(self, progress: Progress = print) -> None:
        ensure_packages(progress)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o755)
        self.start_postgres(progress)
        self.start_redis(progress)

    def start_postgres(self, progress: Progress = print) -> None:
        if _listening(self.postgres_port):
            progress(text("topology.reused", server="PostgreSQL", port=self.postgres_port))
        else:
            self._init_postgres(progress)
            pg_ctl = _postgres_bin("pg_ctl")
            assert pg_ctl is not None  # ensure_packages
            options = (
                f"-p {self.postgres_port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.pgdata}"
            )
            log = self.directory / "postgres.log"
            self._postgres_owns(log, touch=True)
            result = subprocess.run(
                _as_postgres(
                    [
                        str(pg_ctl),
                        "-D",
                        str(self.pgdata),
                        "-l",
                        str(log),
                        "-o",
                        options,
                        "-w",
                        "start",
                    ]
                ),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise ServicesUnavailable(
                    f"PostgreSQL did not start: {result.stderr.strip() or result.stdout.strip()}"
                    f"\n{_tail(log)}"
                )
            self.started.append("postgres")
            _wait_listening(self.postgres_port, "PostgreSQL")
            progress(text("topology.started", server="PostgreSQL", port=self.postgres_port))
        self._ensure_database()

    def _postgres_owns(self, path: Path, touch: bool = False) -> None:
        if touch:
            path.touch(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def _init_postgres(self, progress: Progress) -> None:
        if (self.pgdata / "PG_VERSION").is_file():
            return
        initdb = _postgres_bin("initdb")
        assert initdb is not None
        progress(text("topology.creating_cluster", path=self.pgdata))
        self.pgdata.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._postgres_owns(self.pgdata)
        self._postgres_owns(self.directory)
        result = subprocess.run(
            _as_postgres(
                [
                    str(initdb),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    DB_USER,
                    "-E",
                    "UTF8",
                    "--auth=trust",
                    "--no-instructions",
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServicesUnavailable(f"initdb failed: {result.stderr.strip()[-500:]}")

    def _ensure_database(self) -> None:
        """The `mot` database exists (created on first start)."""
        import psycopg

        admin = f"postgresql://{DB_USER}@127.0.0.1:{self.postgres_port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
                    exists = connection.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
                    ).fetchone()
                    if not exists:
                        connection.execute(f'CREATE DATABASE "{DATABASE}"')
                    return
            except psycopg.OperationalError as error:
                # Starting up, or a server on this port that is not ours.
                if time.monotonic() > deadline:
                    raise ServicesUnavailable(
                        f"PostgreSQL on 127.0.0.1:{self.postgres_port} refused us: {error}"
                    ) from error
                time.sleep(0.5)

    def start_redis(self, progress: Progress = print) -> None:
        if _listening(self.redis_port):
            progress(text("topology.reused", server="Redis", port=self.redis_port))
            return
        server = shutil.which("redis-server")
        assert server is not None
        subprocess.run(
            [
                server,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--dir",
                str(self.directory),
                "--pidfile",
                str(self.directory / "redis.pid"),
                "--logfile",
                str(self.directory / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
            capture_output=True,
        )
        self.started.append("redis")
        _wait_listening(self.redis_port, "Redis")
        progress(text("topology.started", server="Redis", port=self.redis_port))

    def stop_postgres(self, mode: str = "fast") -> None:
        pg_ctl = _postgres_bin("pg_ctl")
        if pg_ctl is None or not (self.pgdata / "postmaster.pid").is_file():
            return
        subprocess.run(
            _as_postgres([str(pg_ctl), "-D", str(self.pgdata), "-m", mode, "-w", "stop"]),
            capture_output=True,
            check=False,
        )

    def stop_redis(self) -> None:
        pidfile = self.directory / "redis.pid"
        if pidfile.is_file():
            with suppress(ProcessLookupError, ValueError):
                os.kill(int(pidfile.read_text().strip()), 15)
            pidfile.unlink(missing_ok=True)

    def stop(self, everything: bool = False) -> None:
        """Stop what this object started (or, with `everything`, what its directory runs)."""
        if everything or "postgres" in self.started:
            self.stop_postgres()
        if everything or "redis" in self.started:
            self.stop_redis()
        self.started.clear()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def migrate(database_url: str, root: Path = PROJECT_ROOT) -> None:
    from bot.storage.db import upgrade

    upgrade(database_url, root)


@dataclass
class Topology:
    """Several replicas (a Rasa server and its action server each) on shared services."""

    root: Path
    services: Services
    models: dict[str, Path]
    replicas: list[Stack] = field(default_factory=list)

    @property
    def rasa_urls(self) -> list[str]:
        """Every replica's Rasa server of the first language, in order."""
        return [stack.rasa_url for stack in self.replicas]

    def start(
        self,
        count: int = DEFAULT_REPLICAS,
        progress: Progress = print,
        env: dict[str, str] | None = None,
    ) -> None:
        """`count` replicas; `env` is extra environment for all their servers."""
        migrate(self.services.database_url, self.root)
        for index in range(count):
            run_dir = self.root / "var" / "topology" / f"replica-{index + 1}"
            stack = Stack(
                self.root,
                self.models,
                self.services.database_url,
                Ports(rasa=free_port(), actions=free_port()),
                run_dir=run_dir,
                env=dict(env or {}),
                redis_url=self.services.redis_url,
            )
            stack.start_actions()
            self.replicas.append(stack)
        for stack in self.replicas:
            stack.start_rasa()
        try:
            for stack in self.replicas:
                stack.wait_ready(progress)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        for stack in self.replicas:
            stack.stop()
        self.replicas.clear()


@contextmanager
def running_topology(
    root: Path,
    count: int = DEFAULT_REPLICAS,
    languages: tuple[str, ...] = ("en",),
    progress: Progress = print,
) -> Iterator[Topology]:
    """Services, migrations and `count` replicas, stopped again on leaving (services too,
    when this call started them)."""
    services = Services(state_dir(root))
    services.start(progress)
    topology = Topology(root, services, ensure_models(root, languages, progress))
    try:
        topology.start(count, progress)
        yield topology
    finally:
        topology.stop()
        services.stop()


def adapter_settings(settings: Settings, topology: Topology) -> Settings:
    """The adapter's settings: the shared database and Redis, every Rasa server listed."""
    from dataclasses import replace

    first = topology.rasa_urls[0]
    return replace(
        settings,
        database_url=topology.services.database_url,
        redis_url=topology.services.redis_url,
        rasa_url=first,
        rasa_urls={"en": first},
        rasa_replicas={"en": tuple(topology.rasa_urls)},
        chat_languages=("en",),
    )
