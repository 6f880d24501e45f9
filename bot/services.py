"""Application services: what the actions, the CLI and Telegram do with the core and storage.

Each function is one use case in one transaction. They are typed against the
`UnitOfWork` and `Repository` protocols (`bot.storage.repository`) and see only
domain objects, so the SQL storage and the in-memory fake of the tests are
interchangeable; storage trouble leaves them as `StorageError`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.context import ProductContext
from bot.core.errors import SessionNotFound, SurveyNotFound
from bot.core.evidence import Evidence
from bot.core.identity import (
    conversation_pattern,
    parse_sender,
    participant_key,
    private_workspace_key,
)
from bot.core.interview_state import InterviewState
from bot.core.language import LanguageChoice
from bot.core.metrics import Metrics, customer_metrics
from bot.core.scoring import RankedMoment, rank
from bot.core.suggestions import GroundedSuggestion, suggest
from bot.core.survey_columns import Overrides
from bot.core.surveys import SurveyResponse, SurveySummary, summarise
from bot.core.taxonomy import Method, Mot
from bot.core.team_records import SessionRecord, SurveyRecord
from bot.core.texts import text
from bot.core.tickets import (
    Skipped,
    TicketAnalysis,
)
from bot.exports import (
    analyze_helpdesk_export,
    read_survey_results,
    records_evidence,
    survey_evidence,
)
from bot.storage.repository import UnitOfWork
from bot.tables import Progress

UowFactory = Callable[[], UnitOfWork]  # what the services are given: a new unit of work per call


@dataclass(frozen=True)
class SessionView:
    id: str
    workspace_key: str
    context: ProductContext | None
    status: str


def _view_of(session: SessionRecord) -> SessionView:
    return SessionView(session.id, session.workspace_key, session.context, session.status)


def _session(uow: UnitOfWork, session_id: str) -> SessionRecord:
    session = uow.repo.session(session_id)
    if session is None:
        raise SessionNotFound(session_id)
    return session


def session_in(uow: UnitOfWork, session_id: str) -> SessionView:
    """A session inside the caller's unit of work; raises SessionNotFound."""
    return _view_of(_session(uow, session_id))


def open_session(
    uow_factory: UowFactory, sender_id: str, display_name: str | None = None, *, fresh: bool = False
) -> SessionView:
    """The workspace's open session (a new one when there is none, or when `fresh`)."""
    speaker = parse_sender(sender_id)
    with uow_factory() as uow:
        workspace = speaker.workspace_key
        uow.repo.get_or_create_participant(workspace, speaker.participant_key, display_name)
        session = None if fresh else uow.repo.latest_open_session(workspace)
        if session is None:
            session = uow.repo.add_session(workspace)
        uow.commit()
        return _view_of(session)


def save_context(uow_factory: UowFactory, session_id: str, context: ProductContext) -> SessionView:
    with uow_factory() as uow:
        if not uow.repo.set_context(session_id, context):
            raise SessionNotFound(session_id)
        uow.commit()
        return session_in(uow, session_id)


def find_session(uow_factory: UowFactory, workspace_key: str, product_name: str) -> str | None:
    """The id of a workspace's session about a product, if there is one."""
    with uow_factory() as uow:
        for session in uow.repo.sessions_of(workspace_key):
            if session.product_name == product_name:
                return session.id
        return None


def workspace_session(uow_factory: UowFactory, workspace_key: str) -> str | None:
    """The id of the chat's current session: its latest open one, else its latest."""
    with uow_factory() as uow:
        session = uow.repo.latest_open_session(workspace_key)
        if session is None:
            sessions = uow.repo.sessions_of(workspace_key)
            session = max(sessions, key=lambda s: s.created_at) if sessions else None
        return session.id if session else None


@dataclass(frozen=True)
class SessionStatus:
    session: SessionView
    answers_per_method: dict[Method, int]
    participants: list[tuple[str, int]]
    survey_code: str | None
    survey_responses: int
    # Methods someone in the team finished, from the stored interview progress
    # (the source "where are we" reads); None for sessions from before it was stored.
    done_methods: frozenset[Method] | None = None

    @property
    def open_methods(self) -> list[Method]:
        if self.done_methods is not None:
            return [m for m in Method if m not in self.done_methods]
        return [m for m in Method if not self.answers_per_method.get(m)]


