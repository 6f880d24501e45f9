"""`mot tickets analyze` over many exports on a real Dask cluster: the same result as one process.

The exports are Zendesk- and Freshdesk-style CSVs (and one XLSX) of the
labelled corpus's tickets, English and German, with rows to skip. The cluster
is a real `LocalCluster` on this machine, reached through `--scheduler` like
one elsewhere; one test lets `mot` start its own with worker processes, which
proves the classifier travels to another process.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from bot import exports, ticket_cluster
from bot.cli import main
from bot.core.tickets import TicketAnalysis

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "bench" / "data" / "corpus"
MOT = Path(sys.executable).parent / "mot"


def corpus_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(CORPUS.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    return texts


TEXTS = corpus_texts()


def write_export(path: Path, first_id: int, count: int, seed: int) -> Path:
    """A helpdesk export of `count` corpus tickets; every 25th row has no text (skipped)."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        said = "" if number % 25 == 7 else rng.choice(TEXTS)
        rows.append([str(first_id + number), "Customer request" if said else "", said, "solved"])
    header = ["Ticket ID", "Subject", "Description", "Status"]
    if path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
        return path
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if seed % 2 else ",")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Four exports in a folder and a subfolder, with files that are not exports beside them."""
    root = tmp_path / "exports"
    (root / "2024").mkdir(parents=True)
    (root / ".cache").mkdir()
    write_export(root / "b_freshdesk.csv", 20_000, 700, seed=2)
    write_export(root / "a_zendesk.csv", 10_000, 900, seed=1)
    write_export(root / "2024" / "q1.xlsx", 30_000, 300, seed=3)
    write_export(root / "2024" / "q2.CSV", 40_000, 500, seed=4)
    write_export(root / ".cache" / "old.csv", 50_000, 50, seed=5)
    (root / ".hidden.csv").write_text("Ticket ID,Description\n1,hidden\n", encoding="utf-8")
    (root / "notes.md").write_text("# what the exports are\n", encoding="utf-8")
    return root


EXPECTED_ORDER = ["2024/q1.xlsx", "2024/q2.CSV", "a_zendesk.csv", "b_freshdesk.csv"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of two single-threaded workers, reached by its TCP address."""
    from distributed import LocalCluster

    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # its health checks: any port
    ) as cluster:
        yield cluster.scheduler_address


def analyze(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["tickets", "analyze", *args])
    return result.exit_code, result.stdout, result.stderr


def reference(files: list[Path]) -> list[TicketAnalysis]:
    """Each file as `mot tickets analyze FILE` reads it, in this one process."""
    return [exports.analyze_helpdesk_export(path, workers=1) for path in files]


def assert_same_tickets(printed: dict[str, Any], files: list[Path]) -> None:
    """The printed JSON says of every ticket what one process says, file by file, in order."""
    expected = [
        {**ticket, "file": str(path)}
        for path, analysis in zip(files, reference(files), strict=True)
        for ticket in analysis.to_dict()["tickets"]  # type: ignore[attr-defined]
    ]
    assert printed["tickets"] == expected


