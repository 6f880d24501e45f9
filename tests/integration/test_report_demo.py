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
    team_items = [e for m in report["moments"] for e in m["evidence"] if e["method"] == "team"]
    assert len(team_items) == 5  # loading twice added nothing


def test_report_json_follows_the_contract(demo_report: dict[str, Any]) -> None:
    session = demo_report["session"]
    assert session["product"] == "FreshCrate" and session["business"] == "b2c"
    assert set(session) == {"id", "product", "business", "created_at"}
    for moment in demo_report["moments"]:
        assert set(moment) >= {
            "rank",
            "title",
            "stage",
            "mot",
            "polarity",
            "touchpoint",
            "score",
            "score_inputs",
            "methods",
            "evidence",
            "suggestions",
        }
        assert moment["polarity"] in {"pain", "glory", "mixed"}
        assert moment["score_inputs"]["base"] >= 0
    assert [m["rank"] for m in demo_report["moments"]] == list(
        range(1, len(demo_report["moments"]) + 1)
    )


def test_demo_ranking_matches_its_evidence(demo_report: dict[str, Any]) -> None:
    moments = {m["mot"]: m for m in demo_report["moments"]}
    # Late deliveries: the team's worst rating, most tickets, the competitor's lead
    # and the survey's complaints all point at the AMOT.
    assert demo_report["moments"][0]["mot"] == "amot"
    assert moments["amot"]["polarity"] == "pain"
    assert moments["amot"]["methods"] == ["team", "records", "competitor", "survey"]
    assert moments["amot"]["score_inputs"]["methods_confirming"] >= 3
    # Praise on social media and a clear plan page are strengths, ranked after the pains.
    assert moments["umot"]["polarity"] == "glory"
    assert moments["fmot"]["polarity"] == "glory"
    pains = [m["rank"] for m in demo_report["moments"] if m["polarity"] != "glory"]
    glories = [m["rank"] for m in demo_report["moments"] if m["polarity"] == "glory"]
    assert max(pains) < min(glories)


def test_suggestions_fit_and_never_repeat_in_the_top_five(demo_report: dict[str, Any]) -> None:
    top = demo_report["moments"][:5]
    texts = [s.split(" Why: ")[0] for m in top for s in m["suggestions"]]
    assert len(texts) == len(set(texts))
    assert all(len(m["suggestions"]) == 3 for m in top)
    amot = top[0]["suggestions"]
    assert "proactive status updates" in amot[0]
    assert all(" Why: The AMOT is a pain to fix" in s for s in amot)


def test_markdown_report_shows_the_ranking_and_inputs(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "demo")
    out = tmp_path / "findings.md"
    result = run(env, "report", "--format", "md", "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# Moments of truth: FreshCrate")
    assert "| 1 | Actual Moment of Truth: delivery day |" in text
    assert "Score inputs: team_importance = 5" in text


def test_report_without_sessions_and_unknown_formats_are_clear(env: dict[str, str]) -> None:
    result = run(env, "report")
    assert result.exit_code == 2
    assert "mot demo" in result.stderr
    assert run(env, "report", "--format", "pdf").exit_code == 2
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
