"""An in-memory database for service tests: `FakeDatabase().unit_of_work` is a `UowFactory`.

It implements every method of `bot.storage.repository.Repository` on plain
dicts and lists, with the semantics of the SQL one: a unit of work works on a
private copy, `commit()` publishes it, leaving the `with` drops what was not
committed (everything, when the block raised). Two units of work that both
write and overlap fail like a locked SQLite file would: with `StorageError`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from bot import services
from bot.core.context import ProductContext
from bot.core.errors import StorageError
from bot.core.evidence import Evidence
from bot.core.facilitation import Facilitation
from bot.core.identity import parse_sender, upload_folder
from bot.core.language import LanguageChoice
from bot.core.taxonomy import Method, Mot
from bot.core.team_records import (
    ParticipantRecord,
    SessionRecord,
    SurveyRecord,
    SurveyTakerRecord,
)
from bot.interview_service import Member


@dataclass
class _StoredEvidence:
    id: int
    session_id: str
    participant_id: int | None
    source_key: str | None
    item: Evidence


@dataclass
class _StoredAnswer:
    id: int
    nps: int | None
    csat: int | None


@dataclass
class Tables:
    """Everything the database holds; compared by value to see whether a unit wrote."""

    workspaces: set[str] = field(default_factory=set)
    languages: dict[str, LanguageChoice] = field(default_factory=dict)  # by workspace key
    participants: dict[int, ParticipantRecord] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)  # in creation order
    evidence: list[_StoredEvidence] = field(default_factory=list)
    surveys: dict[str, SurveyRecord] = field(default_factory=dict)
    answers: dict[tuple[str, str], _StoredAnswer] = field(default_factory=dict)
    progress: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    takers: dict[str, SurveyTakerRecord] = field(default_factory=dict)
    handled: dict[tuple[str, int], datetime] = field(default_factory=dict)
    actions: dict[str, tuple[dict[str, Any], datetime]] = field(default_factory=dict)
    named: set[int] = field(default_factory=set)  # participants who agreed to be named
    # Rasa's tracker store (`events`): (sender id, timestamp) per event.
    events: list[tuple[str, float]] = field(default_factory=list)
    last_id: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    # Facilitated sessions: (session id, status, state) by id; votes by (id, member).
    facilitations: dict[int, tuple[str, str, str, dict[str, Any]]] = field(default_factory=dict)
    votes: dict[tuple[int, str], dict[str, int]] = field(default_factory=dict)


def _like(pattern: str) -> re.Pattern[str]:
    """A SQL LIKE pattern as a regular expression (case-insensitive, as SQLite's LIKE)."""
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


class FakeRepository:
    """`Repository` on one unit of work's private copy of the tables."""

    def __init__(self, tables: Tables, now: Callable[[], datetime]) -> None:
        self.tables = tables
        self._now = now

    # --- workspaces and participants ---------------------------------------------

    def ensure_workspace(self, key: str) -> None:
        self.tables.workspaces.add(key)

    def workspace_language(self, key: str) -> LanguageChoice | None:
        return self.tables.languages.get(key)

    def set_workspace_language(self, key: str, choice: LanguageChoice) -> None:
        self.tables.workspaces.add(key)
        self.tables.languages[key] = choice

    def get_or_create_participant(
        self, workspace_key: str, key: str, display_name: str | None
    ) -> ParticipantRecord:
        self.ensure_workspace(workspace_key)
        for participant in self.tables.participants.values():
            if (participant.workspace_key, participant.key) == (workspace_key, key):
                if display_name and participant.display_name != display_name:
                    participant = replace(participant, display_name=display_name)
                    self.tables.participants[participant.id] = participant
                return participant
        created = ParticipantRecord(self.tables.new_id(), workspace_key, key, display_name)
        self.tables.participants[created.id] = created
        return created

    def participants_with_key(self, key: str) -> list[ParticipantRecord]:
        return [p for p in self.tables.participants.values() if p.key == key]

    def participant_names(self, session_id: str) -> dict[int, str]:
        names = {}
        for stored in self._evidence(session_id):
            participant = self.tables.participants.get(stored.participant_id or -1)
            if participant is not None:
                names[participant.id] = participant.display_name or participant.key
        return names

    def set_named_in_report(
        self, workspace_key: str, key: str, display_name: str | None, named: bool
    ) -> None:
        record = self.get_or_create_participant(workspace_key, key, display_name)
        if named:
            self.tables.named.add(record.id)
        else:
            self.tables.named.discard(record.id)

    def named_participants(self, session_id: str) -> list[str]:
        counts: dict[int, int] = {}
        for stored in self._evidence(session_id):
            if stored.participant_id in self.tables.named:
                counts[stored.participant_id] = counts.get(stored.participant_id, 0) + 1
        people = self.tables.participants
        ranked = sorted(counts, key=lambda pid: (-counts[pid], people[pid].display_name or ""))
        return [name for pid in ranked if pid in people and (name := people[pid].display_name)]

    def answer_counts(self, session_id: str) -> list[tuple[str, int]]:
        counts: dict[int, int] = {}
        for stored in self._evidence(session_id):
            if stored.participant_id in self.tables.participants:
                counts[stored.participant_id] = counts.get(stored.participant_id, 0) + 1
        names = self.participant_names(session_id)
        ranked = sorted(counts.items(), key=lambda pair: -pair[1])
        return [(names[pid], count) for pid, count in ranked]

    def delete_answers_of(self, participant_ids: list[int]) -> int:
        before = len(self.tables.evidence)
        self.tables.evidence = [
            e for e in self.tables.evidence if e.participant_id not in participant_ids
        ]
        return before - len(self.tables.evidence)

    def delete_participant(self, participant_id: int) -> None:
        self.tables.participants.pop(participant_id, None)
        self.tables.named.discard(participant_id)
        for stored in self.tables.evidence:  # the foreign key's ON DELETE SET NULL
            if stored.participant_id == participant_id:
                stored.participant_id = None

    def delete_workspace(self, key: str) -> int:
        if key not in self.tables.workspaces:
            return 0
        sessions = {i.id for i in self.tables.sessions.values() if i.workspace_key == key}
        codes = {s.code for s in self.tables.surveys.values() if s.session_id in sessions}
        tables = self.tables
        tables.evidence = [e for e in tables.evidence if e.session_id not in sessions]
        tables.progress = {k: v for k, v in tables.progress.items() if k[0] not in sessions}
        tables.answers = {k: v for k, v in tables.answers.items() if k[0] not in codes}
        tables.surveys = {c: s for c, s in tables.surveys.items() if c not in codes}
        tables.sessions = {i: s for i, s in tables.sessions.items() if i not in sessions}
        gone = {i for i, f in tables.facilitations.items() if f[0] in sessions}  # SQL cascades
        tables.facilitations = {i: f for i, f in tables.facilitations.items() if i not in gone}
        tables.votes = {k: v for k, v in tables.votes.items() if k[0] not in gone}
        tables.participants = {
            i: p for i, p in tables.participants.items() if p.workspace_key != key
        }
        tables.workspaces.discard(key)
        tables.languages.pop(key, None)
        return len(sessions)

    # --- sessions ----------------------------------------------------------------

    def session(self, session_id: str) -> SessionRecord | None:
        return self.tables.sessions.get(session_id)

    def sessions_of(self, workspace_key: str) -> list[SessionRecord]:
        found = [i for i in self.tables.sessions.values() if i.workspace_key == workspace_key]
        return sorted(found, key=lambda i: i.created_at)  # stable: creation order on ties

    def latest_open_session(self, workspace_key: str) -> SessionRecord | None:
        found = [i for i in self.sessions_of(workspace_key) if i.status == "open"]
        return found[-1] if found else None

    def latest_session(self) -> SessionRecord | None:
        found = sorted(self.tables.sessions.values(), key=lambda i: i.created_at)
        return found[-1] if found else None

    def add_session(self, workspace_key: str) -> SessionRecord:
        self.ensure_workspace(workspace_key)
        session_id = f"session-{self.tables.new_id()}"
        created = SessionRecord(session_id, workspace_key, None, "open", self._now())
        self.tables.sessions[session_id] = created
        return created

    def set_context(self, session_id: str, context: ProductContext) -> bool:
        session = self.session(session_id)
        if session is None:
            return False
        stored = copy.deepcopy(context)
        self.tables.sessions[session_id] = replace(
            session, context=stored, product_name=stored.product_name
        )
        return True

    # --- interview progress ------------------------------------------------------

    def progress(self, session_id: str, participant_key: str) -> dict[str, Any] | None:
        stored = self.tables.progress.get((session_id, participant_key))
        return copy.deepcopy(stored[1]) if stored is not None else None

    def all_progress(self, session_id: str) -> dict[str, dict[str, Any]]:
        return {
            key: copy.deepcopy(state)
            for (session, key), (_, state) in self.tables.progress.items()
            if session == session_id
        }

    def save_progress(
        self, session_id: str, participant_key: str, version: int, state: dict[str, Any]
    ) -> None:
        self.tables.progress[session_id, participant_key] = (version, copy.deepcopy(state))

    def delete_progress_of(self, participant_key: str) -> int:
        gone = [k for k in self.tables.progress if k[1] == participant_key]
        for key in gone:
            del self.tables.progress[key]
        return len(gone)

    # --- evidence ----------------------------------------------------------------

    def _evidence(self, session_id: str) -> list[_StoredEvidence]:
        return [e for e in self.tables.evidence if e.session_id == session_id]

    def add_evidence(
        self,
        session_id: str,
        item: Evidence,
        participant_id: int | None = None,
        source_key: str | None = None,
    ) -> None:
        stored = _StoredEvidence(
            self.tables.new_id(), session_id, participant_id, source_key, copy.deepcopy(item)
        )
        self.tables.evidence.append(stored)

    def evidence_of(self, session_id: str) -> list[Evidence]:
        names = self.participant_names(session_id)
        return [
            replace(copy.deepcopy(e.item), participant=names.get(e.participant_id or -1))
            for e in self._evidence(session_id)
        ]

    def evidence_methods(self, session_id: str) -> list[Method]:
        return [e.item.method for e in self._evidence(session_id)]

    def delete_evidence(self, session_id: str, source_key: str, participant_id: int | None) -> None:
        self.tables.evidence = [
            e
            for e in self.tables.evidence
            if (e.session_id, e.source_key, e.participant_id)
            != (session_id, source_key, participant_id)
        ]

    # --- surveys -----------------------------------------------------------------

    def survey(self, code: str) -> SurveyRecord | None:
        return self.tables.surveys.get(code)

    def survey_of(self, session_id: str) -> SurveyRecord | None:
        found = [s for s in self.tables.surveys.values() if s.session_id == session_id]
        return found[0] if found else None

    def add_survey(self, code: str, session_id: str, moments: Sequence[str]) -> SurveyRecord:
        if code in self.tables.surveys or session_id not in self.tables.sessions:
            raise StorageError(f"cannot add survey {code!r}")  # the keys' constraints
        created = SurveyRecord(code, session_id, tuple(Mot(m) for m in moments), "open", 0)
        self.tables.surveys[code] = created
        return created

    def close_survey(self, code: str) -> SurveyRecord | None:
        survey = self.survey(code)
        if survey is None:
            return None
        self.tables.surveys[code] = replace(survey, status="closed")
        return self.tables.surveys[code]

    def survey_scores(self, code: str) -> list[tuple[int | None, int | None]]:
        answers = sorted(
            (a for (c, _), a in self.tables.answers.items() if c == code), key=lambda a: a.id
        )
        return [(a.nps, a.csat) for a in answers]

    def save_survey_answer(
        self, code: str, respondent: str, nps: int | None, csat: int | None
    ) -> int:
        earlier = self.tables.answers.get((code, respondent))
        answer_id = earlier.id if earlier is not None else self.tables.new_id()
        self.tables.answers[code, respondent] = _StoredAnswer(answer_id, nps, csat)
        responses = self.count_survey_answers(code)
        survey = self.survey(code)
        if survey is not None:
            self.tables.surveys[code] = replace(survey, responses=responses)
        return responses

    def count_survey_answers(self, code: str) -> int:
        return sum(1 for c, _ in self.tables.answers if c == code)

    def survey_taker(self, person: str) -> SurveyTakerRecord | None:
        return self.tables.takers.get(person)

    def set_survey_taker(self, person: str, code: str) -> None:
        self.tables.takers[person] = SurveyTakerRecord(person, code, self._now())

    def delete_survey_taker(self, person: str) -> None:
        self.tables.takers.pop(person, None)

    def delete_survey_takers_before(self, moment: datetime) -> int:
        gone = [p for p, t in self.tables.takers.items() if t.started_at < moment]
        for person in gone:
            del self.tables.takers[person]
        return len(gone)

    # --- Rasa's conversations and Telegram's updates -----------------------------

    def delete_conversations(self, sender_pattern: str) -> int:
        matches = _like(sender_pattern).fullmatch
        before = len(self.tables.events)
        self.tables.events = [e for e in self.tables.events if not matches(e[0])]
        return before - len(self.tables.events)

    def delete_idle_conversations(self, idle_since: datetime) -> tuple[int, int]:
        last: dict[str, float] = {}
        for sender, moment in self.tables.events:
            last[sender] = max(moment, last.get(sender, moment))
        idle = {sender for sender, moment in last.items() if moment < idle_since.timestamp()}
        before = len(self.tables.events)
        self.tables.events = [e for e in self.tables.events if e[0] not in idle]
        return len(idle), before - len(self.tables.events)

    def is_handled(self, bot_id: str, update_id: int) -> bool:
        return (bot_id, update_id) in self.tables.handled

    def mark_handled(self, bot_id: str, update_id: int) -> None:
        self.tables.handled.setdefault((bot_id, update_id), self._now())

    def forget_handled_before(self, moment: datetime) -> int:
        gone = [k for k, handled_at in self.tables.handled.items() if handled_at < moment]
        for key in gone:
            del self.tables.handled[key]
        old = [k for k, (_, at) in self.tables.actions.items() if at < moment]
        for action in old:
            del self.tables.actions[action]
        return len(gone) + len(old)

    def action_response(self, key: str) -> dict[str, Any] | None:
        found = self.tables.actions.get(key)
        return dict(found[0]) if found else None

    def remember_action_response(self, key: str, response: dict[str, Any]) -> None:
        self.tables.actions.setdefault(key, (dict(response), self._now()))

    # --- facilitated sessions ------------------------------------------------------

    def participants_of(self, workspace_key: str) -> list[ParticipantRecord]:
        found = [p for p in self.tables.participants.values() if p.workspace_key == workspace_key]
        return sorted(found, key=lambda p: p.id)

    def _facilitation(self, facilitation_id: int) -> Facilitation | None:
        stored = self.tables.facilitations.get(facilitation_id)
        if stored is None:
            return None
        session_id, facilitator, status, state = stored
        session = self.tables.sessions.get(session_id)
        return Facilitation.from_state(
            copy.deepcopy(state),
            session_id=session_id,
            workspace_key=session.workspace_key if session else "",
            facilitator=facilitator,
            status=status,
            id=facilitation_id,
        )

    def _facilitations(self) -> list[Facilitation]:
        found = (self._facilitation(i) for i in sorted(self.tables.facilitations))
        return [f for f in found if f is not None]

    def active_facilitation(self, workspace_key: str) -> Facilitation | None:
        active = [f for f in self._facilitations() if f.workspace_key == workspace_key and f.active]
        return active[-1] if active else None

    def save_facilitation(self, facilitation: Facilitation) -> Facilitation:
        if facilitation.session_id not in self.tables.sessions:
            raise StorageError("no such session")  # the foreign key
        known = facilitation.id is not None and facilitation.id in self.tables.facilitations
        facilitation_id = facilitation.id if known and facilitation.id else self.tables.new_id()
        self.tables.facilitations[facilitation_id] = (
            facilitation.session_id,
            facilitation.facilitator,
            facilitation.status.value,
            copy.deepcopy(facilitation.to_state()),
        )
        saved = self._facilitation(facilitation_id)
        assert saved is not None
        return saved

    def due_facilitations(self, now: datetime) -> list[Facilitation]:
        due = [f for f in self._facilitations() if (t := f.next_timer()) and t <= now]
        return sorted(due, key=lambda f: f.next_timer() or now)

    def running_facilitations(self) -> list[Facilitation]:
        return [f for f in self._facilitations() if f.status.value == "running"]

    def facilitation_votes(self, facilitation_id: int) -> dict[str, dict[str, int]]:
        return {
            member: dict(votes)
            for (fid, member), votes in self.tables.votes.items()
            if fid == facilitation_id and votes
        }

    def save_votes(
        self, facilitation_id: int, participant_key: str, votes: Mapping[str, int]
    ) -> None:
        if facilitation_id not in self.tables.facilitations:
            raise StorageError("no such facilitation")
        kept = {Mot(code).value: count for code, count in votes.items() if count > 0}
        self.tables.votes[facilitation_id, participant_key] = kept

    def vote_tally(self, session_id: str) -> dict[Mot, int]:
        ids = [
            fid
            for (fid, _), votes in self.tables.votes.items()
            if votes and self.tables.facilitations.get(fid, ("",))[0] == session_id
        ]
        if not ids:
            return {}
        tally: dict[Mot, int] = {}
        for (fid, _), votes in self.tables.votes.items():
            if fid == max(ids):
                for code, count in votes.items():
                    tally[Mot(code)] = tally.get(Mot(code), 0) + count
        return tally

    def delete_votes_of(self, participant_key: str) -> int:
        gone = [k for k, v in self.tables.votes.items() if k[1] == participant_key]
        rows = sum(len(self.tables.votes[k]) for k in gone)
        for key in gone:
            del self.tables.votes[key]
        return rows


class FakeUnitOfWork:
    """`UnitOfWork` over a `FakeDatabase`: a private copy, published on `commit()`."""

    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._repo: FakeRepository | None = None

    @property
    def repo(self) -> FakeRepository:
        assert self._repo is not None, "use the repository inside `with uow:`"
        return self._repo

    def __enter__(self) -> FakeUnitOfWork:
        self._start()
        return self

    def _start(self) -> None:
        self._version = self._database.version
        self._snapshot = copy.deepcopy(self._database.tables)
        self._repo = FakeRepository(copy.deepcopy(self._snapshot), self._database.now)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._repo = None  # whatever was not committed is gone

    def commit(self) -> None:
        tables = self.repo.tables
        if tables == self._snapshot:
            return  # nothing written: nothing to publish (and nothing to clash with)
        if self._database.broken:
            raise StorageError("the fake database is broken")
        if self._database.version != self._version:
            raise StorageError("database is locked: another unit of work wrote meanwhile")
        self._database.tables = copy.deepcopy(tables)
        self._database.version += 1
        self._start()  # like SQL: later work in the same `with` is a new transaction

    def scrub(self) -> None:
        self._database.scrubbed += 1


class FakeDatabase:
    """What the database holds, in memory. `unit_of_work` is what services take.

    `broken = True` makes every commit that writes fail with `StorageError`.
    """

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self.tables = Tables()
        self.version = 0  # committed writes so far
        self.broken = False
        self.scrubbed = 0
        self.now = now or (lambda: datetime.now(UTC))

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def add_conversation_event(self, sender_id: str, moment: datetime) -> None:
        """An event in Rasa's tracker store (which the services only ever delete from)."""
        self.tables.events.append((sender_id, moment.timestamp()))


def team_member(
    db: FakeDatabase, sender: str, name: str, context: ProductContext, uploads: Path
) -> Member:
    """A group member whose team has set up its product, as `interview_turn` sees them; the
    files they send land in the group's folder under `uploads`."""
    session = services.open_session(db.unit_of_work, sender, name)
    services.save_context(db.unit_of_work, session.id, context)
    folder = upload_folder(sender)
    (uploads / folder).mkdir(exist_ok=True)
    key = parse_sender(sender).participant_key
    return Member(session.id, key, name, uploads_dir=uploads, upload_folder=folder)
