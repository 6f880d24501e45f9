"""The report as data: the JSON contract's dict, plus what the documents show beside it.

`build_report` turns findings into the contract's shape (`session`, `moments`,
`strengths`, `metrics`) and adds, for every format to read the same facts: the
product `context`, the `methods` used and missing with the `confidence` they
allow, who took part (`participation`: counts, and the names of those who
agreed to be named), and `history`, what changed since the workspace's
previous session. `gather` reads all of it through the services.
"""

from __future__ import annotations

from typing import Any

from bot import services
from bot.core.scoring import RankedMoment
from bot.core.taxonomy import Method
from bot.report.history import compare
from bot.report.wording import confidence, why
from bot.services import Findings, Participation, UowFactory

Report = dict[str, Any]


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
        "confidence": confidence(len(moment.methods)),
        "why": why(moment.score_inputs, moment.score),
        "evidence": [
            {
                "method": e.method.value,
                "summary": e.summary,
                "facts": e.facts.render(),
                "count": e.count,
                "quote": e.quote,
            }
            for e in moment.evidence
        ],
        "quotes": [
            {"method": q.method.value, "text": q.text, "source": q.source} for q in moment.quotes
        ],
        "suggestions": [s.to_dict() for s in findings.suggestions_for(moment)],
    }


def _context(findings: Findings) -> dict[str, Any] | None:
    context = findings.session.context
    if context is None:
        return None
    return {
        "product": context.product_name,
        "business": context.business.value,
        "channels": list(context.channels),
        "typical_customer": context.typical_customer,
    }


def build_report(
    findings: Findings,
    participation: Participation | None = None,
    previous: Findings | None = None,
) -> Report:
    """The report contract (pains in `moments`, glory in `strengths`, customer `metrics`) and
    what the documents add: context, methods and confidence, participation, history."""
    context = findings.session.context
    moments = [_item(m, findings) for m in findings.moments]
    strengths = [_item(m, findings) for m in findings.strengths]
    used = {method for item in [*moments, *strengths] for method in item["methods"]}
    metrics = findings.metrics.to_dict()
    report: Report = {
        "session": {
            "id": findings.session.id,
            "product": context.product_name if context else None,
            "business": context.business.value if context else None,
            "created_at": findings.created_at,
        },
        "moments": moments,
        "strengths": strengths,
        "metrics": metrics,
        "context": _context(findings),
        "methods": {
            "used": [m.value for m in Method if m.value in used],
            "missing": [m.value for m in Method if m.value not in used],
            "confidence": confidence(len(used)),
        },
        "participation": {
            # Names only of who agreed (/name_me), none when anonymous (README, "The report").
            "team_members": participation.team_members if participation else None,
            "team_answers": participation.team_answers if participation else None,
            "named": list(participation.named) if participation else [],
            "survey_responses": metrics.get("survey_responses"),
        },
        "history": None,
    }
    if previous is not None:
        before = build_report(previous)
        report["history"] = compare(before, report)
    return report


def gather(uow: UowFactory, session_id: str | None = None, anonymous: bool = False) -> Report:
    """Everything the report shows about one session (default: the latest), read through the
    services: its findings, who took part, and its workspace's previous session's findings."""
    findings = services.findings(uow, session_id)
    current = findings.session.id
    previous_id = services.previous_session(uow, current)
    previous = services.findings(uow, previous_id) if previous_id else None
    return build_report(findings, services.participation(uow, current, anonymous), previous)
