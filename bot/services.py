"""Application services: what the bot, the CLI and (later) Telegram do with the core.

Each function is one use case in one transaction. Adapters call these and
never touch the ORM themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.context import ProductContext
from bot.core.errors import SessionNotFound
from bot.core.identity import parse_sender
from bot.core.records import RecordsAnalysis, Skipped, classify
from bot.core.taxonomy import Business
from bot.storage.uow import UnitOfWork
from bot.tables import Progress, Table, UnreadableTable, ticket_columns, ticket_text

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


def get_session(uow_factory: UowFactory, session_id: str | None = None) -> SessionView:
    """One session by id, or the latest one when no id is given."""
    with uow_factory() as uow:
        if session_id is None:
            latest = uow.repo.latest_interview()
            if latest is None:
                raise SessionNotFound("latest")
            session_id = latest.id
        return _view(uow, session_id)


def analyse_ticket_file(
    path: Path, text_column: str | None = None, progress: Progress | None = None
) -> RecordsAnalysis:
    """Classify every ticket of a helpdesk export; bad rows are listed under `skipped`."""
    table = Table(path)
    columns = ticket_columns(table, text_column)
    analysis = RecordsAnalysis()
    for row in table.rows(progress):
        text, reason = ticket_text(row, columns)
        if text is None:
            analysis.skipped.append(Skipped(row.number, reason))
            continue
        ticket_id = (row.values.get(columns.id) or "").strip() if columns.id else ""
        analysis.add(classify(ticket_id or str(row.number), text), text)
    if not analysis.tickets:
        reasons = sorted({s.reason for s in analysis.skipped}) or ["no data rows"]
        raise UnreadableTable(f"{path}: no readable ticket ({'; '.join(reasons)})")
    return analysis
