"""A German team's report is German in every format (issue 13), and nothing English leaks.

One team ("KochKiste", a meal-kit service) works in German: two sessions in the same
chat (August and November), the second with all four methods from German evidence
(team answers with ratings, a competitor walk-through with an idea, a helpdesk export
and a survey export as German tools write them, one chat survey answer). The report
is gathered and rendered in German; every catalogue key it looked up must have had a
German text, and no English sentence of those keys may appear in any format. Codes
(JSON keys, `stage`, `mot`, `polarity`, `methods`, `confidence`, CSV headers and
`row_type`) stay what the contract says, whatever the language.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import services
from bot.core import catalogue
from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.surveys import MomentAnswer, SurveyResponse
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.core.texts import use_language
from bot.core.themes import themes_of
from bot.report import FORMATS, gather, render
from bot.report import charts as chart_module
from bot.report.document import all_text, compose
from bot.report.spreadsheet import COLUMNS
from tests.fakes import FakeDatabase
from tests.unit.test_catalogue import english_entries
from tests.unit.test_report_formats import assert_readable

TEAM = "tg:-77:1"
CONTEXT = ProductContext(
    "KochKiste", Business.B2C, ["Webseite", "App"], "Berufstätige Paare in der Stadt"
)


def _story(
    mot: Mot, stage: Stage, side: Polarity, where: str, said: str, importance: int, score: int
) -> Evidence:
    return Evidence(Method.TEAM, mot, stage, side, where, said, importance, score)


# Two team members answer; the delivery pain is rated by both (a mean of 4.5: a decimal).
MARTA = [
    _story(Mot.AMOT, Stage.RETENTION, Polarity.PAIN, "Liefertag",
           "Die Boxen kommen Stunden zu spät an und niemand sagt dem Kunden Bescheid.", 5, 2),
    _story(Mot.ZMOT, Stage.INTEREST, Polarity.PAIN, "Bewertungsportale",
           "Manche Bewertungen erwähnen noch das Lieferchaos vom letzten Jahr.", 4, 3),
    _story(Mot.FMOT, Stage.CONSIDERATION, Polarity.GLORY, "Planseite",
           "Die Rezeptfotos auf der Planseite machen Appetit.", 4, 4),
]  # fmt: skip
JONAS = [
    _story(Mot.AMOT, Stage.RETENTION, Polarity.PAIN, "Liefertag",
           "Die Boxen kommen oft zu spät, die Kunden warten den ganzen Abend.", 4, 2),
    _story(Mot.SMOT, Stage.RETENTION, Polarity.PAIN, "App",
           "Die App stürzt ab, wenn man die Rezepte der nächsten Woche ändert.", 4, 2),
    _story(Mot.SMOT, Stage.RETENTION, Polarity.GLORY, "Koch-Hotline",
           "Unsere Koch-Hotline hilft, wenn ein Rezept schiefgeht; das lieben sie.", 4, 5),
    _story(Mot.UMOT, Stage.ADVOCACY, Polarity.PAIN, "Bewertungsportale",
           "Nach einer verspäteten Box posten wütende Kunden Ein-Sterne-Bewertungen.", 4, 2),
]  # fmt: skip
RIVAL = [
    Evidence(Method.COMPETITOR, Mot.AMOT, touchpoint="Liefertag", competitor_rating=4,
             own_rating=2, text="Sie schicken morgens ein Lieferfenster von einer Stunde.",
             details={"competitor": "GrünTopf",
                      "ideas": "Am Liefertag morgens ein Zeitfenster von einer Stunde schicken"}),
]  # fmt: skip
TICKETS = [
    ("Ticket-Nr.", "Betreff", "Beschreibung", "Status"),
    ("7001", "Box zu spät", "Die Lieferung kam drei Stunden zu spät, ohne jede Nachricht.", "Zu"),
    ("7002", "Wo bleibt meine Box", "Wo bleibt meine Lieferung? Die Sendungsverfolgung zeigt "
     "seit heute Morgen nichts.", "Zu"),
    ("7003", "Schon wieder spät", "Die dritte Woche in Folge kommt die Lieferung zu spät.", "Zu"),
    ("7004", "Lieferung", "Der Bote kam erst um 22 Uhr, das Essen war warm.", "Offen"),
    ("7005", "Zutat fehlt", "Das Hähnchen für das Curry fehlte in meiner Box.", "Zu"),
    ("7006", "App stürzt ab", "Die App stürzt ab, wenn ich meine Rezepte ändern will.", "Offen"),
    ("7007", "Danke", "Pünktlich geliefert und gut verpackt, vielen Dank!", "Zu"),
    ("7008", "Erstattung", "Danke für die schnelle Erstattung für das fehlende Hähnchen, "
     "sehr nett.", "Zu"),
    ("7009", "Bewertung", "Ich habe euch auf Trustpilot fünf Sterne gegeben, weiter so!", "Zu"),
]  # fmt: skip
SURVEY = [
    ("Zeitstempel", "Weiterempfehlung (0-10)", "Zufriedenheit (1-5)", "Was hat dir gefallen?",
     "Was können wir besser machen?"),
    ("20.11.2026 10:00", "3", "2", "", "Die Box kam drei Stunden zu spät, wir haben Pizza "
     "bestellt."),
    ("20.11.2026 11:00", "9", "5", "Die Rezepte sind einfach und lecker.", ""),
    ("21.11.2026 09:30", "10", "5", "Ich habe meine Gerichte auf Instagram geteilt und Freunde "
     "haben bestellt.", ""),
    ("21.11.2026 12:00", "6", "3", "", "Kein Lieferfenster, ich habe den ganzen Abend gewartet."),
    ("22.11.2026 18:00", "8", "4", "Gute Bewertungen haben mich überzeugt.", ""),
]  # fmt: skip


def _write(path: Path, rows: Sequence[tuple[str, ...]]) -> Path:
    """As German Excel saves it: semicolons, Windows line ends."""
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return path


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def german_sessions(folder: Path) -> tuple[FakeDatabase, str]:
    """August: the team's first look; November: all four methods. Loaded in German."""
    clock = Clock()
    db = FakeDatabase(now=clock)
    uow = db.unit_of_work
    first = services.open_session(uow, TEAM, "Marta")
    services.save_context(uow, first.id, CONTEXT)
    services.add_evidence(uow, first.id, [
        _story(Mot.AMOT, Stage.RETENTION, Polarity.PAIN, "Liefertag",
               "Die Boxen kommen Stunden zu spät an und niemand sagt dem Kunden Bescheid.", 5, 1),
        _story(Mot.FMOT, Stage.CONSIDERATION, Polarity.PAIN, "Preisseite",
               "Die Preise auf der Produktseite sind unklar.", 4, 2),
    ], TEAM, "Marta")  # fmt: skip
    clock.now = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    second = services.open_session(uow, TEAM, "Marta", fresh=True)
    services.save_context(uow, second.id, CONTEXT)
    services.add_evidence(uow, second.id, MARTA, TEAM, "Marta")
    services.add_evidence(uow, second.id, JONAS, "tg:-77:2", "Jonas")
    services.add_evidence(uow, second.id, RIVAL, TEAM, "Marta")
    services.import_helpdesk_export(uow, second.id, _write(folder / "tickets.csv", TICKETS))
    services.import_survey_results(uow, second.id, _write(folder / "umfrage.csv", SURVEY))
    chat = services.create_survey(uow, second.id, [Mot.AMOT, Mot.SMOT])
    answer = MomentAnswer(Mot.AMOT, Polarity.PAIN, "Niemand hat mir gesagt, dass die Box "
                          "vier Stunden später kommt.")  # fmt: skip
    services.record_survey_response(uow, chat.code, SurveyResponse(4, 2, (answer,)), "k-1")
    services.close_survey(uow, second.id)
    return db, second.id


