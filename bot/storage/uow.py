"""The SQL repository and unit of work: the only code that talks SQL about our tables.

They implement the protocols of `bot.storage.repository`; rows never leave this
module (`bot.storage.mapping` turns them into `bot.core` values), and every
SQLAlchemy error inside a unit of work leaves it as a `StorageError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, cast, get_args

from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.context import ProductContext
from bot.core.errors import StorageError
from bot.core.evidence import Evidence
from bot.core.facilitation import Facilitation
from bot.core.language import LanguageChoice, Source
from bot.core.taxonomy import Method, Mot
from bot.core.team_records import (
    ParticipantRecord,
    SessionRecord,
    SurveyRecord,
    SurveyTakerRecord,
)
from bot.storage.db import scrub
from bot.storage.mapping import (
    evidence_from_row,
    evidence_row,
    facilitation_record,
    participant_record,
    session_record,
    set_facilitation,
    set_product_context,
    survey_record,
    survey_taker_record,
    utc,
)
from bot.storage.models import (
    EvidenceItem,
    FacilitationVote,
    HandledAction,
    HandledUpdate,
    InterviewProgress,
    InterviewSession,
    Participant,
    StoredFacilitation,
    Survey,
    SurveyAnswer,
    SurveyTaker,
    Workspace,
)
from bot.storage.repository import UnitOfWork as UnitOfWork  # re-exported: the protocol

SOURCES = frozenset(get_args(Source))


class SqlStorageError(StorageError):
    """A `StorageError` from the SQL unit of work; the driver's error is its `__cause__`."""


