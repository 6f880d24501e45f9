"""How the report words things: names of methods, stages and sources, rich text, the score in words.

Every sentence comes from the catalogue (`report.*` keys). A few templates carry a
light markup (`**bold**`, `*italic*`, `` `code` ``) so one text serves every
format; `rich` turns a template into styled spans and keeps the values apart, so
what people wrote is never read as markup in any format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.scoring import WEIGHTS, decimal, explain_tie_break
from bot.core.taxonomy import Method
from bot.core.texts import text


@dataclass(frozen=True)
class Span:
    """A run of text in one style: "" (plain), "b" (bold), "i" (italic) or "code"."""

    text: str
    style: str = ""


Rich = list[Span]
RichValue = str | int | float | Rich | None

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around a value inside a template
_TOKEN = re.compile(rf"(\*\*|\*|`|{_OPEN}\d+{_CLOSE})")
_MARKS = {"**": "b", "*": "i", "`": "code"}


def rich(key: str, **values: RichValue) -> Rich:
    """The message `key` as styled spans; values (plain or rich) are never parsed as markup."""
    names = list(values)
    template = text(key, **{name: f"{_OPEN}{i}{_CLOSE}" for i, name in enumerate(names)})
    spans: Rich = []
    style = ""
    for token in _TOKEN.split(template):
        if not token:
            continue
        if token in _MARKS:
            mark = _MARKS[token]
            style = "" if style == mark else mark
        elif token.startswith(_OPEN):
            value = values[names[int(token[1:-1])]]
            if isinstance(value, list):
                spans += [Span(s.text, s.style or style) for s in value]
            else:
                spans.append(Span("" if value is None else str(value), style))
        else:
            spans.append(Span(token, style))
    return merged(spans)


_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def visible(value: str) -> str:
    """Text without control characters and bidi overrides, which could hide or reorder what a
    reader sees (right-to-left text still reads right to left without them)."""
    return _INVISIBLE.sub("", value)


def clip(value: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where one is near, with an ellipsis."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.7 else cut).rstrip(" ,;.") + "\u2026"


def plain(value: str) -> Rich:
    return [Span(value)]


def joined(parts: Iterable[Rich], separator: str = ", ") -> Rich:
    """Rich parts joined by a plain separator."""
    spans: Rich = []
    for index, part in enumerate(parts):
        if index:
            spans.append(Span(separator))
        spans += part
    return merged(spans)


def merged(spans: Iterable[Span]) -> Rich:
    """Neighbouring spans of one style as one (empty ones dropped)."""
    out: Rich = []
    for span in spans:
        if not span.text:
            continue
        if out and out[-1].style == span.style:
            out[-1] = Span(out[-1].text + span.text, span.style)
        else:
            out.append(span)
    return out


def flat(spans: Rich) -> str:
    """The spans' text without styles (CSV cells, chart labels, alt texts)."""
    return "".join(span.text for span in spans)


# --- names ---------------------------------------------------------------------------


def method_name(method: Method) -> str:
    """'team knowledge', 'service records', ... in the conversation's language."""
    return text(f"method.{method.value}")


def source_name(source: str) -> str:
    """Where a suggestion comes from: "your team's idea", "library", ... (unknown: as it is)."""
    known = ("team", "competitor", "customer", "library")
    return text(f"report.source.{source}") if source in known else source


def quote_source(source: str) -> str:
    """Who said a quote: the team, a customer, or the competitor's name as the team gave it."""
    if source in ("team", "customer"):
        return text(f"report.said_by.{source}")
    return source or text("evidence.a_competitor")


def stage_name(stage: str) -> str:
    """A journey stage's name (`awareness` -> "Awareness"); an unknown code as it is."""
    stages = ("awareness", "interest", "consideration", "decision", "retention", "advocacy")
    return text(f"report.stage.{stage}") if stage in stages else stage


def polarity_name(polarity: str) -> str:
    return text(f"report.polarity.{polarity}") if polarity in ("pain", "glory") else polarity


def number(value: float | int) -> str:
    """A number as the report shows it: whole numbers without ".0", the reader's decimal mark."""
    return str(int(value)) if float(value).is_integer() else decimal(f"{value:g}")


