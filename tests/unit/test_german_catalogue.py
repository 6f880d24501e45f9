"""The German message catalogue is complete (issue 13): a German team never meets English.

The English catalogue stays the fallback key by key (tests/unit/test_catalogue.py
checks that with a small temporary German catalogue); this checks the real one:
every English key translated, the same placeholders and Markdown marks, read the
same way by Babel, and the six moments named as the German sources name them.
"""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.core import catalogue
from bot.core.catalogue import Entry, parse
from bot.core.texts import text, use_language
from tests.unit.test_catalogue import english_entries, placeholders

GERMAN = catalogue.path_for("de")

# Texts that are the same in both languages: codes, names, formats without words.
SAME_IN_GERMAN = {
    "lang.native.en",  # each language's own name, the same whatever the chat's language
    "lang.native.de",
    "moment.zmot.name",  # German practice keeps "Zero Moment of Truth"
    "moment.zmot.lever.3",  # SEO
    "rasa.button.b2b",
    "rasa.button.b2c",
    "rasa.button.start",
    "rephrase.button_start",
    "stage.live",
    "report.nps",
    "report.csat",
    "columns.nps",
    "columns.csat",
    "cli.survey_moment",
    "prompt.where_one",
    "status.method",
    "tg.too_long",
    "report.evidence_line",
    "report.history.metric",
    "fac.progress_member",
    "fac.button.vote",
}
MOMENTS = ("lzmot", "zmot", "fmot", "amot", "smot", "umot")


def german_entries() -> list[Entry]:
    return parse(GERMAN.read_text(encoding="utf-8"), str(GERMAN))


def test_every_english_key_has_a_german_translation() -> None:
    german = {e.key: e for e in german_entries()[1:]}
    english = english_entries()[1:]
    missing = [e.key for e in english if e.key not in german or not german[e.key].translated]
    assert not missing, f"no German text for {missing}"
    same = [e.key for e in english if german[e.key].text == e.text and e.key not in SAME_IN_GERMAN]
    assert not same, f"German text identical to English: {same}"
    stale = sorted(SAME_IN_GERMAN - {e.key for e in english if german[e.key].text == e.text})
    assert not stale, f"allowed as English but translated or gone: {stale}"
    assert set(german) == {e.key for e in english}, "a German key English does not have"


def test_placeholders_markdown_and_flags_are_those_of_english() -> None:
    german = {e.key: e for e in german_entries()[1:]}
    wrong = []
    for entry in english_entries()[1:]:
        theirs = german[entry.key]
        if placeholders(theirs.text) != placeholders(entry.text):
            wrong.append(f"{entry.key}: {sorted(placeholders(theirs.text))}")
        for mark in ("**", "`", "\n"):
            if theirs.text.count(mark) != entry.text.count(mark):
                wrong.append(f"{entry.key}: {mark!r} {theirs.text.count(mark)} times")
        if theirs.text[:1].isspace() != entry.text[:1].isspace():
            wrong.append(f"{entry.key}: leading space differs (texts are joined)")
        if ("python-brace-format" in theirs.flags) != ("python-brace-format" in entry.flags):
            wrong.append(f"{entry.key}: python-brace-format flag")
    assert not wrong, "\n".join(wrong)


def test_babel_reads_the_german_catalogue_the_same_way() -> None:
    with GERMAN.open("rb") as handle:
        babel = read_po(handle, locale="de", abort_invalid=True)
    assert {m.id: m.string for m in babel if m.id} == catalogue.messages(german_entries())
    assert babel.locale is not None and babel.locale.language == "de"


def test_the_moments_are_named_as_the_german_sources_name_them() -> None:
    with use_language("de"):
        names = {code: text(f"moment.{code}.name") for code in MOMENTS}
        explained = text("explain.mot")
    assert names["zmot"] == "Zero Moment of Truth"
    for code in set(MOMENTS) - {"zmot"}:
        assert re.search(r"\bMoment der Wahrheit\b", names[code]), names[code]
    assert len(set(names.values())) == len(MOMENTS)
    assert "Moment der Wahrheit" in explained
    # Of the English names only the one German practice keeps.
    assert "moment of truth" not in explained.replace("Zero Moment of Truth", "").lower()


def test_a_german_conversation_is_german_and_keeps_the_english_fallback_elsewhere() -> None:
    with use_language("de_DE"):
        assert text("h.yes_no") == "Bitte antworte mit ja oder nein."
        assert text("confirm_rating", answer="eher gut", value=4) == (
            "Ich lese „eher gut“ als 4 von 5. Stimmt das?"
        )
        assert text("report.title", product="ParcelPal") == "Momente der Wahrheit: ParcelPal"
    assert text("h.yes_no") == "Please answer yes or no."


def test_the_german_speaks_to_the_user_as_du() -> None:
    """One form of address throughout: a Sie slipped into a du catalogue reads as two bots."""
    formal = re.compile(r"\b(?:Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b")
    # "Sie" at a sentence start can mean "they" (customers): only mid-sentence counts.
    found = [
        e.key
        for e in german_entries()[1:]
        for sentence in re.split(r"(?<=[.!?:;„“(])\s+|\n", e.text)
        if formal.search(sentence[1:])
    ]
    assert not found, f"formal address in {found}"
