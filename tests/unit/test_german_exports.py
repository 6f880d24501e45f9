"""German exports read and classified as English ones are (issue 13).

The fixtures are what Excel writes in Germany: cp1252, semicolons, CRLF, German
column names ("Ticket-Nr.;Betreff;Beschreibung;Status", "Weiterempfehlung (0-10)"),
umlauts and ß in the text, a quoted field holding a semicolon.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.taxonomy import Mot, Polarity
from bot.exports import analyze_helpdesk_export, read_survey_results
from bot.tables import Table, ticket_columns

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "german"
TICKETS = FIXTURES / "tickets_cp1252.csv"
SURVEY = FIXTURES / "survey_cp1252.csv"


def test_the_fixtures_are_what_excel_writes() -> None:
    raw = TICKETS.read_bytes()
    assert b"\r\n" in raw and "ü".encode("cp1252") in raw and "ß".encode("cp1252") in raw
    raw.decode("cp1252")


def test_a_german_helpdesk_export_is_read_with_its_columns_and_umlauts() -> None:
    table = Table(TICKETS)
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.columns == ["Ticket-Nr.", "Betreff", "Beschreibung", "Status"]
    columns = ticket_columns(table)
    assert (columns.text, columns.subject, columns.id) == ("Beschreibung", "Betreff", "Ticket-Nr.")
    analysis = analyze_helpdesk_export(TICKETS, workers=1)
    assert not analysis.skipped
    by_id = {t.id: t for t in analysis.tickets}
    assert sorted(by_id) == ["1001", "1002", "1003", "1004", "1005"]  # the export's own numbers
    assert by_id["1001"].mot is Mot.AMOT and "tracking" in by_id["1001"].themes
    assert "billing" in by_id["1002"].themes
    assert by_id["1003"].mot is Mot.SMOT and "bugs" in by_id["1003"].themes
    assert "returns" in by_id["1005"].themes  # "Rückgabe; Erstattung": one quoted field
    assert all(t.sentiment != "positive" for t in analysis.tickets)


def test_german_survey_results_are_read_with_their_scores_and_answers() -> None:
    results = read_survey_results(SURVEY)
    columns = results.columns
    assert columns.nps == "Weiterempfehlung (0-10)"
    assert columns.csat == "Zufriedenheit (1-5)"
    assert columns.went_badly == ("Was können wir besser machen?",)
    assert columns.ignored == ("Zeitstempel",)
    assert not results.skipped
    assert [(r.nps, r.csat) for r in results.responses] == [
        (9, 5), (3, 2), (7, 4), (0, 1), (10, 5)
    ]  # fmt: skip
    said = [a for r in results.responses for a in r.answers]
    assert all(a.polarity is Polarity.PAIN for a in said)  # answers to "what can we improve?"
    late = next(a for a in said if "zu spät" in a.text)
    assert late.mot is Mot.AMOT
    assert any(a.text == "Größere Auswahl wäre schön." for a in said)  # umlauts and ß intact
