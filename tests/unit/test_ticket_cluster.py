"""bot/ticket_cluster.py without a cluster: which files a folder holds, and adding files up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.core.tickets import Skipped, TicketAnalysis, classify
from bot.ticket_cluster import ExportsAnalysis, FileResult, discover, merge


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Ticket ID,Description\n1,Where is my parcel?\n", encoding="utf-8")
    return path


def test_a_folder_is_its_exports_in_tree_order_without_hidden_files_or_lock_files(
    tmp_path: Path,
) -> None:
    for name in (
        "b.csv", "a-b/x.csv", "a/z.XLSX", "a/y.tsv", "a/deep/w.txt", "c.csv",
        ".hidden.csv", ".git/tickets.csv", "a/.cache/old.csv", "~$open.xlsx",
        "notes.md", "export.csv.gz", "a/report.pdf",
    ):  # fmt: skip
        touch(tmp_path / name)
    found = discover([tmp_path]).files
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/deep/w.txt", "a/y.tsv", "a/z.XLSX", "a-b/x.csv", "b.csv", "c.csv",
    ]  # fmt: skip


def test_files_keep_their_order_and_are_read_once(tmp_path: Path) -> None:
    first, second = touch(tmp_path / "z.csv"), touch(tmp_path / "in" / "a.csv")
    missing = tmp_path / "gone.csv"  # kept: reading it says what is wrong, with its name
    inputs = discover([first, tmp_path / "in", missing, tmp_path / "in" / ".." / "z.csv"])
    assert inputs.files == [first, second, missing]
    assert inputs.empty_folders == []


def test_a_folder_without_exports_is_named(tmp_path: Path) -> None:
    touch(tmp_path / "empty" / "notes.md")
    inputs = discover([tmp_path / "empty"])
    assert inputs.files == []
    assert inputs.problems() == [
        f"{tmp_path / 'empty'}: no export file (.csv, .tsv, .txt, .xlsx) in this folder"
    ]


TICKETS = [
    "Where is my parcel? Ordered 10 days ago and still not delivered",
    "The courier left the package in the rain, everything soaked",
    "Your support agent was rude and hung up on me",
    "Thanks, the hotline was super helpful!",
    "Der Mixer ist nach 3 Tagen kaputt, schlechte Qualität.",
    "I read the reviews on Trustpilot before ordering, are the complaints true?",
    "Too expensive: the price at checkout was higher than on the product page.",
    "see attached",
    "Ich habe euch allen Freunden empfohlen, danke!",
    "The app crashes every time I open my invoices",
]
TICKETS = [f"{said} #{1000 + n}" for n, said in enumerate(TICKETS * 3)]  # all different


def analysis_of(texts: list[str], first: int) -> TicketAnalysis:
    analysis = TicketAnalysis()
    for number, said in enumerate(texts, start=first):
        analysis.add(classify(str(number), said), said)
    return analysis


def test_files_added_up_are_one_analysis_of_all_their_tickets() -> None:
    parts = [analysis_of(TICKETS[:7], 0), analysis_of(TICKETS[7:20], 7), analysis_of([], 20)]
    parts.append(analysis_of(TICKETS[20:], 20))
    merged = TicketAnalysis()
    for part in parts:
        merge(merged, part)
    assert merged == analysis_of(TICKETS, 0)  # tallies, themes, examples, quotes, unclassified
    assert merged.unclassified.count >= 3  # "see attached" stays unclassified


def test_the_json_of_many_files_names_the_file_of_each_ticket_and_skipped_row() -> None:
    result = ExportsAnalysis()
    first, second = analysis_of(TICKETS[:2], 1), analysis_of(TICKETS[2:3], 1)
    first.skipped.append(Skipped(3, "empty text"))
    for part in (first, second):
        merge(result.analysis, part)
    result.files = [
        FileResult(Path("a.csv"), 2, 1),
        FileResult(Path("bad.csv"), error="bad.csv: the file is empty"),
        FileResult(Path("b.xlsx"), 1, 0),
    ]
    printed = result.to_dict()
    assert [(t["id"], t["file"]) for t in printed["tickets"]] == [  # type: ignore[attr-defined]
        ("1", "a.csv"), ("2", "a.csv"), ("1", "b.xlsx"),
    ]  # fmt: skip
    assert printed["skipped"] == [{"row": 3, "reason": "empty text", "file": "a.csv"}]
    assert printed["files"] == [
        {"path": "a.csv", "tickets": 2, "skipped": 1},
        {"path": "bad.csv", "error": "bad.csv: the file is empty"},
        {"path": "b.xlsx", "tickets": 1, "skipped": 0},
    ]
    assert set(printed) == {"tickets", "moments", "hardest", "skipped", "files"}


def test_importing_the_cli_leaves_dask_unloaded() -> None:
    """`mot --help` and every other command stay as quick as before Dask came."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, bot.cli, bot.ticket_cluster; "
         "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
