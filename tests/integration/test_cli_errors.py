"""Every failure of `mot` is one line on stderr: exit 2 for bad input, 1 for the rest.

Scripts and CI read the exit code to tell "fix what you passed" (2) from "something
around mot failed, try again later" (1); people read the one line. The entry point
runs as a real process, so no traceback or usage text can hide behind a test runner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import exports
from bot.cli import main

MOT = Path(sys.executable).parent / "mot"


def mot(
    tmp_path: Path, *args: str, database: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`mot ARGS` on a database of its own under tmp_path, Telegram switched off."""
    env = {
        **os.environ,
        "DATABASE_URL": database or f"sqlite:///{tmp_path / 'mot.db'}",
        "UPLOADS_DIR": str(tmp_path / "uploads"),
        "MOT_SECRET_KEY": "test",
        "TELEGRAM_BOT_TOKEN": "",
        "MOT_LANGUAGE": "en",
    }
    return subprocess.run(
        [str(MOT), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def one_error_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The error line, after checking the exit code, that it is alone and nothing went to stdout."""
    assert done.returncode == code, done.stderr[-2000:]
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "said", "helping"),
    [
        (["frobnicate"], "No such command 'frobnicate'", "mot"),
        (["--frobnicate"], "No such option '--frobnicate'", "mot"),
        (["tickets", "analyze"], "Missing argument 'PATH'", "mot tickets analyze"),
        (
            ["tickets", "analyze", "x.csv", "--format", "xml"],
            "'xml' is not one of",
            "mot tickets analyze",
        ),
        (["purge", "--days", "-1"], "'--days': -1.0 is not in the range", "mot purge"),
        (["run", "--rasa-port", "0"], "'--rasa-port': 0 is not in the range", "mot run"),
        (
            ["topology", "up", "--replicas", "0"],
            "'--replicas': 0 is not in the range",
            "mot topology up",
        ),
        (["topology", "sideways"], "No such command 'sideways'", "mot topology"),
    ],
)
def test_bad_arguments_and_option_values_exit_2_pointing_to_help(
    tmp_path: Path, args: list[str], said: str, helping: str
) -> None:
    line = one_error_line(mot(tmp_path, *args), 2)
    assert said in line
    assert line.endswith(f"(see `{helping} --help`)")


def test_an_unknown_report_format_exits_2_saying_which_there_are(tmp_path: Path) -> None:
    line = one_error_line(mot(tmp_path, "report", "--format", "docx"), 2)
    assert "'docx' is not one of 'md', 'html', 'pdf', 'csv', 'json'" in line


@pytest.mark.parametrize("command", ["tickets", "survey"])
def test_a_missing_file_exits_2(tmp_path: Path, command: str) -> None:
    line = one_error_line(mot(tmp_path, command, "analyze", "nowhere.csv"), 2)
    assert "nowhere.csv: no such file" in line


@pytest.mark.parametrize("command", ["tickets", "survey"])
def test_a_malformed_csv_exits_2(tmp_path: Path, command: str) -> None:
    broken = tmp_path / "export.csv"
    broken.write_bytes(b"id,text\n1,\x00\x01\x02\xff\xfe\x00 never arrived\n" * 40)
    line = one_error_line(mot(tmp_path, command, "analyze", str(broken)), 2)
    assert "export.csv" in line


def test_a_csv_without_ticket_text_exits_2_naming_the_option(tmp_path: Path) -> None:
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("id,amount\n1,20\n2,30\n", encoding="utf-8")
    line = one_error_line(mot(tmp_path, "tickets", "analyze", str(numbers)), 2)
    assert "--text-column" in line


@pytest.mark.parametrize("args", [["report", "no-such-session"], ["session", "show", "nope"]])
def test_an_unknown_session_exits_2(tmp_path: Path, args: list[str]) -> None:
    line = one_error_line(mot(tmp_path, *args), 2)
    assert f"no interview session '{args[-1]}'" in line


def test_a_report_to_a_folder_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    assert mot(tmp_path, "demo").returncode == 0
    line = one_error_line(mot(tmp_path, "report", "-o", str(tmp_path / "no" / "r.md")), 2)
    assert "cannot write" in line and "r.md" in line
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", [["demo"], ["report"], ["db", "upgrade"], ["purge"]])
def test_a_database_that_cannot_be_created_exits_1(tmp_path: Path, command: list[str]) -> None:
    """The database's folder would have to be made inside a file (fails for root as well)."""
    (tmp_path / "plain-file").write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'plain-file' / 'mot.db'}"
    line = one_error_line(mot(tmp_path, *command, database=url), 1)
    assert f"the database {url} cannot be opened" in line


def test_a_file_that_is_not_a_database_exits_1(tmp_path: Path) -> None:
    """SQLite's own reason, without SQLAlchemy's second line pointing to its docs."""
    (tmp_path / "mot.db").write_bytes(b"this is not SQLite" * 100)
    line = one_error_line(mot(tmp_path, "demo"), 1)
    assert line.endswith("cannot be opened: file is not a database")


def test_telegram_without_a_token_exits_1(tmp_path: Path) -> None:
    line = one_error_line(mot(tmp_path, "telegram"), 1)
    assert "TELEGRAM_BOT_TOKEN" in line


def test_a_closed_output_pipe_ends_quietly_with_1(tmp_path: Path) -> None:
    """`mot tickets analyze ... | head -1`: no BrokenPipeError story on stderr."""
    tickets = tmp_path / "tickets.csv"
    rows = "".join(f"{n},Parcel {n} arrived two weeks late\n" for n in range(2000))
    tickets.write_text("id,text\n" + rows, encoding="utf-8")
    env = {**os.environ, "MOT_SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'd'}"}
    with subprocess.Popen(
        [str(MOT), "tickets", "analyze", str(tickets), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before mot writes a byte
        errors = process.stderr.read()
        assert process.wait(timeout=120) == 1
    assert errors == b""


def test_a_bug_is_still_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise KeyError("moments")

    monkeypatch.setattr(exports, "analyze_helpdesk_export", broken)
    result = CliRunner().invoke(main, ["tickets", "analyze", "any.csv"])
    assert result.exit_code == 1
    assert result.stderr == "error: unexpected KeyError: 'moments'\n"


def test_ctrl_c_is_one_line_and_the_shells_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(exports, "analyze_helpdesk_export", interrupted)
    result = CliRunner().invoke(main, ["tickets", "analyze", "any.csv"])
    assert result.exit_code == 130
    assert result.stderr.strip() == "error: interrupted"


def test_help_still_exits_0(tmp_path: Path) -> None:
    done = mot(tmp_path, "--help")
    assert done.returncode == 0 and "tickets" in done.stdout and done.stderr == ""
