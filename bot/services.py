"""Application services: what the bot, the CLI and (later) Telegram do with the core.

Each function is one use case in one transaction. Adapters call these and
never touch the ORM themselves.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.context import ProductContext
from bot.core.errors import SessionNotFound, SurveyNotFound, UnclearAnswer, UnknownCode
from bot.core.evidence import Evidence
from bot.core.identity import (
    conversation_pattern,
    parse_sender,
    participant_key,
    private_workspace_key,
)
from bot.core.metrics import Metrics, customer_metrics, totals_details
from bot.core.records import (
    RecordsAnalysis,
    Skipped,
    TicketClassifier,
    TicketResult,
    classify,
    classify_batch,
    corrected_classifier,
)
from bot.core.scoring import MOT_ORDER, RankedMoment, rank
from bot.core.suggestions import GroundedSuggestion, suggest
from bot.core.survey_columns import Overrides, SurveyColumns, read_score, redact
from bot.core.surveys import MomentAnswer, SurveyResponse, SurveySummary, summarise
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage, parse_mot
from bot.core.themes import primary
from bot.storage.models import EvidenceItem, SurveyAnswer
from bot.storage.models import Survey as SurveyRow
from bot.storage.uow import UnitOfWork
from bot.tables import (
    Progress,
    SurveySheet,
    Table,
    UnreadableTable,
    survey_columns,
    ticket_columns,
    ticket_text,
)

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class SessionView:
    id: str
    workspace_key: str
    context: ProductContext | None
    status: str


def _view(uow: UnitOfWork, session_id: str) -> SessionView:
    interview = uow.repo.interview(session_id)
    if interview is None:
        raise SessionNotFound(session_id)
    context = None
    if interview.product_name and interview.business:
        context = ProductContext(
            product_name=interview.product_name,
            business=Business(interview.business),
            channels=list(interview.channels or []),
            typical_customer=interview.typical_customer or "",
        )
    return SessionView(interview.id, interview.workspace.key, context, interview.status)


def open_session(
    uow_factory: UowFactory, sender_id: str, display_name: str | None = None, *, fresh: bool = False
) -> SessionView:
    """The workspace's open interview (a new one when there is none, or when `fresh`)."""
    speaker = parse_sender(sender_id)
    with uow_factory() as uow:
        workspace = uow.repo.get_or_create_workspace(speaker.workspace_key)
        uow.repo.get_or_create_participant(workspace, speaker.participant_key, display_name)
        interview = None if fresh else uow.repo.latest_open_interview(workspace)
        if interview is None:
            interview = uow.repo.add_interview(workspace)
        session_id = interview.id
        uow.commit()
        return _view(uow, session_id)


def save_context(uow_factory: UowFactory, session_id: str, context: ProductContext) -> SessionView:
    with uow_factory() as uow:
        interview = uow.repo.interview(session_id)
        if interview is None:
            raise SessionNotFound(session_id)
        interview.product_name = context.product_name
        interview.business = context.business.value
        interview.channels = list(context.channels)
        interview.typical_customer = context.typical_customer
        uow.commit()
        return _view(uow, session_id)


def find_session(uow_factory: UowFactory, workspace_key: str, product_name: str) -> str | None:
    """The id of a workspace's session about a product, if there is one."""
    with uow_factory() as uow:
        workspace = uow.repo.workspace(workspace_key)
        if workspace is None:
            return None
        for interview in workspace.sessions:
            if interview.product_name == product_name:
                return interview.id
        return None


def workspace_session(uow_factory: UowFactory, workspace_key: str) -> str | None:
    """The id of the chat's current session: its latest open one, else its latest."""
    with uow_factory() as uow:
        workspace = uow.repo.workspace(workspace_key)
        if workspace is None:
            return None
        interview = uow.repo.latest_open_interview(workspace)
        if interview is None and workspace.sessions:
            interview = max(workspace.sessions, key=lambda s: s.created_at)
        return interview.id if interview else None


@dataclass(frozen=True)
class SessionStatus:
    session: SessionView
    answers_per_method: dict[Method, int]
    participants: list[tuple[str, int]]
    survey_code: str | None
    survey_responses: int

    @property
    def open_methods(self) -> list[Method]:
        return [m for m in Method if not self.answers_per_method.get(m)]