class SqlRepository:
    """The repository on one SQLAlchemy database session (see `Repository`)."""

    def __init__(self, db: Session) -> None:
        self.db = db

    # --- workspaces and participants ---------------------------------------------

    def _workspace(self, key: str) -> Workspace | None:
        return self.db.scalars(select(Workspace).where(Workspace.key == key)).one_or_none()

    def _get_or_create_workspace(self, key: str) -> Workspace:
        workspace = self._workspace(key)
        if workspace is None:
            workspace = Workspace(key=key)
            self.db.add(workspace)
            self.db.flush()
        return workspace

    def ensure_workspace(self, key: str) -> None:
        self._get_or_create_workspace(key)

    def workspace_language(self, key: str) -> LanguageChoice | None:
        workspace = self._workspace(key)
        if workspace is None or not workspace.language or workspace.language_source not in SOURCES:
            return None
        return LanguageChoice(workspace.language, cast(Source, workspace.language_source))

    def set_workspace_language(self, key: str, choice: LanguageChoice) -> None:
        workspace = self._get_or_create_workspace(key)
        workspace.language, workspace.language_source = choice.language, choice.source

    def get_or_create_participant(
        self, workspace_key: str, key: str, display_name: str | None
    ) -> ParticipantRecord:
        workspace = self._get_or_create_workspace(workspace_key)
        participant = self.db.scalars(
            select(Participant).where(
                Participant.workspace_id == workspace.id, Participant.key == key
            )
        ).one_or_none()
        if participant is None:
            participant = Participant(workspace=workspace, key=key, display_name=display_name)
            self.db.add(participant)
            self.db.flush()
        elif display_name and participant.display_name != display_name:
            participant.display_name = display_name
        return participant_record(participant)

    # --- sessions ----------------------------------------------------------------

    def _session_row(self, session_id: str) -> InterviewSession | None:
        return self.db.get(InterviewSession, session_id)

    def session(self, session_id: str) -> SessionRecord | None:
        row = self._session_row(session_id)
        return session_record(row) if row is not None else None

    def sessions_of(self, workspace_key: str) -> list[SessionRecord]:
        rows = self.db.scalars(
            select(InterviewSession)
            .join(Workspace, InterviewSession.workspace_id == Workspace.id)
            .where(Workspace.key == workspace_key)
            .order_by(InterviewSession.created_at)
        )
        return [session_record(row) for row in rows]

    def latest_open_session(self, workspace_key: str) -> SessionRecord | None:
        row = self.db.scalars(
            select(InterviewSession)
            .join(Workspace, InterviewSession.workspace_id == Workspace.id)
            .where(Workspace.key == workspace_key, InterviewSession.status == "open")
            .order_by(InterviewSession.created_at.desc())
            .limit(1)
        ).first()
        return session_record(row) if row is not None else None

    def latest_session(self) -> SessionRecord | None:
        row = self.db.scalars(
            select(InterviewSession).order_by(InterviewSession.created_at.desc()).limit(1)
        ).first()
        return session_record(row) if row is not None else None

    def add_session(self, workspace_key: str) -> SessionRecord:
        workspace = self._get_or_create_workspace(workspace_key)
        row = InterviewSession(workspace=workspace, channels=[])
        self.db.add(row)
        self.db.flush()
        return session_record(row)

    def set_context(self, session_id: str, context: ProductContext) -> bool:
        row = self._session_row(session_id)
        if row is None:
            return False
        set_product_context(row, context)
        return True

    # --- evidence ----------------------------------------------------------------

    def add_evidence(
        self,
        session_id: str,
        item: Evidence,
        participant_id: int | None = None,
        source_key: str | None = None,
    ) -> None:
        self.db.add(evidence_row(session_id, item, participant_id, source_key))

    def evidence_of(self, session_id: str) -> list[Evidence]:
        names = self.participant_names(session_id)
        rows = self.db.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.session_id == session_id)
            .order_by(EvidenceItem.id)
        )
        return [evidence_from_row(row, names.get(row.participant_id or -1)) for row in rows]

    def evidence_methods(self, session_id: str) -> list[Method]:
        methods = self.db.scalars(
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
        self.db.execute(query)

    # --- surveys -----------------------------------------------------------------

    def survey(self, code: str) -> SurveyRecord | None:
        row = self.db.get(Survey, code)
        return survey_record(row) if row is not None else None

    def survey_of(self, session_id: str) -> SurveyRecord | None:
        row = self.db.scalars(select(Survey).where(Survey.session_id == session_id)).first()
        return survey_record(row) if row is not None else None

    def add_survey(self, code: str, session_id: str, moments: Sequence[str]) -> SurveyRecord:
        row = Survey(code=code, session_id=session_id, moments=[Mot(m).value for m in moments])
        self.db.add(row)
        self.db.flush()
        return survey_record(row)

    def close_survey(self, code: str) -> SurveyRecord | None:
        row = self.db.get(Survey, code)
        if row is None:
            return None
        row.status = "closed"
        return survey_record(row)

    def survey_scores(self, code: str) -> list[tuple[int | None, int | None]]:
        rows = self.db.execute(
            select(SurveyAnswer.nps, SurveyAnswer.csat)
            .where(SurveyAnswer.survey_code == code)
            .order_by(SurveyAnswer.id)
        )
        return [(nps, csat) for nps, csat in rows]

    def save_survey_answer(
        self, code: str, respondent: str, nps: int | None, csat: int | None
    ) -> int:
        answer = self.db.scalars(
            select(SurveyAnswer).where(
                SurveyAnswer.survey_code == code, SurveyAnswer.respondent == respondent
            )
        ).one_or_none()
        if answer is None:
            answer = SurveyAnswer(survey_code=code, respondent=respondent)
            self.db.add(answer)
        answer.nps, answer.csat = nps, csat
        self.db.flush()
        responses = self.count_survey_answers(code)
        survey = self.db.get(Survey, code)
        if survey is not None:
            survey.responses = responses
        return responses

    def count_survey_answers(self, code: str) -> int:
        return int(
            self.db.scalar(
                select(func.count(SurveyAnswer.id)).where(SurveyAnswer.survey_code == code)
            )
            or 0
        )

    def survey_taker(self, person: str) -> SurveyTakerRecord | None:
        row = self.db.get(SurveyTaker, person)
        return survey_taker_record(row) if row is not None else None

    def set_survey_taker(self, person: str, code: str) -> None:
        taker = self.db.get(SurveyTaker, person)
        if taker is None:
            self.db.add(SurveyTaker(person=person, code=code))
        else:
            taker.code = code
            taker.started_at = datetime.now(UTC)

    def delete_survey_taker(self, person: str) -> None:
        self.db.execute(delete(SurveyTaker).where(SurveyTaker.person == person))

    def delete_survey_takers_before(self, moment: datetime) -> int:
        result = self.db.execute(delete(SurveyTaker).where(SurveyTaker.started_at < moment))
        return int(getattr(result, "rowcount", 0) or 0)

    # --- people --------------------------------------------------------------------

    def participant_names(self, session_id: str) -> dict[int, str]:
        rows = self.db.execute(
            select(Participant.id, Participant.display_name, Participant.key)
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(EvidenceItem.session_id == session_id)
            .distinct()
        )
        return {pid: name or key for pid, name, key in rows}

    def participants_with_key(self, key: str) -> list[ParticipantRecord]:
        rows = self.db.scalars(select(Participant).where(Participant.key == key))
        return [participant_record(row) for row in rows]

    def set_named_in_report(
        self, workspace_key: str, key: str, display_name: str | None, named: bool
    ) -> None:
        record = self.get_or_create_participant(workspace_key, key, display_name)
        participant = self.db.get(Participant, record.id)
        assert participant is not None
        participant.named_in_report = named

    def named_participants(self, session_id: str) -> list[str]:
        rows = self.db.execute(
            select(Participant.display_name, func.count(EvidenceItem.id))
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(EvidenceItem.session_id == session_id, Participant.named_in_report.is_(True))
            .group_by(Participant.id)
            .order_by(func.count(EvidenceItem.id).desc(), Participant.display_name)
        )
        return [str(name) for name, _ in rows if name]

    def answer_counts(self, session_id: str) -> list[tuple[str, int]]:
        rows = self.db.execute(
            select(Participant.display_name, Participant.key, func.count(EvidenceItem.id))
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(EvidenceItem.session_id == session_id)
            .group_by(Participant.id)
            .order_by(func.count(EvidenceItem.id).desc())
        )
        return [(name or key, count) for name, key, count in rows]

    def delete_answers_of(self, participant_ids: list[int]) -> int:
        result = self.db.execute(
            delete(EvidenceItem).where(EvidenceItem.participant_id.in_(participant_ids))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_participant(self, participant_id: int) -> None:
        self.db.execute(delete(Participant).where(Participant.id == participant_id))

    def delete_workspace(self, key: str) -> int:
        workspace = self._workspace(key)
        if workspace is None:
            return 0
        sessions = list(
            self.db.scalars(
                select(InterviewSession.id).where(InterviewSession.workspace_id == workspace.id)
            )
        )
        self.db.execute(delete(EvidenceItem).where(EvidenceItem.session_id.in_(sessions)))
        self.db.execute(delete(InterviewProgress).where(InterviewProgress.session_id.in_(sessions)))
        self.db.execute(delete(Survey).where(Survey.session_id.in_(sessions)))
        self.db.execute(delete(InterviewSession).where(InterviewSession.id.in_(sessions)))
        self.db.execute(delete(Participant).where(Participant.workspace_id == workspace.id))
        self.db.execute(delete(Workspace).where(Workspace.id == workspace.id))
        return len(sessions)

    # --- interview progress ------------------------------------------------------

    def progress(self, session_id: str, participant_key: str) -> dict[str, Any] | None:
        row = self.db.get(InterviewProgress, (session_id, participant_key))
        return dict(row.state) if row is not None else None

    def all_progress(self, session_id: str) -> dict[str, dict[str, Any]]:
        rows = self.db.scalars(
            select(InterviewProgress).where(InterviewProgress.session_id == session_id)
        )
        return {row.participant_key: dict(row.state) for row in rows}

    def save_progress(
        self, session_id: str, participant_key: str, version: int, state: dict[str, Any]
    ) -> None:
        row = self.db.get(InterviewProgress, (session_id, participant_key))
        if row is None:
            row = InterviewProgress(session_id=session_id, participant_key=participant_key)
            self.db.add(row)
        row.version, row.state = version, state

    def delete_progress_of(self, participant_key: str) -> int:
        result = self.db.execute(
            delete(InterviewProgress).where(InterviewProgress.participant_key == participant_key)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # --- Rasa's conversations and Telegram's updates -----------------------------

    def delete_conversations(self, sender_pattern: str) -> int:
        """The table belongs to Rasa's tracker store; we only ever delete from it, for
        a person who asked to be forgotten or a conversation past its retention."""
        if not inspect(self.db.connection()).has_table("events"):
            return 0
        result = self.db.execute(
            text("DELETE FROM events WHERE sender_id LIKE :pattern"), {"pattern": sender_pattern}
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_idle_conversations(self, idle_since: datetime) -> tuple[int, int]:
        if not inspect(self.db.connection()).has_table("events"):
            return 0, 0
        idle = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
        cutoff = {"cutoff": idle_since.timestamp()}
        senders = len(self.db.execute(text(idle), cutoff).all())
        result = self.db.execute(text(f"DELETE FROM events WHERE sender_id IN ({idle})"), cutoff)
        return senders, int(getattr(result, "rowcount", 0) or 0)

    def is_handled(self, bot_id: str, update_id: int) -> bool:
        return self.db.get(HandledUpdate, (bot_id, update_id)) is not None

    def mark_handled(self, bot_id: str, update_id: int) -> None:
        if not self.is_handled(bot_id, update_id):
            self.db.add(HandledUpdate(bot_id=bot_id, update_id=update_id))

    def forget_handled_before(self, moment: datetime) -> int:
        updates = self.db.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < moment))
        actions = self.db.execute(delete(HandledAction).where(HandledAction.handled_at < moment))
        return sum(int(getattr(result, "rowcount", 0) or 0) for result in (updates, actions))

    def action_response(self, key: str) -> dict[str, Any] | None:
        row = self.db.get(HandledAction, key)
        return dict(row.response) if row is not None else None

    def remember_action_response(self, key: str, response: dict[str, Any]) -> None:
        if self.db.get(HandledAction, key) is None:
            self.db.add(HandledAction(key=key, response=response))

    # --- facilitated sessions ------------------------------------------------------

    def participants_of(self, workspace_key: str) -> list[ParticipantRecord]:
        rows = self.db.scalars(
            select(Participant)
            .join(Workspace, Participant.workspace_id == Workspace.id)
            .where(Workspace.key == workspace_key)
            .order_by(Participant.id)
        )
        return [participant_record(row) for row in rows]

    def active_facilitation(self, workspace_key: str) -> Facilitation | None:
        row = self.db.scalars(
            select(StoredFacilitation)
            .join(InterviewSession, StoredFacilitation.session_id == InterviewSession.id)
            .join(Workspace, InterviewSession.workspace_id == Workspace.id)
            .where(Workspace.key == workspace_key, StoredFacilitation.status != "ended")
            .order_by(StoredFacilitation.id.desc())
            .limit(1)
        ).first()
        return facilitation_record(row) if row is not None else None

    def save_facilitation(self, facilitation: Facilitation) -> Facilitation:
        row = None
        if facilitation.id is not None:
            row = self.db.get(StoredFacilitation, facilitation.id)
        if row is None:
            row = StoredFacilitation(session_id=facilitation.session_id)
            self.db.add(row)
        set_facilitation(row, facilitation)
        self.db.flush()
        return facilitation_record(row)

    def due_facilitations(self, now: datetime) -> list[Facilitation]:
        rows = self.db.scalars(
            select(StoredFacilitation)
            .where(StoredFacilitation.next_timer_at <= utc(now))
            .order_by(StoredFacilitation.next_timer_at)
        )
        return [facilitation_record(row) for row in rows]

    def running_facilitations(self) -> list[Facilitation]:
        rows = self.db.scalars(
            select(StoredFacilitation).where(StoredFacilitation.status == "running")
        )
        return [facilitation_record(row) for row in rows]

    def facilitation_votes(self, facilitation_id: int) -> dict[str, dict[str, int]]:
        votes: dict[str, dict[str, int]] = {}
        rows = self.db.scalars(
            select(FacilitationVote).where(FacilitationVote.facilitation_id == facilitation_id)
        )
        for row in rows:
            votes.setdefault(row.participant_key, {})[row.mot] = row.count
        return votes

    def save_votes(
        self, facilitation_id: int, participant_key: str, votes: Mapping[str, int]
    ) -> None:
        self.db.execute(
            delete(FacilitationVote).where(
                FacilitationVote.facilitation_id == facilitation_id,
                FacilitationVote.participant_key == participant_key,
            )
        )
        for code, count in votes.items():
            if count > 0:
                self.db.add(
                    FacilitationVote(
                        facilitation_id=facilitation_id,
                        participant_key=participant_key,
                        mot=Mot(code).value,
                        count=count,
                    )
                )
        self.db.flush()

    def vote_tally(self, session_id: str) -> dict[Mot, int]:
        latest = self.db.scalar(
            select(func.max(FacilitationVote.facilitation_id))
            .join(StoredFacilitation, FacilitationVote.facilitation_id == StoredFacilitation.id)
            .where(StoredFacilitation.session_id == session_id)
        )
        if latest is None:
            return {}
        rows = self.db.execute(
            select(FacilitationVote.mot, func.sum(FacilitationVote.count))
            .where(FacilitationVote.facilitation_id == latest)
            .group_by(FacilitationVote.mot)
        )
        return {Mot(code): int(total) for code, total in rows if code in set(Mot)}

    def delete_votes_of(self, participant_key: str) -> int:
        result = self.db.execute(
            delete(FacilitationVote).where(FacilitationVote.participant_key == participant_key)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlUnitOfWork:
    """One database transaction (see `UnitOfWork`): committed on `commit()`, rolled back
    on leaving; a SQLAlchemy error in the block, at commit or on leaving is a `StorageError`."""

    db: Session  # the SQLAlchemy database session of this unit
    repo: SqlRepository

    def __init__(self, db_session_factory: Callable[[], Session]) -> None:
        self._db_session_factory = db_session_factory

    def __enter__(self) -> SqlUnitOfWork:
        self.db = self._db_session_factory()
        self.repo = SqlRepository(self.db)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.db.rollback()
            self.db.close()
        except SQLAlchemyError as error:
            if exc is None:
                raise SqlStorageError(str(error)) from error
            # Otherwise the block's own error (translated below) is the one to report.
        if isinstance(exc, SQLAlchemyError) and not isinstance(exc, StorageError):
            raise SqlStorageError(str(exc)) from exc

    def commit(self) -> None:
        try:
            self.db.commit()
        except SQLAlchemyError as error:
            raise SqlStorageError(str(error)) from error

    def scrub(self) -> None:
        bind = self.db.get_bind()
        if isinstance(bind, Engine):
            scrub(bind)


SqlUowFactory = Callable[[], SqlUnitOfWork]  # a `UowFactory` whose units also offer `.db`


def unit_of_work_factory(db_session_factory: sessionmaker[Session]) -> SqlUowFactory:
    return lambda: SqlUnitOfWork(db_session_factory)
