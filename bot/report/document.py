"""What the report says, once, as blocks; Markdown, HTML and PDF each lay the same blocks out.

`compose(report)` reads the report's data and words it from the catalogue into a
short list of block types (headings, paragraphs, lists, tables, quotes, charts,
groups). A renderer knows how to show each type and escapes every piece of
text it is given, so no format can say something another one leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.context import channel_names
from bot.core.scoring import decimal
from bot.core.taxonomy import MOMENTS, Method, Mot
from bot.core.texts import text
from bot.report.wording import (
    Rich,
    Span,
    clip,
    confidence_name,
    date_text,
    fixed,
    flat,
    inputs_line,
    joined,
    method_name,
    number,
    plain,
    polarity_name,
    quote_source,
    rich,
    score_text,
    source_name,
    stage_name,
)

QUOTES_SHOWN = 3  # representative quotes per item
SAID_LIMIT = 240  # characters of a touchpoint or an answer shown in a document (JSON: all)
IDEA_LIMIT = 600  # characters of a suggestion shown in a document
GLANCE_PAINS = 3  # pains named under "at a glance"
NONE = "\u2013"  # a metric the session did not have
# Message keys by value, spelt out so the catalogue checks see them used.
MEANING = {
    "none": "report.confidence_meaning.none",
    "low": "report.confidence_meaning.low",
    "medium": "report.confidence_meaning.medium",
    "high": "report.confidence_meaning.high",
}
WOULD_ADD = {
    Method.TEAM: "report.missing_adds.team",
    Method.RECORDS: "report.missing_adds.records",
    Method.COMPETITOR: "report.missing_adds.competitor",
    Method.SURVEY: "report.missing_adds.survey",
}


@dataclass(frozen=True)
class Heading:
    level: int
    text: Rich
    new_page: bool = False  # the PDF starts a page here; HTML breaks the page when printed


@dataclass(frozen=True)
class Para:
    text: Rich
    kind: str = ""  # "", "lead" (larger), "small" (score inputs, notes), "label" (before a list)


@dataclass(frozen=True)
class Items:
    items: list[Rich]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]
    widths: tuple[float, ...]  # relative column widths (PDF, HTML)
    numeric: frozenset[int] = frozenset()  # right-aligned columns


@dataclass(frozen=True)
class Quotes:
    items: list[tuple[str, str]]  # (what was said, who said it)


@dataclass(frozen=True)
class Figure:
    chart: str  # "journey" or "matrix" (bot.report.charts)
    title: str
    caption: str


@dataclass(frozen=True)
class Group:
    """Blocks that belong together (one moment): kept on one page where they fit."""

    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Para | Items | Table | Quotes | Figure | Group | Rule


def product_of(report: dict[str, Any]) -> str:
    return report["session"].get("product") or text("report.unnamed_product")


def _session_blocks(report: dict[str, Any]) -> list[Block]:
    session = report["session"]
    business = (session.get("business") or "").upper() or text("report.business_unknown")
    started = date_text(session.get("created_at"))
    blocks: list[Block] = [
        Heading(1, rich("report.title", product=product_of(report))),
        Para(rich("report.session", id=session["id"], business=business, started=started)),
    ]
    context = report.get("context")
    if context:
        business_name = text(f"business_{context['business']}")
        lines = [rich("report.context.sells_to", business=business_name)]
        if context.get("channels"):
            channels = channel_names(list(context["channels"]))
            lines.append(rich("report.context.channels", channels=channels))
        if context.get("typical_customer"):
            customer = clip(context["typical_customer"], SAID_LIMIT)
            lines.append(rich("report.context.customer", customer=customer))
        blocks.append(Items(lines))
    return blocks


def _glance(report: dict[str, Any]) -> list[Block]:
    moments, strengths = report["moments"], report.get("strengths", [])
    methods = report.get("methods") or {}
    used = methods.get("used") or []
    blocks: list[Block] = [
        Heading(2, plain(text("report.glance"))),
        Para(
            rich(
                "report.glance.summary",
                pains=len(moments),
                strengths=len(strengths),
                methods=len(used),
                confidence=confidence_name(methods.get("confidence", "none")),
            ),
            "lead",
        ),
    ]

    def line(item: dict[str, Any], prefix: str) -> Rich:
        return rich(
            "report.glance.item",
            title=f"{prefix}{item['rank']} {item['title']}",
            score=score_text(item["score"]),
            confidence=confidence_name(item.get("confidence", "")),
        )

    if moments:
        blocks.append(Para(plain(text("report.glance.fix_first")), "label"))
        blocks.append(Items([line(m, "P") for m in moments[:GLANCE_PAINS]]))
    if strengths:
        blocks.append(Para(plain(text("report.glance.keep")), "label"))
        blocks.append(Items([line(strengths[0], "S")]))
    return blocks


def _customers(metrics: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(2, plain(text("report.customers_title")))]
    if not metrics.get("survey_responses"):
        return [*blocks, Para(rich("report.no_survey"))]
    nps, csat = metrics.get("nps"), metrics.get("csat")
    facts = [rich("report.responses", count=metrics["survey_responses"])]
    facts.append(
        rich("report.nps", nps=fixed(nps, 1, sign=True))
        if isinstance(nps, int | float)
        else rich("report.nps_not_asked")
    )
    facts.append(
        rich("report.csat", csat=decimal(str(csat)))
        if isinstance(csat, int | float)
        else rich("report.csat_not_asked")
    )
    blocks.append(Para(rich("report.customers", facts=joined(facts))))
    by_moment = metrics.get("csat_by_moment") or {}
    if by_moment:
        listed = ", ".join(
            f"{code.upper()} {decimal(str(value))}/5" for code, value in by_moment.items()
        )
        blocks.append(Para(rich("report.csat_by_moment", moments=listed)))
    return blocks


def _methods(report: dict[str, Any]) -> list[Block]:
    methods = report.get("methods") or {}
    used = [Method(m) for m in methods.get("used", [])]
    missing = [Method(m) for m in methods.get("missing", [])]
    said = rich("report.methods_used", methods=", ".join(method_name(m) for m in used))
    if missing:
        said = joined(
            [
                said,
                rich("report.methods_missing", methods=", ".join(method_name(m) for m in missing)),
            ],
            " ",
        )
    level = methods.get("confidence", "none")
    meaning = rich(
        MEANING.get(level, MEANING["none"]),
        count=len(used),
        methods=", ".join(method_name(m) for m in used),
    )
    blocks: list[Block] = [
        Heading(2, plain(text("report.methods_title"))),
        Para(said),
        Para(meaning),
    ]
    if missing:
        blocks.append(Items([rich(WOULD_ADD[m]) for m in missing]))
    return blocks


def _people(report: dict[str, Any]) -> list[Block]:
    people = report.get("participation") or {}
    lines: list[Block] = [Heading(2, plain(text("report.people_title")))]
    members = people.get("team_members")
    if members:
        lines.append(
            Para(rich("report.people", members=members, answers=people.get("team_answers") or 0))
        )
    elif members == 0:
        lines.append(Para(rich("report.people_none")))
    if people.get("survey_responses"):
        lines.append(Para(rich("report.people_survey", count=people["survey_responses"])))
    named = people.get("named") or []
    if named:
        lines.append(Para(rich("report.people_named", names=", ".join(named))))
    lines.append(Para(rich("report.people_anonymous"), "small"))
    return lines


def _score(value: float | None) -> str:
    return "" if value is None else score_text(value)


def _history(history: dict[str, Any]) -> list[Block]:
    since = date_text(history.get("since"))
    blocks: list[Block] = [
        Heading(2, rich("report.history.title", date=since)),
        Para(rich("report.history.intro", threshold=1)),
    ]
    rows = []
    for kind in ("worse", "new", "improved", "gone"):
        for entry in history.get(kind, []):
            kind_key = f"{kind}_{entry['polarity']}" if kind in ("new", "gone") else kind
            rows.append(
                [
                    text(f"report.history.{kind_key}"),
                    entry["title"],
                    _score(entry.get("before")),
                    _score(entry.get("after")),
                ]
            )
    if rows:
        head = [text(f"report.history.column.{c}") for c in ("change", "moment", "before", "after")]
        blocks.append(Table(head, rows, (1.8, 3.6, 0.8, 0.8), frozenset({2, 3})))
    else:
        blocks.append(Para(rich("report.history.none")))
    if history.get("unchanged"):
        blocks.append(Para(rich("report.history.unchanged", count=history["unchanged"])))
    changes = []
    for name, values in (history.get("metrics") or {}).items():
        before, after = values.get("before"), values.get("after")
        if name != "survey_responses" and (before is not None or after is not None):
            changes.append(
                text(
                    "report.history.metric",
                    name=name.upper(),
                    before=NONE if before is None else number(before),
                    after=NONE if after is None else number(after),
                )
            )
    if changes:
        blocks.append(Para(rich("report.history.metrics", changes=", ".join(changes))))
    return blocks


def _charts(report: dict[str, Any], has_matrix: bool) -> list[Block]:
    blocks: list[Block] = [
        Figure(
            "journey", text("report.charts.journey_title"), text("report.charts.journey_caption")
        )
    ]
    if has_matrix:
        blocks.append(
            Figure(
                "matrix", text("report.charts.matrix_title"), text("report.charts.matrix_caption")
            )
        )
    else:
        blocks += [
            Heading(2, plain(text("report.charts.matrix_title"))),
            Para(rich("report.charts.no_ratings")),
        ]
    return blocks


def _table(items: list[dict[str, Any]], prefix: str) -> Table:
    columns = ("rank", "moment", "stage", "score", "methods", "confidence")
    rows = [
        [
            f"{prefix}{m['rank']}",
            m["title"],
            stage_name(m["stage"]),
            score_text(m["score"]),
            ", ".join(method_name(Method(x)) for x in m["methods"]),
            confidence_name(m.get("confidence", "")),
        ]
        for m in items
    ]
    head = [text(f"report.column.{c}") for c in columns]
    return Table(head, rows, (0.8, 4.0, 1.6, 0.9, 2.3, 1.4), frozenset({3}))


def _details(m: dict[str, Any], prefix: str) -> Group:
    info = MOMENTS[Mot(m["mot"])]
    touchpoint = clip(m.get("touchpoint") or "", SAID_LIMIT)
    where = " " + text("report.at", touchpoint=touchpoint) if touchpoint else ""
    blocks: list[Block] = [
        Heading(3, plain(f"{prefix}{m['rank']}. {m['title']}")),
        Para(
            rich(
                "report.moment",
                name=info.name,
                code=m["mot"],
                stage=stage_name(m["stage"]),
                where=where,
                when=info.when,
                polarity=polarity_name(m["polarity"]),
                score=score_text(m["score"]),
            )
        ),
        Para(
            rich(
                "report.item_confidence",
                confidence=confidence_name(m.get("confidence", "")),
                count=len(m["methods"]),
                methods=", ".join(method_name(Method(x)) for x in m["methods"]),
            )
        ),
        Para(plain(text("report.why_title")), "label"),
        Items([plain(sentence) for sentence in m.get("why", [])]),
        Para(plain(text("report.evidence")), "label"),
        Items(
            [
                rich(
                    "report.evidence_line",
                    method=method_name(Method(e["method"])),
                    facts=e.get("facts") or e["summary"],
                )
                for e in m["evidence"]
            ]
        ),
    ]
    quotes = m.get("quotes") or [
        {"text": e["quote"], "source": ""} for e in m["evidence"] if e.get("quote")
    ]
    if quotes:
        blocks.append(Para(plain(text("report.quotes")), "label"))
        blocks.append(
            Quotes(
                [
                    (clip(q["text"], SAID_LIMIT), clip(quote_source(q.get("source", "")), 80))
                    for q in quotes[:QUOTES_SHOWN]
                ]
            )
        )
    if m["suggestions"]:
        blocks.append(Para(plain(text("report.next")), "label"))
        blocks.append(
            Items(
                [
                    rich(
                        "report.suggestion",
                        text=clip(s["text"], IDEA_LIMIT),
                        source=source_name(s["source"]),
                        answers="; ".join(clip(str(a), SAID_LIMIT) for a in s["answers"]),
                    )
                    for s in m["suggestions"]
                ],
                ordered=True,
            )
        )
    blocks.append(Para(rich("report.inputs", inputs=inputs_line(m["score_inputs"])), "small"))
    return Group(blocks)


def has_matrix(report: dict[str, Any]) -> bool:
    """Whether any item carries the team's importance and performance ratings."""
    return any(
        "team_importance" in m["score_inputs"] and "team_performance" in m["score_inputs"]
        for m in [*report["moments"], *report.get("strengths", [])]
    )


