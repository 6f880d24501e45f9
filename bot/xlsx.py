"""The first worksheet of an XLSX file as rows of cell texts, read within fixed limits.

openpyxl's read-only mode loads the whole shared-strings table and pads every
row to the sheet's declared dimension, so a 440 KB file holding ten million
shared strings, or a 3 KB one declaring `A1:XFD1048576`, takes minutes and
gigabytes. This reader checks the archive's stated sizes before unpacking
anything, parses with expat in chunks (no document types, so no entity
expansion), stops at the first limit broken, and takes a row's width from the
cells actually present. Numbers, dates and booleans stay as their cell text.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from bot.core.texts import text

MB = 1024 * 1024
MAX_UNCOMPRESSED = 200 * MB  # all members together, as the archive states them
MAX_PARTS = 10_000  # files inside the archive (a workbook has a few dozen)
MAX_DIRECTORY = 4 * MB  # the archive's table of contents
MAX_ROWS = 1_000_000
MAX_COLUMNS = 1_000
MAX_CELL = 100_000  # characters kept per cell; one more marks the cell as too long
MAX_SHARED_STRINGS = 2_000_000
MAX_SHARED_CHARS = 100_000_000  # characters in all shared strings together
CHUNK = 64 * 1024

Progress = Callable[[int, int], None]

# What a broken archive or part raises, from zipfile, zlib and expat.
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    KeyError,
    IndexError,
    struct.error,
    expat.ExpatError,
)


class XlsxError(Exception):
    """Why the workbook cannot be read, as a phrase that follows the file name (the user's)."""


def _broken(error: BaseException) -> XlsxError:
    return XlsxError(text("file.xlsx_broken", error=error))


def _no_doctype(name: str, system_id: str | None, public_id: str | None, internal: bool) -> None:
    raise XlsxError(text("file.xlsx_doctype"))


def _parser() -> Any:  # typeshed's XMLParserType handler attributes are too narrow for methods
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _feed(parser: Any, archive: zipfile.ZipFile, name: str) -> Iterator[int]:
    """Feeds a member to the parser chunk by chunk; yields the bytes read after each."""
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            parser.Parse(chunk, False)
            yield len(chunk)
    parser.Parse(b"", True)


def _starts(archive: zipfile.ZipFile, name: str, wanted: set[str]) -> list[dict[str, str]]:
    """The attributes of the wanted elements of a small part (rels, workbook)."""
    found: list[dict[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) in wanted:
            if len(found) >= MAX_PARTS:
                raise XlsxError(text("file.xlsx_too_many_parts"))
            found.append(attrs)

    parser = _parser()
    parser.StartElementHandler = start
    for _ in _feed(parser, archive, name):
        pass
    return found


def _check_directory(path: Path) -> None:
    """Refuses an archive listing too many parts before zipfile reads the whole list."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - 65_557))  # the end record and the longest comment
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise XlsxError(text("file.xlsx_no_directory"))
    fields = struct.unpack("<4s4H2LH", tail[at : at + 22])
    entries, directory = fields[4], fields[5]
    if entries > MAX_PARTS or directory > MAX_DIRECTORY:  # also what ZIP64 would need
        raise XlsxError(text("file.xlsx_too_many_files", limit=f"{MAX_PARTS:,}"))


def _column(ref: str) -> int | None:
    """0-based column of a cell reference such as `AB12`, None when it is malformed."""
    letters = ref.rstrip("0123456789")
    if not letters or len(letters) > 3 or not (letters.isascii() and letters.isupper()):
        return None
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


class _SharedStrings:
    """expat handlers collecting the shared-strings table, refused past its limits."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.length = 0
        self.chars = 0
        self.collect = False
        self.phonetic = 0  # inside <rPh>, a reading aid that is not the cell's text

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name) if ":" in name else name
        if local == "t":
            self.collect = not self.phonetic
        elif local == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        local = _local(name) if ":" in name else name
        if local == "si":
            joined = "".join(self.parts)
            self.parts = []
            self.length = 0
            self.strings.append(joined)
            self.chars += len(joined)
            if len(self.strings) > MAX_SHARED_STRINGS:
                raise XlsxError(text("file.xlsx_too_many_strings", limit=f"{MAX_SHARED_STRINGS:,}"))
            if self.chars > MAX_SHARED_CHARS:
                raise XlsxError(text("file.xlsx_strings_too_long", limit=f"{MAX_SHARED_CHARS:,}"))
        elif local == "t":
            self.collect = False
        elif local == "rPh":
            self.phonetic -= 1

    def text(self, data: str) -> None:
        if self.collect and self.length <= MAX_CELL:
            data = data[: MAX_CELL + 1 - self.length]
            self.parts.append(data)
            self.length += len(data)


class _Sheet:
    """expat handlers turning a worksheet into rows; finished rows wait in `rows`."""

    def __init__(self, shared: list[str]) -> None:
        self.shared = shared
        self.rows: list[list[str]] = []
        self.number = 0  # the last row started, 1-based
        self.cells: list[str] = []
        self.column = -1
        self.kind = "n"
        self.parts: list[str] = []
        self.length = 0
        self.collect = False
        self.inline = False
        self.phonetic = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name) if ":" in name else name
        if local == "c":
            ref = attrs.get("r")
            column = _column(ref) if ref else None
            self.column = self.column + 1 if column is None else column
            self.kind = attrs.get("t", "n")
            self.parts = []
            self.length = 0
        elif local == "v":
            self.collect = True
        elif local == "t":
            self.collect = self.inline and not self.phonetic
        elif local == "is":
            self.inline = True
        elif local == "rPh":
            self.phonetic += 1
        elif local == "row":
            self._start_row(attrs.get("r", ""))

    def _start_row(self, ref: str) -> None:
        number = int(ref) if ref.isascii() and ref.isdigit() else 0
        number = max(number, self.number + 1)
        if number > MAX_ROWS:
            raise XlsxError(text("file.xlsx_too_many_rows", limit=f"{MAX_ROWS:,}"))
        for _ in range(number - self.number - 1):  # rows the sheet leaves out are empty
            self.rows.append([])
        self.number = number
        self.cells = []
        self.column = -1

    def end(self, name: str) -> None:
        local = _local(name) if ":" in name else name
        if local == "c":
            self._end_cell()
        elif local in ("v", "t"):
            self.collect = False
        elif local == "row":
            self.rows.append(self.cells)
            self.cells = []
        elif local == "is":
            self.inline = False
        elif local == "rPh":
            self.phonetic -= 1

    def _end_cell(self) -> None:
        value = "".join(self.parts)
        if self.kind == "s":
            index = int(value) if value.isascii() and value.isdigit() else -1
            value = self.shared[index] if 0 <= index < len(self.shared) else ""
        elif self.kind == "b":
            value = {"1": "TRUE", "0": "FALSE"}.get(value, value)
        if not value:
            return  # an empty or only formatted cell does not make the row wider
        if self.column >= MAX_COLUMNS:
            raise XlsxError(
                text("file.xlsx_too_wide", column=f"{self.column + 1:,}", row=f"{self.number:,}",
                     limit=f"{MAX_COLUMNS:,}")
            )  # fmt: skip
        missing = self.column - len(self.cells)
        if missing >= 0:
            self.cells.extend([""] * missing)
            self.cells.append(value)
        else:
            self.cells[self.column] = value

    def text(self, data: str) -> None:
        if self.collect and self.length <= MAX_CELL:
            data = data[: MAX_CELL + 1 - self.length]
            self.parts.append(data)
            self.length += len(data)


