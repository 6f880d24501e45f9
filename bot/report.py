"""The findings as a document: one data structure (the JSON contract), several renderers.

`build_report` turns findings into the contract's dict; each renderer turns
that dict into one format. HTML, PDF and CSV slot in as further entries of
`RENDERERS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import services
from bot.core.names import safe_file_name
from bot.core.taxonomy import MOMENTS, Method
from bot.services import Findings, UowFactory

Report = dict[str, Any]

METHOD_NAMES = {
    Method.TEAM: "team knowledge",
    Method.RECORDS: "service records",
    Method.COMPETITOR: "competitor walk-through",
    Method.SURVEY: "customer survey",
}


def build_report(findings: Findings) -> Report:
    context = findings.session.context
    return {
        "session": {
            "id": findings.session.id,
            "product": context.product_name if context else None,
            "business": context.business.value if context else None,
            "created_at": findings.created_at,
        },
        "moments": [
            {
                "rank": m.rank,
                "title": m.title,
                "stage": m.stage.value,
                "mot": m.mot.value,
                "polarity": m.polarity,
                "touchpoint": m.touchpoint,
                "score": m.score,
                "score_inputs": m.score_inputs,
                "methods": [method.value for method in m.methods],
                "evidence": [
                    {"method": e.method.value, "summary": e.summary, "count": e.count}
                    for e in m.evidence
                ],
                "suggestions": [str(s) for s in findings.suggestions.get(m.mot, [])],
            }
            for m in findings.moments
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell or line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    session = report["session"]
    business = (session.get("business") or "").upper() or "unknown"
    lines = [
        f"# Moments of truth: {_md(session.get('product') or 'unnamed product')}",
        "",
        f"Session `{session['id']}` ({business}), started {session.get('created_at', '')[:10]}.",
        "",
    ]
    moments = report["moments"]
    if not moments:
        lines += [
            "No evidence yet. Answer the interview questions, send a helpdesk export or survey "
            "results, and the ranked moments appear here.",
            "",
        ]
        return "\n".join(lines)
    covered = sorted({m for moment in moments for m in moment["methods"]})
    missing = [METHOD_NAMES[m] for m in Method if m.value not in covered]
    lines.append(
        "Methods used: "
        + ", ".join(METHOD_NAMES[Method(m)] for m in covered)
        + "."
        + (f" Not yet used: {', '.join(missing)}." if missing else "")
    )
    lines += [
        "",
        "| rank | moment | stage | polarity | score | methods |",
        "| ---: | --- | --- | --- | ---: | --- |",
    ]
    for m in moments:
        lines.append(
            f"| {m['rank']} | {_md(m['title'])} | {m['stage']} | {m['polarity']} | "
            f"{m['score']} | {', '.join(m['methods'])} |"
        )
    for m in moments:
        info = MOMENTS[next(code for code in MOMENTS if code.value == m["mot"])]
        lines += [
            "",
            f"## {m['rank']}. {_md(m['title'])}",
            "",
            f"{info.name} (`{m['mot']}`, {m['stage']}): {info.when}. "
            f"Polarity: **{m['polarity']}**, score **{m['score']}**.",
            "",
            "Evidence:",
        ]
        lines += [
            f"- {METHOD_NAMES[Method(e['method'])]}: {_md(e['summary'])}" for e in m["evidence"]
        ]
        if m["suggestions"]:
            lines += ["", "What to do next:"]
            lines += [f"{i}. {_md(s)}" for i, s in enumerate(m["suggestions"], start=1)]
        inputs = ", ".join(f"{k} = {v}" for k, v in m["score_inputs"].items())
        lines += ["", f"<sub>Score inputs: {_md(inputs)}</sub>"]
    lines += [
        "",
        "---",
        "How the score works: each method gives a pain signal from 0 to 1 (team: "
        "importance-performance opportunity; records: frequency x negative share; competitor: "
        "how much better the competitor does; survey: negative share and CSAT), weighted and "
        "averaged over the methods present, raised 15 % for every further method that confirms "
        "it, 5 % for peaks and for the end of the journey. Glory moments are strengths to keep "
        "and count 0.4. See docs/scoring.md.",
        "",
    ]
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[Report], str]] = {
    "json": render_json,
    "md": render_markdown,
}
PLANNED_FORMATS = ("html", "pdf", "csv")


@dataclass(frozen=True)
class ReportFile:
    """A chat's report, ready to hand over: what it is called and what it says."""

    name: str
    content: str
    product: str
    moments: int


def workspace_report(uow: UowFactory, workspace_key: str, fmt: str = "md") -> ReportFile | None:
    """The report of a chat's current session; None when the chat has no session.

    `moments == 0` means the session has no findings yet (the edges say so).
    """
    session_id = services.workspace_session(uow, workspace_key)
    if session_id is None:
        return None
    findings = services.findings(uow, session_id)
    context = findings.session.context
    product = context.product_name if context else "your product"
    fmt = fmt if fmt in RENDERERS else "md"
    content = RENDERERS[fmt](build_report(findings)) if findings.moments else ""
    name = f"moments-of-truth-{safe_file_name(product).lower()}.{fmt}"
    return ReportFile(name, content, product, len(findings.moments))
