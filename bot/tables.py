"""Reading the tables teams export: helpdesk tickets and survey results, CSV or XLSX.

Streams rows so a 200 MB export does not need 200 MB of memory, detects the
encoding (UTF-8 with or without BOM, cp1252, latin-1) and the delimiter, and
maps the column names of Zendesk, Freshdesk, Intercom and generic exports.
Problems with the whole file raise `UnreadableTable` (one clear line); a bad
row is reported and skipped, never silently dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import MotError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = ",;\t|"
MAX_CELL = 100_000
MAX_BAD_ROWS_IN_A_ROW = 100
ROW_ERROR = "\x00row-error"  # marks a row the CSV parser could not read
# Control characters no text export contains (Excel's \x0b line breaks are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

TEXT_COLUMNS = (
    "description",
    "ticket description",
    "body",
    "message",
    "text",
    "comment",
    "comments",
    "content",
    "conversation body",
    "first message",
    "initial message",
    "customer message",
    "ticket text",
    "details",
    "issue",
    "beschreibung",
    "nachricht",
    "inhalt",
    "kommentar",
    "text",
)
SUBJECT_COLUMNS = ("subject", "title", "ticket subject", "betreff", "titel")
ID_COLUMNS = (
    "id",
    "ticket id",
    "ticket_id",
    "ticket #",
    "ticket number",
    "ticket no",
    "#",
    "conversation id",
    "conversation_id",
    "request id",
    "case id",
    "case number",
    "nummer",
    "ticketnummer",
    "ticket-id",
)

Progress = Callable[[int, int], None]


class UnreadableTable(MotError):
    """The file as a whole cannot be read; the message says why in one line."""


@dataclass(frozen=True)
class Row:
    number: int  # 1-based data row (the header is row 0)
    values: dict[str, str]


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").strip().lower().split())


def _find(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    normalised = {_norm(c): c for c in columns}
    for candidate in candidates:
        if _norm(candidate) in normalised:
            return normalised[_norm(candidate)]
    return None


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A multi-byte character may be cut at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect_delimiter(text_sample: str) -> str:
    lines = [line for line in text_sample.splitlines() if line.strip()][:50]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _looks_binary(head: bytes) -> bool:
    """NUL bytes at the start, or more control characters than any text export has."""
    start = head[:4096]
    controls = sum(1 for byte in start if byte < 32 and byte not in (9, 10, 11, 12, 13))
    return b"\0" in start or controls > len(start) / 100


def _is_xlsx(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path)


class Table:
    """A readable table: its columns, and a stream of its rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise UnreadableTable(f"{path}: no such file")
        if path.is_dir():
            raise UnreadableTable(f"{path}: is a folder, not a CSV or XLSX file")
        self.size = path.stat().st_size
        if self.size == 0:
            raise UnreadableTable(f"{path}: the file is empty")
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
        self.kind = "xlsx" if _is_xlsx(path, head) else "csv"
        if self.kind == "csv":
            if _looks_binary(head):
                raise UnreadableTable(
                    f"{path}: this looks like a binary file, not a CSV or XLSX export"
                )
            self.encoding = detect_encoding(head)
            self.delimiter = detect_delimiter(head.decode(self.encoding, errors="replace"))
        self.columns = self._read_header()
        if not any(c.strip() for c in self.columns):
            raise UnreadableTable(f"{path}: the first row has no column names")

    def _read_header(self) -> list[str]:
        for header in self._raw_rows():
            return [h.strip() for h in header]
        raise UnreadableTable(f"{self.path}: the file has no rows")

    def _raw_rows(self, progress: Progress | None = None) -> Iterator[list[str]]:
        if self.kind == "xlsx":
            yield from self._xlsx_rows(progress)
            return
        csv.field_size_limit(MAX_CELL * 10)
        with self.path.open("rb") as binary:
            text = io.TextIOWrapper(binary, encoding=self.encoding, errors="replace", newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            index = failures = 0
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    failures += 1
                    if failures > MAX_BAD_ROWS_IN_A_ROW:
                        raise UnreadableTable(
                            f"{self.path}: unreadable from line {reader.line_num} on ({error})"
                        ) from None
                    yield [ROW_ERROR, str(error)]
                    continue
                failures = 0
                index += 1
                if progress and index % 5000 == 1:
                    progress(binary.tell(), self.size)
                yield row
        if progress:
            progress(self.size, self.size)

    def _xlsx_rows(self, progress: Progress | None) -> Iterator[list[str]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise UnreadableTable(f"{self.path}: not a readable XLSX file ({error})") from None
        try:
            sheet = workbook.worksheets[0]
            total = sheet.max_row or 0
            for index, row in enumerate(sheet.iter_rows(values_only=True)):
                if progress and index % 5000 == 0:
                    progress(index, total)
                yield ["" if v is None else str(v) for v in row]
        finally:
            workbook.close()

    def rows(self, progress: Progress | None = None) -> Iterator[Row]:
        """Data rows as dicts; a row with the wrong number of fields keeps its extra cells out."""
        width = len(self.columns)
        raw = self._raw_rows(progress)
        next(raw, None)
        for number, cells in enumerate(raw, start=1):
            if not any(c.strip() for c in cells):
                continue
            if cells and cells[0] == ROW_ERROR:
                yield Row(number, {"__width_error__": f"unreadable row: {cells[1]}"})
                continue
            values = dict(zip(self.columns, cells, strict=False))
            if len(cells) != width:
                values["__width_error__"] = f"{len(cells)} fields where the header has {width}"
            yield Row(number, values)


@dataclass(frozen=True)
class TicketColumns:
    text: str
    subject: str | None
    id: str | None


def ticket_columns(table: Table, text_column: str | None = None) -> TicketColumns:
    if text_column:
        found = _find(table.columns, (text_column,))
        if found is None:
            found_columns = ", ".join(table.columns)
            raise UnreadableTable(
                f"{table.path}: no column {text_column!r}; columns found: {found_columns}"
            )
        return TicketColumns(found, None, _find(table.columns, ID_COLUMNS))
    text = _find(table.columns, TEXT_COLUMNS)
    subject = _find(table.columns, SUBJECT_COLUMNS)
    if text is None and subject is None:
        shown = ", ".join(c[:40] for c in table.columns[:20])
        raise UnreadableTable(
            f"{table.path}: no ticket text column recognised; columns found: {shown}. "
            "Name the column with --text-column NAME"
        )
    return TicketColumns(
        text or subject or "", subject if text else None, _find(table.columns, ID_COLUMNS)
    )


def ticket_text(row: Row, columns: TicketColumns) -> tuple[str | None, str]:
    """The ticket text, or None and the reason the row is skipped."""
    problem = row.values.get("__width_error__")
    if problem:
        return None, problem if problem.startswith(
            "unreadable"
        ) else f"wrong number of fields ({problem})"
    body = (row.values.get(columns.text) or "").strip()
    subject = (row.values.get(columns.subject) or "").strip() if columns.subject else ""
    if body.startswith(("=", "+", "@")) or subject.startswith(("=", "+", "@")):
        return None, "cell starts with a spreadsheet formula character; not read as ticket text"
    text = f"{subject}. {body}" if subject and body else (body or subject)
    if not text:
        return None, "empty text"
    if "\ufffd" in text:
        return None, "undecodable bytes in the text"
    if _CONTROL.search(text):
        return None, "binary data in the text"
    if len(text) > MAX_CELL:
        return None, f"text longer than {MAX_CELL} characters"
    return text, ""


NPS_COLUMNS = (
    "nps",
    "nps score",
    "recommend",
    "likelihood to recommend",
    "likely to recommend",
    "how likely are you to recommend us",
    "weiterempfehlung",
    "empfehlung",
)
CSAT_COLUMNS = ("csat", "csat score", "satisfaction", "overall satisfaction", "zufriedenheit")
MOMENT_COLUMNS = ("moment", "mot", "moment of truth", "moment code")
MOMENT_CSAT_COLUMNS = ("moment csat", "moment satisfaction", "moment rating")
WENT_WELL_COLUMNS = (
    "went well",
    "what went well",
    "positive",
    "liked",
    "what did you like",
    "good",
    "gut",
    "was lief gut",
)
WENT_BADLY_COLUMNS = (
    "went badly",
    "what went badly",
    "negative",
    "disliked",
    "improve",
    "what could we improve",
    "to improve",
    "bad",
    "schlecht",
    "was lief schlecht",
    "verbesserung",
)
COMMENT_COLUMNS = ("comment", "comments", "feedback", "text", "answer", "remarks", "kommentar")


@dataclass(frozen=True)
class SurveyColumns:
    nps: str | None
    csat: str | None
    moment: str | None
    moment_csat: str | None
    went_well: str | None
    went_badly: str | None
    comment: str | None


def survey_columns(table: Table) -> SurveyColumns:
    columns = SurveyColumns(
        nps=_find(table.columns, NPS_COLUMNS),
        csat=_find(table.columns, CSAT_COLUMNS),
        moment=_find(table.columns, MOMENT_COLUMNS),
        moment_csat=_find(table.columns, MOMENT_CSAT_COLUMNS),
        went_well=_find(table.columns, WENT_WELL_COLUMNS),
        went_badly=_find(table.columns, WENT_BADLY_COLUMNS),
        comment=_find(table.columns, COMMENT_COLUMNS),
    )
    if not any((columns.nps, columns.csat, columns.went_well, columns.went_badly, columns.comment)):
        shown = ", ".join(c[:40] for c in table.columns[:20])
        raise UnreadableTable(
            f"{table.path}: no survey columns recognised (nps, csat, went well, went badly, "
            f"comment); columns found: {shown}"
        )
    return columns
