"""`mot demo` and `mot report`: the sample session ranks as its evidence implies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'mot.db'}"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def demo_report(env: dict[str, str]) -> dict[str, Any]:
    assert run(env, "demo").exit_code == 0
    result = run(env, "report", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_demo_is_idempotent(env: dict[str, str]) -> None:
    first = run(env, "demo").stdout.strip()
    second = run(env, "demo").stdout.strip()
    assert first == second and len(first) == 32
    report = json.loads(run(env, "report", first, "--format", "json").stdout)
    items = [*report["moments"], *report["strengths"]]
    team_answers = sum(e["count"] for m in items for e in m["evidence"] if e["method"] == "team")
    assert team_answers == 8  # 8 rated stories: loading twice added nothing
    assert report["metrics"]["survey_responses"] == 20


ITEM_KEYS = {
    "rank",
    "title",
    "stage",
    "mot",
    "polarity",
    "touchpoint",
    "theme",
    "score",
    "score_inputs",
    "methods",
    "evidence",
    "suggestions",
}


def test_report_json_follows_the_contract(demo_report: dict[str, Any]) -> None:
    session = demo_report["session"]
    assert session["product"] == "FreshCrate" and session["business"] == "b2c"
    assert set(session) == {"id", "product", "business", "created_at"}
    assert set(demo_report) >= {"session", "moments", "strengths", "metrics"}
    # What the documents add: the context, methods and confidence, who took part (counts).
    assert demo_report["context"]["channels"] == ["website", "mobile app"]
    assert demo_report["methods"] == {
        "used": ["team", "records", "competitor", "survey"],
        "missing": [],
        "confidence": "high",
    }
    assert demo_report["participation"] == {
        "team_members": 2,
        "team_answers": 12,
        "survey_responses": 20,
        "named": [],  # nobody in the demo said /name_me
    }
    assert demo_report["history"] is None  # the demo's workspace has one session
    for key, polarity in (("moments", "pain"), ("strengths", "glory")):
        items = demo_report[key]
        assert items
        assert [m["rank"] for m in items] == list(range(1, len(items) + 1))
        scores = [m["score"] for m in items]
        assert scores == sorted(scores, reverse=True)  # rank order is score order
        for moment in items:
            assert set(moment) >= ITEM_KEYS
            assert moment["polarity"] == polarity
            assert moment["title"].startswith(moment["mot"].upper() + " \u00b7 ")
            assert moment["score_inputs"]["base"] >= 0
            for suggestion in moment["suggestions"]:
                assert set(suggestion) == {"text", "source", "answers"}
                assert suggestion["source"] in {"team", "competitor", "customer", "library"}
                assert suggestion["answers"] and all(suggestion["answers"])
    metrics = demo_report["metrics"]
    # 18 rows in the survey file and two answers in the chat (one of them scores only).
    assert metrics["survey_responses"] == 20
    assert metrics["nps"] == -10.0
    assert metrics["csat"] == 3.4
    assert metrics["csat_by_moment"] == {"amot": 2.0}


def test_demo_ranking_is_concrete_and_matches_its_evidence(demo_report: dict[str, Any]) -> None:
    moments = demo_report["moments"]
    top = moments[0]
    # Late deliveries: the team's worst rating, most tickets, the competitor's lead
    # and the survey's complaints all point at the same AMOT item.
    assert top["title"] == "AMOT \u00b7 boxes arrive hours late"
    assert top["theme"] == "delivery"
    assert top["methods"] == ["team", "records", "competitor", "survey"]
    assert top["score_inputs"]["methods_confirming"] >= 3
    assert top["score"] < 100
    # Two different SMOT pains stay two items, each with its own quotes.
    smot = {m["theme"]: m for m in moments if m["mot"] == "smot"}
    assert {"bugs", "missing items"} <= set(smot)
    assert "crashes" in smot["bugs"]["title"]
    assert "missing ingredient" in smot["missing items"]["title"]
    # Glory is kept apart, with glory quotes only.
    strengths = {m["title"]: m for m in demo_report["strengths"]}
    assert "UMOT \u00b7 customers post their dishes on Instagram" in strengths
    for item in demo_report["strengths"]:
        for evidence in item["evidence"]:
            assert "late" not in evidence["quote"].lower()
    # NPS feeds the UMOT: detractors outnumber promoters.
    umot = next(m for m in moments if m["theme"] == "referral")
    assert umot["score_inputs"]["survey_nps"] == -10.0
    # Reviews at the UMOT raise the ZMOT review item (one customer's UMOT is the next's ZMOT).
    zmot = next(m for m in moments if m["mot"] == "zmot")
    assert zmot["theme"] == "reviews" and zmot["score_inputs"]["umot_link_bonus"] > 0


def test_suggestions_are_grounded_and_never_repeat(demo_report: dict[str, Any]) -> None:
    top = demo_report["moments"][:5]
    library = [s["text"] for m in top for s in m["suggestions"] if s["source"] == "library"]
    assert len(library) == len(set(library))
    amot = top[0]["suggestions"]
    assert amot[0]["source"] == "team"
    assert "GreenPan Box" in amot[0]["text"] and "one-hour delivery window" in amot[0]["text"]
    assert any(s["source"] == "customer" for s in amot)
    assert any("proactive status updates" in s["text"] for s in amot)
    sources = {s["source"] for m in demo_report["moments"] for s in m["suggestions"]}
    assert sources >= {"team", "customer", "library"}
    spread = demo_report["strengths"][0]["suggestions"][0]
    assert spread["source"] == "team" and "Spread what already works" in spread["text"]


def test_markdown_report_shows_the_ranking_metrics_and_inputs(
    env: dict[str, str], tmp_path: Path
) -> None:
    run(env, "demo")
    out = tmp_path / "findings.md"
    result = run(env, "report", "--format", "md", "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# Moments of truth: FreshCrate")
    assert "Customers: 20 survey response(s), NPS **-10.0**, CSAT **3.4/5**." in text
    assert "| P1 | AMOT \u00b7 boxes arrive hours late | Retention | 55.0 |" in text
    assert "## Strengths to keep" in text
    assert "*(your team's idea; answers: your walk-through of GreenPan Box" in text
    assert "Score inputs: team_stories = 1, team_ratings = 1, team_importance = 5" in text


def test_report_without_sessions_and_unknown_formats_are_clear(env: dict[str, str]) -> None:
    result = run(env, "report")
    assert result.exit_code == 2
    assert "mot demo" in result.stderr
    assert run(env, "report", "--format", "pdf").exit_code == 2
    assert run(env, "report", "--format", "docx").exit_code == 2
    assert run(env, "report", "no-such-session").exit_code == 2


def test_survey_analyze_gives_nps_csat_and_skips_bad_rows(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(
        "NPS;CSAT;What went well;What went badly\n"
        "10;5;Recipes are great;\n"
        "3;2;;Box arrived late and warm\n"
        "12;4;oops;\n"
        "8;4;;\n",
        encoding="utf-8",
    )
    result = run(env, "survey", "analyze", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["responses"] == 3
    assert summary["nps"] == 0.0  # 1 promoter, 1 passive, 1 detractor
    assert summary["csat"] == 3.67
    assert summary["skipped"][0]["row"] == 3
    assert "NPS must be a whole number from 0 to 10" in summary["skipped"][0]["reason"]
    amot = next(m for m in summary["moments"] if m["mot"] == "amot")
    assert amot["negative"] == 1