def test_many_files_on_a_cluster_read_every_ticket_as_one_process_does(
    folder: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_cluster, "CHUNK_SIZE", 128)  # many chunks, ends mid-file
    files = [folder / name for name in EXPECTED_ORDER]
    code, out, err = analyze(*map(str, files), "--scheduler", scheduler, "--format", "json")
    assert code == 0, err
    assert f"on the Dask cluster at {scheduler} (2 workers)" in err
    printed = json.loads(out)
    assert_same_tickets(printed, files)
    assert len(printed["tickets"]) == 2400 - 96  # every 25th row of each file has no text
    assert printed["files"] == [
        {"path": str(path), "tickets": count - count // 25, "skipped": count // 25}
        for path, count in zip(files, (300, 500, 900, 700), strict=True)
    ]

    # Counts summed, and everything else the table and the report read from the
    # analysis (themes, examples, quotes, skipped rows) as one process has it.
    whole = ticket_cluster.analyze_in_process(files)
    assert printed["moments"] == whole.analysis.to_dict()["moments"]
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        on_cluster = ticket_cluster.analyze_on(client, files)
    assert on_cluster == whole
    per_file = reference(files)
    for mot, tally in whole.analysis.moments.items():
        assert tally.count == sum(a.moments[mot].count for a in per_file if mot in a.moments)
        assert tally.negative == sum(a.moments[mot].negative for a in per_file if mot in a.moments)


def test_merged_files_are_one_file_of_all_their_tickets(tmp_path: Path) -> None:
    """Adding file by file gives what one export holding all the tickets gives."""
    files = [write_export(tmp_path / f"{n}.csv", 1000 * n, 200, seed=2 * n) for n in (1, 2, 3)]
    together = tmp_path / "all.csv"
    with together.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ticket ID", "Subject", "Description", "Status"])
        for path in files:
            with path.open(encoding="utf-8", newline="") as rows:
                writer.writerows(list(csv.reader(rows))[1:])  # even seeds: commas
    merged = ticket_cluster.analyze_in_process(files).analysis
    one = exports.analyze_helpdesk_export(together, workers=1)
    assert [r.row for r in merged.skipped] != [r.row for r in one.skipped]  # numbered per file
    merged.skipped = one.skipped = []
    assert merged == one


def test_mot_starts_a_local_cluster_of_worker_processes_when_it_pays(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_cluster, "CLUSTER_FROM_BYTES", 0)  # the threshold, met
    code, out, err = analyze(str(folder), "--format", "json")
    assert code == 0, err
    assert "Classifying on a local Dask cluster (2 worker processes)" in err
    printed = json.loads(out)
    assert [f["path"] for f in printed["files"]] == [str(folder / n) for n in EXPECTED_ORDER]
    assert_same_tickets(printed, [folder / name for name in EXPECTED_ORDER])


def test_a_folder_is_its_exports_in_order_with_a_line_each_and_one_table(folder: Path) -> None:
    code, out, err = analyze(str(folder))  # under 5 MB: in this process, no cluster
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[:5] == [
        f"{folder / '2024' / 'q1.xlsx'}: 288 tickets read, 12 skipped",
        f"{folder / '2024' / 'q2.CSV'}: 480 tickets read, 20 skipped",
        f"{folder / 'a_zendesk.csv'}: 864 tickets read, 36 skipped",
        f"{folder / 'b_freshdesk.csv'}: 672 tickets read, 28 skipped",
        "In all: 2304 tickets read, 96 skipped, from 4 of 4 files",
    ]
    table = lines[6 : lines.index("Skipped rows:") - 1]
    assert table[0].split() == ["moment", "tickets", "negative", "themes"]
    counts = [re.fullmatch(r".+ \((\w+)\) +(\d+) +\d+%  .*", line) for line in table[1:]]
    assert all(counts) and len(counts) == 6  # all six moments
    assert 2200 < sum(int(m.group(2)) for m in counts if m) <= 2304  # unclassified: no moment
    assert f"  {folder / '2024' / 'q1.xlsx'}, row 8: " in out  # skipped rows name their file
    assert "... and 76 more (see --format json)" in out


def test_a_bad_file_among_good_ones_is_named_and_the_others_are_analyzed(
    folder: Path, scheduler: str
) -> None:
    (folder / "empty.csv").write_bytes(b"")
    (folder / "2024" / "photo.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (folder / "survey.csv").write_text("Name,Score\nAna,9\n", encoding="utf-8")
    missing = folder / "gone.csv"
    empty_folder = folder.parent / "nothing_here"
    empty_folder.mkdir()
    code, out, err = analyze(str(folder), str(missing), str(empty_folder), "--scheduler", scheduler)
    assert code == 0
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 5, err
    for name in ("empty.csv", "photo.xlsx", "survey.csv", "gone.csv", "nothing_here"):
        assert sum(name in line for line in errors) == 1, (name, err)
    assert all(line.endswith("(left out; the other files are analysed)") for line in errors)
    assert "In all: 2304 tickets read, 96 skipped, from 4 of 8 files" in out

    code, out, err = analyze(str(folder / "empty.csv"), str(missing), "--scheduler", scheduler)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"Classifying on the Dask cluster at {scheduler} (2 workers)",
        f"error: {folder / 'empty.csv'}: the file is empty",
        f"error: {missing}: no such file",
        "error: none of the 2 files and folders could be read",
    ]


def test_one_file_on_a_cluster_prints_what_it_prints_without(folder: Path, scheduler: str) -> None:
    path = str(folder / "a_zendesk.csv")
    for fmt in ("table", "json"):
        here = analyze(path, "--format", fmt)
        there = analyze(path, "--format", fmt, "--scheduler", scheduler)
        assert here[0] == there[0] == 0
        assert here[1] == there[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_an_unreachable_scheduler_is_one_line_within_seconds(tmp_path: Path, folder: Path) -> None:
    """A real `mot` process: no traceback, not even from Dask's clean-up at exit."""
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "MOT_LANGUAGE": "en", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    started = time.monotonic()
    done = subprocess.run(
        [str(MOT), "tickets", "analyze", str(folder), "--scheduler", address],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert time.monotonic() - started < ticket_cluster.CONNECT_TIMEOUT_S + 5
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"error: cannot reach the Dask scheduler at {address} (no answer within 5 s)\n"
    )


def test_a_scheduler_address_that_is_none_is_bad_input(folder: Path) -> None:
    code, out, err = analyze(str(folder), "--scheduler", "10.0.0.5")
    assert code == 2 and out == ""
    assert err.startswith("error: --scheduler 10.0.0.5 is not a Dask scheduler address")


def test_a_scheduler_without_workers_is_said_so(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(ticket_cluster, "WORKERS_TIMEOUT_S", 1)
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=0,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as empty:
        code, out, err = analyze(str(folder), "--scheduler", empty.scheduler_address)
    assert code == 1 and out == ""
    assert (
        err
        == f"error: the Dask scheduler at {empty.scheduler_address} has no workers (waited 1 s)\n"
    )


def test_the_text_column_is_read_in_every_file(folder: Path) -> None:
    (folder / "survey.csv").write_text("Name,Score\nAna,9\n", encoding="utf-8")
    code, out, err = analyze(str(folder), "--text-column", "Subject", "--format", "json")
    assert code == 0
    assert err.splitlines() == [
        f"error: {folder / 'survey.csv'}: no column 'Subject'; columns found: Name, Score"
        " (left out; the other files are analysed)"
    ]
    printed = json.loads(out)
    assert len(printed["tickets"]) == 2304  # the rows with a subject
    assert {t["mot"] for t in printed["tickets"]} == {"unclassified"}  # "Customer request" alone
