"""The report as CSV for a spreadsheet: one row per ranked item, one per suggestion.

`row_type` says which a row is (`moment`, `suggestion`, and `gone` for an item of
the previous session that is no longer found); a suggestion row repeats its
item's list, rank, code and title so a filter keeps them together. Headers are
codes, like the JSON's keys. The file starts with a byte-order mark so
spreadsheets read it as UTF-8. A text cell that a spreadsheet would run as a
formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
leading `'`, as OWASP advises; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.report.history import key_of
from bot.report.wording import inputs_line, visible

COLUMNS = (
    "row_type",
    "list",
    "rank",
    "mot",
    "stage",
    "polarity",
    "title",
    "theme",
    "touchpoint",
    "score",
    "score_before",
    "change",
    "confidence",
    "methods",
    "evidence",
    "quotes",
    "why",
    "score_inputs",
    "suggestion",
    "suggestion_text",
    "suggestion_source",
    "suggestion_answers",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell as a spreadsheet should read it: text that could run as a formula is quoted
    (control characters and bidi overrides dropped first, so none can hide a `=`)."""
    if not isinstance(value, str):
        return value
    value = visible(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _changes(report: dict[str, Any]) -> dict[str, tuple[str, float | None]]:
    """Each current item's change since the previous session: (kind, score before)."""
    history = report.get("history") or {}
    found: dict[str, tuple[str, float | None]] = {}
    for kind in ("improved", "worse", "new"):
        for entry in history.get(kind, []):
            found[entry["key"]] = (kind, entry.get("before"))
    return found


def _moment_row(
    item: dict[str, Any], which: str, changes: dict[str, tuple[str, float | None]], history: bool
) -> dict[str, object]:
    change, before = changes.get(key_of(item), ("unchanged" if history else "", None))
    return {
        "row_type": "moment",
        "list": which,
        "rank": item["rank"],
        "mot": item["mot"],
        "stage": item["stage"],
        "polarity": item["polarity"],
        "title": item["title"],
        "theme": item.get("theme") or "",
        "touchpoint": item.get("touchpoint") or "",
        "score": item["score"],
        "score_before": "" if before is None else before,
        "change": change,
        "confidence": item.get("confidence", ""),
        "methods": " ".join(item["methods"]),
        "evidence": " | ".join(f"{e['method']}: {e.get('facts') or e['summary']}"
                               for e in item["evidence"]),
        "quotes": " | ".join(q["text"] for q in item.get("quotes", [])),
        "why": " ".join(item.get("why", [])),
        "score_inputs": inputs_line(item["score_inputs"]),
    }  # fmt: skip


def render_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    changes = _changes(report)
    history = report.get("history")
    for which in ("moments", "strengths"):
        for item in report.get(which, []):
            row = _moment_row(item, which, changes, history is not None)
            writer.writerow({k: neutralise(v) for k, v in row.items()})
            for index, suggestion in enumerate(item["suggestions"], start=1):
                line: dict[str, object] = {
                    "row_type": "suggestion",
                    "list": which,
                    "rank": item["rank"],
                    "mot": item["mot"],
                    "stage": item["stage"],
                    "polarity": item["polarity"],
                    "title": item["title"],
                    "suggestion": index,
                    "suggestion_text": suggestion["text"],
                    "suggestion_source": suggestion["source"],
                    "suggestion_answers": " | ".join(str(a) for a in suggestion["answers"]),
                }
                writer.writerow({k: neutralise(v) for k, v in line.items()})
    for entry in (history or {}).get("gone", []):
        gone: dict[str, object] = {
            "row_type": "gone",
            "list": "moments" if entry["polarity"] == "pain" else "strengths",
            "rank": entry["rank"],
            "mot": entry["mot"],
            "stage": entry["stage"],
            "polarity": entry["polarity"],
            "title": entry["title"],
            "score_before": entry["before"],
            "change": "gone",
        }
        writer.writerow({k: neutralise(v) for k, v in gone.items()})
    return out.getvalue()
