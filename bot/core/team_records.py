"""What the storage keeps about a team, as plain frozen values.

The repository hands these out instead of database rows, so the services (and
a fake repository in the tests) never depend on how or where they are stored.
A *workspace* is a team's chat (a terminal user, a private chat, a group); a
*session* is that team's interview about one product (see the README's glossary).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.context import ProductContext
from bot.core.taxonomy import Mot


@dataclass(frozen=True)
class ParticipantRecord:
    """A person in a workspace, whose answers are attributed to them."""

    id: int
    workspace_key: str
    key: str
    display_name: str | None


@dataclass(frozen=True)
class SessionRecord:
    """One session of a team; `context` is None until the product details are known."""

    id: str
    workspace_key: str
    context: ProductContext | None
    status: str
    created_at: datetime
    # Kept apart from `context`: a name may be stored before the rest of the context.
    product_name: str | None = None


@dataclass(frozen=True)
class SurveyRecord:
    """A customer survey a team shares by code."""

    code: str
    session_id: str
    moments: tuple[Mot, ...]
    status: str
    responses: int

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class SurveyTakerRecord:
    """Someone (a keyed pseudonym) answering a survey right now."""

    person: str
    code: str
    started_at: datetime