class Recorder:
    """`catalogue.load` that notes which keys were looked up, in which language."""

    def __init__(self, load: Callable[[str], Mapping[str, str]]) -> None:
        self.load = load
        self.asked: dict[str, set[str]] = {}

    def __call__(self, language: str) -> Mapping[str, str]:
        messages = self.load(language)
        asked = self.asked.setdefault(language, set())

        class Noted(dict[str, str]):
            def get(self, key: str, default: Any = None) -> Any:
                asked.add(key)
                return messages.get(key, default)

        return Noted(messages)


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The German report (its data, every format) and the keys its words came from."""
    recorder = Recorder(catalogue.load)
    original = catalogue.load
    catalogue.load = recorder
    try:
        with use_language("de"):
            db, session_id = german_sessions(tmp_path_factory.mktemp("de"))
            chart_module._cache.clear()  # draw the charts now, so their words are noted too
            report = gather(db.unit_of_work, session_id)
            files = {fmt: render(report, fmt) for fmt in FORMATS}
            words = all_text(compose(report))
    finally:
        catalogue.load = original
    yield {"report": report, "files": files, "words": words, "asked": recorder.asked}


def _english_sentences(keys: set[str]) -> dict[str, str]:
    """The English words of these keys that a German reader must never meet: each run of
    three or more words between placeholders and marks (a key German keeps as in
    English, such as "Zero Moment of Truth", is left out)."""
    german = catalogue.load("de")
    found: dict[str, str] = {}
    for entry in english_entries()[1:]:
        if entry.key not in keys or german.get(entry.key) == entry.text:
            continue
        for piece in re.split(r"\{[^}]*\}|\*\*|[*`()\[\]:;,.!?\"]", entry.text):
            piece = " ".join(piece.split())
            if len(re.findall(r"[A-Za-z']+", piece)) >= 3:
                found[piece] = entry.key
    return found


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page["text"].split()) for page in assert_readable(content))


def _human_text(german: dict[str, Any]) -> dict[str, str]:
    """What a reader reads of each format: the JSON's and the CSV's words, not their codes."""
    files = german["files"]
    data = json.loads(files["json"])
    said: list[str] = []
    for item in [*data["moments"], *data["strengths"]]:
        said += [item["title"], *item["why"]]
        said += [e["facts"] for e in item["evidence"]] + [e["summary"] for e in item["evidence"]]
        for suggestion in item["suggestions"]:
            said += [suggestion["text"], *map(str, suggestion["answers"])]
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"), newline="")))
    readable = ("title", "evidence", "why", "score_inputs", "suggestion_text", "suggestion_answers")
    cells = [row[column] for row in rows for column in readable]
    return {
        "md": files["md"].decode(),
        "html": re.sub(r"<style>.*?</style>|<[^>]+>", " ", files["html"].decode(), flags=re.S),
        "pdf": _pdf_text(files["pdf"]),
        "json": "\n".join(said),
        "csv": "\n".join(cells),
    }


def test_every_word_of_the_report_came_from_the_german_catalogue(german: dict[str, Any]) -> None:
    asked = german["asked"]
    assert len(asked.get("de", set())) > 150  # the report, its evidence, suggestions, charts
    fell_back = asked.get("en", set())
    assert not fell_back, f"no German text for {sorted(fell_back)}"


def test_no_english_sentence_of_the_catalogue_leaks_into_any_format(
    german: dict[str, Any],
) -> None:
    english = _english_sentences(german["asked"]["de"])
    assert len(english) > 100  # most of the report's keys are sentences
    for fmt, said in _human_text(german).items():
        flat = " ".join(said.split())
        leaked = sorted({f"{key}: {piece!r}" for piece, key in english.items() if piece in flat})
        assert not leaked, f"{fmt}: {leaked}"
        # A few English words every English report has (German keeps one English name).
        rest = flat.replace("Zero Moment of Truth", "")
        common = re.findall(r"\b(?:the|and|of|score|evidence|confidence|suggestions?)\b", rest)
        assert not common, f"{fmt}: {common}"


def test_the_leak_check_finds_english_in_an_english_report(
    german: dict[str, Any], tmp_path: Path
) -> None:
    """The same findings gathered and rendered in English: the check above would fail."""
    english = _english_sentences(german["asked"]["de"])
    with use_language("en"):
        db, session_id = german_sessions(tmp_path)
        markdown = " ".join(render(gather(db.unit_of_work, session_id), "md").decode().split())
    assert len({piece for piece in english if piece in markdown}) > 40


def test_headings_dates_numbers_and_names_are_german(german: dict[str, Any]) -> None:
    markdown = german["files"]["md"].decode()
    for heading in (
        "# Momente der Wahrheit: KochKiste",
        "## Auf einen Blick",
        "## Kunden",
        "## Methoden und Verlässlichkeit",
        "## Wer mitgemacht hat",
        "## Was sich seit 03.08.2026 geändert hat",
        "## Die Journey",
        "## Wichtigkeit und Leistung",
        "## Schmerzpunkte, die ihr beheben solltet",
        "## Stärken, die ihr halten solltet",
        "## Was ihr gegen jeden Schmerzpunkt tun könnt",
    ):
        assert heading + "\n" in markdown, heading
    assert "Beginn: 24.11.2026." in markdown
    assert "2026-11-24" not in markdown and "2026-08-03" not in markdown
    # Decimals with a comma wherever the report shows them; no "3.4" left anywhere.
    assert not re.findall(r"(?<![\d.])\d+\.\d+(?![\d.])", markdown)
    report = german["report"]
    top = report["moments"][0]
    assert top["mot"] == "amot" and top["theme"] == "delivery"
    score = f"{top['score']:.1f}".replace(".", ",")
    assert f"| P1 | {top['title']} | Bindung | {score} |" in markdown
    methods = "Wissen des Teams, Servicedaten, Wettbewerbs-Rundgang, Kundenumfrage"
    assert f"{methods} | hoch |" in markdown
    assert "Wichtigkeit 4,5/5, Leistung 2/5" in markdown  # two members' mean rating
    metrics = report["metrics"]
    nps = f"{metrics['nps']:+.1f}".replace(".", ",")
    assert f"NPS **{nps}**" in markdown and "CSAT **3,5/5**" in markdown
    assert "Tatsächlicher Moment der Wahrheit (`amot`, Bindung)" in markdown
    assert "Verlässlichkeit: **hoch** (4 von 4 Methoden" in markdown
    assert re.search(r"Basis \d,\d\d: der gewichtete Mittelwert", markdown)
    inputs = re.search(r"Eingangswerte: ([^<]*)</sub>", markdown)
    assert inputs and "team_importance = 4,5; " in inputs.group(1)
    # Suggestions: German library texts and sources; the team's own idea as written.
    assert "*(Bibliothek; Antworten:" in markdown
    assert "Am Liefertag morgens ein Zeitfenster von einer Stunde schicken" in markdown


def test_what_changed_since_the_last_session_is_german(german: dict[str, Any]) -> None:
    history = german["report"]["history"]
    assert history["since"].startswith("2026-08-03")  # data keeps the ISO date
    markdown = german["files"]["md"].decode()
    assert "| Änderung | Moment | vorher | nachher |" in markdown
    assert "| Schmerzpunkt weg | FMOT · die Preise auf der Produktseite sind unklar |" in markdown
    assert re.search(r"\| neue Stärke \| SMOT · [^|]+ \|  \| \d+,\d \|", markdown)
    assert "Kunden damals und heute: NPS \u2013 \u2192 " in markdown  # none before


def test_the_charts_speak_german_and_keep_their_words_inside_the_picture(
    german: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[Any] = []
    original = chart_module._png

    def keep(figure: Any) -> bytes:
        png = original(figure)
        drawn.append(figure)
        return png

    monkeypatch.setattr(chart_module, "_png", keep)

    def words(language: str) -> tuple[set[str], list[tuple[str, Any, Any]]]:
        drawn.clear()
        chart_module._cache.clear()
        with use_language(language):
            chart_module.charts(german["report"])
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.text import Text

        said: set[str] = set()
        placed = []
        for figure in drawn:
            canvas = FigureCanvasAgg(figure)
            canvas.draw()  # type: ignore[no-untyped-call]
            renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
            for artist in figure.findobj(Text):
                if artist.get_visible() and artist.get_text().strip():
                    said.add(artist.get_text())
                    placed.append((artist.get_text(), artist.get_window_extent(renderer), figure))
        return said, placed

    english, _ = words("en")
    german_words, placed = words("de")
    titles = {chart_module._short(m["title"]) for m in german["report"]["moments"]}
    titles |= {chart_module._short(m["title"]) for m in german["report"]["strengths"]}
    untranslated = {
        w for w in english & german_words
        if not re.fullmatch(r"[PS]\d+|[\d.,\u2212-]+", w) and w not in titles
    }  # fmt: skip
    assert not untranslated, untranslated
    dash = "\u2013"
    for expected in ("Bindung", "Weiterempfehlung", "Aufmerksamkeit", f"Wert (0{dash}100)",
                     "Glanz \u2191", "Schmerz \u2193", "zu beheben", "zu halten",
                     "Hier konzentrieren", "Möglicher Overkill", f"Wichtigkeit (Team, 1{dash}5)",
                     f"Leistung (Team, 1{dash}5)"):  # fmt: skip
        assert expected in german_words, expected
    for said, box, figure in placed:  # nothing clipped at the picture's edges
        frame = figure.bbox
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, said
        assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, said


def test_the_pdf_and_the_html_are_german(german: dict[str, Any]) -> None:
    files = german["files"]
    page = files["html"].decode()
    assert '<html lang="de">' in page
    assert "<title>Momente der Wahrheit: KochKiste</title>" in page
    pdf = _pdf_text(files["pdf"])
    for said in ("Momente der Wahrheit: KochKiste", "Auf einen Blick", "Beginn: 24.11.2026",
                 "Was ihr gegen jeden Schmerzpunkt tun könnt", "Seite 1 von"):  # fmt: skip
        assert said in pdf, said
    assert b"/Lang (de)" in files["pdf"]


def test_json_and_csv_keep_their_codes_and_word_the_rest_in_german(
    german: dict[str, Any],
) -> None:
    files = german["files"]
    data = json.loads(files["json"])
    assert {"session", "moments", "strengths", "metrics"} <= set(data)
    stages = {s.value for s in Stage}
    for item in [*data["moments"], *data["strengths"]]:
        assert item["stage"] in stages and item["mot"] in {m.value for m in Mot}
        assert item["polarity"] in ("pain", "glory")
        assert set(item["methods"]) <= {m.value for m in Method}
        assert item["confidence"] in ("none", "low", "medium", "high")
        assert all(s["source"] in ("team", "competitor", "customer", "library")
                   for s in item["suggestions"])  # fmt: skip
        assert all(e["method"] in {m.value for m in Method} for e in item["evidence"])
    top = data["moments"][0]
    assert top["why"][0].startswith("Basis ")
    assert any("Servicetickets" in e["facts"] for e in top["evidence"])
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"), newline="")))
    assert rows and list(rows[0]) == list(COLUMNS)
    assert {r["row_type"] for r in rows} == {"moment", "suggestion", "gone"}
    moment = next(r for r in rows if r["row_type"] == "moment")
    assert moment["stage"] in stages
    assert moment["change"] in ("improved", "worse", "new", "unchanged")
    assert moment["why"].startswith("Basis ") and "Gewicht" in moment["why"]
    assert float(moment["score"]) == top["score"]  # a number a spreadsheet reads as one


def test_german_evidence_is_grouped_into_the_themes_english_evidence_is(
    german: dict[str, Any],
) -> None:
    pairs = [
        (Mot.AMOT, "Boxes arrive hours late.", "Die Boxen kommen Stunden zu spät an."),
        (Mot.AMOT, "The box came at 10pm, no warning.", "Die Box kam um 22 Uhr ohne Warnung."),
        (Mot.AMOT, "Delivered on time, thanks!", "Pünktlich geliefert, danke!"),
        (Mot.AMOT, "The vegetables arrived wilted.", "Das Gemüse kam welk an."),
        (Mot.AMOT, "I was charged twice for one box.", "Mir wurde eine Box zweimal abgebucht."),
        (Mot.FMOT, "The recipe photos make people hungry.", "Die Rezeptfotos machen Appetit."),
        (Mot.FMOT, "The plan page is clear.", "Die Planseite ist übersichtlich."),
        (Mot.SMOT, "Nobody answered my email.", "Niemand hat auf meine Mail geantwortet."),
        (Mot.SMOT, "The app crashes on start.", "Die App stürzt beim Start ab."),
        (Mot.UMOT, "Angry customers post about us.", "Wütende Kunden posten über uns."),
    ]
    for mot, english, german_text in pairs:
        theirs = themes_of(english, mot)
        assert theirs, english
        assert themes_of(german_text, mot)[:1] == theirs[:1], (german_text, theirs)
    themes = {m["theme"] for m in german["report"]["moments"]}
    assert {"delivery", "bugs", "missing items"} <= themes
    strengths = {m["theme"] for m in german["report"]["strengths"]}
    assert {"support", "product info"} <= strengths


def test_the_document_speaks_the_language_it_is_rendered_in(german: dict[str, Any]) -> None:
    """The document's own words follow the language of the turn that renders it."""
    report = german["report"]
    with use_language("en"):
        markdown = render(report, "md").decode()
    assert "## At a glance" in markdown
    assert f"| {report['moments'][0]['title']} | Retention |" in markdown
    assert "## Auf einen Blick" not in markdown
