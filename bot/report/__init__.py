"""The findings as a document: one data structure (the JSON contract), five formats.

- `data.py`: `build_report` (findings -> the contract's dict, plus context, methods
  and confidence, participation and history) and `gather` (all of it read through
  the services); `history.py`: what changed since the previous session;
- `wording.py`: names, the score in words, rich text from the catalogue;
  `document.py`: what the report says, once, as blocks;
- the formats: `markdown.py`, `html_page.py` (+ `page.html`, `report.css`),
  `pdf_file.py` (fpdf2), `spreadsheet.py` (CSV), JSON here; `charts.py`: the
  journey chart and the importance-performance matrix (matplotlib).

The formats that need matplotlib or fpdf2 import them on first use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bot import services
from bot.core.names import safe_file_name
from bot.core.texts import text
from bot.report.data import Report, build_report, gather
from bot.report.wording import method_name, source_name
from bot.services import UowFactory

FORMATS = ("pdf", "html", "md", "csv", "json")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def render_json(report: Report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_markdown(report: Report) -> str:
    from bot.report.markdown import render_markdown as markdown

    return markdown(report)


def render_html(report: Report) -> str:
    from bot.report.html_page import render_html as page

    return page(report)


def render_csv(report: Report) -> str:
    from bot.report.spreadsheet import render_csv as table

    return table(report)


def render_pdf(report: Report) -> bytes:
    from bot.report.pdf_file import render_pdf as pdf

    return pdf(report)


RENDERERS: dict[str, Callable[[Report], str | bytes]] = {
    "pdf": render_pdf,
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
    "json": render_json,
}


def render(report: Report, fmt: str) -> bytes:
    """The report in one of `FORMATS`, as the bytes of its file (text in UTF-8)."""
    rendered = RENDERERS[fmt](report)
    return rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")


@dataclass(frozen=True)
class ReportFile:
    """A chat's report, ready to hand over: what it is called and what it holds.

    `moments` counts the ranked items, pains and strengths.
    """

    name: str
    content: bytes
    product: str
    moments: int
    fmt: str = "md"


def workspace_report(
    uow: UowFactory, workspace_key: str, fmt: str = "pdf", anonymous: bool = False
) -> ReportFile | None:
    """The report of a chat's current session; None when the chat has no session.

    `moments == 0` means the session has no findings yet (the edges say so).
    """
    session_id = services.workspace_session(uow, workspace_key)
    if session_id is None:
        return None
    report = gather(uow, session_id, anonymous)
    product = report["session"].get("product") or text("report.your_product")
    fmt = fmt if fmt in RENDERERS else "pdf"
    count = len(report["moments"]) + len(report["strengths"])
    content = render(report, fmt) if count else b""
    name = f"moments-of-truth-{safe_file_name(product).lower()}.{fmt}"
    return ReportFile(name, content, product, count, fmt)


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "RENDERERS",
    "Report",
    "ReportFile",
    "build_report",
    "gather",
    "method_name",
    "render",
    "render_markdown",
    "source_name",
    "workspace_report",
]
