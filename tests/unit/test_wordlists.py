"""The words people answer with are data per language (bot/locale/<language>/answers.toml)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.core import facilitation as fac
from bot.core import wordlists
from bot.core.answers import parse_rating, parse_yes_no
from bot.core.errors import UnclearAnswer
from bot.core.texts import use_language
from bot.core.wordlists import WordListError


def test_the_shipped_lists_understand_what_the_bot_always_understood() -> None:
    assert parse_yes_no("Of course!") is True
    assert parse_yes_no("ja, genau") is True
    assert parse_yes_no("not yet") is False
    assert parse_yes_no("noch nicht") is False
    assert parse_rating("fuenf").value == 5
    assert parse_rating("four out of five").value == 4
    poor = parse_rating("rather poor")
    assert (poor.value, poor.confident) == (2, False)
    assert parse_rating("not good at all").value == 2  # the longer words win over "good"


def test_a_new_language_is_a_data_change_and_english_is_still_understood(locale: Path) -> None:
    with pytest.raises(UnclearAnswer):
        parse_yes_no("oui")
    (locale / "fr").mkdir()
    (locale / "fr" / wordlists.FILE_NAME).write_text(
        'yes = ["oui", "bien sur"]\nno = ["non"]\n\n[numbers]\nquatre = 4\n\n'
        '[ratings]\n"tres bien" = 5\nmal = 2\n',
        encoding="utf-8",
    )
    wordlists.clear_cache()
    with use_language("fr"):
        assert parse_yes_no("oui") is True
        assert parse_yes_no("non merci") is False
        assert parse_yes_no("yes") is True
        assert parse_rating("quatre").value == 4
        assert parse_rating("tres bien").value == 5
        assert parse_rating("poor").value == 2
    assert parse_yes_no("oui") is True  # every language's words count in every conversation


def test_a_word_list_the_bot_cannot_use_names_its_file(locale: Path) -> None:
    (locale / "en" / wordlists.FILE_NAME).write_text('yes = "yes"\n', encoding="utf-8")
    wordlists.clear_cache()
    with pytest.raises(WordListError, match=r"en/answers.toml: yes must be a list"):
        parse_yes_no("yes")
    (locale / "en" / wordlists.FILE_NAME).write_text("[ratings]\ngood = 'four'\n")
    wordlists.clear_cache()
    with pytest.raises(WordListError, match="whole numbers"):
        parse_rating("good")


ROOT = Path(__file__).resolve().parents[2]
RECOGNITION_MODULES = {"bot/core/lexicon.py"}  # the ticket classifier's cues: words of its own
# (file, list) -> why it is still in the code (none: every answer pattern is data now).
NOT_YET_DATA: dict[tuple[str, str], str] = {}


def _lists_in_code(source: str) -> list[tuple[int, str, list[str]]]:
    """(line, list, words) for each statement whose literals hold 3+ words of one shipped list."""
    shipped = wordlists.load("en")
    lists = {
        "yes": shipped.yes,
        "no": shipped.no,
        "numbers": tuple(shipped.numbers),
        "ratings": tuple(shipped.ratings),
    }
    found = []
    for statement in ast.walk(ast.parse(source)):
        if not isinstance(statement, ast.Assign | ast.AnnAssign | ast.Return):
            continue
        said = " ".join(
            str(node.value)
            for node in ast.walk(statement)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ).lower()
        for name, words in lists.items():
            hits = [w for w in words if len(w) > 2 and re.search(rf"\b{re.escape(w)}\b", said)]
            if len(hits) >= 3:
                found.append((statement.lineno, name, hits))
    return found


def test_the_words_live_in_the_data_files_not_in_the_code() -> None:
    put_back = 'YES = re.compile(r"^(y|yes|yeah|yep|sure|ja)\\b")\n'
    assert _lists_in_code(put_back) == [(1, "yes", ["yes", "yeah", "yep", "sure"])]
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name} words {words}"
        for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")])
        if str(path.relative_to(ROOT)) not in RECOGNITION_MODULES
        for line, name, words in _lists_in_code(path.read_text(encoding="utf-8"))
        if (str(path.relative_to(ROOT)), name) not in NOT_YET_DATA
    ]
    assert not found, "word lists belong in bot/locale/<language>/answers.toml:\n" + "\n".join(
        found
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_shipped_language_has_words_for_every_pattern(language: str) -> None:
    """A pattern a language leaves out is understood there only in the other languages' words:
    the German agenda reply 'ohne Wettbewerb' would then be unclear."""
    assert sorted(set(wordlists.PATTERNS) - set(wordlists.load(language).patterns)) == []
    assert wordlists.load(language).ordinals  # "the second group", "die zweite Gruppe"


def test_an_agenda_reply_in_a_new_language_is_a_data_change(locale: Path) -> None:
    start = fac.AgendaChange(tuple(fac.default_agenda("live")), 3, True)
    with pytest.raises(fac.UnclearAgenda):
        fac.edit_agenda(start, "sans concurrent")
    (locale / "fr").mkdir()
    (locale / "fr" / wordlists.FILE_NAME).write_text(
        "[patterns]\nagenda_drop = ['sans']\nmethod_competitor = ['concurrent']\n",
        encoding="utf-8",
    )
    wordlists.clear_cache()
    changed = fac.edit_agenda(start, "sans concurrent")
    assert [p.kind for p in changed.agenda] == ["records", "team", "survey", fac.VOTE]
