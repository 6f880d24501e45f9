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
from bot.core.scoring import RankedMoment, explain_tie_break
from bot.core.taxonomy import MOMENTS, Method, Mot
from bot.core.texts import text
from bot.services import Findings, UowFactory

Report = dict[str, Any]


def method_name(method: Method) -> str:
    """'team knowledge', 'service records', ... in the conversation's language."""
    return text(f"method.{method.value}")


def source_name(source: str) -> str:
    """Where a suggestion comes from: "your team's idea", "library", ... (unknown: as it is)."""
    known = ("team", "competitor", "customer", "library")
    return text(f"report.source.{source}") if source in known else source


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
        return [text("report.no_survey"), ""]
    nps = metrics.get("nps")
    csat = metrics.get("csat")
    said = [text("report.responses", count=metrics["survey_responses"])]
    said.append(
        text("report.nps", nps=f"{nps:+.1f}")
        if isinstance(nps, int | float)
        else text("report.nps_not_asked")
    )
    said.append(
        text("report.csat", csat=csat)
        if isinstance(csat, int | float)
        else text("report.csat_not_asked")
    )
    lines = [text("report.customers", facts=", ".join(said))]
    by_moment = metrics.get("csat_by_moment") or {}
    if by_moment:
        listed = ", ".join(f"{code.upper()} {value}/5" for code, value in by_moment.items())
        lines.append(text("report.csat_by_moment", moments=listed))
    return [*lines, ""]


def _table(items: list[dict[str, Any]]) -> list[str]:
    heads = [text(f"report.column.{c}") for c in ("rank", "moment", "stage", "score", "methods")]
    lines = [
        "| " + " | ".join(heads) + " |",
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
    where = " " + text("report.at", touchpoint=_md(m["touchpoint"])) if m.get("touchpoint") else ""
    polarity = m["polarity"]
    shown_polarity = (
        text(f"report.polarity.{polarity}")
        if polarity in ("pain", "glory")
        else polarity.capitalize()
    )
    lines = [
        "",
        f"### {prefix}{m['rank']}. {_md(m['title'])}",
        "",
        text("report.moment", name=info.name, code=m["mot"], stage=m["stage"], where=where,
             when=info.when, polarity=shown_polarity, score=m["score"]),
        "",
        text("report.evidence"),
    ]  # fmt: skip
    lines += [f"- {method_name(Method(e['method']))}: {_md(e['summary'])}" for e in m["evidence"]]
    if m["suggestions"]:
        lines += ["", text("report.next")]
        for index, s in enumerate(m["suggestions"], start=1):
            answers = "; ".join(_md(a) for a in s["answers"])
            lines.append(
                text("report.suggestion", index=index, text=_md(s["text"]),
                     source=source_name(s["source"]), answers=answers)
            )  # fmt: skip
    shown = {k: v for k, v in m["score_inputs"].items() if k != "tie_break_rank"}
    tie_break = explain_tie_break(m["score_inputs"])
    if tie_break:
        shown["tie_break"] = tie_break
    inputs = ", ".join(f"{k} = {v}" for k, v in shown.items())
    lines += ["", text("report.inputs", inputs=_md(inputs))]
    return lines


def render_markdown(report: Report) -> str:
    session = report["session"]
    business = (session.get("business") or "").upper() or text("report.business_unknown")
    product = session.get("product") or text("report.unnamed_product")
    lines = [
        "# " + text("report.title", product=_md(product)),
        "",
        text("report.session", id=session["id"], business=business,
             started=session.get("created_at", "")[:10]),
        "",
    ]  # fmt: skip
    moments, strengths = report["moments"], report.get("strengths", [])
    if not moments and not strengths:
        lines += [text("report.empty"), ""]
        return "\n".join(lines)
    lines += _metrics_lines(report.get("metrics") or {})
    covered = sorted({m for moment in [*moments, *strengths] for m in moment["methods"]})
    missing = [method_name(m) for m in Method if m.value not in covered]
    used = text("report.methods_used", methods=", ".join(method_name(Method(m)) for m in covered))
    if missing:
        used += " " + text("report.methods_missing", methods=", ".join(missing))
    lines.append(used)
    lines += ["", "## " + text("report.pains"), ""]
    lines += _table(moments) if moments else [text("report.no_pains")]
    if strengths:
        lines += ["", "## " + text("report.strengths"), ""]
        lines += _table(strengths)
    if moments:
        lines += ["", "## " + text("report.pain_details")]
        for m in moments:
            lines += _details(m, "")
    if strengths:
        lines += ["", "## " + text("report.strength_details")]
        for m in strengths:
            lines += _details(m, "S")
    lines += ["", "---", text("report.how_scored"), ""]
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
    product = context.product_name if context else text("report.your_product")
    fmt = fmt if fmt in RENDERERS else "md"
    count = len(findings.moments) + len(findings.strengths)
    content = RENDERERS[fmt](build_report(findings)) if count else ""
    name = f"moments-of-truth-{safe_file_name(product).lower()}.{fmt}"
    return ReportFile(name, content, product, count)
