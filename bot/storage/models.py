"""SQLAlchemy models of what the product records.

The tables live in the same database as Rasa's tracker store (`events`),
which Alembic is told to leave alone (migrations/env.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Workspace(Base):
    """A team: a terminal user, a private chat or a Telegram group."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    # The team's language (`bot.core.language`) and how firmly it was chosen; None: not yet.
    language: Mapped[str | None] = mapped_column(String(16))
    language_source: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    participants: Mapped[list[Participant]] = relationship(back_populates="workspace")
    sessions: Mapped[list[InterviewSession]] = relationship(back_populates="workspace")


class Participant(Base):
    """A person in a workspace whose answers are attributed to them."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    # They said the report may name them (/name_me); anonymous until then.
    named_in_report: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    workspace: Mapped[Workspace] = relationship(back_populates="participants")


class InterviewSession(Base):
    """One session: a team's interview about one product (`SessionRecord` outside storage)."""

    __tablename__ = "interview_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    product_name: Mapped[str | None] = mapped_column(String(200))
    business: Mapped[str | None] = mapped_column(String(3))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    typical_customer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    workspace: Mapped[Workspace] = relationship(back_populates="sessions")
    evidence: Mapped[list[EvidenceItem]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class EvidenceItem(Base):
    """One observation about a moment of truth, from one of the four methods."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    method: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(20))
    mot: Mapped[str | None] = mapped_column(String(10))
    polarity: Mapped[str | None] = mapped_column(String(10))
    touchpoint: Mapped[str | None] = mapped_column(String(200))
    importance: Mapped[int | None] = mapped_column(Integer)
    performance: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Which interview answer produced the item (e.g. "team.amot"): a changed answer
    # replaces the participant's items under the same key.
    source_key: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    session: Mapped[InterviewSession] = relationship(back_populates="evidence")


class Survey(Base):
    """A customer survey a team shares by code; customers answer it anonymously."""

    __tablename__ = "surveys"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    moments: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    responses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class HandledUpdate(Base):
    """A Telegram update already handled, so a redelivery (restart, webhook retry) is skipped."""

    __tablename__ = "handled_updates"

    bot_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class HandledAction(Base):
    """What an action answered in one turn, kept so the same turn sent again (to another
    Rasa server, after one died mid-turn) gets the same answer without acting twice."""

    __tablename__ = "handled_actions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the turn
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class InterviewProgress(Base):
    """Where one participant stands in a session's interview (`InterviewState`, versioned).

    One row per session and participant; the row with `participant_key` "*"
    holds what the whole team shares (whether the product is live).
    """

    __tablename__ = "interview_progress"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )


class SurveyTaker(Base):
    """Someone answering a survey right now, known only by a keyed digest of who they are.

    The chat adapter routes their messages to a pseudonymous conversation while
    the row exists; the key lives outside the database, so the table alone
    links no person to any answer.
    """

    __tablename__ = "survey_takers"

    person: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SurveyAnswer(Base):
    """One respondent's answer to a survey: their scores, under a keyed pseudonym.

    A second answer by the same respondent replaces the first; the evidence it
    produced carries `source_key` "survey:<code>:<respondent>".
    """

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_code", "respondent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_code: Mapped[str] = mapped_column(
        ForeignKey("surveys.code", ondelete="CASCADE"), index=True
    )
    respondent: Mapped[str] = mapped_column(String(64))
    nps: Mapped[int | None] = mapped_column(Integer)
    csat: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class StoredFacilitation(Base):
    """A facilitated session of a chat's session (`bot.core.facilitation.Facilitation`).

    Its state (agenda, current phase, assignments, ballot) is versioned JSON; the
    current deadline and the next timer are columns as well, so that the timers due
    after a restart are found with one query. At most one per session is not ended.
    """

    __tablename__ = "facilitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10))
    facilitator_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_timer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    session: Mapped[InterviewSession] = relationship()


class FacilitationVote(Base):
    """One member's votes for one moment in a facilitated session's vote.

    A row of its own per member (not inside the facilitation's state): who voted
    what is personal and only its tally is shown, a member's votes are replaced
    as a whole when they change them, and forgetting a person is one delete.
    """

    __tablename__ = "facilitation_votes"

    facilitation_id: Mapped[int] = mapped_column(
        ForeignKey("facilitations.id", ondelete="CASCADE"), primary_key=True
    )
    participant_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    mot: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
