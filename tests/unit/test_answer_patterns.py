"""Answer patterns are data per language ([patterns] and [moments] in answers.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import wordlists
from bot.core.answers import recognise_moment
from bot.core.context import ProductContext
from bot.core.interview import Interview
from bot.core.interview_state import InterviewState
from bot.core.taxonomy import Business, Method, Mot
from bot.core.texts import use_language
from bot.core.wordlists import WordListError


def _at_own_moment() -> Interview:
    interview = Interview(
        ProductContext("Crate", Business.B2C, ["website"], "cooks"), InterviewState()
    )
    interview.start(Method.TEAM)
    while (question := interview.current_question()) is not None and question.kind != "own":
        interview.skip()
    return interview


def test_a_new_languages_patterns_and_moment_names_count_everywhere(locale: Path) -> None:
    (locale / "fr").mkdir()
    (locale / "fr" / wordlists.FILE_NAME).write_text(
        '[moments]\n"premier moment" = "fmot"\n\n'
        "[patterns]\nno_more = ['''non,? c'est tout''']\n",
        encoding="utf-8",
    )
    wordlists.clear_cache()
    assert recognise_moment("au premier moment").mot is Mot.FMOT
    interview = _at_own_moment()
    interview.answer("non, c'est tout")
    assert interview.current_question() is None
    with use_language("fr"):
        assert recognise_moment("second moment").mot is Mot.SMOT  # English still understood


def test_a_pattern_file_the_bot_cannot_use_names_the_problem(locale: Path) -> None:
    path = locale / "de" / wordlists.FILE_NAME
    path.write_text("[patterns]\nno_more = ['(nein']\n", encoding="utf-8")
    wordlists.clear_cache()
    with pytest.raises(WordListError, match=r"de/answers.toml: no_more: '\(nein'"):
        wordlists.pattern("no_more")
    path.write_text("[patterns]\nnope = ['nein']\n", encoding="utf-8")
    wordlists.clear_cache()
    with pytest.raises(WordListError, match="unknown patterns"):
        wordlists.pattern("no_more")
    path.write_text("[moments]\nerster = 1\n", encoding="utf-8")
    wordlists.clear_cache()
    with pytest.raises(WordListError, match="moment codes"):
        recognise_moment("erster")


def test_a_title_rule_comes_from_the_conversations_own_language_only() -> None:
    with use_language("de"):
        lower = wordlists.own_pattern("lower_first")
        assert lower is not None and lower.fullmatch("die") and not lower.fullmatch("pakete")
    with use_language("fr"):
        assert wordlists.own_pattern("lower_first") is None  # no rule: titles kept as said
