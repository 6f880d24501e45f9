"""Hostile and awkward files: each ends within 30 s, under 1 GB, with exit 2 and one line.

The files are generated here (the big XLSX members by writing the zip by hand, so
a 10-million-entry table takes a few hundred KB) and the real `mot` runs as a
process with an address-space limit, so a reader that materialises a zip bomb
or pads rows to 16,384 cells fails the test instead of freezing the machine.
Legitimate but awkward exports (Excel's UTF-16 "Unicode text", tickets starting
with `@`, `-`, `+` or `=`) must be read, not refused or skipped.
"""

from __future__ import annotations

import json
import random
import resource
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

MOT = Path(sys.executable).with_name("mot")
MEMORY_LIMIT = 1024**3
TIME_LIMIT = 30

Member = tuple[bytes, int, int]  # raw deflate data, CRC-32, uncompressed size


def run_mot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, under 1 GB of address space and 30 s."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [str(MOT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIME_LIMIT,
        preexec_fn=limit_memory,
        cwd=cwd,
        check=False,
    )


def deflated(data: bytes, times: int = 1) -> Member:
    """`data` repeated `times` times as one deflate stream, never holding the repetition.

    A full flush makes the compressed block independent of what came before, so
    repeating its bytes is a valid stream of the repeated data.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(data, crc)
    return block * times + packer.flush(), crc, len(data) * times


def write_zip(
    path: Path, members: dict[str, Member], declared: dict[str, int] | None = None
) -> Path:
    """A zip file written field by field; `declared` overrides a member's stated size."""
    out = bytearray()
    central = bytearray()
    for name, (data, crc, size) in members.items():
        raw = name.encode()
        stated = (declared or {}).get(name, size)
        offset = len(out)
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 33, crc, len(data), stated, len(raw), 0
        )
        out += raw + data
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            33,
            crc,
            len(data),
            stated,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw
    start = len(out)
    out += central
    out += struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), start, 0
    )
    path.write_bytes(bytes(out))
    return path


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx(
    path: Path,
    sheet: Member,
    shared: Member | None = None,
    declared: dict[str, int] | None = None,
    sheet_name: str = "worksheets/sheet1.xml",
    extra: dict[str, Member] | None = None,
) -> Path:
    """A minimal workbook: package parts, one worksheet and maybe a shared-strings table."""
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/{sheet_name}" ContentType="{office}.worksheet+xml"/>'
        + (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/>'
            if shared
            else ""
        )
        + "</Types>"
    )
    root_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        '<sheet name="Tickets" sheetId="1" r:id="rId7"/></sheets></workbook>'
    )
    book_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId7" Type="{RELS}/worksheet" Target="{sheet_name}"/>'
        "</Relationships>"
    )
    members = {
        "[Content_Types].xml": deflated(types.encode()),
        "_rels/.rels": deflated(root_rels.encode()),
        "xl/workbook.xml": deflated(book.encode()),
        "xl/_rels/workbook.xml.rels": deflated(book_rels.encode()),
        f"xl/{sheet_name}": sheet,
    }
    if shared is not None:
        members["xl/sharedStrings.xml"] = shared
    return write_zip(path, members | (extra or {}), declared)


def sheet_xml(rows: str, dimension: str = "A1:B3") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>{rows}'
        "</sheetData></worksheet>"
    ).encode()


def inline(ref: str, text: str) -> str:
    at = f' r="{ref}"' if ref else ""
    return f'<c{at} t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{inline("A1", "ID")}{inline("B1", "Description")}</row>'


# --- hostile files -----------------------------------------------------------


def shared_strings_bomb(path: Path) -> Path:
    """440 KB on disk, 10 million entries in the shared-strings table."""
    head = f'<sst xmlns="{MAIN}" count="10000000" uniqueCount="10000000">'.encode()
    entry = b"<si><t>x</t></si>"
    block = entry * 100_000
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(b"</sst>") + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(100):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(b"</sst>", crc)
    size = len(head) + len(block) * 100 + len(b"</sst>")
    shared = (body + repeated * 100 + tail, crc, size)
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return xlsx(path, deflated(sheet_xml(rows)), shared)


def zip_bomb(path: Path) -> Path:
    """A worksheet that inflates to 1 GB."""
    return xlsx(path, deflated(b"<row><c><v>1</v></c></row>" * 40_000, 1000))


def lying_zip_bomb(path: Path) -> Path:
    """A worksheet that says it is 2 KB and inflates to 1 GB."""
    sheet = deflated(b"<row><c><v>1</v></c></row>" * 40_000, 1000)
    return xlsx(path, sheet, declared={"xl/worksheets/sheet1.xml": 2048})


def far_column(path: Path) -> Path:
    """A value in column XFD, the last one Excel has."""
    rows = HEADER + f'<row r="2">{inline("A2", "1")}{inline("XFD2", "hidden")}</row>'
    return xlsx(path, deflated(sheet_xml(rows, "A1:XFD2")))


