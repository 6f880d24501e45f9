"""Rows and domain objects: the one place that turns database rows into `bot.core` values.

The repository hands out only what these functions return, so nothing above
the storage layer ever holds (or lazily loads through) a row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.facilitation import Facilitation
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.core.team_records import (
    ParticipantRecord,
    SessionRecord,
    SurveyRecord,
    SurveyTakerRecord,
)
from bot.storage.models import (
    EvidenceItem,
    InterviewSession,
    Participant,
    StoredFacilitation,
    Survey,
    SurveyTaker,
)


def participant_record(row: Participant) -> ParticipantRecord:
    return ParticipantRecord(row.id, row.workspace.key, row.key, row.display_name)


def product_context(row: InterviewSession) -> ProductContext | None:
    """The product context a session row holds, once its name and business are known."""
    if not (row.product_name and row.business):
        return None
    return ProductContext(
        product_name=row.product_name,
        business=Business(row.business),
        channels=list(row.channels or []),
        typical_customer=row.typical_customer or "",
    )


def session_record(row: InterviewSession) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        workspace_key=row.workspace.key,
        context=product_context(row),
        status=row.status,
        created_at=row.created_at,
        product_name=row.product_name,
    )


def set_product_context(row: InterviewSession, context: ProductContext) -> None:
    row.product_name = context.product_name
    row.business = context.business.value
    row.channels = list(context.channels)
    row.typical_customer = context.typical_customer


def survey_record(row: Survey) -> SurveyRecord:
    return SurveyRecord(
        code=row.code,
        session_id=row.session_id,
        moments=tuple(Mot(m) for m in row.moments or []),
        status=row.status,
        responses=row.responses or 0,
    )


def survey_taker_record(row: SurveyTaker) -> SurveyTakerRecord:
    return SurveyTakerRecord(row.person, row.code, row.started_at)


def evidence_row(
    session_id: str, item: Evidence, participant_id: int | None, source_key: str | None = None
) -> EvidenceItem:
    """The row of one piece of evidence: its counts and ratings go into `details`."""
    details: dict[str, Any] = {
        key: value
        for key, value in {
            "count": item.count,
            "negative": item.negative,
            "positive": item.positive,
            "competitor_rating": item.competitor_rating,
            "own_rating": item.own_rating,
            "csat": item.csat,
            "themes": list(item.themes),
            "theme": item.theme,
            **item.details,
        }.items()
        if value not in (None, [], 0) or key == "count"
    }
    return EvidenceItem(
        session_id=session_id,
        participant_id=participant_id,
        method=item.method.value,
        stage=item.stage.value if item.stage else None,
        mot=item.mot.value,
        polarity=item.polarity.value if item.polarity else None,
        touchpoint=item.touchpoint,
        importance=item.importance,
        performance=item.performance,
        text=item.text,
        details=details,
        source_key=source_key,
    )


def evidence_from_row(row: EvidenceItem, participant: str | None) -> Evidence:
    """The evidence a row holds, with the name of who gave it."""
    details = dict(row.details or {})
    known = {
        "count",
        "negative",
        "positive",
        "competitor_rating",
        "own_rating",
        "csat",
        "themes",
        "theme",
    }
    return Evidence(
        method=Method(row.method),
        mot=Mot(row.mot or "smot"),
        stage=Stage(row.stage) if row.stage else None,
        polarity=Polarity(row.polarity) if row.polarity else None,
        touchpoint=row.touchpoint,
        text=row.text or "",
        importance=row.importance,
        performance=row.performance,
        competitor_rating=details.get("competitor_rating"),
        own_rating=details.get("own_rating"),
        count=int(details.get("count", 1)),
        negative=int(details.get("negative", 0)),
        positive=int(details.get("positive", 0)),
        csat=details.get("csat"),
        themes=tuple(details.get("themes", ())),
        theme=details.get("theme"),
        participant=participant,
        details={k: v for k, v in details.items() if k not in known},
    )


def utc(moment: datetime) -> datetime:
    """A moment in UTC (SQLite hands timestamps back without their zone: they are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def facilitation_record(row: StoredFacilitation) -> Facilitation:
    return Facilitation.from_state(
        dict(row.state or {}),
        session_id=row.session_id,
        workspace_key=row.session.workspace.key,
        facilitator=row.facilitator_key,
        status=row.status,
        id=row.id,
    )


def set_facilitation(row: StoredFacilitation, facilitation: Facilitation) -> None:
    """The state as JSON, and the moments a query needs (deadline, next timer) as columns."""
    state = facilitation.to_state()
    row.session_id = facilitation.session_id
    row.status = facilitation.status.value
    row.facilitator_key = facilitation.facilitator
    row.version = int(state["version"])
    row.state = state
    row.deadline = utc(facilitation.deadline) if facilitation.deadline else None
    timer = facilitation.next_timer()
    row.next_timer_at = utc(timer) if timer else None
