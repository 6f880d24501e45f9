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
from bot.core.scoring import RankedMoment
from bot.core.taxonomy import MOMENTS, Method, Mot
from bot.services import Findings, UowFactory

Report = dict[str, Any]

METHOD_NAMES = {
    Method.TEAM: "team knowledge",
    Method.RECORDS: "service records",
    Method.COMPETITOR: "competitor walk-through",
    Method.SURVEY: "customer survey",
}


SOURCE_NAMES = {
    "team": "your team's idea",
    "competitor": "a competitor's practice",
    "customer": "customers' own words",
    "library": "library",
}


def _item(moment: RankedMoment, findings: Findings) -> dict[str, Any]:
    return {
        "rank": moment.rank,
        "title": moment.title,
        "stage": moment.stage.value,
        "mot": moment.mot.value,
        "polarity": moment.polarity,
        "touchpoint": moment.touchpoint,
        "theme": moment.theme,
        "score": moment.score,
        "score_inputs": moment.score_inputs,
        "methods": [method.value for method in moment.methods],
        "evidence": [
            {"method": e.method.value, "summary": e.summary, "count": e.count, "quote": e.quote}
            for e in moment.evidence
        ],
        "suggestions": [s.to_dict() for s in findings.suggestions_for(moment)],
    }


def build_report(findings: Findings) -> Report:
    """The report contract: pains in `moments`, glory in `strengths`, customer `metrics`."""
    context = findings.session.context
    return {
        "session": {
            "id": findings.session.id,
            "product": context.product_name if context else None,
            "business": context.business.value if context else None,
            "created_at": findings.created_at,
        },
        "moments": [_item(m, findings) for m in findings.moments],
        "strengths": [_item(m, findings) for m in findings.strengths],
        "metrics": findings.metrics.to_dict(),
    }


def render_json(report: Report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell or line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _metrics_lines(metrics: dict[str, Any]) -> list[str]:
    if not metrics.get("survey_responses"):
        return [
            "Customers: no survey yet; NPS and CSAT appear here once customers have answered.",
            "",
        ]
    nps = metrics.get("nps")
    csat = metrics.get("csat")
    said = [f"{metrics['survey_responses']} survey response(s)"]
    said.append(f"NPS **{nps:+.1f}**" if isinstance(nps, int | float) else "NPS not asked")
    said.append(f"CSAT **{csat}/5**" if isinstance(csat, int | float) else "CSAT not asked")
    lines = ["Customers: " + ", ".join(said) + "."]
    by_moment = metrics.get("csat_by_moment") or {}
    if by_moment:
        lines.append(
            "CSAT by moment: "
            + ", ".join(f"{code.upper()} {value}/5" for code, value in by_moment.items())
            + "."
        )
    return [*lines, ""]


def _table(items: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| rank | moment | stage | score | methods |",
        "| ---: | --- | --- | ---: | --- |",
    ]
    for m in items:
        lines.append(
            f"| {m['rank']} | {_md(m['title'])} | {m['stage']} | {m['score']} | "
            f"{', '.join(m['methods'])} |"
        )
    return lines


def _details(m: dict[str, Any], prefix: str) -> list[str]:
    info = MOMENTS[Mot(m["mot"])]
    where = f" at {_md(m['touchpoint'])}" if m.get("touchpoint") else ""
    lines = [
        "",
        f"### {prefix}{m['rank']}. {_md(m['title'])}",
        "",
        f"{info.name} (`{m['mot']}`, {m['stage']}){where}: {info.when}. "
        f"{m['polarity'].capitalize()}, score **{m['score']}**.",
        "",
        "Evidence:",
    ]
    lines += [f"- {METHOD_NAMES[Method(e['method'])]}: {_md(e['summary'])}" for e in m["evidence"]]
    if m["suggestions"]:
        lines += ["", "What to do next:"]
        for index, s in enumerate(m["suggestions"], start=1):
            answers = "; ".join(_md(a) for a in s["answers"])
            lines.append(
                f"{index}. {_md(s['text'])} *({SOURCE_NAMES.get(s['source'], s['source'])}; "
                f"answers: {answers})*"
            )
    inputs = ", ".join(f"{k} = {v}" for k, v in m["score_inputs"].items())
    lines += ["", f"<sub>Score inputs: {_md(inputs)}</sub>"]
    return lines


def render_markdown(report: Report) -> str:
    session = report["session"]
    business = (session.get("business") or "").upper() or "unknown"
    lines = [
        f"# Moments of truth: {_md(session.get('product') or 'unnamed product')}",
        "",
        f"Session `{session['id']}` ({business}), started {session.get('created_at', '')[:10]}.",
        "",
    ]
    moments, strengths = report["moments"], report.get("strengths", [])
    if not moments and not strengths:
        lines += [
            "No evidence yet. Answer the interview questions, send a helpdesk export or survey "
            "results, and the ranked moments appear here.",
            "",
        ]
        return "\n".join(lines)
    lines += _metrics_lines(report.get("metrics") or {})
    covered = sorted({m for moment in [*moments, *strengths] for m in moment["methods"]})
    missing = [METHOD_NAMES[m] for m in Method if m.value not in covered]
    lines.append(
        "Methods used: "
        + ", ".join(METHOD_NAMES[Method(m)] for m in covered)
        + "."
        + (f" Not yet used: {', '.join(missing)}." if missing else "")
    )
    lines += ["", "## Pains to fix", ""]
    lines += _table(moments) if moments else ["No pains found yet."]
    if strengths:
        lines += ["", "## Strengths to keep", ""]
        lines += _table(strengths)
    if moments:
        lines += ["", "## What to do about each pain"]
        for m in moments:
            lines += _details(m, "")
    if strengths:
        lines += ["", "## How to keep each strength"]
        for m in strengths:
            lines += _details(m, "S")
    lines += [
        "",
        "---",
        "How the score works: evidence is grouped into concrete items (moment, pain or glory, "
        "theme). Each method gives a signal from 0 to 1 (team: importance-performance "
        "opportunity; records: frequency x share of tickets; competitor: how much better the "
        "competitor does; survey: share of mentions, CSAT at the moment, NPS for "
        "recommendations), weighted and averaged over the methods present, raised 15 % for "
        "every further method that confirms it, for peaks, the end of the journey, review "
        "evidence at the UMOT (for the ZMOT) and the number of observations, and scaled so "
        "the largest possible value is 100. Pains and strengths are ranked separately, each "
        "by score. See docs/scoring.md.",
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
    """A chat's report, ready to hand over: what it is called and what it says.

    `moments` counts the ranked items, pains and strengths.
    """

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
    count = len(findings.moments) + len(findings.strengths)
    content = RENDERERS[fmt](build_report(findings)) if count else ""
    name = f"moments-of-truth-{safe_file_name(product).lower()}.{fmt}"
    return ReportFile(name, content, product, count)