def session_status(uow_factory: UowFactory, session_id: str) -> SessionStatus:
    """Where a session stands: answers per method, who answered, the survey's replies."""
    view = get_session(uow_factory, session_id)
    with uow_factory() as uow:
        per_method: dict[Method, int] = {}
        for method in uow.repo.evidence_methods(session_id):
            per_method[method] = per_method.get(method, 0) + 1
        survey = uow.repo.survey_of(session_id)
        progress = uow.repo.all_progress(session_id)
        done = frozenset(
            Method(method)
            for key, state in progress.items()
            if key != TEAM_PROGRESS
            for method in InterviewState.from_dict(state).done
            if method in {m.value for m in Method}
        )
        return SessionStatus(
            view,
            per_method,
            uow.repo.answer_counts(session_id),
            survey.code if survey else None,
            survey.responses if survey else 0,
            done if any(key != TEAM_PROGRESS for key in progress) else None,
        )


@dataclass(frozen=True)
class Removed:
    """What `forget_person` deleted, so the person can be told exactly."""

    answers: int
    memberships: int
    own_sessions: int
    conversation_events: int


def forget_person(uow_factory: UowFactory, channel: str, user_id: str) -> Removed:
    """Delete one person's data: name, answers, own private sessions and chat history.

    Team sessions in groups stay (they belong to the team) minus this person's
    answers; anonymous survey answers cannot be traced to anyone and stay.
    """
    key = participant_key(channel, user_id)
    with uow_factory() as uow:
        memberships = uow.repo.participants_with_key(key)
        answers = uow.repo.delete_answers_of([p.id for p in memberships])
        uow.repo.delete_progress_of(key)
        uow.repo.delete_votes_of(key)
        for workspace in {m.workspace_key for m in memberships}:
            _forget_in_facilitation(uow, workspace, key)
        own_sessions = uow.repo.delete_workspace(private_workspace_key(channel, user_id))
        for membership in uow.repo.participants_with_key(key):
            uow.repo.delete_participant(membership.id)
        events = uow.repo.delete_conversations(conversation_pattern(channel, user_id))
        uow.commit()
        uow.scrub()
        return Removed(answers, len(memberships), own_sessions, events)


def _forget_in_facilitation(uow: UnitOfWork, workspace_key: str, member: str) -> None:
    """A facilitated session keeps no trace of a forgotten member: no assignment, no name."""
    facilitation = uow.repo.active_facilitation(workspace_key)
    if facilitation is None:
        return
    facilitation.assignments.pop(member, None)
    if facilitation.facilitator == member:
        facilitation.facilitator_name = text("fac.former_facilitator")
    uow.repo.save_facilitation(facilitation)


def get_session(uow_factory: UowFactory, session_id: str | None = None) -> SessionView:
    """One session by id, or the latest one when no id is given."""
    with uow_factory() as uow:
        if session_id is None:
            latest = uow.repo.latest_session()
            if latest is None:
                raise SessionNotFound("latest")
            return _view_of(latest)
        return session_in(uow, session_id)


# --- interview progress ------------------------------------------------------

TEAM_PROGRESS = "*"  # the row of what the whole team shares: is the product live?


# `session_in` and the `..._in(uow, ...)` helpers work inside a unit of work the
# caller opened and commits, so a larger use case (one interview turn) stays one transaction.


def progress_in(uow: UnitOfWork, session_id: str, participant_key: str) -> InterviewState | None:
    """A participant's interview state; a team member new to the session gets the team's stage."""
    stored = uow.repo.progress(session_id, participant_key)
    team = uow.repo.progress(session_id, TEAM_PROGRESS) or {}
    if stored is None and not team:
        return None
    state = InterviewState.from_dict(stored)
    if state.stage is None and team.get("stage"):
        state.stage = str(team["stage"])
    return state


def load_progress(
    uow_factory: UowFactory, session_id: str, participant_key: str
) -> InterviewState | None:
    """A participant's interview state; a team member new to the session gets the team's stage."""
    with uow_factory() as uow:
        return progress_in(uow, session_id, participant_key)


def _save_progress(
    uow: UnitOfWork, session_id: str, participant_key: str, state: InterviewState
) -> None:
    """A participant's state, and the team's stage once someone knows it."""
    uow.repo.save_progress(session_id, participant_key, state.version, state.to_dict())
    if state.stage is not None:
        team = uow.repo.progress(session_id, TEAM_PROGRESS) or {}
        if team.get("stage") != state.stage:
            uow.repo.save_progress(
                session_id, TEAM_PROGRESS, state.version, {**team, "stage": state.stage}
            )


def save_progress(
    uow_factory: UowFactory, session_id: str, participant_key: str, state: InterviewState
) -> None:
    """Store a participant's interview state (and the team's stage, once it is known)."""
    with uow_factory() as uow:
        _session(uow, session_id)
        _save_progress(uow, session_id, participant_key, state)
        uow.commit()