class Workbook:
    """An XLSX file whose sizes were checked and whose shared strings are loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            _check_directory(path)
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                stated = sum(info.file_size for info in infos)
                if stated > MAX_UNCOMPRESSED:
                    raise XlsxError(
                        text("file.xlsx_too_large", size=f"{stated / MB:,.0f}",
                             limit=MAX_UNCOMPRESSED // MB)
                    )  # fmt: skip
                if any(info.flag_bits & 0x1 for info in infos):
                    raise XlsxError(text("file.xlsx_password"))
                names = {info.filename: info for info in infos}
                self.sheet, shared = self._parts(archive, names)
                self.size = names[self.sheet].file_size
                self.shared = self._shared_strings(archive, shared) if shared else []
        except _BROKEN as error:
            raise _broken(error) from None

    @staticmethod
    def _parts(
        archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]
    ) -> tuple[str, str | None]:
        """The first worksheet as the workbook lists its sheets, and the shared strings."""
        book = "xl/workbook.xml"
        if "_rels/.rels" in names:
            for rel in _starts(archive, "_rels/.rels", {"Relationship"}):
                if rel.get("Type", "").endswith("/officeDocument"):
                    book = rel.get("Target", book).lstrip("/")
        if book not in names:
            raise XlsxError(text("file.xlsx_no_workbook"))
        folder = posixpath.dirname(book)
        rels_name = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
        targets: dict[str, tuple[str, str]] = {}
        if rels_name in names:
            for rel in _starts(archive, rels_name, {"Relationship"}):
                target = rel.get("Target", "")
                target = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                targets[rel.get("Id", "")] = (rel.get("Type", ""), target)
        sheet = None
        for listed in _starts(archive, book, {"sheet"}):
            rid = next((v for k, v in listed.items() if k.endswith(":id") or k == "id"), "")
            kind, target = targets.get(rid, ("", ""))
            if kind.endswith("/worksheet") and target in names:
                sheet = target
                break
        fallback = posixpath.join(folder, "worksheets", "sheet1.xml")
        sheet = sheet or (fallback if fallback in names else None)
        if sheet is None:
            raise XlsxError(text("file.xlsx_no_worksheet"))
        shared = next(
            (t for kind, t in targets.values() if kind.endswith("/sharedStrings") and t in names),
            None,
        )
        fallback = posixpath.join(folder, "sharedStrings.xml")
        return sheet, shared or (fallback if fallback in names else None)

    @staticmethod
    def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
        table = _SharedStrings()
        parser = _parser()
        parser.StartElementHandler = table.start
        parser.EndElementHandler = table.end
        parser.CharacterDataHandler = table.text
        for _ in _feed(parser, archive, name):
            pass
        return table.strings

    def rows(self, progress: Progress | None = None) -> Iterator[list[str]]:
        """The first worksheet's rows in order, an empty list for each row it leaves out."""
        sheet = _Sheet(self.shared)
        parser = _parser()
        parser.StartElementHandler = sheet.start
        parser.EndElementHandler = sheet.end
        parser.CharacterDataHandler = sheet.text
        done = 0
        try:
            with zipfile.ZipFile(self.path) as archive:
                for read in _feed(parser, archive, self.sheet):
                    done += read
                    if progress:
                        progress(done, self.size)
                    if sheet.rows:
                        ready, sheet.rows = sheet.rows, []
                        yield from ready
        except _BROKEN as error:
            raise _broken(error) from None
        yield from sheet.rows
