"""The report as Markdown: the document's blocks, every piece of text escaped.

What people wrote may hold Markdown or HTML (`<script>`, `[link](…)`, `|` in a
table): each character that could start markup is escaped with a backslash, so
a viewer shows it as typed. Charts are in the HTML and PDF only.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.texts import text
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
)
from bot.report.wording import Rich, rich, visible

_SPECIAL = re.compile(r"([\\`*\[\]<>|])")
_SPACE = re.compile(r"\s+")
_MARKS = {"b": "**", "i": "*", "code": "`"}


def escape(value: str) -> str:
    """Text safe in a Markdown line or table cell: markup characters escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", visible(str(value))))


def inline(spans: Rich) -> str:
    out = []
    for span in spans:
        if span.style == "code":
            out.append("`" + _SPACE.sub(" ", visible(span.text).replace("`", "'")) + "`")
            continue
        said = escape(span.text)
        mark = _MARKS.get(span.style, "")
        if mark and said.strip():
            lead, core, tail = _split_spaces(said)
            out.append(f"{lead}{mark}{core}{mark}{tail}")
        else:
            out.append(said)
    return "".join(out)


def _split_spaces(said: str) -> tuple[str, str, str]:
    """Emphasis must hug its text: `** bold**` is not bold in Markdown."""
    core = said.strip(" ")
    lead = said[: len(said) - len(said.lstrip(" "))]
    tail = said[len(said.rstrip(" ")) :]
    return lead, core, tail


def _lines(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + inline(block.text), ""]
    if isinstance(block, Para):
        said = inline(block.text)
        return [f"<sub>{said}</sub>" if block.kind == "small" else said, ""]
    if isinstance(block, Items):
        if block.ordered:
            lines = [f"{i}. {inline(item)}" for i, item in enumerate(block.items, start=1)]
        else:
            lines = [f"- {inline(item)}" for item in block.items]
        return [*lines, ""]
    if isinstance(block, Table):
        aligns = ["---:" if i in block.numeric else "---" for i in range(len(block.head))]
        lines = ["| " + " | ".join(escape(h) for h in block.head) + " |"]
        lines.append("| " + " | ".join(aligns) + " |")
        lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    if isinstance(block, Quotes):
        lines = []
        for said, who in block.items:
            lines += ["> " + inline(rich("report.quote", quote=said, who=who)), ""]
        return lines
    if isinstance(block, Figure):
        return [f"## {escape(block.title)}", "", escape(block.caption) + " " + escape(
            text("report.charts.in_other_formats")), ""]  # fmt: skip
    if isinstance(block, Group):
        return [line for inner in block.blocks for line in _lines(inner)]
    if isinstance(block, Rule):
        return ["---", ""]
    return []


def render_markdown(report: dict[str, Any]) -> str:
    lines = [line for block in compose(report) for line in _lines(block)]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
