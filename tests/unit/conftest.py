"""Fixtures the unit tests share."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import catalogue, wordlists
from tests.fakes import FakeDatabase

LOCALE = catalogue.LOCALE_DIR


@pytest.fixture
def locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped word lists (and the English catalogue), as the ones in use, for a
    test to add to."""
    for language in ("en", "de"):
        (tmp_path / language).mkdir()
        shutil.copy(wordlists.path_for(language), tmp_path / language / wordlists.FILE_NAME)
    shutil.copytree(LOCALE / "en" / "LC_MESSAGES", tmp_path / "en" / "LC_MESSAGES")
    monkeypatch.setattr(catalogue, "LOCALE_DIR", tmp_path)
    catalogue.clear_cache()
    wordlists.clear_cache()
    yield tmp_path
    monkeypatch.setattr(catalogue, "LOCALE_DIR", LOCALE)
    catalogue.clear_cache()
    wordlists.clear_cache()


@pytest.fixture
def db() -> FakeDatabase:
    """An empty in-memory database (the fake unit of work's)."""
    return FakeDatabase()