def save_turn(
    uow_factory: UowFactory,
    session_id: str,
    participant_key: str,
    display_name: str | None,
    state: InterviewState,
    evidence: dict[str, list[Evidence]],
) -> None:
    """One interview turn in one transaction: its evidence (replacing the participant's
    earlier items under each answer's key) and where the interview stands now.
    Either both are stored or neither is."""
    with uow_factory() as uow:
        save_turn_in(uow, session_id, participant_key, display_name, state, evidence)
        uow.commit()


def save_turn_in(
    uow: UnitOfWork,
    session_id: str,
    participant_key: str,
    display_name: str | None,
    state: InterviewState,
    evidence: dict[str, list[Evidence]],
) -> None:
    """`save_turn` inside the caller's unit of work (committed by the caller)."""
    session = _session(uow, session_id)
    participant_id = uow.repo.get_or_create_participant(
        session.workspace_key, participant_key, display_name
    ).id
    for source_key, items in evidence.items():
        uow.repo.delete_evidence(session_id, source_key, participant_id)
        for item in items:
            uow.repo.add_evidence(session_id, item, participant_id, source_key)
    _save_progress(uow, session_id, participant_key, state)


# --- evidence ---------------------------------------------------------------


def add_evidence(
    uow_factory: UowFactory,
    session_id: str,
    items: list[Evidence],
    participant_key: str | None = None,
    display_name: str | None = None,
    source_key: str | None = None,
) -> int:
    """Store evidence for a session, attributed to a participant when one is named.

    With a `source_key` (the interview answer it came from, e.g. "team.amot"),
    the participant's earlier items under that key are replaced: a changed
    answer changes the evidence instead of adding to it.
    """
    with uow_factory() as uow:
        session = _session(uow, session_id)
        participant_id = None
        if participant_key:
            participant_id = uow.repo.get_or_create_participant(
                session.workspace_key, participant_key, display_name
            ).id
        if source_key is not None:
            uow.repo.delete_evidence(session_id, source_key, participant_id)
        for item in items:
            uow.repo.add_evidence(session_id, item, participant_id, source_key)
        uow.commit()
        return len(items)


def evidence_of(uow_factory: UowFactory, session_id: str) -> list[Evidence]:
    with uow_factory() as uow:
        _session(uow, session_id)
        return uow.repo.evidence_of(session_id)


def import_helpdesk_export(
    uow_factory: UowFactory,
    session_id: str,
    path: Path,
    text_column: str | None = None,
    progress: Progress | None = None,
) -> TicketAnalysis:
    """A helpdesk export's tickets classified and stored as the session's service records."""
    analysis = analyze_helpdesk_export(path, text_column, progress)
    add_evidence(uow_factory, session_id, records_evidence(analysis))
    return analysis


def import_survey_results(
    uow_factory: UowFactory, session_id: str, path: Path, overrides: Overrides | None = None
) -> tuple[SurveySummary, list[Skipped]]:
    """Survey results read from a file and stored as the session's survey evidence."""
    read = read_survey_results(path, overrides)
    summary = summarise(read.responses)
    add_evidence(uow_factory, session_id, survey_evidence(summary))
    return summary, read.skipped


@dataclass(frozen=True)
class Findings:
    session: SessionView
    created_at: str
    moments: list[RankedMoment]  # pains to fix, most urgent first
    suggestions: dict[str, list[GroundedSuggestion]]  # by RankedMoment.key
    strengths: list[RankedMoment] = field(default_factory=list)  # glory to keep
    metrics: Metrics = field(default_factory=Metrics)

    def suggestions_for(self, moment: RankedMoment) -> list[GroundedSuggestion]:
        return self.suggestions.get(moment.key, [])


def findings(uow_factory: UowFactory, session_id: str | None = None) -> Findings:
    """The session's ranked items, strengths, customer metrics and suggestions."""
    view = get_session(uow_factory, session_id)
    with uow_factory() as uow:
        session = uow.repo.session(view.id)
        created = session.created_at.isoformat() if session else ""
        survey = uow.repo.survey_of(view.id)
        chat_scores = uow.repo.survey_scores(survey.code) if survey is not None else []
        votes = uow.repo.vote_tally(view.id)  # the team's facilitated vote, if it held one
    evidence = evidence_of(uow_factory, view.id)
    metrics = customer_metrics(evidence, chat_scores)
    ranking = rank(evidence, votes=votes, metrics=metrics)
    context = view.context
    business = context.business if context else None
    product = context.product_name if context else ""
    channels = context.channels if context else []
    used: set[str] = set()
    related = ranking.all()
    chosen = {m.key: suggest(m, related, business, product, channels, used) for m in ranking.all()}
    return Findings(view, created, ranking.moments, chosen, ranking.strengths, metrics)


