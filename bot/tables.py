"""Reading the tables teams export: helpdesk tickets and survey results, CSV or XLSX.

Streams rows so a 200 MB export does not need 200 MB of memory, detects the
encoding (UTF-8 with or without BOM, UTF-16 as Excel's "Unicode text" writes it,
cp1252, latin-1) and the delimiter, and maps the column names of Zendesk,
Freshdesk, Intercom and generic exports. Every step is bounded (see bot.xlsx for
the XLSX limits; CSV lines and the delimiter sample are capped), so a hostile
file ends quickly. Problems with the whole file raise `UnreadableTable` (one
clear line); a bad row is reported and skipped, never silently dropped. Cells
are read as they are: neutralising formulas is the job of what we write.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import MotError
from bot.core.survey_columns import Overrides, SurveyColumns, SurveyColumnsError, recognise
from bot.core.texts import text
from bot.xlsx import MAX_CELL, MAX_COLUMNS, Workbook, XlsxError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = ",;\t|"
SNIFF_LINES = 50  # lines of the sample the delimiter is chosen from
SNIFF_LINE_CHARS = 4096  # characters of each of those lines
SNIFF_SECONDS = 0.5
MAX_FIELD = MAX_CELL * 10  # csv's field size limit: a longer field is a bad row
MAX_LINE = MAX_FIELD * 2  # a longer physical line is skipped unread
MAX_BAD_ROWS_IN_A_ROW = 100
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, password-protected .xlsx
ROW_ERROR = "\x00row-error"  # marks a row the CSV parser could not read
UNREADABLE_ROW = "__unreadable__"  # beside "__width_error__": the row could not be parsed at all
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
    "preview",  # Help Scout: the start of the customer's message
    "ticket text",
    "details",
    "issue",
    "beschreibung",
    "nachricht",
    "inhalt",
    "kommentar",
    "text",
)
SUBJECT_COLUMNS = (
    "subject",
    "title",
    "ticket subject",
    "summary",  # Jira
    "ticket name",  # HubSpot
    "issue summary",
    "betreff",
    "titel",
    "zusammenfassung",
)
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
    "ticket-nr.",  # German Excel exports: "Ticket-Nr.;Betreff;Beschreibung;Status"
    "ticket-nr",
    "ticket nr.",
    "ticket nr",
    "nr.",
    "nr",
    "vorgangsnummer",
    "vorgangs-nr.",
    "anfrage-nr.",
    "fallnummer",
    "issue key",  # Jira
    "issue id",
    "key",
)

Progress = Callable[[int, int], None]


class UnreadableTable(MotError):
    """The file as a whole cannot be read; the message says why in one line, to the user."""

    def __init__(self, message: str) -> None:
        # Paths and column names come from outside: no line breaks or controls in the message.
        super().__init__("".join(c if c.isprintable() else "?" for c in message))


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
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"; the codec reads the byte order from the BOM
    without_bom = _utf16_without_bom(sample)
    if without_bom:
        return without_bom
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


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a byte-order mark: Latin text then has a NUL in every other byte."""
    pairs = min(len(sample), 4096) // 2
    if pairs < 4:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.6 and even <= pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.6 and odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def _decode_sample(head: bytes, encoding: str) -> str:
    """The sample as text, without a replacement character for a sequence cut at its end."""
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)


def detect_delimiter(text_sample: str) -> str:
    """The delimiter that splits most of the first lines into as many fields as the header.

    Looks at SNIFF_LINES lines of at most SNIFF_LINE_CHARS characters and stops
    after SNIFF_SECONDS (csv.Sniffer's regular expressions take minutes on a
    line of `,"` repeated); falls back to the delimiter the header holds most.
    """
    lines: list[str] = []
    for line in io.StringIO(text_sample, newline=""):
        if line.strip():
            lines.append(line[:SNIFF_LINE_CHARS])
            if len(lines) == SNIFF_LINES:
                break
    if not lines:
        return ","
    deadline = time.monotonic() + SNIFF_SECONDS
    best = (0.0, 0)
    chosen = ""
    for delimiter in DELIMITERS:
        if time.monotonic() > deadline:
            break
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue  # it does not split the header
        score = (widths.count(widths[0]) / len(widths), widths[0])
        if score > best:
            best, chosen = score, delimiter
    if chosen:
        return chosen
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    most = max(counts, key=lambda d: counts[d])
    if counts[most]:
        return most
    # One column: a delimiter no line contains, so no ticket text is split.
    return min(DELIMITERS, key="".join(lines).count)