def session_status(uow_factory: UowFactory, session_id: str) -> SessionStatus:
    """Where a session stands: answers per method, who answered, the survey's replies."""
    view = get_session(uow_factory, session_id)
    with uow_factory() as uow:
        per_method: dict[Method, int] = {}
        for row in uow.repo.evidence_of(session_id):
            method = Method(row.method)
            per_method[method] = per_method.get(method, 0) + 1
        survey = uow.repo.survey_of(session_id)
        return SessionStatus(
            view,
            per_method,
            uow.repo.answer_counts(session_id),
            survey.code if survey else None,
            survey.responses if survey else 0,
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
        own = uow.repo.workspace(private_workspace_key(channel, user_id))
        own_sessions = uow.repo.delete_workspace(own) if own is not None else 0
        for membership in uow.repo.participants_with_key(key):
            uow.repo.delete_participant(membership)
        events = uow.repo.delete_conversations(conversation_pattern(channel, user_id))
        uow.commit()
        uow.scrub()
        return Removed(answers, len(memberships), own_sessions, events)


def get_session(uow_factory: UowFactory, session_id: str | None = None) -> SessionView:
    """One session by id, or the latest one when no id is given."""
    with uow_factory() as uow:
        if session_id is None:
            latest = uow.repo.latest_interview()
            if latest is None:
                raise SessionNotFound("latest")
            session_id = latest.id
        return _view(uow, session_id)


PARALLEL_FROM_BYTES = 2_000_000
BATCH_SIZE = 2000
BATCHES_IN_FLIGHT = 4


def analyse_ticket_file(
    path: Path,
    text_column: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    corrections: Sequence[tuple[Mot, Mot]] = (),
) -> RecordsAnalysis:
    """Classify every ticket of a helpdesk export; bad rows are listed under `skipped`.

    Large files are classified on every core in batches, with at most a few
    batches in flight, so memory does not grow with the file. With the team's
    `corrections` ((read as, belongs to) pairs) the file is read by a classifier
    retrained on the corrected groups, in this process.
    """
    table = Table(path)
    columns = ticket_columns(table, text_column)
    session: TicketClassifier | None = None
    if corrections:

        def texts() -> Iterator[str]:
            for row in Table(path).rows():
                found, _ = ticket_text(row, columns)
                if found is not None:
                    yield found

        session = corrected_classifier(texts, corrections)
        workers = 1
    analysis = RecordsAnalysis()
    # Progress waits for the first readable ticket: an unreadable file shows only its error.
    held: list[tuple[int, int]] = []
    readable = False

    def report(done: int, total: int) -> None:
        if readable and progress:
            progress(done, total)
        else:
            held[:] = [(done, total)]

    def batches() -> Iterator[list[tuple[str, str]]]:
        nonlocal readable
        batch: list[tuple[str, str]] = []
        for row in table.rows(report if progress else None):
            text, reason = ticket_text(row, columns)
            if text is None:
                analysis.skipped.append(Skipped(row.number, reason))
                continue
            if not readable:
                readable = True
                if held and progress:
                    progress(*held[0])
            ticket_id = (row.values.get(columns.id) or "").strip() if columns.id else ""
            batch.append((ticket_id or str(row.number), text))
            if len(batch) == BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if table.size >= PARALLEL_FROM_BYTES else 1
    for batch, results in _classified(batches(), workers, session):
        for (_, text), result in zip(batch, results, strict=True):
            analysis.add(result, text)
    if not analysis.tickets:
        reasons = sorted({s.reason for s in analysis.skipped}) or ["no data rows"]
        raise UnreadableTable(f"{path}: no readable ticket ({'; '.join(reasons)})")
    return analysis


def _classified(
    batches: Iterator[list[tuple[str, str]]],
    workers: int,
    classifier: TicketClassifier | None = None,
) -> Iterator[tuple[list[tuple[str, str]], list[TicketResult]]]:
    """Each batch with its results, in order; in worker processes when workers > 1."""
    if classifier is not None:
        for batch in batches:
            yield batch, classifier.classify_batch(batch)
        return
    if workers <= 1:
        for batch in batches:
            yield batch, classify_batch(batch)
        return
    context = multiprocessing.get_context("spawn")  # safe beside threads, unlike fork
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[list[tuple[str, str]], Future[list[TicketResult]]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(classify_batch, batch)))
            if len(pending) >= BATCHES_IN_FLIGHT * workers:
                done_batch, future = pending.popleft()
                yield done_batch, future.result()
        while pending:
            done_batch, future = pending.popleft()
            yield done_batch, future.result()


