"""Sessions over time: what changed since the workspace's previous session.

Items are matched by a stable key, the moment code, the side (pain or glory) and
the theme (`amot/pain/delivery`): titles are worded from what people said and
differ from one session to the next, the key does not. A pain whose score fell
improved; a strength whose score rose improved. Changes under `THRESHOLD` points
count as unchanged: scores are relative to each session's own evidence (the
records signal is scaled by the session's largest item), so small moves say little.
"""

from __future__ import annotations

from typing import Any

THRESHOLD = 1.0  # score points

Report = dict[str, Any]


def key_of(item: dict[str, Any]) -> str:
    return f"{item['mot']}/{item['polarity']}/{item.get('theme') or '-'}"


def _entry(item: dict[str, Any], before: float | None, after: float | None) -> dict[str, Any]:
    return {
        "key": key_of(item),
        "title": item["title"],
        "mot": item["mot"],
        "stage": item["stage"],
        "polarity": item["polarity"],
        "rank": item["rank"],
        "before": before,
        "after": after,
    }


def compare(before: Report, after: Report) -> dict[str, Any]:
    """Improved, worse, new and gone items (score before -> after), and the customer metrics."""
    old = {key_of(i): i for i in [*before["moments"], *before.get("strengths", [])]}
    new = {key_of(i): i for i in [*after["moments"], *after.get("strengths", [])]}
    improved: list[dict[str, Any]] = []
    worse: list[dict[str, Any]] = []
    unchanged = 0
    for key, item in new.items():
        if key not in old:
            continue
        was, now = float(old[key]["score"]), float(item["score"])
        change = now - was if item["polarity"] == "glory" else was - now  # > 0: better
        if abs(now - was) < THRESHOLD:
            unchanged += 1
        else:
            (improved if change > 0 else worse).append(_entry(item, was, now))
    improved.sort(key=lambda e: -abs(e["after"] - e["before"]))
    worse.sort(key=lambda e: -abs(e["after"] - e["before"]))
    metrics = {
        name: {"before": before["metrics"].get(name), "after": after["metrics"].get(name)}
        for name in ("nps", "csat", "survey_responses")
    }
    return {
        "previous_session": before["session"]["id"],
        "since": before["session"].get("created_at") or "",
        "improved": improved,
        "worse": worse,
        "new": [_entry(i, None, float(i["score"])) for k, i in new.items() if k not in old],
        "gone": [_entry(i, float(i["score"]), None) for k, i in old.items() if k not in new],
        "unchanged": unchanged,
        "metrics": metrics,
    }