def fixed(value: float | int, places: int, sign: bool = False) -> str:
    """A number with `places` decimals (and its sign when `sign`), the reader's decimal mark."""
    return decimal(f"{float(value):{'+' if sign else ''}.{places}f}")


def score_text(value: float | int) -> str:
    """A score (0-100) with its one decimal, as the ranking rounds it."""
    return fixed(value, 1)


def date_text(moment: str | None) -> str:
    """The date of an ISO timestamp as the reader writes dates ("24.11.2026" in German);
    what is not one, as it is."""
    found = re.match(r"(\d{4})-(\d{2})-(\d{2})", moment or "")
    if found is None:
        return (moment or "")[:10]
    year, month, day = found.groups()
    return text("report.date", year=year, month=month, day=day)


# --- confidence ---------------------------------------------------------------------

LEVELS = ("none", "low", "medium", "high")


def confidence(methods: int) -> str:
    """How far to trust findings from this many independent methods (triangulation):
    one method can be wrong on its own, two that agree are better, three or four are strong."""
    if methods <= 0:
        return "none"
    return "low" if methods == 1 else "medium" if methods == 2 else "high"


def confidence_name(level: str) -> str:
    return text(f"report.confidence.{level}") if level in LEVELS else level


# --- the score in words -------------------------------------------------------------


def _float(inputs: Mapping[str, Any], key: str) -> float:
    value = inputs.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _percent(value: float) -> str:
    return number(round(100 * value, 1))


def why(inputs: Mapping[str, Any], score: float) -> list[str]:
    """Why an item ranks where it does, as sentences: the signals and their weights, how many
    methods confirm it, each bonus, and how the score follows (see docs/scoring.md)."""
    signals = []
    for method in Method:
        key = f"signal_{method.value}"
        if key in inputs:
            signals.append(
                text(
                    "report.why.signal",
                    method=method_name(method),
                    signal=fixed(_float(inputs, key), 2),
                    weight=_percent(WEIGHTS[method]),
                )
            )
    said = [
        text("report.why.base", base=fixed(_float(inputs, "base"), 2), signals="; ".join(signals))
    ]
    confirming = int(_float(inputs, "methods_confirming"))
    if confirming >= 2:
        factor = number(_float(inputs, "triangulation_factor"))
        said.append(text("report.why.confirmed", count=confirming, factor=factor))
    else:
        said.append(text("report.why.unconfirmed"))
    bonuses = []
    for key, name in (
        ("peak_bonus", "peak"),
        ("end_bonus", "end"),
        ("umot_link_bonus", "link"),
        ("breadth_bonus", "breadth"),
    ):
        value = _float(inputs, key)
        if value > 0:
            count = int(_float(inputs, "observations"))
            bonuses.append(text(f"report.why.{name}", percent=_percent(value), count=count))
    if bonuses:
        said.append(text("report.why.bonuses", bonuses="; ".join(bonuses)))
    votes = _float(inputs, "vote_share")
    if votes > 0:
        said.append(text("report.why.votes", share=_percent(votes)))
    said.append(
        text(
            "report.why.score",
            score=score_text(score),
            raw=fixed(_float(inputs, "raw"), 3),
            raw_max=number(_float(inputs, "raw_max")),
        )
    )
    tie_break = explain_tie_break(inputs)
    if tie_break:
        said.append(text("report.why.tie", reason=tie_break))
    return said


def inputs_line(inputs: Mapping[str, Any]) -> str:
    """Every number the score was computed from, `key = value` (the keys are the JSON's codes,
    the numbers in the reader's way), the tie-break in words. Where the decimal mark is a
    comma, a semicolon separates the pairs."""
    shown: dict[str, Any] = {k: v for k, v in inputs.items() if k != "tie_break_rank"}
    tie_break = explain_tie_break(inputs)
    if tie_break:
        shown["tie_break"] = tie_break
    separator = "; " if text("report.decimal_mark") == "," else ", "
    return separator.join(
        f"{k} = {decimal(str(v)) if isinstance(v, float) else v}" for k, v in shown.items()
    )
