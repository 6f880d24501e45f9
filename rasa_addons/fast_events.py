"""Find an event's class by its type name in a table, not by walking every subclass.

Rasa 3.6 turns each stored event back into an object with `Event.resolve_by_type`,
which lists all subclasses of `Event` (recursively, checking each for abstract
methods) on every call: 6% of the Rasa server's time per turn under load, as the
tracker store reads a conversation's events (bench/README.md). The table is built
on first use and rebuilt when a name is missing (a class imported later), so the
answers are Rasa's own.

Installed when the REST channel starts (`rasa_addons/once_per_turn.py`). Runs inside
.venv-rasa (Python 3.10): no imports from `bot`.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_by_name: dict[str, type[Event]] = {}


def _table() -> dict[str, type[Event]]:
    table: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first, as Rasa's own loop finds it
    return table


def resolve_by_type(type_name: str, default: Any = None) -> Any:
    """`Event.resolve_by_type`, with the same answers and errors."""
    global _by_name
    found = _by_name.get(type_name)
    if found is None:
        _by_name = _table()
        found = _by_name.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa keeps old TopicSet events readable this way
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def install() -> None:
    """Replace `Event.resolve_by_type` once (a static method, as Rasa's)."""
    if getattr(Event.resolve_by_type, "resolved_by_mot", False):
        return
    resolve_by_type.resolved_by_mot = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
