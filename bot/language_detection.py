"""Tells which of the offered languages a message is in, with langid's bundled model.

Loaded on the first message that needs it (about a second), never at import time.
Unsure answers (a name, "ok", a number) are None: the caller keeps what it had.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from functools import cache
from typing import Any

from bot.core.language import Detector

CONFIDENCE = 0.95  # langid's normalised probability; below it a message says too little

_lock = threading.Lock()


@cache
def _identifier(languages: tuple[str, ...]) -> Any:
    from langid.langid import LanguageIdentifier, model

    identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detector(offered: Collection[str]) -> Detector:
    """A `Detector` choosing only among `offered` (with one language there is nothing to tell)."""
    languages = tuple(sorted(set(offered)))

    def detect(said: str) -> str | None:
        if len(languages) < 2:
            return None
        with _lock:  # langid's identifier is not thread-safe, and loads once
            language, confidence = _identifier(languages).classify(said)
        return str(language) if confidence >= CONFIDENCE else None

    return detect