@dataclass(frozen=True)
class SurveyFile:
    """A survey export read: its responses, the rows skipped, and the columns used."""

    responses: list[SurveyResponse]
    skipped: list[Skipped]
    columns: SurveyColumns


def read_survey_export(path: Path, overrides: Overrides | None = None) -> SurveyFile:
    """Survey responses from a CSV/XLSX export as the usual tools write it.

    Columns are recognised by header meaning and content (see
    bot.core.survey_columns), or named by `overrides`. Metadata columns
    (timestamps, ids, emails, names) are never read into a response. A row with
    an out-of-range score is skipped; a respondent who left the open questions
    (or the scores) blank still counts.
    """
    sheet = SurveySheet(Table(path))
    columns = survey_columns(sheet, overrides)
    responses: list[SurveyResponse] = []
    skipped: list[Skipped] = []
    for row in sheet.rows():
        if "__width_error__" in row.values:
            skipped.append(
                Skipped(row.number, f"wrong number of fields ({row.values['__width_error__']})")
            )
            continue
        if not any((row.values.get(c) or "").strip() for c in columns.used):
            skipped.append(Skipped(row.number, "no answer in the survey columns"))
            continue
        try:
            responses.append(_survey_response(row.values, columns))
        except (UnclearAnswer, UnknownCode) as error:
            skipped.append(Skipped(row.number, str(error)))
    if not responses:
        reasons = sorted({s.reason for s in skipped}) or ["no data rows"]
        raise UnreadableTable(f"{path}: no readable survey response ({'; '.join(reasons)})")
    return SurveyFile(responses, skipped, columns)


def read_survey_file(
    path: Path, overrides: Overrides | None = None
) -> tuple[list[SurveyResponse], list[Skipped]]:
    """Survey responses and skipped rows of an export (see read_survey_export)."""
    read = read_survey_export(path, overrides)
    return read.responses, read.skipped


def _survey_response(values: dict[str, str], columns: SurveyColumns) -> SurveyResponse:
    def cell(name: str | None) -> str:
        return (values.get(name) or "").strip() if name else ""

    nps = read_score(cell(columns.nps), 0, 10, "NPS")
    csat = read_score(cell(columns.csat), 1, 5, "CSAT")
    moment_csat = read_score(cell(columns.moment_csat), 1, 5, "moment CSAT")
    stated = parse_mot(cell(columns.moment)) if cell(columns.moment) else None
    answers: list[MomentAnswer] = []
    polarities: dict[str, Polarity | None] = {
        **{c: Polarity.GLORY for c in columns.went_well},
        **{c: Polarity.PAIN for c in columns.went_badly},
        **{c: None for c in columns.comments},
    }
    for column in columns.open:
        text = redact(cell(column))
        polarity = polarities[column]
        if not text or text.lower() in _NO_ANSWER:
            continue
        result = classify("", text)
        if polarity is None:
            if result.sentiment == "neutral":
                continue
            polarity = Polarity.GLORY if result.sentiment == "positive" else Polarity.PAIN
        answers.append(MomentAnswer(stated or result.mot, polarity, text, moment_csat))
    if stated and moment_csat is not None and not answers:
        answers.append(
            MomentAnswer(
                stated, Polarity.GLORY if moment_csat >= 4 else Polarity.PAIN, "", moment_csat
            )
        )
    return SurveyResponse(nps=nps, csat=csat, answers=tuple(answers))


# What respondents type when they have nothing to say: not an answer to classify.
_NO_ANSWER = {"-", "--", "n/a", "na", "none", "nothing", "no", "nein", "nichts", "keine", "k.a."}


# --- evidence ---------------------------------------------------------------


def _to_row(session_id: str, item: Evidence, participant_id: int | None) -> EvidenceItem:
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
    )


