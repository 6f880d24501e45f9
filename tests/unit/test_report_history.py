"""Sessions over time, and the report's words: what changed since the team's previous session,
how far to trust the findings, and why an item ranks where it does."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.report import gather, render
from bot.report.history import THRESHOLD
from bot.report.wording import confidence, why
from tests.fakes import FakeDatabase

TEAM = "tg:-5:7"
CONTEXT = ProductContext("ParcelPal", Business.B2C, ["app"], "busy parents")


def story(
    mot: Mot, side: Polarity, said: str, importance: int, performance: int, stage: Stage
) -> Evidence:
    return Evidence(Method.TEAM, mot, stage, side, None, said, importance, performance)


LATE = "Parcels arrive late and nobody warns the customer."
CRASH = "The app crashes when people change the address."
PRICES = "The prices on the product page are unclear."
PHOTOS = "The product photos make people want it."


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def two_sessions() -> tuple[FakeDatabase, str, str]:
    """March: late parcels hurt most, the app crashes a little, photos shine. June (a new
    session of the same chat): parcels better, the app worse, prices new, photos gone."""
    clock = Clock()
    db = FakeDatabase(now=clock)
    uow = db.unit_of_work
    first = services.open_session(uow, TEAM, "Ana")
    services.save_context(uow, first.id, CONTEXT)
    services.add_evidence(uow, first.id, [
        story(Mot.AMOT, Polarity.PAIN, LATE, 5, 1, Stage.DECISION),
        story(Mot.SMOT, Polarity.PAIN, CRASH, 3, 3, Stage.RETENTION),
        story(Mot.FMOT, Polarity.GLORY, PHOTOS, 4, 5, Stage.CONSIDERATION),
    ], TEAM, "Ana")  # fmt: skip
    clock.now += timedelta(days=92)
    second = services.open_session(uow, TEAM, "Ana", fresh=True)
    services.save_context(uow, second.id, CONTEXT)
    services.add_evidence(uow, second.id, [
        story(Mot.AMOT, Polarity.PAIN, LATE, 4, 3, Stage.DECISION),
        story(Mot.SMOT, Polarity.PAIN, CRASH, 5, 1, Stage.RETENTION),
        story(Mot.FMOT, Polarity.PAIN, PRICES, 4, 2, Stage.CONSIDERATION),
    ], TEAM, "Ana")  # fmt: skip
    return db, first.id, second.id


def test_a_second_session_reports_what_changed_with_the_numbers(
    two_sessions: tuple[FakeDatabase, str, str],
) -> None:
    db, first, second = two_sessions
    assert services.previous_session(db.unit_of_work, second) == first
    assert services.previous_session(db.unit_of_work, first) is None
    report = gather(db.unit_of_work, second)
    history = report["history"]
    assert history["previous_session"] == first and history["since"].startswith("2026-03-01")
    before = gather(db.unit_of_work, first)
    scores = {(m["mot"], m["polarity"]): m["score"] for m in [*before["moments"],
                                                             *before["strengths"]]}  # fmt: skip
    now = {(m["mot"], m["polarity"]): m["score"] for m in report["moments"]}

    def moved(kind: str) -> dict[str, tuple[float | None, float | None]]:
        return {e["mot"]: (e["before"], e["after"]) for e in history[kind]}

    assert moved("improved") == {"amot": (scores["amot", "pain"], now["amot", "pain"])}
    assert moved("worse") == {"smot": (scores["smot", "pain"], now["smot", "pain"])}
    assert now["amot", "pain"] < scores["amot", "pain"] - THRESHOLD
    assert moved("new") == {"fmot": (None, now["fmot", "pain"])}
    assert moved("gone") == {"fmot": (scores["fmot", "glory"], None)}
    markdown = render(report, "md").decode()
    assert "## What changed since 2026-03-01" in markdown
    worse = "| worse | SMOT \u00b7 the app crashes when people change the address | "
    assert worse + f"{scores['smot', 'pain']:.1f} | {now['smot', 'pain']:.1f} |" in markdown
    assert "| new pain | FMOT \u00b7 the prices on the product page are unclear |  |" in markdown
    assert "| strength lost | FMOT \u00b7 the product photos make people want it |" in markdown
    rows = list(csv.DictReader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    changes = {
        (r["row_type"], r["mot"], r["change"]) for r in rows if r["row_type"] != "suggestion"
    }
    assert changes == {
        ("moment", "amot", "improved"),
        ("moment", "smot", "worse"),
        ("moment", "fmot", "new"),
        ("gone", "fmot", "gone"),
    }
    assert "What changed since" in render(report, "html").decode()
    # The first session has nothing before it: no such section.
    assert "What changed" not in render(before, "md").decode()


def test_an_earlier_session_without_evidence_is_not_compared() -> None:
    db = FakeDatabase()
    empty = services.open_session(db.unit_of_work, TEAM, "Ana")
    later = services.open_session(db.unit_of_work, TEAM, "Ana", fresh=True)
    assert empty.id != later.id
    assert services.previous_session(db.unit_of_work, later.id) is None
    other_chat = services.open_session(db.unit_of_work, "tg:-9:1", "Cy")
    services.add_evidence(db.unit_of_work, other_chat.id, [
        story(Mot.AMOT, Polarity.PAIN, LATE, 5, 1, Stage.DECISION)], "tg:-9:1", "Cy")  # fmt: skip
    assert services.previous_session(db.unit_of_work, later.id) is None  # never another chat's


@pytest.mark.parametrize(
    ("methods", "level"), [(0, "none"), (1, "low"), (2, "medium"), (3, "high"), (4, "high")]
)
def test_confidence_grows_with_independent_methods(methods: int, level: str) -> None:
    assert confidence(methods) == level


def test_the_report_says_what_a_missing_method_would_add(
    two_sessions: tuple[FakeDatabase, str, str],
) -> None:
    db, _, second = two_sessions
    report = gather(db.unit_of_work, second)
    assert report["methods"] == {
        "used": ["team"],
        "missing": ["records", "competitor", "survey"],
        "confidence": "low",
    }
    markdown = render(report, "md").decode()
    assert "Confidence is **low**: every finding rests on one method (team knowledge)." in markdown
    assert "- Service records would show how often customers complain" in markdown
    assert "- A customer survey would add NPS, CSAT" in markdown
    assert "1 team member(s) gave 3 answer(s)." in markdown
    assert "Ana" not in markdown


def test_why_an_item_ranks_where_it_does_is_said_in_words(
    two_sessions: tuple[FakeDatabase, str, str],
) -> None:
    db, _, second = two_sessions
    top = gather(db.unit_of_work, second)["moments"][0]
    said = why(top["score_inputs"], top["score"])
    assert said[0].startswith("Base 1.00: the weighted mean of the signals")
    assert "team knowledge 1.00 (weight 35 %)" in said[0]
    assert said[1].startswith("Only one method gives it a strong signal")
    assert said[-1].startswith(f"Score {top['score']:.1f} = 100 x ")
    assert top["why"] == said
