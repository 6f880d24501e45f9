"""Recognising survey columns by header meaning (English, German) and by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import UnclearAnswer
from bot.core.survey_columns import (
    Overrides,
    SurveyColumnsError,
    describe,
    fold,
    read_score,
    recognise,
    redact,
)
from bot.tables import SurveySheet, Table, UnreadableTable, survey_columns

SCORES = ["9", "3", "10", "7", "0", "6", ""]
SATISFACTION = ["5", "2", "4", "3", "1", "4", ""]
LIKED = [
    "Tasty recipes and fresh food",
    "",
    "The app is simple to use",
    "Friendly drivers",
    "",
    "",
    "",
]
BETTER = [
    "",
    "The box came late again",
    "Too much plastic in every box",
    "",
    "Hotline never answers",
    "",
    "",
]


def columns(**named: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    return list(named), named


@pytest.mark.parametrize(
    ("value", "high", "expected"),
    [
        ("9", 10, 9),
        ("9.0", 10, 9),
        ("10 - Extremely likely", 10, 10),
        ("0 - Not at all likely", 10, 0),
        ("Extremely likely", 10, 10),
        ("10 - Äußerst wahrscheinlich", 10, 10),
        ("Überhaupt nicht wahrscheinlich", 10, 0),
        ("sehr zufrieden", 5, 5),
        ("Sehr unzufrieden", 5, 1),
        ("weder zufrieden noch unzufrieden", 5, 3),
        ("Very satisfied", 5, 5),
        ("Neither satisfied nor dissatisfied", 5, 3),
        ("Somewhat dissatisfied", 5, 2),
        ("4 (satisfied)", 5, 4),
        ("", 5, None),
    ],
)
def test_scale_labels_are_read_as_their_numbers(value: str, high: int, expected: int) -> None:
    low = 0 if high == 10 else 1
    assert read_score(value, low, high, "score") == expected


@pytest.mark.parametrize(("value", "high"), [("12", 10), ("sehr gut", 5), ("0", 5), ("7.5", 10)])
def test_values_off_the_scale_are_unclear(value: str, high: int) -> None:
    with pytest.raises(UnclearAnswer):
        read_score(value, 0 if high == 10 else 1, high, "score")


def test_fold_drops_case_accents_and_punctuation() -> None:
    assert fold("Was können wir BESSER machen?") == "was konnen wir besser machen"
    assert fold("Äußerst wahrscheinlich!") == "ausserst wahrscheinlich"


@pytest.mark.parametrize(
    ("nps", "csat", "liked", "better"),
    [
        (
            "How likely are you to recommend Crate to a friend or colleague?",
            "Overall, how satisfied are you with Crate?",
            "What did you like most?",
            "What could we do better?",
        ),
        (
            "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
            "Wie zufrieden sind Sie insgesamt mit uns?",
            "Was hat Ihnen gefallen?",
            "Was können wir besser machen?",
        ),
        ("NPS", "CSAT", "went well", "went badly"),
    ],
)
def test_question_texts_in_english_and_german(nps: str, csat: str, liked: str, better: str) -> None:
    headers = ["Timestamp", "Email", nps, csat, liked, better]
    samples = {
        "Timestamp": ["2024-03-04 09:12:05"] * 7,
        "Email": ["a@example.com"] * 7,
        nps: SCORES,
        csat: SATISFACTION,
        liked: LIKED,
        better: BETTER,
    }
    found = recognise(headers, samples)
    assert (found.nps, found.csat) == (nps, csat)
    assert found.went_well == (liked,) and found.went_badly == (better,)
    assert found.open == [liked, better]
    assert found.ignored == ("Timestamp", "Email")
    assert describe(found).startswith(f"NPS ← '{nps[:59]}")


def test_metadata_is_never_taken_even_when_it_looks_like_an_answer() -> None:
    headers, samples = columns(
        **{
            "ID": ["1", "2", "3", "4", "5", "6", "7"],
            "Start time": ["3/4/24 9:12:05"] * 7,
            "Completion time": ["3/4/24 9:14:05"] * 7,
            "Name": ["Anna Schmidt", "Ben Novak", "", "Eva Brandt", "Ida Rossi", "Jo Keller", ""],
            "Respondent ID": ["7", "8", "9", "7", "8", "9", "7"],
            "Collector ID": ["4", "4", "4", "4", "4", "4", "4"],
            "Submitted at": ["2024-03-04 09:12:05"] * 7,
            "Network ID": ["a1b2c3d4e5f6"] * 7,
            "Token": ["abc123def456ghi"] * 7,
            "IP Address": ["203.0.113.5"] * 7,
            "Your email, in case we have questions?": ["x.y@example.com"] * 7,
            "Rating": SCORES,
        }
    )
    found = recognise(headers, samples)
    assert found.nps == "Rating"
    assert found.csat is None and found.open == []
    assert "Rating" not in found.ignored
    assert len(found.ignored) == len(headers) - 1


def test_by_content_scores_and_prose() -> None:
    headers, samples = columns(
        Frage1=SCORES, Frage2=SATISFACTION, Frage3=["App", "Web", "App", "", "Web", "App", ""],
        Frage4=BETTER,
    )  # fmt: skip
    found = recognise(headers, samples)
    assert (found.nps, found.csat, found.comments) == ("Frage1", "Frage2", ("Frage4",))


def test_satisfaction_labels_make_a_csat_column_by_content() -> None:
    labels = ["sehr zufrieden", "unzufrieden", "zufrieden", "", "sehr unzufrieden"]
    found = recognise(["Score", "Bewertung"], {"Score": SCORES, "Bewertung": labels})
    assert (found.nps, found.csat) == ("Score", "Bewertung")


def test_a_free_text_follow_up_to_the_nps_question_is_an_open_answer() -> None:
    why = "Why would you (not) recommend us?"
    headers, samples = columns(**{"How likely are you to recommend us?": SCORES, why: BETTER})
    found = recognise(headers, samples)
    assert found.nps == "How likely are you to recommend us?"
    assert found.comments == (why,)


def test_overall_satisfaction_wins_over_satisfaction_with_a_part() -> None:
    headers, samples = columns(
        **{
            "How satisfied were you with the delivery?": SATISFACTION,
            "Overall, how satisfied are you?": SATISFACTION,
        }
    )
    assert recognise(headers, samples).csat == "Overall, how satisfied are you?"


def test_two_score_columns_nobody_named_are_ambiguous() -> None:
    with pytest.raises(SurveyColumnsError, match="2 columns could be the NPS: 'Q1', 'Q2'"):
        recognise(["Q1", "Q2"], {"Q1": SCORES, "Q2": SCORES})
    found = recognise(["Q1", "Q2"], {"Q1": SCORES, "Q2": SCORES}, Overrides(nps="Q2"))
    assert found.nps == "Q2"


def test_prose_alone_is_not_a_survey() -> None:
    """A helpdesk export has prose too: without a score or a named question it is not taken."""
    headers, samples = columns(
        **{"Ticket ID": ["1", "2"], "Priority": ["1", "3"], "Description": BETTER[1:3]}
    )
    with pytest.raises(SurveyColumnsError, match="no survey columns recognised"):
        recognise(headers, samples)


def test_overrides_match_exactly_or_by_a_unique_part() -> None:
    headers = ["How likely are you to recommend us?", "How likely are you to return?"]
    samples = {h: SCORES for h in headers}
    assert recognise(headers, samples, Overrides(nps="to return")).nps == headers[1]
    with pytest.raises(SurveyColumnsError, match="matches several columns"):
        recognise(headers, samples, Overrides(nps="how likely"))
    with pytest.raises(SurveyColumnsError, match="no column 'score'"):
        recognise(headers, samples, Overrides(nps="score"))


def test_typed_email_addresses_are_redacted() -> None:
    assert redact("Mail me at j.doe@example.com please") == "Mail me at [email] please"


def test_surveymonkeys_second_header_row_is_merged(tmp_path: Path) -> None:
    path = tmp_path / "monkey.csv"
    path.write_text(
        "Respondent ID,How likely is it that you would recommend us?,Which did you use?,,"
        "What could we do better?\n"
        ",Response,App,Website,Open-Ended Response\n"
        "101,9,App,,Faster delivery please\n"
        "102,3,,Website,The box came late\n",
        encoding="utf-8",
    )
    sheet = SurveySheet(Table(path))
    assert sheet.columns == [
        "Respondent ID",
        "How likely is it that you would recommend us?",
        "Which did you use? - App",
        "Which did you use? - Website",
        "What could we do better?",
    ]
    rows = list(sheet.rows())
    assert [r.number for r in rows] == [2, 3]
    assert rows[1].values["Which did you use? - Website"] == "Website"
    found = survey_columns(sheet)
    assert found.nps == "How likely is it that you would recommend us?"
    assert found.went_badly == ("What could we do better?",)


def test_unrecognised_columns_raise_one_line_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Email,Plan\na@example.com,Basic\nb@example.com,Pro\n", encoding="utf-8")
    with pytest.raises(UnreadableTable) as raised:
        survey_columns(Table(path))
    message = str(raised.value)
    assert "\n" not in message and "'Plan'" in message and "--nps-column" in message


def test_a_column_of_moment_codes_is_the_stated_moment() -> None:
    headers, samples = columns(
        Step=["amot", "smot", "AMOT", "", "zmot"], NPS=SCORES, Why=BETTER
    )  # fmt: skip
    found = recognise(headers, samples)
    assert (found.moment, found.nps, found.comments) == ("Step", "NPS", ("Why",))
