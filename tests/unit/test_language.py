"""A team's language: which hint settles it, and which never overrides a firmer choice."""

from __future__ import annotations

import pytest

from bot import services
from bot.core.language import (
    LanguageChoice,
    UnknownLanguage,
    facilitated,
    parse_language,
    settle,
)
from bot.language_detection import detector
from tests.fakes import FakeDatabase

OFFERED = ("en", "de")
detect = detector(OFFERED)  # langid's own model: the real thing, loaded once


def private(stored: LanguageChoice | None, said: str | None, client: str | None) -> LanguageChoice:
    return settle(stored, said=said, client_language=client, offered=OFFERED, fallback="en",
                  detect=detect, group=False)  # fmt: skip


def group(stored: LanguageChoice | None, said: str | None, client: str | None) -> LanguageChoice:
    return settle(stored, said=said, client_language=client, offered=OFFERED, fallback="en",
                  detect=detect, group=True)  # fmt: skip


@pytest.mark.parametrize(
    ("said", "language"),
    [
        ("Hallo, wir wollen unsere Momente der Wahrheit finden", "de"),
        ("unser Checkout ist viel zu langsam", "de"),
        ("Wir verkaufen Fahrraeder online an Familien", "de"),  # umlauts typed as ae
        ("Hi, we want to find our moments of truth", "en"),
        ("our checkout is way too slow", "en"),
    ],
)
def test_a_first_sentence_settles_a_private_chat(said: str, language: str) -> None:
    assert private(None, said, None) == LanguageChoice(language, "message")
    # ... even against the app's setting, which is only a guess
    assert private(LanguageChoice("en" if language == "de" else "de", "client"), said, None) == (
        LanguageChoice(language, "message")
    )


@pytest.mark.parametrize(
    "said", ["ok", "4 von 5", "ParcelPal", "Kaffeehaus Müller", "/start", "ja"]
)
def test_names_numbers_and_short_answers_say_nothing_about_the_language(said: str) -> None:
    assert private(None, said, "de-AT") == LanguageChoice("de", "client")
    assert private(None, said, None) == LanguageChoice("en", "default")
    assert private(None, said, "fr") == LanguageChoice("en", "default")  # not offered


def test_once_a_sentence_or_a_person_chose_no_later_sentence_switches() -> None:
    german = LanguageChoice("de", "message")
    assert private(german, "The delivery was late and nobody called us", "en") == german
    chosen = LanguageChoice("en", "chosen")
    assert private(chosen, "Die Lieferung kam zu spaet und keiner rief an", "de") == chosen
    assert group(chosen, "Die Lieferung kam zu spaet und keiner rief an", "de") == chosen


def test_a_group_takes_its_first_speakers_language_for_everyone() -> None:
    first = group(None, "/start", "de")
    assert first == LanguageChoice("de", "speaker")
    assert group(first, "We should look at our onboarding first", "en") == first
    assert group(None, "We should look at our onboarding first", "de") == (
        LanguageChoice("en", "speaker")  # what they wrote beats their app's setting
    )
    assert group(None, None, None) == LanguageChoice("en", "default")  # nothing to go by yet


def test_a_facilitator_keeps_the_groups_language_or_brings_theirs() -> None:
    spoken = LanguageChoice("de", "speaker")
    assert facilitated(spoken, "en", OFFERED) == LanguageChoice("de", "facilitator")
    assert facilitated(None, "de-CH", OFFERED) == LanguageChoice("de", "facilitator")
    assert facilitated(None, "fr", OFFERED) is None
    chosen = LanguageChoice("en", "chosen")
    assert facilitated(chosen, "de", OFFERED) == chosen


def test_a_language_no_longer_served_is_settled_again() -> None:
    assert settle(LanguageChoice("de", "chosen"), said=None, client_language=None,
                  offered=("en",), fallback="en", detect=detect,
                  group=False) == LanguageChoice("en", "default")  # fmt: skip


@pytest.mark.parametrize(
    ("said", "language"),
    [("de", "de"), ("Deutsch", "de"), ("german", "de"), ("de-AT", "de"), ("EN", "en"),
     ("Englisch", "en"), ("english", "en")],
)  # fmt: skip
def test_language_names_people_type(said: str, language: str) -> None:
    assert parse_language(said, OFFERED) == language


@pytest.mark.parametrize("said", ["fr", "klingonisch", "", "de; drop table"])
def test_a_language_the_bot_does_not_talk_is_refused_by_name(said: str) -> None:
    with pytest.raises(UnknownLanguage) as refused:
        parse_language(said, OFFERED)
    assert refused.value.offered == OFFERED


def test_the_choice_is_kept_per_workspace_and_a_fallback_is_never_stored() -> None:
    db = FakeDatabase()
    fallback = LanguageChoice("en", "default")
    assert services.settle_language(db.unit_of_work, "tg:1", lambda _: fallback) == (
        None, fallback,
    )  # fmt: skip
    assert db.version == 0  # nothing written: the next hint may still settle it
    german = LanguageChoice("de", "speaker")
    services.settle_language(db.unit_of_work, "tg:1", lambda _: german)
    assert services.workspace_language(db.unit_of_work, "tg:1") == german
    assert services.workspace_language(db.unit_of_work, "tg:2") is None  # another team's own
    before, after = services.settle_language(db.unit_of_work, "tg:1", lambda stored: stored)
    assert before == after == german
