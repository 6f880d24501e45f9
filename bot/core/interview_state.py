"""Where one participant's interview stands: typed, versioned, stored as plain data.

The interview (`bot.core.interview`) reads and changes an
`InterviewState`; adapters store it with `to_dict()` and read it back with
`from_dict()`, which also accepts the older unversioned form (a Rasa slot's
dict) and fills in what a newer version added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

VERSION = 1


@dataclass
class InterviewState:
    method: str | None = None  # the method under way, or None between methods
    answers: dict[str, Any] = field(default_factory=dict)  # question key -> parsed answer
    order: list[str] = field(default_factory=list)  # answered keys, oldest first ("go back")
    skipped: list[str] = field(default_factory=list)  # question keys left out
    done: list[str] = field(default_factory=list)  # finished methods
    pending: dict[str, Any] | None = None  # an answer waiting for "yes, that's right"
    stage: str | None = None  # "live" | "planning"; None while unknown
    stage_unclear: str | None = None  # an unclear answer to the stage question, shown back
    skipped_moments: list[str] = field(default_factory=list)  # whole moments left out
    files: dict[str, str] = field(default_factory=dict)  # file question -> its upload
    groups: list[str] = field(default_factory=list)  # ticket groups as last listed
    headers: list[str] = field(default_factory=list)  # the last survey file's columns
    trying: dict[str, Any] | None = None  # a correction being tried on a file
    version: int = VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> InterviewState:
        """A state from stored data of this or an older version; unknown keys are dropped."""
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["version"] = VERSION
        for name in ("answers", "files"):
            if not isinstance(values.get(name), dict):
                values.pop(name, None)
        for name in ("order", "skipped", "done", "skipped_moments", "groups", "headers"):
            if not isinstance(values.get(name), list):
                values.pop(name, None)
        return cls(**values)
