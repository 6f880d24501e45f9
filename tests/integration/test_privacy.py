"""What is kept about people, and how: forgotten data gone from the files, files private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from bot import services
from bot.app import App
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method, Mot, Polarity

PHRASE = "Quokka-7731 says the courier kicked my parcel"
NAME = "Zebulon Quibbleworth"


def raw_bytes(database: Path) -> bytes:
    """Everything SQLite keeps on disk for the database: the file, its WAL and shared memory."""
    return b"".join(
        path.read_bytes()
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"))
        if path.exists()
    )


def test_a_forgotten_persons_words_are_gone_from_the_database_files(app: App) -> None:
    database = Path(app.settings.sqlalchemy_url.removeprefix("sqlite:///"))
    team = services.open_session(app.uow, "tg:-5:7", NAME)
    services.open_session(app.uow, "tg:-5:8", "Ben")
    answer = Evidence(method=Method.TEAM, mot=Mot.AMOT, polarity=Polarity.PAIN, text=PHRASE)
    services.add_evidence(app.uow, team.id, [answer], "tg:7", NAME, source_key="team.amot")
    note = Evidence(method=Method.TEAM, mot=Mot.ZMOT, text="Ben's review note")
    services.add_evidence(app.uow, team.id, [note], "tg:8", "Ben", source_key="team.zmot")
    assert PHRASE.encode() in raw_bytes(database)

    removed = services.forget_person(app.uow, "tg", "7")

    assert removed.answers == 1
    data = raw_bytes(database)
    assert PHRASE.encode() not in data and NAME.encode() not in data
    assert b"Ben's review note" in data  # the rest of the team's work stays


def test_the_database_and_its_folder_are_private(tmp_path: Path, project_root: Path) -> None:
    folder = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'mot.db'}",
           "MOT_SECRET_KEY": "test"}  # fmt: skip
    mot = Path(sys.executable).parent / "mot"
    subprocess.run([str(mot), "db", "upgrade"], env=env, check=True, capture_output=True,
                   umask=0o022)  # fmt: skip
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for created in folder.iterdir():
        assert stat.S_IMODE(created.stat().st_mode) & 0o077 == 0, created.name


def test_the_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    from bot.config import load_settings

    first = load_settings({}, root=tmp_path)
    second = load_settings({}, root=tmp_path)
    key_file = tmp_path / "var" / "secret.key"
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.action_server_token == second.action_server_token
    assert first.secret_key.decode() not in repr(first)
    assert load_settings({"MOT_SECRET_KEY": "k"}, root=tmp_path).secret_key == b"k"
