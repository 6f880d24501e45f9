"""The report's two charts, drawn with matplotlib (Agg, no display) as PNG images.

- The journey: the six stages of `shared/domain.md` left to right, each item
  placed at its stage, strengths (glory) above the line and pains below, the
  marker's height and size its score; tags `P1`, `S1` match the report's tables,
  and the first few items carry their titles.
- The importance-performance matrix (Martilla and James): the team's mean
  ratings per item, performance across and importance up, its four quadrants named.

Both are drawn once per report and kept for the next format that asks (the HTML
and the PDF embed the same images). matplotlib is imported on first use, not
with this module, so commands that draw nothing stay quick.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import textwrap
import threading
import warnings
from collections import OrderedDict, defaultdict
from typing import Any

from bot.core.taxonomy import Stage
from bot.core.texts import current_language, text
from bot.report.wording import stage_name

PAIN_COLOUR = "#c62828"
GLORY_COLOUR = "#2e7d32"
INK = "#222222"
GRID = "#bbbbbb"
DPI = 220  # sharp on paper at the size the PDF prints it
TITLED = {"pain": 5, "glory": 3}  # items whose title is written beside their marker
LABEL_WIDTH = 30  # characters per line of a title beside a marker
LABEL_LINES = 2  # German titles are long: two short lines say more than one clipped one

_cache: OrderedDict[str, dict[str, bytes]] = OrderedDict()
_lock = threading.Lock()  # matplotlib's text and font caches are not thread-safe


def _short(title: str) -> str:
    """A title on at most `LABEL_LINES` lines, broken and clipped at words where it can be."""
    lines = textwrap.wrap(" ".join(title.split()), LABEL_WIDTH)
    if len(lines) <= LABEL_LINES:
        return "\n".join(lines)
    last = lines[LABEL_LINES - 1]
    if len(last) > LABEL_WIDTH - 1:
        cut = last[: LABEL_WIDTH - 1]
        last = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return "\n".join([*lines[: LABEL_LINES - 1], last.rstrip(" ,;.:\u00b7") + "\u2026"])


def _items(report: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for which, tag in (("moments", "P"), ("strengths", "S")):
        for m in report.get(which, []):
            inputs = m["score_inputs"]
            items.append(
                {
                    "tag": f"{tag}{m['rank']}",
                    "rank": m["rank"],
                    "title": m["title"],
                    "stage": m["stage"],
                    "polarity": "glory" if which == "strengths" else "pain",
                    "score": float(m["score"]),
                    "importance": inputs.get("team_importance"),
                    "performance": inputs.get("team_performance"),
                }
            )
    return items


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _spread(count: int, width: float) -> list[float]:
    if count <= 1:
        return [0.0]
    return [-width + 2 * width * i / (count - 1) for i in range(count)]


def _legend() -> list[Any]:
    """The two marker colours: a pain to fix, a strength to keep."""
    from matplotlib.lines import Line2D

    return [
        Line2D([], [], marker="o", linestyle="", color=colour, label=text(f"report.chart.{side}"))
        for side, colour in (("pain", PAIN_COLOUR), ("glory", GLORY_COLOUR))
    ]


def _place_titles(
    figure: Any,
    axes: Any,
    titled: list[tuple[float, float, int, str]],
    markers: list[tuple[float, float, float]],
) -> None:
    """Each title beside its marker, pushed outwards until it overlaps no other title."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]  # settle the layout: positions stay true
    figure.set_layout_engine("none")
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    frame = axes.get_window_extent(renderer)
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox, offset_copy

    taken: list[Any] = []
    for x, y, size in markers:  # a marker's area is `size` points squared
        cx, cy = axes.transData.transform((x, y))
        radius = math.sqrt(size) / 2 * figure.dpi / 72
        taken.append(Bbox.from_extents(cx - radius, cy - radius, cx + radius, cy + radius))
    # Straight out from the marker first; a title that finds no room there (a long German
    # one beside a crowded stage) is tried a little to either side.
    attempts = [
        (dx, step, ha)
        for dx in (0, -36, 36, -72, 72)
        for step in range(14)
        for ha in ("center", "left", "right")
    ]
    for x, y, sign, title in titled:
        for dx, step, ha in attempts:
            shift = offset_copy(axes.transData, figure, dx, sign * (9 + 8 * step), "points")
            label = axes.annotate(
                title, (x, y), xytext=(x, y), textcoords=shift,
                ha=ha, va="bottom" if sign > 0 else "top", fontsize=6.5, color=INK, zorder=5,
                parse_math=False,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
                arrowprops={"arrowstyle": "-", "color": "#999999", "linewidth": 0.5,
                            "shrinkA": 0, "shrinkB": 6},
            )  # fmt: skip
            label.update_positions(renderer)
            box = Text.get_window_extent(label, renderer)  # the words, not the leader line
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1
            inside = inside and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                break
            label.remove()