def _from_row(row: EvidenceItem, participant: str | None) -> Evidence:
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
        interview = uow.repo.interview(session_id)
        if interview is None:
            raise SessionNotFound(session_id)
        participant_id = None
        if participant_key:
            participant_id = uow.repo.get_or_create_participant(
                interview.workspace, participant_key, display_name
            ).id
        if source_key is not None:
            uow.repo.delete_evidence(session_id, source_key, participant_id)
        for item in items:
            row = _to_row(session_id, item, participant_id)
            row.source_key = source_key
            uow.repo.add_evidence(row)
        uow.commit()
        return len(items)


def evidence_of(uow_factory: UowFactory, session_id: str) -> list[Evidence]:
    with uow_factory() as uow:
        if uow.repo.interview(session_id) is None:
            raise SessionNotFound(session_id)
        rows = uow.repo.evidence_of(session_id)
        names = uow.repo.participant_names(session_id)
        return [_from_row(row, names.get(row.participant_id or -1)) for row in rows]


def records_evidence(analysis: RecordsAnalysis) -> list[Evidence]:
    """Evidence per moment and theme of a helpdesk export (unclassified tickets left out).

    Tickets are grouped by moment and main theme (`bot.core.themes.primary` of
    the ticket's themes), so "rude support" and "the app crashes" stay two
    items; each item counts its negative and positive tickets and quotes the
    group's first negative and first positive ticket (`side_quotes`).
    """
    groups: dict[tuple[Mot, str | None], list[int]] = {}
    for ticket in analysis.tickets:
        if not getattr(ticket, "classified", True):
            continue
        tally = groups.setdefault((ticket.mot, primary(ticket.themes, ticket.mot)), [0, 0, 0])
        tally[0] += 1
        tally[1] += ticket.sentiment == "negative"
        tally[2] += ticket.sentiment == "positive"
    items = []
    for (mot, theme), (count, negative, positive) in sorted(
        groups.items(), key=lambda kv: (MOT_ORDER[kv[0][0]], -kv[1][1], -kv[1][0], kv[0][1] or "")
    ):
        quotes = {
            side: redact(said) for side, said in analysis.group_quotes.get((mot, theme), {}).items()
        }
        items.append(
            Evidence(
                method=Method.RECORDS,
                mot=mot,
                count=count,
                negative=negative,
                positive=positive,
                themes=(theme,) if theme else (),
                theme=theme,
                text=next(iter(quotes.values()), ""),
                details={"side_quotes": quotes} if quotes else {},
            )
        )
    return items


def survey_evidence(summary: SurveySummary, totals: bool = True) -> list[Evidence]:
    """Evidence per moment customers mentioned in a survey, its pain and its praise apart.

    With `totals` (a survey file) one more item keeps the file's NPS and CSAT
    answers for the report's metrics (`bot.core.metrics`), counting every
    respondent; the chat survey keeps its scores in `survey_responses` instead.
    """
    items = []
    for mot, feedback in summary.moments.items():
        for polarity, mentions, quotes in (
            (Polarity.PAIN, feedback.negative, feedback.quotes_negative),
            (Polarity.GLORY, feedback.positive, feedback.quotes_positive),
        ):
            if not mentions:
                continue
            items.append(
                Evidence(
                    method=Method.SURVEY,
                    mot=mot,
                    polarity=polarity,
                    count=mentions,
                    negative=mentions if polarity is Polarity.PAIN else 0,
                    positive=mentions if polarity is Polarity.GLORY else 0,
                    csat=feedback.csat,
                    text=quotes[0] if quotes else "",
                    details={"quotes": list(quotes)} if len(quotes) > 1 else {},
                )
            )
        if not feedback.negative and not feedback.positive and feedback.csat is not None:
            items.append(
                Evidence(Method.SURVEY, mot, count=len(feedback.csats), csat=feedback.csat)
            )
    if totals and summary.responses:
        items.append(
            Evidence(
                Method.SURVEY,
                Mot.UMOT,
                count=0,
                details=totals_details(
                    summary.responses,
                    summary.promoters,
                    summary.passives,
                    summary.detractors,
                    summary.csats,
                ),
            )
        )
    return items


