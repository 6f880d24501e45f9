"""Repository and unit of work: the only code that talks SQL about our tables."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import EvidenceItem, InterviewSession, Participant, Survey, Workspace


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

    def add_evidence(self, item: EvidenceItem) -> None:
        self.session.add(item)

    def evidence_of(self, session_id: str) -> list[EvidenceItem]:
        return list(
            self.session.scalars(
                select(EvidenceItem)
                .where(EvidenceItem.session_id == session_id)
                .order_by(EvidenceItem.id)
            )
        )

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

    def add_survey(self, survey: Survey) -> None:
        self.session.add(survey)
        self.session.flush()

    def participant_names(self, session_id: str) -> dict[int, str]:
        """Who gave the session's evidence: participant id -> display name (or key)."""
        rows = self.session.execute(
            select(Participant.id, Participant.display_name, Participant.key)
            .join(EvidenceItem, EvidenceItem.participant_id == Participant.id)
            .where(EvidenceItem.session_id == session_id)
            .distinct()
        )
        return {pid: name or key for pid, name, key in rows}


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


def unit_of_work_factory(session_factory: sessionmaker[Session]) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(session_factory)