def repeated_rows(
    path: Path, header: str, row: bytes, times: int, dimension: str, per_block: int = 100_000
) -> Path:
    """A worksheet of a header and `times` blocks of `per_block` copies of `row`, small packed."""
    head, tail = sheet_xml(header, dimension).split(b"</sheetData>")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(row * per_block) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(b"</sheetData>" + tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(row * per_block, crc)
    crc = zlib.crc32(b"</sheetData>" + tail, crc)
    size = len(head) + len(row) * per_block * times + len(b"</sheetData>" + tail)
    return xlsx(path, (data + block * times + end, crc, size))


def too_many_rows(path: Path) -> Path:
    """Two million rows (formatted, empty cells): small packed, over the row limit."""
    return repeated_rows(path, HEADER, b'<row><c s="1"/></row>', 20, "A1:B2000001")


def entity_expansion(path: Path) -> Path:
    """The 'billion laughs' document type in a worksheet."""
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + f']><worksheet xmlns="{MAIN}"><sheetData><row><c t="inlineStr"><is><t>&lol9;</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    return xlsx(path, deflated(lol.encode()))


def write(content: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(content)
        return path

    return make


def weird_bytes(path: Path) -> Path:
    return write(random.Random(9).randbytes(200_000))(path)


HOSTILE: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "shared strings bomb": ("t.xlsx", shared_strings_bomb, "2,000,000 shared strings"),
    "zip bomb": ("t.xlsx", zip_bomb, "200 MB"),
    "lying zip bomb": ("t.xlsx", lying_zip_bomb, "XLSX"),
    "value in column XFD": ("t.xlsx", far_column, "1,000 columns"),
    "two million rows": ("t.xlsx", too_many_rows, "1,000,000 rows"),
    "entity expansion": ("t.xlsx", entity_expansion, "XLSX"),
    "quote-comma CSV": ("t.csv", write(b',"' * 131_072), "1,000 columns"),
    "unclosed quote": ("t.csv", write(b'description\n"' + b"x, " * 400_000), "no readable"),
    "1 MB cell": ("t.csv", write(b"description\n" + b"y" * 1_000_000 + b"\n"), "no readable"),
    "no line breaks": ("t.csv", write(b"description,x" * 400_000), "line longer than"),
    "binary": ("t.csv", write(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 100), "binary"),
    "random bytes": ("t.csv", weird_bytes, "binary"),
    "random bytes after a UTF-16 BOM": (
        "t.txt",
        lambda p: write(b"\xff\xfe" + weird_bytes(p).read_bytes())(p),
        "binary",
    ),
    "NUL only": ("t.csv", write(b"\0" * 100_000), "binary"),
    "old Excel": ("t.xls", write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000), ".xls"),
}


# The survey reader shares the table reader: three cases show it ends the same way.
RUNS = [(case, "tickets") for case in HOSTILE] + [
    (case, "survey") for case in ("shared strings bomb", "quote-comma CSV", "binary")
]


