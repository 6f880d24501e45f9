"""Application services: what the bot, the CLI and (later) Telegram do with the core.

Each function is one use case in one transaction. Adapters call these and
never touch the ORM themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.context import ProductContext
from bot.core.errors import SessionNotFound
from bot.core.identity import parse_sender
from bot.core.taxonomy import Business
from bot.storage.uow import UnitOfWork

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