def compose(report: dict[str, Any]) -> list[Block]:
    """The whole report as blocks, in reading order."""
    blocks = _session_blocks(report)
    moments, strengths = report["moments"], report.get("strengths", [])
    if not moments and not strengths:
        return [*blocks, Para(rich("report.empty"))]
    blocks += _glance(report)
    blocks += _customers(report.get("metrics") or {})
    blocks += _methods(report)
    blocks += _people(report)
    if report.get("history"):
        blocks += _history(report["history"])
    blocks += _charts(report, has_matrix(report))
    blocks += [Heading(2, plain(text("report.pains")), new_page=True)]
    blocks += [_table(moments, "P")] if moments else [Para(rich("report.no_pains"))]
    if strengths:
        blocks += [Heading(2, plain(text("report.strengths"))), _table(strengths, "S")]
    if moments:
        blocks.append(Heading(2, plain(text("report.pain_details")), new_page=True))
        blocks += [_details(m, "P") for m in moments]
    if strengths:
        blocks.append(Heading(2, plain(text("report.strength_details")), new_page=True))
        blocks += [_details(m, "S") for m in strengths]
    blocks += [Rule(), Para(rich("report.how_scored"), "small")]
    return blocks


def all_text(blocks: list[Block]) -> str:
    """Every word the blocks carry, for tests and search (charts by their title and caption)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Para):
            out.append(flat(block.text))
        elif isinstance(block, Items):
            out += [flat(item) for item in block.items]
        elif isinstance(block, Table):
            out += block.head + [cell for row in block.rows for cell in row]
        elif isinstance(block, Quotes):
            out += [f"{said} {who}" for said, who in block.items]
        elif isinstance(block, Figure):
            out += [block.title, block.caption]
        elif isinstance(block, Group):
            out.append(all_text(block.blocks))
    return "\n".join(out)


__all__ = ["Block", "Span", "compose", "has_matrix", "product_of"]
