"""`mot tickets analyze` on real files: formats, encodings, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main

TICKETS = [
    ("101", "Where is my parcel? Ordered 10 days ago and still not delivered"),
    ("102", "The courier left the package in the rain, everything soaked"),
    ("103", "Your support agent was rude and hung up on me"),
    ("104", "Thanks, the hotline was super helpful!"),
]


def analyze(path: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["tickets", "analyze", str(path), *extra])
    return result.exit_code, result.stdout, result.stderr


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    import csv

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_json_output_follows_the_contract(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["id", "description"], [list(t) for t in TICKETS])
    code, out, _ = analyze(path, "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"tickets", "moments", "hardest", "skipped"}
    first = result["tickets"][0]
    assert first == {
        "id": "101",
        "mot": "amot",
        "stage": "retention",
        "sentiment": "negative",
        "confidence": first["confidence"],
    }
    assert 0 < first["confidence"] <= 1
    assert result["hardest"][0] == "amot"
    amot = next(m for m in result["moments"] if m["mot"] == "amot")
    assert amot["count"] == 2 and amot["negative_share"] == 1.0
    assert "delivery" in amot["themes"]


@pytest.mark.parametrize(
    ("header", "expected_id"),
    [
        (["Ticket ID", "Subject", "Description", "Status"], "101"),  # Zendesk
        (["Ticket Id", "Subject", "Description", "Priority"], "101"),  # Freshdesk
        (["Conversation ID", "Conversation body", "Assignee"], "101"),  # Intercom
        (["Nummer", "Betreff", "Beschreibung"], "101"),  # generic German
    ],
)
def test_helpdesk_column_names_are_recognised(
    tmp_path: Path, header: list[str], expected_id: str
) -> None:
    rows = [
        [tid, "Order", text, "x"][: len(header)] if len(header) == 4 else [tid, text, "x"]
        for tid, text in TICKETS
    ]
    if header[1] == "Betreff":
        rows = [[tid, "Bestellung", text] for tid, text in TICKETS]
    path = write_csv(tmp_path / "t.csv", header, rows)
    code, out, err = analyze(path, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["tickets"][0]["id"] == expected_id


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "cp1252"), ("\t", "utf-8-sig"), (",", "latin-1"), ("|", "utf-8")],
)
def test_encodings_and_delimiters_are_detected(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    rows = [
        ["1", "Die Lieferung ist verspätet, das Paket fehlt"],
        ["2", "Très déçu, colis perdu, délai énorme"],
    ]
    path = write_csv(tmp_path / "t.csv", ["id", "text"], rows, delimiter, encoding)
    code, out, err = analyze(path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert [t["id"] for t in result["tickets"]] == ["1", "2"]
    assert result["tickets"][0]["mot"] == "amot"
    assert result["skipped"] == []


def test_xlsx_exports_are_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Body"])
    for ticket_id, text in TICKETS:
        sheet.append([int(ticket_id), text])
    book.save(tmp_path / "t.xlsx")
    code, out, err = analyze(tmp_path / "t.xlsx", "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["tickets"]) == 4


def test_text_column_can_be_named(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv", ["ref", "what the customer wrote"], [list(t) for t in TICKETS]
    )
    code, _, err = analyze(path)
    assert code == 2
    assert "--text-column" in err and "what the customer wrote" in err
    code, out, _ = analyze(path, "--format", "json", "--text-column", "what the customer wrote")
    assert code == 0
    assert len(json.loads(out)["tickets"]) == 4


def test_bad_rows_are_listed_under_skipped_and_the_rest_analyzed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        b"id,description\n"
        b"1,Parcel never arrived\n"
        b"2,\n"
        b'3,=HYPERLINK("http://evil")\n'
        b"4,too,many,fields\n"
        b"6,Support was great\n"
    )
    code, out, err = analyze(path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert [t["id"] for t in result["tickets"]] == ["1", "3", "6"]  # cells are read as text
    reasons = {s["row"]: s["reason"] for s in result["skipped"]}
    assert reasons == {
        2: "empty text",
        4: "wrong number of fields (4 fields where the header has 2)",
    }


def test_undecodable_bytes_late_in_a_utf8_export_skip_only_that_row(tmp_path: Path) -> None:
    good = "".join(f"{i},Paket verspätet \u2013 bitte um Rückmeldung {i}\n" for i in range(1, 8001))
    path = tmp_path / "big.csv"
    path.write_bytes(
        b"id,description\n" + good.encode() + b"9001,broken \xff\xfe bytes\n9002,parcel late\n"
    )
    assert path.stat().st_size > 300_000
    code, out, err = analyze(path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert len(result["tickets"]) == 8001
    assert result["skipped"] == [{"row": 8001, "reason": "undecodable bytes in the text"}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00stuff" * 10, "binary"),
        (b"id,description\n", "no readable ticket"),
        (b"id,description\n1,\n2,  \n", "no readable ticket (empty text)"),
        (b"PK\x03\x04not really a zip", "binary"),
    ],
)
def test_unreadable_files_get_one_clear_line_and_exit_2(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = analyze(path, "--format", "json")
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = analyze(tmp_path / "nope.csv")
    assert code == 2 and "no such file" in err


def test_table_output_lists_the_hardest_moment_first(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["id", "description"], [list(t) for t in TICKETS])
    code, out, _ = analyze(path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "4 tickets read, 0 skipped"
    assert "Actual Moment of Truth (amot)" in lines[3]


def test_parallel_analysis_gives_the_same_result_as_serial(tmp_path: Path) -> None:
    from bot.exports import analyze_helpdesk_export

    rows = [[str(i), text] for i in range(3000) for _, text in TICKETS[i % 4 : i % 4 + 1]]
    path = write_csv(tmp_path / "t.csv", ["id", "description"], rows)
    serial = analyze_helpdesk_export(path, workers=1).to_dict()
    parallel = analyze_helpdesk_export(path, workers=2).to_dict()
    assert parallel == serial
    assert len(serial["tickets"]) == 3000  # type: ignore[arg-type]


def test_large_files_show_progress_on_stderr_only(tmp_path: Path) -> None:
    rows = [[str(i), f"Parcel {i} is late again, still no tracking update"] for i in range(25000)]
    path = write_csv(tmp_path / "big.csv", ["id", "description"], rows)
    assert path.stat().st_size > 1_000_000
    code, out, err = analyze(path, "--format", "json")
    assert code == 0
    assert len(json.loads(out)["tickets"]) == 25000
    progress = [line for line in err.splitlines() if line.startswith("Analysing tickets")]
    assert progress[0].endswith("  0%") and progress[-1].endswith("100%")
    assert len(progress) <= 11


def test_rows_the_parser_rejects_are_skipped_not_fatal(tmp_path: Path) -> None:
    huge = "x" * 1_100_000
    path = tmp_path / "odd.csv"
    path.write_bytes(
        b"id,description\n1,Parcel late\n"
        + b"9,Excel line\x0bbreak\n" * 500
        + b'2,bad \x00 byte\n3,"'
        + huge.encode()
        + b'"\n4,Parcel lost\n'
    )
    code, out, err = analyze(path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert [t["id"] for t in result["tickets"]] == ["1"] + ["9"] * 500 + ["4"]
    reasons = {s["row"]: s["reason"] for s in result["skipped"]}
    assert reasons[502] == "binary data in the text"
    assert reasons[503].startswith("unreadable row: field larger than field limit")


def test_a_title_column_and_an_issue_key_are_used_where_the_tool_names_them(
    tmp_path: Path,
) -> None:
    """Jira: Summary + Description, ids from Issue key; a ticket with only a title still counts."""
    header = ["Issue key", "Issue id", "Summary", "Status", "Description"]
    rows = [
        ["HELP-1", "10001", "Parcel never arrived", "Open", "Tracking stopped five days ago."],
        ["HELP-2", "10002", "App crashes on login", "Open", ""],
    ]
    code, out, err = analyze(write_csv(tmp_path / "jira.csv", header, rows), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert [t["id"] for t in result["tickets"]] == ["HELP-1", "HELP-2"]
    assert result["skipped"] == []
    assert [t["mot"] for t in result["tickets"]] == ["amot", "smot"]
