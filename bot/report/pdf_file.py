"""The report as a PDF, laid out directly with fpdf2 (pure Python, no system libraries).

Why not HTML to PDF: WeasyPrint would need Debian's Pango and friends installed
outside the project; fpdf2 needs nothing but PyPI, and the document's blocks
are simple enough to lay out by hand (README, "The report"). Text is set in
DejaVu Sans, the font matplotlib ships, so every Latin, Greek, Cyrillic, Hebrew
and Arabic letter has a glyph; right-to-left and joined scripts are shaped
with HarfBuzz (uharfbuzz) where a text needs it. A character the font lacks
(most emoji, CJK) is shown as a white square instead of silently vanishing.
Long words are broken at the margin, so nothing runs off a page.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont
from PIL import Image

from bot.core.texts import current_language, text
from bot.report.charts import charts
from bot.report.document import (
    Block,
    Figure,
    Group,
    Heading,
    Items,
    Para,
    Quotes,
    Rule,
    Table,
    compose,
    product_of,
)
from bot.report.wording import Rich, Span, rich

MARGIN = 18.0  # mm, left and right
TOP = 16.0
BOTTOM = 18.0
BODY = 10.0  # pt
SMALL = 8.0
LINE = 5.0  # mm per body line
SIZES = {1: 20.0, 2: 14.0, 3: 11.5}
MISSING = "\u25a1"  # white square: a character the font has no glyph for
FONT = "dejavu"
_STYLES = {"": "", "b": "B", "i": "I", "code": ""}
_KEEP_FORMAT = {"\u200c", "\u200d"}  # joiners that shaping needs
_RTL = {"R", "AL", "AN"}


@cache
def font_files() -> dict[str, Path]:
    """DejaVu Sans from matplotlib's own data: regular, bold, oblique, bold oblique."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {
        "": folder / "DejaVuSans.ttf",
        "B": folder / "DejaVuSans-Bold.ttf",
        "I": folder / "DejaVuSans-Oblique.ttf",
        "BI": folder / "DejaVuSans-BoldOblique.ttf",
    }


def _needs_shaping(said: str) -> bool:
    """Right-to-left or joined scripts (Arabic, Hebrew, Indic) need HarfBuzz; Latin does not."""
    for char in said:
        if ord(char) < 0x0590:
            continue
        if unicodedata.bidirectional(char) in _RTL or unicodedata.category(char) == "Mn":
            return True
    return False


