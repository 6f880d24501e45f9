"""`mot demo && mot report --format ...`: every format from the command line, on SQLite.

The PDF is read as a reader meets it: its pages rendered and their text and
images checked (nothing off the page, nothing under 7.5 pt, both charts there
and drawn, the sections a product manager looks for in order).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.unit.test_report_formats import assert_readable

SECTIONS = (
    "At a glance",
    "Customers",
    "Methods and confidence",
    "Who took part",
    "The journey",
    "Importance and performance",
    "Pains to fix",
    "Strengths to keep",
    "What to do about each pain",
    "How to keep each strength",
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'mot.db'}"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def demo(env: dict[str, str]) -> dict[str, str]:
    assert run(env, "demo").exit_code == 0
    return env


def test_every_format_is_written_by_mot_report(demo: dict[str, str], tmp_path: Path) -> None:
    written = {}
    for fmt in ("md", "html", "pdf", "csv", "json"):
        out = tmp_path / f"demo.{fmt}"
        result = run(demo, "report", "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert f"Report written to {out}" in result.stderr
        written[fmt] = out.read_bytes()
    assert written["pdf"].startswith(b"%PDF-")
    assert written["html"].startswith(b"<!DOCTYPE html>")
    assert json.loads(written["json"])["session"]["product"] == "FreshCrate"
    rows = list(csv.DictReader(io.StringIO(written["csv"].decode("utf-8-sig"))))
    first = rows[0]
    assert (first["row_type"], first["rank"], first["title"]) == (
        "moment",
        "1",
        "AMOT \u00b7 boxes arrive hours late",
    )
    assert rows[1]["row_type"] == "suggestion" and rows[1]["suggestion_source"] == "team"
    page = written["html"].decode()
    for section in SECTIONS:
        assert section in page, section
    # The file's extension says the format when --format is not given; PDF in capitals too.
    for name, start in (("findings.pdf", b"%PDF-"), ("findings.HTML", b"<!DOCTYPE html>")):
        assert run(demo, "report", "-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_bytes().startswith(start), name
    assert run(demo, "report", "--format", "PDF", "-o", str(tmp_path / "x")).exit_code == 0
    assert (tmp_path / "x").read_bytes().startswith(b"%PDF-")
    # Without -o the text formats go to stdout, and so does a PDF into a pipe.
    assert run(demo, "report", "--format", "csv").stdout_bytes.startswith(b"\xef\xbb\xbfrow_type")
    assert run(demo, "report", "--format", "pdf").stdout_bytes.startswith(b"%PDF-")


def test_the_demo_pdf_reads_like_a_report(demo: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "demo.pdf"
    assert run(demo, "report", "--format", "pdf", "-o", str(out)).exit_code == 0
    pages = assert_readable(out.read_bytes())
    words = "\n".join(page["text"] for page in pages)
    positions = [words.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert "Moments of truth: FreshCrate" in pages[0]["text"]
    assert f"page 1 of {len(pages)}" in pages[0]["text"]
    assert "Score 55.0 = 100 x" in words  # the score in words for the top pain
    assert "\u201cBoxes arrive hours late and nobody warns the customer.\u201d" in words
    # The charts are drawn, not blank: the page with the journey has ink in its image area.
    document = pdfium.PdfDocument(out.read_bytes())
    try:
        chart_page = next(i for i, p in enumerate(pages) if p["images"])
        bitmap = document[chart_page].render(scale=1).to_pil().convert("L")
        width, height = bitmap.size
        top_half = bitmap.crop((0, int(height * 0.05), width, int(height * 0.5)))
        dark = sum(top_half.histogram()[:128])
        assert dark > 2000, dark  # markers, labels and axes
    finally:
        document.close()