def journey_chart(items: list[dict[str, Any]]) -> bytes:
    from matplotlib.figure import Figure

    stages = list(Stage)
    figure = Figure(figsize=(6.9, 3.8), layout="constrained")  # as wide as the PDF page
    axes = figure.subplots()
    top = max((i["score"] for i in items), default=10.0)
    limit = max(10.0, top) * 1.45
    placed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        placed[item["stage"]].append(item)
    titled: list[tuple[int, float, float, int, str]] = []
    markers: list[tuple[float, float, float]] = []
    for stage, group in placed.items():
        # Pains and strengths of a stage share its slots, so none sits on another at the line.
        index = stages.index(Stage(stage)) if stage in {s.value for s in stages} else 0
        group.sort(key=lambda i: (-i["score"], i["tag"]))
        for item, offset in zip(group, _spread(len(group), 0.38), strict=True):
            polarity = item["polarity"]
            sign = 1 if polarity == "glory" else -1
            x, y = index + offset, sign * item["score"]
            colour = GLORY_COLOUR if polarity == "glory" else PAIN_COLOUR
            size = 110 + 5 * item["score"] + 45 * max(len(item["tag"]) - 2, 0)  # "P12" fits
            axes.scatter([x], [y], s=size, color=colour, alpha=0.8, edgecolors="white",
                         linewidths=0.6, zorder=3)  # fmt: skip
            markers.append((x, y, size))
            axes.annotate(item["tag"], (x, y), ha="center", va="center", fontsize=5.5,
                          color="white", fontweight="bold", zorder=4, parse_math=False)  # fmt: skip
            if item["rank"] <= TITLED[polarity]:
                order = item["rank"] * 2 + (polarity == "glory")
                titled.append((order, x, y, sign, _short(item["title"])))
    axes.axhline(0, color=INK, linewidth=1.2)
    for boundary in range(1, len(stages)):
        axes.axvline(boundary - 0.5, color=GRID, linewidth=0.8, linestyle=":")
    axes.set_xlim(-0.5, len(stages) - 0.5)
    axes.set_ylim(-limit, limit)
    axes.set_xticks(range(len(stages)), [stage_name(s.value) for s in stages], fontsize=7.5)
    ticks = [t for t in axes.get_yticks() if -limit <= t <= limit]
    axes.set_yticks(ticks, [f"{abs(t):g}" for t in ticks], fontsize=7)
    axes.set_ylabel(text("report.chart.score_axis"), fontsize=7.5)
    axes.text(-0.45, limit * 0.95, text("report.chart.glory_side"), fontsize=7.5,
              color=GLORY_COLOUR, fontweight="bold", va="top", parse_math=False)  # fmt: skip
    axes.text(-0.45, -limit * 0.95, text("report.chart.pain_side"), fontsize=7.5,
              color=PAIN_COLOUR, fontweight="bold", va="bottom", parse_math=False)  # fmt: skip
    axes.spines[["top", "right"]].set_visible(False)
    legend = _legend()
    axes.legend(handles=legend, loc=1, fontsize=7, frameon=False)  # 1: the upper right corner
    labels = [(x, y, sign, title) for _, x, y, sign, title in sorted(titled)]
    _place_titles(figure, axes, labels, markers)
    return _png(figure)


