"""Names that are safe to put on a disk or into a message, whatever a person typed."""

from __future__ import annotations

import re
from pathlib import PurePosixPath


def safe_file_name(name: str, limit: int = 80) -> str:
    """A file name that is safe on any disk and inside a Rasa message."""
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[: limit - 8] or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix)[:6].lower()
    return f"{clean}.{suffix}" if suffix else clean