@dataclass(frozen=True)
class SurveyView:
    code: str
    session_id: str
    product: str
    moments: list[Mot]
    status: str
    responses: int


def create_survey(uow_factory: UowFactory, session_id: str, moments: list[Mot]) -> SurveyView:
    """A shareable survey for the session (one per session: asking again returns it)."""
    with uow_factory() as uow:
        session = _session(uow, session_id)
        survey = uow.repo.survey_of(session_id) or uow.repo.add_survey(
            secrets.token_hex(4), session_id, moments
        )
        uow.commit()
        return _survey_view(survey, session.product_name)


def _survey_view(survey: SurveyRecord, product: str | None) -> SurveyView:
    return SurveyView(
        survey.code,
        survey.session_id,
        product or text("survey.our_product"),
        list(survey.moments),
        survey.status,
        survey.responses,
    )


def get_survey(uow_factory: UowFactory, code: str) -> SurveyView:
    with uow_factory() as uow:
        survey = uow.repo.survey(code.strip().lower())
        if survey is None or not survey.is_open:
            raise SurveyNotFound(code)
        session = uow.repo.session(survey.session_id)
        return _survey_view(survey, session.product_name if session else None)


def record_survey_response(
    uow_factory: UowFactory, code: str, response: SurveyResponse, respondent: str
) -> SurveyView:
    """A customer's answers, stored under a pseudonym as survey evidence of the team's session.

    One response per respondent and survey: answering again replaces the earlier
    answers (their scores and the evidence they produced).
    """
    survey = get_survey(uow_factory, code)
    summary = summarise([response])
    items = survey_evidence(summary, totals=False)
    source_key = f"survey:{survey.code}:{respondent}"
    if response.nps is not None or response.csat is not None:
        for item in items:
            item.details.update({"nps": response.nps, "csat_overall": response.csat})
    with uow_factory() as uow:
        uow.repo.delete_evidence(survey.session_id, source_key, None)
        for item in items:
            uow.repo.add_evidence(survey.session_id, item, None, source_key)
        responses = uow.repo.save_survey_answer(
            survey.code, respondent, response.nps, response.csat
        )
        uow.commit()
        return replace(survey, responses=responses)


def close_survey(uow_factory: UowFactory, session_id: str) -> SurveyView | None:
    """Stop a session's survey taking answers (answers given so far stay); None without one."""
    with uow_factory() as uow:
        survey = uow.repo.survey_of(session_id)
        if survey is None:
            return None
        session = uow.repo.session(session_id)
        closed = uow.repo.close_survey(survey.code) or survey
        uow.commit()
        return _survey_view(closed, session.product_name if session else None)


def start_survey_taking(uow_factory: UowFactory, person: str, code: str) -> SurveyView:
    """Note that a (pseudonymous) person is answering a survey; raises SurveyNotFound."""
    survey = get_survey(uow_factory, code)
    with uow_factory() as uow:
        uow.repo.set_survey_taker(person, survey.code)
        uow.commit()
    return survey


def survey_taking(uow_factory: UowFactory, person: str) -> str | None:
    """The code of the survey a person is answering right now, if any."""
    with uow_factory() as uow:
        taker = uow.repo.survey_taker(person)
        return taker.code if taker else None


def stop_survey_taking(uow_factory: UowFactory, person: str) -> None:
    with uow_factory() as uow:
        uow.repo.delete_survey_taker(person)
        uow.commit()


# --- who may touch what -----------------------------------------------------


def owned_session(uow_factory: UowFactory, sender_id: str, session_id: object) -> str | None:
    """`session_id` when that session belongs to the sender's own chat, else None.

    Slots arrive with every action call, so a session id in them proves
    nothing: a forged or stale one must never reach another team's data.
    """
    if not isinstance(session_id, str) or not session_id:
        return None
    workspace_key = parse_sender(sender_id).workspace_key
    with uow_factory() as uow:
        session = uow.repo.session(session_id)
        if session is None or session.workspace_key != workspace_key:
            return None
        return session.id


# --- retention -------------------------------------------------------------------------

HANDLED_UPDATES_KEPT = timedelta(days=7)  # Telegram redelivers for at most a day


@dataclass(frozen=True)
class Purged:
    """What a retention run removed from the database."""

    conversations: int
    conversation_events: int
    survey_takers: int
    handled_updates: int


