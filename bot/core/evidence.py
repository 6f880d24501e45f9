"""Evidence: one observation about a moment of truth, from one of the four methods.

The ranking, the suggestions and the report all read this one shape, so a
team's answers, a helpdesk export, a competitor walk-through and survey
responses can be combined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.taxonomy import Method, Mot, Polarity, Stage


@dataclass(frozen=True)
class Evidence:
    method: Method
    mot: Mot
    stage: Stage | None = None
    polarity: Polarity | None = None
    touchpoint: str | None = None
    text: str = ""
    # Team knowledge: how much the moment weighs on the decision / how well we do it (1-5).
    importance: int | None = None
    performance: int | None = None
    # Competitor walk-through: the competitor's rating and our own at this moment (1-5).
    competitor_rating: int | None = None
    own_rating: int | None = None
    # Service records and surveys: how many tickets or answers this item stands for,
    # and how many of them were negative / positive.
    count: int = 1
    negative: int = 0
    positive: int = 0
    # Surveys: mean satisfaction at this moment (CSAT 1-5) when the survey asked it.
    csat: float | None = None
    themes: tuple[str, ...] = ()
    # What the item is about, when its producer knows (e.g. a ticket cluster's theme);
    # otherwise the ranking reads it from the text (bot.core.themes).
    theme: str | None = None
    participant: str | None = None
    details: dict[str, object] = field(default_factory=dict)