def _looks_binary(sample: str) -> bool:
    """NUL at the start, or more control, private or unassigned characters than text has."""
    start = sample[:4096]
    if "\0" in start:
        return True
    odd = sum(
        1
        for c in start
        if (c < " " and c not in "\t\n\x0b\x0c\r")
        or (c >= "\x7f" and unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs"))
        or c == "\ufffd"
    )
    return odd > len(start) / 100


def _is_xlsx(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path)


class _LineTooLong(Exception):
    def __init__(self) -> None:  # the reason a row is skipped, shown to the user
        super().__init__(text("file.line_too_long", limit=f"{MAX_LINE:,}"))


class _Lines:
    """The text's lines for csv.reader, none longer than MAX_LINE characters.

    A longer line (a file without line breaks, say) is skipped in pieces and
    raised as `_LineTooLong`, so it never has to fit in memory; csv.reader starts
    afresh at its next call, and this iterator stays usable, unlike a generator.
    """

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_LINE)
        if not line:
            raise StopIteration
        if len(line) == MAX_LINE and line[-1] not in "\r\n":
            while (rest := self.text.readline(MAX_LINE)) and rest[-1] not in "\r\n":
                pass
            raise _LineTooLong
        return line


class Table:
    """A readable table: its columns, and a stream of its rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise UnreadableTable(f"{path}: {text('file.missing')}")
        if path.is_dir():
            raise UnreadableTable(f"{path}: {text('file.folder')}")
        try:
            self.size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(SAMPLE_BYTES)
        except OSError as error:
            problem = text("file.cannot_read", error=error.strerror or error)
            raise UnreadableTable(f"{path}: {problem}") from None
        if self.size == 0:
            raise UnreadableTable(f"{path}: {text('file.empty')}")
        if head.startswith(OLE_MAGIC):
            raise UnreadableTable(f"{path}: {text('file.old_excel')}")
        self.kind = "xlsx" if _is_xlsx(path, head) else "csv"
        self._book: Workbook | None = None
        if self.kind == "xlsx":
            try:
                self._book = Workbook(path)
            except XlsxError as error:
                raise UnreadableTable(f"{path}: {error}") from None
        else:
            self.encoding = detect_encoding(head)
            sample = _decode_sample(head, self.encoding)
            if _looks_binary(sample):
                raise UnreadableTable(f"{path}: {text('file.binary')}")
            self.delimiter = detect_delimiter(sample)
        self.columns = self._read_header()
        if not any(c.strip() for c in self.columns):
            raise UnreadableTable(f"{path}: {text('file.no_column_names')}")

    def _read_header(self) -> list[str]:
        for header in self._raw_rows():
            if header and header[0] == ROW_ERROR:
                problem = text("file.header_unreadable", error=header[1])
                raise UnreadableTable(f"{self.path}: {problem}")
            if len(header) > MAX_COLUMNS:
                problem = text(
                    "file.too_many_columns", count=f"{len(header):,}", limit=f"{MAX_COLUMNS:,}"
                )
                raise UnreadableTable(f"{self.path}: {problem}")
            return [h.strip() for h in header]
        raise UnreadableTable(f"{self.path}: {text('file.no_rows')}")

    def _raw_rows(self, progress: Progress | None = None) -> Iterator[list[str]]:
        if self.kind == "xlsx":
            yield from self._xlsx_rows(progress)
            return
        csv.field_size_limit(MAX_FIELD)
        with self.path.open("rb") as binary:
            stream = io.TextIOWrapper(binary, encoding=self.encoding, errors="replace", newline="")
            reader = csv.reader(_Lines(stream), delimiter=self.delimiter)
            index = failures = 0
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except (csv.Error, _LineTooLong) as error:
                    failures += 1
                    if failures > MAX_BAD_ROWS_IN_A_ROW:
                        problem = text("file.unreadable_from", line=reader.line_num, error=error)
                        raise UnreadableTable(f"{self.path}: {problem}") from None
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
        assert self._book is not None
        try:
            yield from self._book.rows(progress)
        except XlsxError as error:
            raise UnreadableTable(f"{self.path}: {error}") from None

    def rows(self, progress: Progress | None = None) -> Iterator[Row]:
        """Data rows as dicts; a row with the wrong number of fields keeps its extra cells out.

        In XLSX a row simply ends at its last value, and a value without a column
        name is a note beside the table, so only CSV rows have a wrong width.
        """
        width = len(self.columns) if self.kind == "csv" else 0
        yield from keyed_rows(self._raw_rows(progress), self.columns, width, header_rows=1)


def keyed_rows(
    raw: Iterator[list[str]], columns: list[str], width: int, header_rows: int
) -> Iterator[Row]:
    """Data rows keyed by column name, numbered after the header rows; blank rows left out.

    `width` > 0 marks a row with another number of fields (CSV) instead of guessing.
    """
    for _ in range(header_rows):
        next(raw, None)
    for number, cells in enumerate(raw, start=header_rows):
        if not any(c.strip() for c in cells):
            continue
        if cells and cells[0] == ROW_ERROR:
            problem = text("skipped.unreadable_row", error=cells[1])
            yield Row(number, {"__width_error__": problem, UNREADABLE_ROW: "1"})
            continue
        values = dict(zip(columns, cells, strict=False))
        if width and len(cells) != width:
            values["__width_error__"] = text("skipped.fields", count=len(cells), width=width)
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
            problem = text("file.no_such_column", column=repr(text_column), columns=found_columns)
            raise UnreadableTable(f"{table.path}: {problem}")
        return TicketColumns(found, None, _find(table.columns, ID_COLUMNS))
    body = _find(table.columns, TEXT_COLUMNS)
    subject = _find(table.columns, SUBJECT_COLUMNS)
    if body is None and subject is None:
        shown = ", ".join(c[:40] for c in table.columns[:20])
        raise UnreadableTable(f"{table.path}: {text('file.no_text_column', columns=shown)}")
    return TicketColumns(
        body or subject or "", subject if body else None, _find(table.columns, ID_COLUMNS)
    )


def ticket_text(row: Row, columns: TicketColumns) -> tuple[str | None, str]:
    """The ticket text, or None and the reason the row is skipped."""
    problem = row.values.get("__width_error__")
    if problem:
        if UNREADABLE_ROW in row.values:
            return None, problem
        return None, text("skipped.wrong_fields", problem=problem)
    body = (row.values.get(columns.text) or "").strip()
    subject = (row.values.get(columns.subject) or "").strip() if columns.subject else ""
    ticket = f"{subject}. {body}" if subject and body else (body or subject)
    if not ticket:
        return None, text("skipped.empty")
    if "\ufffd" in ticket:
        return None, text("skipped.undecodable")
    if _CONTROL.search(ticket):
        return None, text("skipped.binary")
    if len(ticket) > MAX_CELL:
        return None, text("skipped.too_long", limit=MAX_CELL)
    return ticket, ""


# --- survey exports ----------------------------------------------------------
# Which column is which is decided by bot.core.survey_columns from the headers
# and a sample of the values; here the file is read into headers and rows.

# Headers that name a survey column outright (kept for callers that match by name).
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
SURVEY_SAMPLE_ROWS = 1000  # rows the columns are recognised from
# SurveyMonkey's second header row: what each column holds under the question.
_SUBHEADER_CELLS = {"response", "open-ended response", "antwort", "offene antwort"}


class SurveySheet:
    """A survey export's headers (SurveyMonkey's two header rows merged) and its rows.

    Headers are made unique ("Q", "Q (2)"), so no answer is lost under a repeated
    or empty header; the rows are keyed by these headers.
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.path = table.path
        raw = table._raw_rows()
        header = next(raw, [])
        second = next(raw, None)
        third = next(raw, None)
        self.subheader = second is not None and _is_subheader(second)
        self.header_rows = 2 if self.subheader else 1
        if second is not None and third is not None and _is_qualtrics_import_row(third):
            # Qualtrics: ids ("Q1"), then the question texts, then {"ImportId": ...}.
            self.header_rows = 3
            merged = [
                (second[i].strip() if i < len(second) else "") or top
                for i, top in enumerate(header)
            ]
        else:
            merged = _merge_headers(header, second if self.subheader and second else [])
        self.columns = _unique([h.strip() for h in merged])

    def rows(self) -> Iterator[Row]:
        width = len(self.table.columns) if self.table.kind == "csv" else 0
        yield from keyed_rows(self.table._raw_rows(), self.columns, width, self.header_rows)

    def samples(self) -> dict[str, list[str]]:
        """Up to SURVEY_SAMPLE_ROWS values of each column, for recognising the columns."""
        found: dict[str, list[str]] = {c: [] for c in self.columns}
        for count, row in enumerate(self.rows()):
            if count >= SURVEY_SAMPLE_ROWS:
                break
            if "__width_error__" in row.values:
                continue
            for column, value in row.values.items():
                found[column].append(value)
        return found