@pytest.mark.parametrize(("case", "command"), RUNS)
def test_hostile_files_end_quickly_with_exit_2_and_one_line(
    tmp_path: Path, case: str, command: str
) -> None:
    name, make, message = HOSTILE[case]
    path = make(tmp_path / name)
    result = run_mot(command, "analyze", str(path), "--format", "json", cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("error: ") and message in lines[0]
    assert len(lines[0]) < 600


def test_a_declared_dimension_of_the_whole_sheet_does_not_pad_rows(tmp_path: Path) -> None:
    """A 20 KB export declaring A1:XFD1048576 is read as the two columns it has."""
    row = f"<row>{inline('', '7')}{inline('', 'Parcel never arrived, no tracking')}</row>"
    path = repeated_rows(tmp_path / "t.xlsx", HEADER, row.encode(), 1, "A1:XFD1048576", 50_000)
    assert path.stat().st_size < 30_000
    result = run_mot("tickets", "analyze", str(path), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    analysis = json.loads(result.stdout)
    assert len(analysis["tickets"]) == 50_000 and analysis["skipped"] == []
    assert analysis["tickets"][0] == {**analysis["tickets"][0], "id": "7", "mot": "amot"}


# --- legitimate but awkward files --------------------------------------------


def analyze(path: Path, command: str = "tickets") -> dict[str, object]:
    result = CliRunner().invoke(main, [command, "analyze", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


SOCIAL_TICKETS = [
    ("1", "@YourBrand my order never arrived, where is my parcel?"),
    ("2", "- the courier left the package in the rain"),
    ("3", "+1 the parcel is two weeks late"),
    ("4", "=( your support agent was rude and hung up on me"),
    ("5", "Thanks, the hotline was super helpful!"),
]


def excel_unicode_text(rows: list[tuple[str, str]], bom: bool = True) -> bytes:
    """What Excel's "Unicode text" export writes: UTF-16 LE, tabs, CRLF."""
    text = "Ticket ID\tDescription\r\n" + "".join(f"{i}\t{t}\r\n" for i, t in rows)
    return (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")


@pytest.mark.parametrize("bom", [True, False])
def test_excel_unicode_text_exports_are_read(tmp_path: Path, bom: bool) -> None:
    rows = [("7", "Wo bleibt mein Paket? Seit 10 Tagen nicht geliefert"), *SOCIAL_TICKETS]
    path = tmp_path / "export.txt"
    path.write_bytes(excel_unicode_text(rows, bom))
    result = analyze(path)
    tickets = result["tickets"]
    assert isinstance(tickets, list)
    assert [t["id"] for t in tickets] == ["7", "1", "2", "3", "4", "5"]
    assert tickets[0]["mot"] == "amot"
    assert result["skipped"] == []


def test_tickets_starting_with_at_minus_plus_or_equals_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "social.csv"
    path.write_text("id,description\n" + "".join(f'{i},"{t}"\n' for i, t in SOCIAL_TICKETS))
    result = analyze(path)
    assert result["skipped"] == []
    by_id = {t["id"]: t for t in result["tickets"]}  # type: ignore[attr-defined]
    assert by_id["1"]["mot"] == "amot" and by_id["1"]["sentiment"] == "negative"
    assert by_id["4"]["mot"] == "smot"
    assert by_id["5"]["sentiment"] == "positive"


def test_survey_answers_starting_with_at_or_plus_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(
        "nps,went well,went badly\n"
        '9,"@YourBrand the hotline was super helpful","+ delivery was late, parcel lost"\n'
    )
    result = analyze(path, "survey")
    moments = {m["mot"]: m for m in result["moments"]}  # type: ignore[attr-defined]
    assert moments["smot"]["positive"] == 1
    assert moments["amot"]["negative"] == 1


def test_xlsx_cell_kinds_are_read_from_the_cells_present(tmp_path: Path) -> None:
    """Shared strings with rich-text runs, inline strings, gaps, numbers and booleans."""
    shared = (
        f'<sst xmlns="{MAIN}"><si><t>Ticket ID</t></si><si><t>Subject</t></si>'
        "<si><r><t>Descrip</t></r><r><rPr><b/></rPr><t>tion</t></r>"
        "<rPh><t>ignored</t></rPh></si>"
        '<si><t xml:space="preserve">  Parcel &amp; box never arrived  </t></si></sst>'
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="b"><v>1</v></c></row>'
        '<row r="3"><c r="A3"><v>101</v></c><c r="C3" t="s"><v>3</v></c>'
        '<c r="XFD3" s="1"/></row>'
        f'<row r="4"><c r="A4"><v>102</v></c>{inline("C4", "Support was rude")}</row>'
    )
    path = xlsx(
        tmp_path / "t.xlsx",
        deflated(sheet_xml(rows, "A1:XFD4")),
        deflated(shared.encode()),
        sheet_name="worksheets/tickets.xml",
    )
    result = analyze(path)
    tickets = result["tickets"]
    assert isinstance(tickets, list)
    assert [(t["id"], t["mot"]) for t in tickets] == [("101", "amot"), ("102", "smot")]
    assert result["skipped"] == []


def test_an_overlong_xlsx_cell_skips_its_row_only(tmp_path: Path) -> None:
    rows = (
        HEADER
        + f'<row r="2">{inline("A2", "1")}{inline("B2", "late " * 30_000)}</row>'
        + f'<row r="3">{inline("A3", "2")}{inline("B3", "Parcel lost")}</row>'
    )
    result = analyze(xlsx(tmp_path / "t.xlsx", deflated(sheet_xml(rows))))
    assert [t["id"] for t in result["tickets"]] == ["2"]  # type: ignore[attr-defined]
    assert result["skipped"] == [{"row": 1, "reason": "text longer than 100000 characters"}]


def test_an_error_after_the_live_progress_bar_starts_gets_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the bar ends with `\\r`; an error found later must not be glued to it."""
    from bot import cli

    shown = cli._ProgressBar.__init__

    def on_a_terminal(self: cli._ProgressBar, label: str) -> None:
        shown(self, label)
        self.live = True

    monkeypatch.setattr(cli._ProgressBar, "__init__", on_a_terminal)
    rows = HEADER + "".join(
        f"<row>{inline('', str(n))}{inline('', f'Parcel {n} late')}</row>" for n in range(3000)
    )
    rows += f"<row>{inline('A9000', '1')}{inline('XFD9000', 'note')}</row>"
    picture = deflated(random.Random(3).randbytes(1_100_000))  # over 1 MB, so a progress bar
    path = xlsx(tmp_path / "t.xlsx", deflated(sheet_xml(rows)), extra={"xl/media/1.png": picture})
    result = CliRunner().invoke(main, ["tickets", "analyze", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    bar, error = result.stderr.split("\n")[-3:-1]
    assert bar.startswith("\rAnalysing tickets [")
    assert error.startswith("error: ") and "1,000 columns" in error


def test_a_one_column_export_keeps_the_commas_in_its_text(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(
        "Description\n"
        "Hello, my parcel never arrived, where is it?\n"
        "The courier was rude, and the box was wet\n"
        "Thanks, great support!\n"
    )
    result = analyze(path)
    assert result["skipped"] == []
    assert len(result["tickets"]) == 3  # type: ignore[arg-type]