def import_ticket_file(
    uow_factory: UowFactory,
    session_id: str,
    path: Path,
    text_column: str | None = None,
    progress: Progress | None = None,
) -> RecordsAnalysis:
    analysis = analyse_ticket_file(path, text_column, progress)
    add_evidence(uow_factory, session_id, records_evidence(analysis))
    return analysis


def import_survey_file(
    uow_factory: UowFactory, session_id: str, path: Path, overrides: Overrides | None = None
) -> tuple[SurveySummary, list[Skipped]]:
    responses, skipped = read_survey_file(path, overrides)
    summary = summarise(responses)
    add_evidence(uow_factory, session_id, survey_evidence(summary))
    return summary, skipped


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
    from sqlalchemy import select

    view = get_session(uow_factory, session_id)
    with uow_factory() as uow:
        interview = uow.repo.interview(view.id)
        created = interview.created_at.isoformat() if interview else ""
        survey = uow.repo.survey_of(view.id)
        chat_scores = (
            [
                (answer.nps, answer.csat)
                for answer in uow.session.scalars(
                    select(SurveyAnswer)
                    .where(SurveyAnswer.survey_code == survey.code)
                    .order_by(SurveyAnswer.id)
                )
            ]
            if survey is not None
            else []
        )
    evidence = evidence_of(uow_factory, view.id)
    metrics = customer_metrics(evidence, chat_scores)
    ranking = rank(evidence, metrics=metrics)
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
        interview = uow.repo.interview(session_id)
        if interview is None:
            raise SessionNotFound(session_id)
        survey = uow.repo.survey_of(session_id)
        if survey is None:
            survey = SurveyRow(
                code=secrets.token_hex(4), session_id=session_id, moments=[m.value for m in moments]
            )
            uow.repo.add_survey(survey)
        view = _survey_view(survey, interview.product_name or "our product")
        uow.commit()
        return view


def _survey_view(survey: SurveyRow, product: str | None) -> SurveyView:
    moments = [Mot(m) for m in survey.moments]
    return SurveyView(
        survey.code,
        survey.session_id,
        product or "our product",
        moments,
        survey.status,
        survey.responses,
    )


def get_survey(uow_factory: UowFactory, code: str) -> SurveyView:
    with uow_factory() as uow:
        survey = uow.repo.survey(code.strip().lower())
        if survey is None or survey.status != "open":
            raise SurveyNotFound(code)
        interview = uow.repo.interview(survey.session_id)
        product = interview.product_name if interview and interview.product_name else "our product"
        return _survey_view(survey, product)


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
            row = _to_row(survey.session_id, item, None)
            row.source_key = source_key
            uow.repo.add_evidence(row)
        answer = uow.repo.survey_answer(survey.code, respondent)
        if answer is None:
            answer = SurveyAnswer(survey_code=survey.code, respondent=respondent)
            uow.repo.add_survey_answer(answer)
        answer.nps, answer.csat = response.nps, response.csat
        survey_row = uow.repo.survey(survey.code)
        uow.session.flush()
        responses = uow.repo.count_survey_answers(survey.code)
        if survey_row is not None:
            survey_row.responses = responses
        uow.commit()
        return replace(survey, responses=responses)


def close_survey(uow_factory: UowFactory, session_id: str) -> SurveyView | None:
    """Stop a session's survey taking answers (answers given so far stay); None without one."""
    with uow_factory() as uow:
        survey = uow.repo.survey_of(session_id)
        if survey is None:
            return None
        interview = uow.repo.interview(session_id)
        survey.status = "closed"
        view = _survey_view(survey, interview.product_name if interview else None)
        uow.commit()
        return view


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
        interview = uow.repo.interview(session_id)
        if interview is None or interview.workspace.key != workspace_key:
            return None
        return interview.id


# --- retention -------------------------------------------------------------------------

HANDLED_UPDATES_KEPT = timedelta(days=7)  # Telegram redelivers for at most a day


@dataclass(frozen=True)
class Purged:
    """What a retention run removed from the database."""

    conversations: int
    conversation_events: int
    survey_takers: int
    handled_updates: int


def purge_old_records(uow_factory: UowFactory, older_than: datetime, now: datetime) -> Purged:
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