def matrix_chart(items: list[dict[str, Any]]) -> bytes | None:
    """None when no item has the team's importance and performance ratings."""
    from matplotlib.figure import Figure

    rated = [
        i
        for i in items
        if isinstance(i["importance"], int | float) and isinstance(i["performance"], int | float)
    ]
    if not rated:
        return None
    figure = Figure(figsize=(4.3, 3.7), layout="constrained")  # as printed
    axes = figure.subplots()
    for quadrant, (x, y, ha, va) in {
        # In the margins beyond 1 and 5, where no mean rating can sit.
        "concentrate": (0.45, 5.65, "left", "top"),
        "keep": (5.55, 5.65, "right", "top"),
        "low": (0.45, 0.35, "left", "bottom"),
        "overkill": (5.55, 0.35, "right", "bottom"),
    }.items():
        colour = PAIN_COLOUR if quadrant == "concentrate" else "#555555"
        axes.text(x, y, text(f"report.chart.quadrant.{quadrant}"), ha=ha, va=va, fontsize=7.5,
                  color=colour, fontweight="bold", alpha=0.85, parse_math=False)  # fmt: skip
    axes.axhline(3, color=GRID, linewidth=1)
    axes.axvline(3, color=GRID, linewidth=1)
    at: dict[tuple[float, float], list[dict[str, Any]]] = defaultdict(list)
    for item in rated:
        at[(float(item["performance"]), float(item["importance"]))].append(item)
    for (x, y), group in at.items():
        radius = 0.0 if len(group) == 1 else 0.16
        for n, item in enumerate(group):
            angle = 2 * math.pi * n / len(group)
            px, py = x + radius * math.cos(angle), y + radius * math.sin(angle)
            colour = GLORY_COLOUR if item["polarity"] == "glory" else PAIN_COLOUR
            axes.scatter([px], [py], s=120, color=colour, alpha=0.8, edgecolors="white", zorder=3)
            axes.annotate(item["tag"], (px, py), ha="center", va="center", fontsize=5.5,
                          color="white", fontweight="bold", zorder=4, parse_math=False)  # fmt: skip
    axes.set_xlim(0.4, 5.6)
    axes.set_ylim(0.3, 5.7)
    axes.set_xticks(range(1, 6))
    axes.set_yticks(range(1, 6))
    axes.tick_params(labelsize=7)
    axes.set_xlabel(text("report.chart.performance"), fontsize=7.5)
    axes.set_ylabel(text("report.chart.importance"), fontsize=7.5)
    axes.spines[["top", "right"]].set_visible(False)
    legend = _legend()
    axes.legend(handles=legend, loc=8, bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=7,
                frameon=False)  # fmt: skip  # 8: centred above the axes
    return _png(figure)


def charts(report: dict[str, Any]) -> dict[str, bytes]:
    """{"journey": PNG, "matrix": PNG (absent without ratings)} for a report, drawn once."""
    items = _items(report)
    key = hashlib.sha256(
        json.dumps([current_language(), items], sort_keys=True, default=str).encode()
    ).hexdigest()
    with _lock, warnings.catch_warnings():
        # A glyph DejaVu Sans lacks (most emoji) is drawn as a box; matplotlib's warning
        # about it (a UserWarning per glyph) says no more than that.
        warnings.simplefilter("ignore", UserWarning)
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        drawn = {"journey": journey_chart(items)}
        matrix = matrix_chart(items)
        if matrix is not None:
            drawn["matrix"] = matrix
        _cache[key] = drawn
        while len(_cache) > 4:
            _cache.popitem(last=False)
        return drawn