def _is_qualtrics_import_row(cells: list[str]) -> bool:
    """Qualtrics' third header row: a JSON object naming each column's ImportId."""
    filled = [c.strip() for c in cells if c.strip()]
    return bool(filled) and sum('"ImportId"' in c for c in filled) >= len(filled) / 2


def _is_subheader(cells: list[str]) -> bool:
    """SurveyMonkey's second row: "Response", "Open-Ended Response" or option labels."""
    filled = [c.strip().lower() for c in cells if c.strip()]
    return any(c in _SUBHEADER_CELLS for c in filled) and not any(
        c.replace(".", "").isdigit() for c in filled
    )


def _merge_headers(header: list[str], second: list[str]) -> list[str]:
    """One header per column: a question over several options becomes "question - option"."""
    merged: list[str] = []
    question = ""
    for index in range(max(len(header), len(second))):
        top = header[index].strip() if index < len(header) else ""
        below = second[index].strip() if index < len(second) else ""
        if top:
            question = top
        if below and below.lower() not in _SUBHEADER_CELLS:
            merged.append(f"{question} - {below}" if question else below)
        else:
            merged.append(top)
    return merged


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique


def survey_columns(table: Table | SurveySheet, overrides: Overrides | None = None) -> SurveyColumns:
    """The survey columns of an export, recognised by header meaning and by content.

    Raises UnreadableTable (one line: the columns found, and how to name them)
    when none is recognised or two fit equally well.
    """
    sheet = table if isinstance(table, SurveySheet) else SurveySheet(table)
    try:
        return recognise(sheet.columns, sheet.samples(), overrides)
    except SurveyColumnsError as error:
        raise UnreadableTable(f"{sheet.path}: {error}") from None