def purge_old_rows(uow_factory: UowFactory, older_than: datetime, now: datetime) -> Purged:
    """Remove conversations idle since before `older_than`, and stale bookkeeping.

    The findings (sessions, evidence, survey answers) stay: they are what the
    team came for; the raw chat transcripts and helper rows are not kept.
    """
    with uow_factory() as uow:
        conversations, events = uow.repo.delete_idle_conversations(older_than)
        takers = uow.repo.delete_survey_takers_before(older_than)
        handled = uow.repo.forget_handled_before(now - HANDLED_UPDATES_KEPT)
        uow.commit()
        uow.scrub()
        return Purged(conversations, events, takers, handled)


# --- Telegram updates already handled ----------------------------------------


def is_handled(uow_factory: UowFactory, bot_id: str, update_id: int) -> bool:
    with uow_factory() as uow:
        return uow.repo.is_handled(bot_id, update_id)


def mark_handled(uow_factory: UowFactory, bot_id: str, update_id: int) -> None:
    """Remember a handled update so a redelivery (restart, webhook retry) is skipped."""
    with uow_factory() as uow:
        uow.repo.mark_handled(bot_id, update_id)
        uow.commit()


# --- a turn sent again to another Rasa server ------------------------------------


def action_response(uow_factory: UowFactory, key: str) -> dict[str, Any] | None:
    """What an action answered in the turn `key` names, when it ran already."""
    with uow_factory() as uow:
        return uow.repo.action_response(key)


def remember_action_response(uow_factory: UowFactory, key: str, response: dict[str, Any]) -> None:
    with uow_factory() as uow:
        uow.repo.remember_action_response(key, response)
        uow.commit()


# --- the report: who took part, and the session before -------------------------


@dataclass(frozen=True)
class Participation:
    """How many team members gave answers in a session, and how many; the names only of those
    who agreed to be named (`/name_me`), and none when the report is anonymous."""

    team_members: int
    team_answers: int
    named: tuple[str, ...] = ()


def participation(
    uow_factory: UowFactory, session_id: str, anonymous: bool = False
) -> Participation:
    with uow_factory() as uow:
        _session(uow, session_id)
        counts = uow.repo.answer_counts(session_id)
        named = () if anonymous else tuple(uow.repo.named_participants(session_id))
        return Participation(len(counts), sum(count for _, count in counts), named)


def set_naming_consent(
    uow_factory: UowFactory, sender_id: str, display_name: str | None, named: bool
) -> None:
    """A person's own say on being named in their team's reports (in this chat)."""
    speaker = parse_sender(sender_id)
    with uow_factory() as uow:
        uow.repo.set_named_in_report(
            speaker.workspace_key, speaker.participant_key, display_name, named
        )
        uow.commit()


def previous_session(uow_factory: UowFactory, session_id: str) -> str | None:
    """The same workspace's latest earlier session with evidence (for "what changed since")."""
    with uow_factory() as uow:
        session = _session(uow, session_id)
        sessions = [s.id for s in uow.repo.sessions_of(session.workspace_key)]
        earlier = sessions[: sessions.index(session_id)] if session_id in sessions else []
        for candidate in reversed(earlier):
            if uow.repo.evidence_methods(candidate):
                return candidate
        return None


def workspace_language(uow_factory: UowFactory, workspace_key: str) -> LanguageChoice | None:
    """The team's stored language choice, if any."""
    with uow_factory() as uow:
        return uow.repo.workspace_language(workspace_key)


def settle_language(
    uow_factory: UowFactory,
    workspace_key: str,
    decide: Callable[[LanguageChoice | None], LanguageChoice | None],
) -> tuple[LanguageChoice | None, LanguageChoice | None]:
    """(before, after): the team's language once `decide` has weighed this message's hints.

    Read, decided and kept in one unit of work. A fallback (`default`) is used but
    never kept, so the next message with a hint can still settle it.
    """
    with uow_factory() as uow:
        before = uow.repo.workspace_language(workspace_key)
        after = decide(before)
        if after is not None and after != before and after.source != "default":
            uow.repo.set_workspace_language(workspace_key, after)
            uow.commit()
        return before, after


def survey_language(uow_factory: UowFactory, code: str) -> str | None:
    """The language of the team behind a survey: its customers are asked in it, unless
    they chose their own."""
    with uow_factory() as uow:
        survey = uow.repo.survey(code.strip().lower())
        session = uow.repo.session(survey.session_id) if survey else None
        choice = uow.repo.workspace_language(session.workspace_key) if session else None
        return choice.language if choice else None
