"""Repository and unit of work: the only code that talks SQL about our tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method
from bot.storage.db import scrub
from bot.storage.mapping import evidence_from_row, evidence_row
from bot.storage.models import (
    EvidenceItem,
    HandledUpdate,
    InterviewProgress,
    InterviewSession,
    Participant,
    Survey,
    SurveyAnswer,
    SurveyTaker,
    Workspace,
)


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def workspace(self, key: str) -> Workspace | None:
        return self.session.scalars(select(Workspace).where(Workspace.key == key)).one_or_none()

    def get_or_create_workspace(self, key: str) -> Workspace:
        workspace = self.workspace(key)
        if workspace is None:
            workspace = Workspace(key=key)
            self.session.add(workspace)
            self.session.flush()
        return workspace

    def get_or_create_participant(
        self, workspace: Workspace, key: str, display_name: str | None
    ) -> Participant:
        participant = self.session.scalars(
            select(Participant).where(
                Participant.workspace_id == workspace.id, Participant.key == key
            )
        ).one_or_none()
        if participant is None:
            participant = Participant(workspace=workspace, key=key, display_name=display_name)
            self.session.add(participant)
            self.session.flush()
        elif display_name and participant.display_name != display_name:
            participant.display_name = display_name
        return participant

    def interview(self, session_id: str) -> InterviewSession | None:
        return self.session.get(InterviewSession, session_id)

    def latest_open_interview(self, workspace: Workspace) -> InterviewSession | None:
        return self.session.scalars(
            select(InterviewSession)
            .where(
                InterviewSession.workspace_id == workspace.id,
                InterviewSession.status == "open",
            )
            .order_by(InterviewSession.created_at.desc())
            .limit(1)
        ).first()

    def latest_interview(self) -> InterviewSession | None:
        return self.session.scalars(
            select(InterviewSession).order_by(InterviewSession.created_at.desc()).limit(1)
        ).first()

    def add_interview(self, workspace: Workspace) -> InterviewSession:
        interview = InterviewSession(workspace=workspace, channels=[])
        self.session.add(interview)
        self.session.flush()
        return interview

    def set_context(self, session_id: str, context: ProductContext) -> bool:
        """The product context of a session; False when there is no such session."""
        interview = self.interview(session_id)
        if interview is None:
            return False
        interview.product_name = context.product_name
        interview.business = context.business.value
        interview.channels = list(context.channels)
        interview.typical_customer = context.typical_customer
        return True

    def add_evidence(
        self,
        session_id: str,
        item: Evidence,
        participant_id: int | None = None,
        source_key: str | None = None,
    ) -> None:
        self.session.add(evidence_row(session_id, item, participant_id, source_key))

    def evidence_of(self, session_id: str) -> list[Evidence]:
        """A session's evidence in the order it was given, each with who gave it."""
        names = self.participant_names(session_id)
        rows = self.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.session_id == session_id)
            .order_by(EvidenceItem.id)
        )
        return [evidence_from_row(row, names.get(row.participant_id or -1)) for row in rows]

    def evidence_methods(self, session_id: str) -> list[Method]:
        """The method of each piece of a session's evidence (for counting answers)."""
        methods = self.session.scalars(
            select(EvidenceItem.method).where(EvidenceItem.session_id == session_id)
        )
        return [Method(method) for method in methods]

    def delete_evidence(self, session_id: str, source_key: str, participant_id: int | None) -> None:
        query = delete(EvidenceItem).where(
            EvidenceItem.session_id == session_id, EvidenceItem.source_key == source_key
        )
        if participant_id is None:
            query = query.where(EvidenceItem.participant_id.is_(None))
        else:
            query = query.where(EvidenceItem.participant_id == participant_id)
        self.session.execute(query)

    def survey(self, code: str) -> Survey | None:
        return self.session.get(Survey, code)

    def survey_of(self, session_id: str) -> Survey | None:
        return self.session.scalars(select(Survey).where(Survey.session_id == session_id)).first()

    def add_survey(self, code: str, session_id: str, moments: list[str]) -> Survey:
        survey = Survey(code=code, session_id=session_id, moments=moments)
        self.session.add(survey)
        self.session.flush()
        return survey

    def close_survey(self, code: str) -> None:
        survey = self.survey(code)
        if survey is not None:
            survey.status = "closed"

    def survey_scores(self, code: str) -> list[tuple[int | None, int | None]]:
        """(NPS, CSAT) of each chat respondent of a survey, in the order they answered."""
        rows = self.session.execute(
            select(SurveyAnswer.nps, SurveyAnswer.csat)
            .where(SurveyAnswer.survey_code == code)
            .order_by(SurveyAnswer.id)
        )
        return [(nps, csat) for nps, csat in rows]

    def save_survey_answer(
        self, code: str, respondent: str, nps: int | None, csat: int | None
    ) -> int:
        """One respondent's scores (a second answer replaces the first); the survey's count."""
        answer = self.survey_answer(code, respondent)
        if answer is None:
            answer = SurveyAnswer(survey_code=code, respondent=respondent)
            self.session.add(answer)
        answer.nps, answer.csat = nps, csat
        self.session.flush()
        responses = self.count_survey_answers(code)
        survey = self.survey(code)
        if survey is not None:
            survey.responses = responses
        return responses

    def participant_names(self, session_id: str) -> dict[int, str]:
        """Who gave the session's evidence: participant id -> display name (or key)."""
        rows = self.session.execute(
            select(Participant.id, Participant.display_name, Participant.key)
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(EvidenceItem.session_id == session_id)
            .distinct()
        )
        return {pid: name or key for pid, name, key in rows}

    def participants_with_key(self, key: str) -> list[Participant]:
        """One person's memberships: the same participant key in every workspace."""
        return list(self.session.scalars(select(Participant).where(Participant.key == key)))

    def answer_counts(self, session_id: str) -> list[tuple[str, int]]:
        """(name, answers) of everyone who answered in the session, most answers first."""
        rows = self.session.execute(
            select(Participant.display_name, Participant.key, func.count(EvidenceItem.id))
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(EvidenceItem.session_id == session_id)
            .group_by(Participant.id)
            .order_by(func.count(EvidenceItem.id).desc())
        )
        return [(name or key, count) for name, key, count in rows]

    def delete_answers_of(self, participant_ids: list[int]) -> int:
        result = self.session.execute(
            delete(EvidenceItem).where(EvidenceItem.participant_id.in_(participant_ids))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_participant(self, participant: Participant) -> None:
        self.session.delete(participant)

    def progress(self, session_id: str, participant_key: str) -> dict[str, Any] | None:
        """The stored interview state of one participant (or "*": the team's), or None."""
        row = self.session.get(InterviewProgress, (session_id, participant_key))
        return dict(row.state) if row is not None else None

    def all_progress(self, session_id: str) -> dict[str, dict[str, Any]]:
        """Every stored interview state of a session, by participant key ("*": the team's)."""
        rows = self.session.scalars(
            select(InterviewProgress).where(InterviewProgress.session_id == session_id)
        )
        return {row.participant_key: dict(row.state) for row in rows}

    def save_progress(
        self, session_id: str, participant_key: str, version: int, state: dict[str, Any]
    ) -> None:
        row = self.session.get(InterviewProgress, (session_id, participant_key))
        if row is None:
            row = InterviewProgress(session_id=session_id, participant_key=participant_key)
            self.session.add(row)
        row.version, row.state = version, state

    def delete_progress_of(self, participant_key: str) -> int:
        """One person's interview progress in every session."""
        result = self.session.execute(
            delete(InterviewProgress).where(InterviewProgress.participant_key == participant_key)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_workspace(self, workspace: Workspace) -> int:
        """A workspace with everything in it; returns how many sessions went."""
        sessions = list(
            self.session.scalars(
                select(InterviewSession.id).where(InterviewSession.workspace_id == workspace.id)
            )
        )
        self.session.execute(delete(EvidenceItem).where(EvidenceItem.session_id.in_(sessions)))
        self.session.execute(
            delete(InterviewProgress).where(InterviewProgress.session_id.in_(sessions))
        )
        self.session.execute(delete(Survey).where(Survey.session_id.in_(sessions)))
        self.session.execute(delete(InterviewSession).where(InterviewSession.id.in_(sessions)))
        self.session.execute(delete(Participant).where(Participant.workspace_id == workspace.id))
        self.session.execute(delete(Workspace).where(Workspace.id == workspace.id))
        return len(sessions)

    def delete_conversations(self, sender_pattern: str) -> int:
        """Rasa's stored conversations (its `events` table) of senders matching a LIKE pattern.

        The table belongs to Rasa's tracker store; we only ever delete from it, for
        a person who asked to be forgotten.
        """
        if not inspect(self.session.connection()).has_table("events"):
            return 0
        result = self.session.execute(
            text("DELETE FROM events WHERE sender_id LIKE :pattern"), {"pattern": sender_pattern}
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_idle_conversations(self, idle_since: datetime) -> tuple[int, int]:
        """Rasa's conversations whose last event is older than `idle_since`: (senders, events)."""
        if not inspect(self.session.connection()).has_table("events"):
            return 0, 0
        idle = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
        cutoff = {"cutoff": idle_since.timestamp()}
        senders = len(self.session.execute(text(idle), cutoff).all())
        result = self.session.execute(
            text(f"DELETE FROM events WHERE sender_id IN ({idle})"), cutoff
        )
        return senders, int(getattr(result, "rowcount", 0) or 0)

    def delete_survey_takers_before(self, moment: datetime) -> int:
        result = self.session.execute(delete(SurveyTaker).where(SurveyTaker.started_at < moment))
        return int(getattr(result, "rowcount", 0) or 0)

    def is_handled(self, bot_id: str, update_id: int) -> bool:
        return self.session.get(HandledUpdate, (bot_id, update_id)) is not None

    def mark_handled(self, bot_id: str, update_id: int) -> None:
        if not self.is_handled(bot_id, update_id):
            self.session.add(HandledUpdate(bot_id=bot_id, update_id=update_id))

    def forget_handled_before(self, moment: datetime) -> int:
        result = self.session.execute(
            delete(HandledUpdate).where(HandledUpdate.handled_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def survey_taker(self, person: str) -> SurveyTaker | None:
        return self.session.get(SurveyTaker, person)

    def set_survey_taker(self, person: str, code: str) -> None:
        taker = self.survey_taker(person)
        if taker is None:
            self.session.add(SurveyTaker(person=person, code=code))
        else:
            taker.code = code
            taker.started_at = datetime.now(UTC)

    def delete_survey_taker(self, person: str) -> None:
        self.session.execute(delete(SurveyTaker).where(SurveyTaker.person == person))

    def survey_answer(self, code: str, respondent: str) -> SurveyAnswer | None:
        return self.session.scalars(
            select(SurveyAnswer).where(
                SurveyAnswer.survey_code == code, SurveyAnswer.respondent == respondent
            )
        ).one_or_none()

    def count_survey_answers(self, code: str) -> int:
        return int(
            self.session.scalar(
                select(func.count(SurveyAnswer.id)).where(SurveyAnswer.survey_code == code)
            )
            or 0
        )


class UnitOfWork:
    """One transaction: committed on `commit()`, rolled back otherwise."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.repo = Repository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def scrub(self) -> None:
        """After deleting personal data: make sure no copy of it lingers in the files."""
        bind = self.session.get_bind()
        if isinstance(bind, Engine):
            scrub(bind)


def unit_of_work_factory(session_factory: sessionmaker[Session]) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(session_factory)
