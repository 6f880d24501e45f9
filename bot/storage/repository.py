"""What the services need from storage: a repository and a unit of work, as protocols.

The services are typed against these, not against SQLAlchemy, so the SQL
implementation (`bot.storage.uow`) and the in-memory one of the tests
(`tests/fakes.py`) are interchangeable. Every method takes and returns plain
values or the domain objects of `bot.core` (`Evidence`, `bot.core.team_records`),
never a database row. Storage trouble surfaces as `bot.core.errors.StorageError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.facilitation import Facilitation
from bot.core.language import LanguageChoice
from bot.core.taxonomy import Method, Mot
from bot.core.team_records import (
    ParticipantRecord,
    SessionRecord,
    SurveyRecord,
    SurveyTakerRecord,
)


class Repository(Protocol):
    """Reads and writes inside one unit of work; nothing is kept before its commit."""

    # --- workspaces and participants ---------------------------------------------

    def ensure_workspace(self, key: str) -> None:
        """The workspace with this key exists afterwards."""
        ...

    def get_or_create_participant(
        self, workspace_key: str, key: str, display_name: str | None
    ) -> ParticipantRecord:
        """A workspace's member (and the workspace, if new); a new display name is kept."""
        ...

    def workspace_language(self, key: str) -> LanguageChoice | None:
        """The team's language and how it was chosen; None before any choice."""
        ...

    def set_workspace_language(self, key: str, choice: LanguageChoice) -> None:
        """Keep the team's language (creating the workspace, if new)."""
        ...

    def participants_with_key(self, key: str) -> list[ParticipantRecord]:
        """One person's memberships: the same participant key in every workspace."""
        ...

    def participant_names(self, session_id: str) -> dict[int, str]:
        """Who gave the session's evidence: participant id -> display name (or key)."""
        ...

    def answer_counts(self, session_id: str) -> list[tuple[str, int]]:
        """(name, answers) of everyone who answered in the session, most answers first."""
        ...

    def set_named_in_report(
        self, workspace_key: str, key: str, display_name: str | None, named: bool
    ) -> None:
        """Whether the report may name this person (their own say; anonymous by default)."""
        ...

    def named_participants(self, session_id: str) -> list[str]:
        """The names of those who answered in the session and agreed to be named, most first."""
        ...

    def delete_answers_of(self, participant_ids: list[int]) -> int:
        """The evidence these participants gave; how many items went."""
        ...

    def delete_participant(self, participant_id: int) -> None: ...

    def delete_workspace(self, key: str) -> int:
        """A workspace with everything in it; how many sessions went (0 without one)."""
        ...

    # --- sessions ----------------------------------------------------------------

    def session(self, session_id: str) -> SessionRecord | None: ...

    def sessions_of(self, workspace_key: str) -> list[SessionRecord]:
        """A workspace's sessions, oldest first."""
        ...

    def latest_open_session(self, workspace_key: str) -> SessionRecord | None: ...

    def latest_session(self) -> SessionRecord | None:
        """The newest session of any workspace."""
        ...

    def add_session(self, workspace_key: str) -> SessionRecord:
        """A new open session of an existing workspace."""
        ...

    def set_context(self, session_id: str, context: ProductContext) -> bool:
        """The product context of a session; False when there is no such session."""
        ...

    # --- interview progress ------------------------------------------------------

    def progress(self, session_id: str, participant_key: str) -> dict[str, Any] | None:
        """The stored interview state of one participant (or "*": the team's), or None."""
        ...

    def all_progress(self, session_id: str) -> dict[str, dict[str, Any]]:
        """Every stored interview state of a session, by participant key ("*": the team's)."""
        ...

    def save_progress(
        self, session_id: str, participant_key: str, version: int, state: dict[str, Any]
    ) -> None: ...

    def delete_progress_of(self, participant_key: str) -> int:
        """One person's interview progress in every session; how many states went."""
        ...

    # --- evidence ----------------------------------------------------------------

    def add_evidence(
        self,
        session_id: str,
        item: Evidence,
        participant_id: int | None = None,
        source_key: str | None = None,
    ) -> None: ...

    def evidence_of(self, session_id: str) -> list[Evidence]:
        """A session's evidence in the order it was given, each with who gave it."""
        ...

    def evidence_methods(self, session_id: str) -> list[Method]:
        """The method of each piece of a session's evidence (for counting answers)."""
        ...

    def delete_evidence(self, session_id: str, source_key: str, participant_id: int | None) -> None:
        """One participant's (or, with None, nobody's) items under one answer key."""
        ...

    # --- surveys -----------------------------------------------------------------

    def survey(self, code: str) -> SurveyRecord | None: ...

    def survey_of(self, session_id: str) -> SurveyRecord | None: ...

    def add_survey(self, code: str, session_id: str, moments: Sequence[str]) -> SurveyRecord:
        """A new open survey asking about `moments` (`Mot`s or their codes)."""
        ...

    def close_survey(self, code: str) -> SurveyRecord | None:
        """The survey stops taking answers; it as it is now (None without one)."""
        ...

    def survey_scores(self, code: str) -> list[tuple[int | None, int | None]]:
        """(NPS, CSAT) of each chat respondent of a survey, in the order they answered."""
        ...

    def save_survey_answer(
        self, code: str, respondent: str, nps: int | None, csat: int | None
    ) -> int:
        """One respondent's scores (a second answer replaces the first); the survey's count."""
        ...

    def count_survey_answers(self, code: str) -> int: ...

    def survey_taker(self, person: str) -> SurveyTakerRecord | None: ...

    def set_survey_taker(self, person: str, code: str) -> None: ...

    def delete_survey_taker(self, person: str) -> None: ...

    def delete_survey_takers_before(self, moment: datetime) -> int: ...

    # --- Rasa's conversations and Telegram's updates -----------------------------

    def delete_conversations(self, sender_pattern: str) -> int:
        """Stored conversation events of senders matching a SQL LIKE pattern."""
        ...

    def delete_idle_conversations(self, idle_since: datetime) -> tuple[int, int]:
        """Conversations whose last event is older than `idle_since`: (senders, events)."""
        ...

    def is_handled(self, bot_id: str, update_id: int) -> bool: ...

    def mark_handled(self, bot_id: str, update_id: int) -> None: ...

    def forget_handled_before(self, moment: datetime) -> int:
        """Handled updates and handled actions older than `moment`; how many went."""
        ...

    def action_response(self, key: str) -> dict[str, Any] | None:
        """What an action answered in the turn `key` names, if it ran already."""
        ...

    def remember_action_response(self, key: str, response: dict[str, Any]) -> None: ...

    # --- facilitated sessions ------------------------------------------------------

    def participants_of(self, workspace_key: str) -> list[ParticipantRecord]:
        """A workspace's members, in the order they first spoke."""
        ...

    def active_facilitation(self, workspace_key: str) -> Facilitation | None:
        """The chat's facilitated session that has not ended, if any."""
        ...

    def save_facilitation(self, facilitation: Facilitation) -> Facilitation:
        """Stored as it is now (a new one when it has no id yet); returned with its id."""
        ...

    def due_facilitations(self, now: datetime) -> list[Facilitation]:
        """Facilitated sessions whose next timer (`Facilitation.next_timer`) is due at `now`."""
        ...

    def running_facilitations(self) -> list[Facilitation]:
        """Every facilitated session whose clock is running."""
        ...

    def facilitation_votes(self, facilitation_id: int) -> dict[str, dict[str, int]]:
        """Each member's votes: participant key -> moment code -> votes."""
        ...

    def save_votes(
        self, facilitation_id: int, participant_key: str, votes: Mapping[str, int]
    ) -> None:
        """A member's votes, replacing the ones they gave before."""
        ...

    def vote_tally(self, session_id: str) -> dict[Mot, int]:
        """Votes per moment of the session's latest facilitated vote (empty without one)."""
        ...

    def delete_votes_of(self, participant_key: str) -> int:
        """One person's votes in every facilitated session; how many rows went."""
        ...


class UnitOfWork(Protocol):
    """One transaction: `with uow:` opens it, `commit()` keeps its changes, leaving drops the
    rest (and everything, when the block raised). Storage errors leave as `StorageError`."""

    @property
    def repo(self) -> Repository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def scrub(self) -> None:
        """After deleting personal data: make sure no copy of it lingers on disk."""
        ...


UowFactory = Callable[[], UnitOfWork]
