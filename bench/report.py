"""Report rendering speed: every format for a session with 50 moments and 500 evidence items.

Builds a synthetic session in a temporary SQLite database through the services
(50 items, each with ten pieces of evidence from all four methods: team stories
with ratings, ticket groups, competitor walk-throughs, survey mentions) and an
earlier session of the same team, so the report also says what changed. Then,
in this fresh process, it reads the report's data once and renders the five
formats; the charts (matplotlib, imported on first use) are drawn once and
shared by HTML and PDF, as in `mot report` and Telegram.

Prints progress, then one JSON line: `seconds_all_formats` (charts and the five
formats, imports included) with the seconds of each step.

    .venv/bin/python bench/report.py [--moments 50] [--evidence-per-moment 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import services  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.context import ProductContext  # noqa: E402
from bot.core.evidence import Evidence  # noqa: E402
from bot.core.taxonomy import MOMENTS, Business, Method, Mot, Polarity  # noqa: E402
from bot.core.themes import THEMES  # noqa: E402
from bot.report import FORMATS, gather, render  # noqa: E402
from bot.report.charts import charts  # noqa: E402
from bot.storage.db import upgrade  # noqa: E402

TEAM = "bench:team:lead"
CONTEXT = ProductContext("BenchBox", Business.B2C, ["website", "app"], "busy people in cities")


def items(count: int) -> list[tuple[Mot, Polarity, str]]:
    """`count` distinct items: (moment, side, theme), every theme at every moment."""
    themes = [t for t in THEMES if t != "waiting"]
    found = [(mot, side, theme) for theme in themes for mot in Mot for side in Polarity]
    return found[:count]


def evidence_for(mot: Mot, side: Polarity, theme: str, per_item: int, seed: int) -> list[Evidence]:
    """`per_item` pieces of evidence about one item, from all four methods in turn."""
    pain = side is Polarity.PAIN
    stage = MOMENTS[mot].stage
    said = f"customers talk about {theme} at the {mot.value}"
    out: list[Evidence] = []
    for n in range(per_item):
        kind = n % 4
        level = 1 + (seed + n) % 5
        if kind == 0:
            out.append(
                Evidence(Method.TEAM, mot, stage, side, f"touchpoint {n}", f"Story {n}: {said}.",
                         importance=level, performance=6 - level if pain else level, theme=theme)
            )  # fmt: skip
        elif kind == 1:
            tickets = 3 + (seed * 7 + n) % 40
            out.append(
                Evidence(Method.RECORDS, mot, stage, side, text=f"Ticket: {said}, again.",
                         count=tickets, negative=tickets if pain else 0,
                         positive=0 if pain else tickets, theme=theme,
                         details={"tickets_in_group": tickets + 5})
            )  # fmt: skip
        elif kind == 2:
            theirs, ours = (4, 2) if pain else (2, 4)
            out.append(
                Evidence(Method.COMPETITOR, mot, stage, touchpoint=f"step {n}",
                         text=f"The competitor handles {theme} differently.",
                         competitor_rating=theirs, own_rating=ours, theme=theme,
                         details={"competitor": "Rival & Co", "ideas": f"Copy their {theme}"})
            )  # fmt: skip
        else:
            mentions = 1 + (seed + n) % 9
            out.append(
                Evidence(Method.SURVEY, mot, stage, side, text=f"Survey: {said}.",
                         count=mentions, negative=mentions if pain else 0,
                         positive=0 if pain else mentions, theme=theme)
            )  # fmt: skip
    return out


def build(folder: Path, moments: int, per_item: int) -> tuple[Settings, str]:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url, ROOT)
    settings = Settings(database_url=url, root=ROOT, uploads_dir=folder / "uploads")
    app = build_app(settings)
    chosen = items(moments)
    for round_ in range(2):  # an earlier session, then the one reported on
        view = services.open_session(app.uow, TEAM, "Lead", fresh=True)
        services.save_context(app.uow, view.id, CONTEXT)
        batch = [
            piece
            for index, (mot, side, theme) in enumerate(chosen)
            for piece in evidence_for(mot, side, theme, per_item, index + round_)
        ]
        services.add_evidence(app.uow, view.id, batch, TEAM, "Lead")
    app.db_engine.dispose()
    return settings, view.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moments", type=int, default=50)
    parser.add_argument("--evidence-per-moment", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("Building the session ...", file=sys.stderr, flush=True)
        settings, session_id = build(Path(folder), args.moments, args.evidence_per_moment)
        app = build_app(settings)
        started = time.perf_counter()
        report = gather(app.uow, session_id)
        seconds_gather = time.perf_counter() - started
        items_ranked = len(report["moments"]) + len(report["strengths"])
        evidence = args.moments * args.evidence_per_moment
        print(
            f"{items_ranked} ranked items from {evidence} pieces of evidence "
            f"(read and ranked, with the earlier session, in {seconds_gather:.2f} s)",
            file=sys.stderr,
            flush=True,
        )
        steps: dict[str, float] = {}
        sizes: dict[str, int] = {}
        started = time.perf_counter()
        mark = started
        charts(report)  # drawn once; HTML and PDF embed them
        steps["charts"] = time.perf_counter() - mark
        print(f"  charts  {steps['charts']:.2f} s", file=sys.stderr, flush=True)
        for fmt in FORMATS:
            mark = time.perf_counter()
            sizes[fmt] = len(render(report, fmt))
            steps[fmt] = time.perf_counter() - mark
            print(f"  {fmt:<6}  {steps[fmt]:.2f} s, {sizes[fmt] / 1024:.0f} KB", file=sys.stderr)
        total = time.perf_counter() - started
        app.db_engine.dispose()
    print(
        json.dumps(
            {
                "bench": "report",
                "moments": items_ranked,
                "evidence_items": evidence,
                "seconds_all_formats": round(total, 2),
                "seconds_per_format": {k: round(v, 3) for k, v in steps.items()},
                "seconds_reading_findings": round(seconds_gather, 2),
                "kilobytes": {k: round(v / 1024) for k, v in sizes.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
