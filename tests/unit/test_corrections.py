"""Reading the team's corrections of a file's reading: ticket groups and survey columns."""

from __future__ import annotations

import pytest

from bot.core.corrections import parse_column_corrections, parse_ticket_correction
from bot.core.errors import UnclearAnswer
from bot.core.taxonomy import Mot
from bot.core.texts import render

GROUPS = [Mot.AMOT, Mot.SMOT, Mot.ZMOT]


@pytest.mark.parametrize(
    ("said", "source", "target"),
    [
        ("amot should be smot", Mot.AMOT, Mot.SMOT),
        ("group 1 → SMOT", Mot.AMOT, Mot.SMOT),
        ("3 belong to fmot", Mot.ZMOT, Mot.FMOT),
        ("1 are about refunds", Mot.AMOT, Mot.SMOT),
        ("AMOT sind eher Retouren", Mot.AMOT, Mot.SMOT),
        ("the second moment ones are really the actual moment", Mot.SMOT, Mot.AMOT),
        ("the third group is wrong, those are FMOT", Mot.ZMOT, Mot.FMOT),
        ("die zweite Gruppe ist AMOT", Mot.SMOT, Mot.AMOT),
        ("Gruppe 3 gehört zum ersten Moment", Mot.ZMOT, Mot.FMOT),
        ("die dritte Gruppe sollte eher FMOT sein", Mot.ZMOT, Mot.FMOT),
        ("der zweite Moment ist eigentlich der tatsächliche Moment", Mot.SMOT, Mot.AMOT),
        ("Nr. 1 sind eigentlich Retouren", Mot.AMOT, Mot.SMOT),
        ("the AMOT ones are really less-than-zero", Mot.AMOT, Mot.LZMOT),
    ],
)
def test_a_group_named_by_number_or_moment_moves_where_the_team_says(
    said: str, source: Mot, target: Mot
) -> None:
    correction = parse_ticket_correction(said, GROUPS)
    assert correction is not None
    assert (correction.source, correction.target) == (source, target)


@pytest.mark.parametrize(
    "said", ["yes", "Yes, that matches", "no", "these are about returns", "ja, passt", "stimmt so"]
)
def test_answers_naming_no_group_are_left_to_yes_or_no(said: str) -> None:
    assert parse_ticket_correction(said, GROUPS) is None


def test_a_group_not_in_the_list_is_explained_or_left_alone() -> None:
    with pytest.raises(UnclearAnswer) as raised:
        parse_ticket_correction("lzmot is really smot", GROUPS)
    assert "no LZMOT tickets" in render(raised.value.hint) and "1 AMOT, 2 SMOT, 3 ZMOT" in render(
        raised.value.hint
    )
    assert parse_ticket_correction("7 are about returns", GROUPS) is None


@pytest.mark.parametrize(
    ("said", "reason"),
    [("2 is smot", "already at SMOT"), ("amot -> asdf qwer", "Where do the AMOT tickets belong")],
)
def test_an_unclear_target_says_what_to_answer(said: str, reason: str) -> None:
    with pytest.raises(UnclearAnswer) as raised:
        parse_ticket_correction(said, GROUPS)
    assert reason in render(raised.value.hint)


def test_a_target_in_plain_words_is_a_guess_to_confirm() -> None:
    correction = parse_ticket_correction("no, the AMOT ones are about returns", GROUPS)
    assert correction is not None and correction.target is Mot.SMOT
    assert not correction.confident


HEADERS = [
    "ID",
    "Start time",
    "How likely are you to recommend us?",
    "Overall, how satisfied are you?",
    "What could we improve?",
    "What did you like most?",
]


@pytest.mark.parametrize(
    ("said", "named"),
    [
        ("NPS is column 3", {"nps": HEADERS[2]}),
        ("comments: What could we improve?", {"text": HEADERS[4]}),
        ("csat is 'Overall'", {"csat": HEADERS[3]}),
        ("NPS is column 3, CSAT is column 4", {"nps": HEADERS[2], "csat": HEADERS[3]}),
        ("Kommentare stehen in Spalte 6", {"text": HEADERS[5]}),
        ("NPS steht in Spalte 3", {"nps": HEADERS[2]}),
        (
            "Zufriedenheit: Spalte 4 und Anmerkungen in Spalte 5",
            {"csat": HEADERS[3], "text": HEADERS[4]},
        ),
        ("Weiterempfehlung ist „recommend“", {"nps": HEADERS[2]}),
    ],
)
def test_columns_are_named_by_number_quote_or_part_of_the_header(
    said: str, named: dict[str, str]
) -> None:
    assert parse_column_corrections(said, HEADERS) == named


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("nps: column 99", "from 1 to 6"),
        ("nps is 'shoe size'", "No column"),
        ("comments are in 'what'", "Several columns"),
        ("column 5", "Say what the column is"),
    ],
)
def test_a_column_that_cannot_be_found_is_explained(said: str, reason: str) -> None:
    with pytest.raises(UnclearAnswer) as raised:
        parse_column_corrections(said, HEADERS)
    assert reason in render(raised.value.hint)


def test_yes_and_no_correct_nothing() -> None:
    assert parse_column_corrections("yes", HEADERS) is None
    assert parse_column_corrections("no", HEADERS) is None
