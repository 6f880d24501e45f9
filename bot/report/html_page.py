"""The report as one self-contained, printable HTML file.

Everything is inside the file: the page (`page.html`), its style sheet
(`report.css`, printable with `@page`), the charts as base64 PNG images; the
page's Content-Security-Policy forbids scripts and any request to elsewhere.
Every piece of text goes through `html.escape`, so whatever users or customers
wrote is shown, never run.
"""

from __future__ import annotations

import base64
import html
from importlib.resources import files
from string import Template
from typing import Any

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
from bot.report.wording import Rich, rich, visible

_TAGS = {"b": "strong", "i": "em", "code": "code"}


def esc(value: object) -> str:
    return html.escape(visible(str(value)), quote=True)


def element(tag: str, content: str, cls: str = "", **attributes: str) -> str:
    """`<tag class=...>content</tag>`; `content` is already HTML, attribute values are escaped."""
    attrs = "".join(f' {name}="{esc(value)}"' for name, value in attributes.items())
    if cls:
        attrs = f' class="{esc(cls)}"' + attrs
    return f"<{tag}{attrs}>{content}</{tag}>"


def inline(spans: Rich) -> str:
    out = []
    for span in spans:
        said = esc(span.text)
        out.append(element(_TAGS[span.style], said) if span.style in _TAGS else said)
    return "".join(out)


def void(tag: str, **attributes: str) -> str:
    """An element without content (`<img ...>`), its attribute values escaped."""
    return (
        f"<{tag}" + "".join(f' {name}="{esc(value)}"' for name, value in attributes.items()) + ">"
    )


def _figure(block: Figure, images: dict[str, bytes]) -> str:
    image = images.get(block.chart)
    if image is None:
        return ""
    source = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
    picture = void("img", src=source, alt=block.title)
    caption = element("figcaption", esc(block.caption))
    return element("h2", esc(block.title)) + element("figure", picture + caption, block.chart)


def _block(block: Block, images: dict[str, bytes]) -> str:
    if isinstance(block, Heading):
        return element(f"h{block.level}", inline(block.text), "break" if block.new_page else "")
    if isinstance(block, Para):
        return element("p", inline(block.text), block.kind)
    if isinstance(block, Items):
        items = "".join(element("li", inline(item)) for item in block.items)
        return element("ol" if block.ordered else "ul", items)
    if isinstance(block, Table):
        head = "".join(
            element("th", esc(h), "num" if i in block.numeric else "")
            for i, h in enumerate(block.head)
        )
        rows = "".join(
            element(
                "tr",
                "".join(
                    element("td", esc(cell), "num" if i in block.numeric else "")
                    for i, cell in enumerate(row)
                ),
            )
            for row in block.rows
        )
        return element("table", element("thead", element("tr", head)) + element("tbody", rows))
    if isinstance(block, Quotes):
        return "".join(
            element("blockquote", inline(rich("report.quote", quote=said, who=who)))
            for said, who in block.items
        )
    if isinstance(block, Figure):
        return _figure(block, images)
    if isinstance(block, Group):
        return element("section", "".join(_block(b, images) for b in block.blocks), "moment")
    if isinstance(block, Rule):
        return "<hr>"
    return ""


def _resource(name: str) -> str:
    return files("bot.report").joinpath(name).read_text(encoding="utf-8")


def render_html(report: dict[str, Any]) -> str:
    blocks = compose(report)
    has_figures = any(isinstance(b, Figure) for b in blocks)
    images = charts(report) if has_figures else {}
    body = "\n".join(_block(block, images) for block in blocks)
    page = Template(_resource("page.html"))
    return page.substitute(
        lang=esc(current_language()),
        title=esc(text("report.title", product=product_of(report))),
        style=_resource("report.css"),
        body=body,
    )