class _Document(FPDF):
    """FPDF with the report's footer: its title and "page n of m" on every page."""

    def __init__(self, writer: _Pdf, title: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.writer, self.title_text = writer, title

    def footer(self) -> None:
        self.set_y(-12)
        self.writer.font("", SMALL)
        self.set_text_color(110, 110, 110)
        said = self.writer.clean(
            text("report.pdf.footer", title=self.title_text, page=self.page_no(), pages="{nb}")
        )
        self.writer.shaping(said)
        self.cell(0, 5, said, align="C")
        self.set_text_color(0, 0, 0)


class _Pdf:
    """The report's fonts and layout helpers around one fpdf2 document."""

    def __init__(self, title: str) -> None:
        self._shaping = False
        self.pdf = _Document(self, title)
        self.pdf.set_margins(MARGIN, TOP, MARGIN)
        self.pdf.set_auto_page_break(True, BOTTOM)
        for style, path in font_files().items():
            self.pdf.add_font(FONT, style, str(path))
        font = self.pdf.fonts[FONT]
        self.glyphs = set(font.cmap) if isinstance(font, TTFFont) else set()

    # --- text --------------------------------------------------------------------

    def clean(self, said: str) -> str:
        """Control and format characters out, missing glyphs as a white square."""
        out = []
        for char in said:
            if char in "\n\t":
                out.append(" ")
                continue
            category = unicodedata.category(char)
            if category == "Cc" or (category == "Cf" and char not in _KEEP_FORMAT):
                continue
            out.append(char if ord(char) in self.glyphs or category == "Cf" else MISSING)
        return "".join(out)

    def shaping(self, said: str) -> None:
        wanted = _needs_shaping(said)
        if wanted != self._shaping:
            self.pdf.set_text_shaping(wanted)
            self._shaping = wanted

    def font(self, style: str, size: float) -> None:
        self.pdf.set_font(FONT, style, size)

    def write(
        self, spans: Rich, size: float = BODY, line: float = LINE, bold: bool = False
    ) -> None:
        """Rich text flowing from the cursor, wrapped at the right margin.

        Left-to-right text is broken into lines here, in one pass over its words:
        fpdf2's own `write` measures a line again for every character it adds,
        which made long reports slow. Text that needs shaping (right-to-left,
        joined scripts) goes through fpdf2's `write`, which orders and shapes it.
        """
        runs = []
        for span in spans:
            style = _STYLES.get(span.style, "")
            if bold and "B" not in style:
                style = "B" + style
            runs.append(
                (self.clean(span.text), style, size * (0.92 if span.style == "code" else 1))
            )
        if any(_needs_shaping(said) for said, _, _ in runs):
            for said, style, points in runs:
                self.font(style, points)
                self.shaping(said)
                self.pdf.write(line, said)
        else:
            self._lines(runs, line)
        self.pdf.ln(line)

    def _width(self, said: str, style: str, points: float) -> float:
        font = self.pdf.fonts[FONT + style]
        return float(font.get_text_width(said, points, None)[1]) / self.pdf.k

    def _lines(self, runs: list[tuple[str, str, float]], height: float) -> None:
        """Greedy line breaking at spaces; a word wider than a line is cut where it must."""
        pdf = self.pdf
        x = pdf.get_x()
        right = pdf.w - pdf.r_margin
        lines: list[list[tuple[str, str, float, float]]] = [[]]
        used = 0.0
        for said, style, points in runs:
            for token in re.findall(r"\S+|\s+", said):
                if token.isspace():
                    if lines[-1]:
                        token = " "
                        lines[-1].append((token, style, points, self._width(token, style, points)))
                        used += lines[-1][-1][3]
                    continue
                width = self._width(token, style, points)
                room = right - (x if len(lines) == 1 else pdf.l_margin)
                if used + width > room and lines[-1]:
                    while lines[-1] and lines[-1][-1][0] == " ":
                        used -= lines[-1].pop()[3]
                    lines.append([])
                    used = 0.0
                    room = right - pdf.l_margin
                while width > room:  # a word longer than a whole line
                    cut = len(token)
                    while cut > 1 and self._width(token[:cut], style, points) > room - used:
                        cut -= 1
                    piece = token[:cut]
                    lines[-1].append((piece, style, points, self._width(piece, style, points)))
                    lines.append([])
                    used = 0.0
                    room = right - pdf.l_margin
                    token = token[cut:]
                    width = self._width(token, style, points)
                lines[-1].append((token, style, points, width))
                used += width
        margin, pdf.c_margin = pdf.c_margin, 0
        try:
            for index, tokens in enumerate(lines):
                if index:
                    pdf.ln(height)
                if pdf.will_page_break(height):
                    pdf.add_page()
                    pdf.set_x(pdf.l_margin)
                merged: list[tuple[str, str, float, float]] = []
                for said, style, points, width in tokens:  # one cell per run of one style
                    if merged and merged[-1][1:3] == (style, points):
                        last = merged[-1]
                        merged[-1] = (last[0] + said, style, points, last[3] + width)
                    else:
                        merged.append((said, style, points, width))
                for said, style, points, width in merged:
                    self.font(style, points)
                    pdf.cell(width, height, said)
        finally:
            pdf.c_margin = margin

    # --- layout ------------------------------------------------------------------

    def room(self) -> float:
        """Millimetres left above the bottom margin on this page."""
        return float(self.pdf.h - BOTTOM - self.pdf.get_y())

    def need(self, height: float) -> None:
        """A new page unless `height` mm still fit on this one."""
        if self.room() < height and self.pdf.get_y() > TOP + 1:
            self.pdf.add_page()

    def heading(self, block: Heading) -> None:
        if block.new_page and self.pdf.get_y() > TOP + 1:
            self.pdf.add_page()
        size = SIZES.get(block.level, BODY)
        self.need(size * 0.35 + 30)
        self.pdf.ln(3 if block.level > 1 else 0)
        self.write(block.text, size, size * 0.5, bold=True)
        if block.level == 2:
            y = self.pdf.get_y() + 0.5
            self.pdf.set_draw_color(200, 200, 200)
            self.pdf.line(MARGIN, y, self.pdf.w - MARGIN, y)
        self.pdf.ln(2)

    def para(self, block: Para) -> None:
        if block.kind == "small":
            self.pdf.set_text_color(100, 100, 100)
            self.write(block.text, SMALL, 3.8)
            self.pdf.set_text_color(0, 0, 0)
        elif block.kind == "label":
            self.need(14)
            self.pdf.ln(1)
            self.write(block.text, BODY, LINE, bold=True)
        elif block.kind == "lead":
            self.write(block.text, BODY + 1.5, LINE + 0.8)
        else:
            self.write(block.text)
        self.pdf.ln(1)

    def items(self, block: Items) -> None:
        indent = 6.0
        for number, item in enumerate(block.items, start=1):
            mark = f"{number}." if block.ordered else "\u2022"
            self.pdf.set_x(MARGIN)
            self.font("", BODY)
            self.pdf.cell(indent, LINE, mark)
            self.pdf.set_left_margin(MARGIN + indent)
            self.pdf.set_x(MARGIN + indent)
            self.write(item)
            self.pdf.set_left_margin(MARGIN)
            self.pdf.ln(0.6)
        self.pdf.ln(1)

    def quotes(self, block: Quotes) -> None:
        indent = 5.0
        for said, who in block.items:
            top = self.pdf.get_y()
            self.pdf.set_left_margin(MARGIN + indent)
            self.pdf.set_x(MARGIN + indent)
            self.write(rich("report.quote", quote=said, who=who), BODY - 0.5, LINE - 0.2)
            self.pdf.set_left_margin(MARGIN)
            bottom = self.pdf.get_y()
            if bottom > top:  # the bar beside the quote (on its last page when it broke)
                self.pdf.set_draw_color(190, 190, 190)
                self.pdf.set_line_width(0.8)
                self.pdf.line(MARGIN + 1.5, top + 0.5, MARGIN + 1.5, bottom - 0.5)
                self.pdf.set_line_width(0.2)
            self.pdf.ln(1)

    def table(self, block: Table) -> None:
        self.need(25)
        cells = [self.clean(c) for row in [block.head, *block.rows] for c in row]
        self.shaping(" ".join(cells))
        self.font("", 8.5)
        head = FontFace(emphasis="BOLD", fill_color=(240, 240, 240))
        aligns = tuple("RIGHT" if i in block.numeric else "LEFT" for i in range(len(block.head)))
        with self.pdf.table(
            col_widths=block.widths,
            text_align=aligns,
            headings_style=head,
            line_height=4.2,
            padding=1.2,
            borders_layout="HORIZONTAL_LINES",
            first_row_as_headings=True,
            repeat_headings=1,
        ) as table:
            for row in [block.head, *block.rows]:
                line = table.row()
                for cell in row:
                    line.cell(self.clean(cell))
        self.pdf.ln(3)

    def figure(self, block: Figure, image: bytes | None) -> None:
        if image is None:
            return
        with Image.open(io.BytesIO(image)) as picture:
            ratio = picture.height / picture.width
        width = self.pdf.epw if block.chart == "journey" else self.pdf.epw * 0.62
        height = width * ratio
        self.need(height + 30)
        self.heading(Heading(2, [Span(block.title)]))
        x = MARGIN + (self.pdf.epw - width) / 2
        self.pdf.image(io.BytesIO(image), x=x, w=width, h=height, alt_text=block.title)
        self.pdf.ln(2)
        self.pdf.set_text_color(100, 100, 100)
        self.write([Span(block.caption)], SMALL + 0.5, 4.0)
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.ln(2)

    def block(self, block: Block, images: dict[str, bytes]) -> None:
        if isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, Para):
            self.para(block)
        elif isinstance(block, Items):
            self.items(block)
        elif isinstance(block, Quotes):
            self.quotes(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            self.figure(block, images.get(block.chart))
        elif isinstance(block, Group):
            self.need(60)
            self.pdf.ln(2)
            for inner in block.blocks:
                self.block(inner, images)
            self.pdf.ln(3)
        elif isinstance(block, Rule):
            self.pdf.ln(2)
            self.pdf.set_draw_color(200, 200, 200)
            y = self.pdf.get_y()
            self.pdf.line(MARGIN, y, self.pdf.w - MARGIN, y)
            self.pdf.ln(3)


def render_pdf(report: dict[str, Any]) -> bytes:
    blocks = compose(report)
    images = charts(report) if any(isinstance(b, Figure) for b in blocks) else {}
    title = text("report.title", product=product_of(report))
    short = title if len(title) <= 70 else title[:69] + "\u2026"
    document = _Pdf(short)
    pdf = document.pdf
    pdf.set_title(document.clean(title))
    pdf.set_lang(current_language())
    pdf.set_creator("moments-of-truth-bot")
    pdf.add_page()
    for block in blocks:
        document.block(block, images)
    return bytes(pdf.output())
