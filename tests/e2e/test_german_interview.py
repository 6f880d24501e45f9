"""A complete German interview with all four methods over the REST channel: the German
Rasa server understands it, the actions answer in German, and the report is German."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import services
from bot.adapters.rest import BotMessage
from bot.adapters.terminal import as_upload
from bot.core.texts import use_language
from bot.report import build_report, render
from bot.storage.models import EvidenceItem, InterviewSession, Workspace
from bot.storage.uow import unit_of_work_factory
from tests.e2e.conftest import Live

GERMAN = Path(__file__).resolve().parents[1] / "fixtures" / "german"


class German:
    """One person talking German to the bot: each message goes to the German Rasa server."""

    def __init__(self, live: Live, sender: str, name: str | None = "Anna") -> None:
        self.live, self.sender, self.name = live, sender, name

    def say(self, said: str) -> list[BotMessage]:
        metadata = {"language": "de", **({"display_name": self.name} if self.name else {})}
        with use_language("de"):  # Rasa's own responses are said in the front-end's language
            return self.live.client.send(self.sender, said, metadata)

    def __call__(self, said: str) -> str:
        return "\n".join(m.text for m in self.say(said))

    def upload(self, path: Path) -> str:
        return self(as_upload(str(path), self.live.uploads) or str(path))

    def skip_until(self, marker: str, limit: int = 40) -> str:
        for _ in range(limit):
            answer = self("überspringen")
            if marker in answer:
                return answer
        raise AssertionError(f"never reached {marker!r}")


def test_a_complete_german_interview_with_all_four_methods(live: Live, tmp_path: Path) -> None:
    anna = German(live, f"e2e-de-{uuid.uuid4().hex[:6]}")
    assert "Wie heißt es?" in anna("Hallo, wir wollen unsere Momente der Wahrheit finden")
    assert "(B2B) oder an Privatkunden (B2C)" in anna("Radwerk")
    assert "Über welche Kanäle" in anna("an Privatkunden")
    anna("Webshop und App")
    confirm = anna("Familien mit Kindern")
    assert "Produkt: Radwerk" in confirm and "Stimmt das so?" in confirm
    stage = anna.say("ja, passt")
    assert "Ist Radwerk schon live" in stage[-1].text
    assert [b.title for b in stage[-1].buttons] == ["Live", "Noch in Planung"]
    unclear = anna("hm, schwer zu sagen")
    assert "habe ich nicht" in unclear or "konnte" in unclear  # asked again, nothing lost
    offer = anna.say("ja, wir sind seit zwei Jahren live")
    assert "Da Radwerk live ist" in offer[0].text
    assert [b.title for b in offer[-1].buttons] == [
        "Servicedaten", "Wissen des Teams", "Kundenumfrage", "Wettbewerbs-Rundgang",
    ]  # fmt: skip

    # 1. Team knowledge, typed in German, with a digression and a vague rating confirmed.
    assert "Wartezeit zwischen dem Bezahlen" in anna("lass uns mit dem Wissen des Teams anfangen")
    assert "(LZMOT)" in anna("ja")
    assert "Zero Moment of Truth (ZMOT)" in anna("was ist ein ZMOT?")
    anna("Instagram-Werbung und Empfehlungen von Freunden")
    anna("Eine Mutter bekam einen Gutschein und bestellte am selben Tag")
    anna("Aufdringliche Retargeting-Werbung nervt die Leute")
    assert "„eher gut“ als 4 von 5" in anna("eher gut")
    assert "(1 = schlecht, 5 = hervorragend)" in anna("ja")
    assert "Bewertungsportalen" in anna("2")
    status = anna("wo stehen wir?")
    assert "Wissen des Teams: in Arbeit" in status and "Servicedaten: offen" in status
    assert "ausgelassen" in anna("so einen Moment haben wir nicht")
    anna.skip_until("Moment, den wir noch nicht")
    assert "Glanz" in anna("Wenn der Kurier anruft, um die Lieferung zu verschieben")
    anna("Schmerz")
    anna("Eltern verpassen den Anruf und das Rad geht zurück ans Lager")
    assert "(1 = schlecht, 5 = hervorragend)" in anna("sehr wichtig")  # clear: taken at once
    assert "Noch ein Moment" in anna("2")
    done = anna("nein, keine weiteren")
    assert "Methode „Wissen des Teams“ abgeschlossen" in done

    # 2. Service records: a German Excel export (cp1252, semicolons, German columns).
    assert "Helpdesk-Tickets" in anna("jetzt die Servicedaten")
    anna("ja")
    read = anna.upload(GERMAN / "helpdesk_radwerk_cp1252.csv")
    assert "Gelesene Tickets: 20" in read and "1. AMOT" in read
    assert "Lieferung" in read and "(delivery" not in read  # themes by name, in German
    assert "Methode „Servicedaten“ abgeschlossen" in anna("ja, das passt")

    # 3. Competitor walk-through, paused while the team tries it out.
    assert "Welchen Wettbewerber" in anna("Wettbewerbs-Rundgang")
    assert "Anzeigen" in anna("VeloHaus")
    for answer in ("3", "3", "Ihre Werbung zeigt echte Familien", "Echte Familien zeigen", "4"):
        anna(answer)
    anna("2")
    assert "Pausiert" in anna("Pause, wir probieren das erst aus")
    resumed = anna("lass uns weitermachen")
    assert "Willkommen zurück" in resumed and "überrascht" in resumed
    anna("Sie beantworten jede Bewertung innerhalb eines Tages")
    anna("Bewertungen schneller beantworten")
    finished = ""
    for _ in range(40):
        finished = anna("überspringen")
        if "abgeschlossen" in finished:
            break
    assert "Methode „Wettbewerbs-Rundgang“ abgeschlossen" in finished

    # 4. The survey: drafted in German, answered by a customer in German, results read.
    drafted = anna("die Kundenumfrage bitte")
    assert "Wie wahrscheinlich ist es, dass du Radwerk" in drafted
    code = re.search(r"Code ([0-9a-f]{8})", drafted)
    assert code, drafted
    customer = German(live, f"e2e-de-kunde-{uuid.uuid4().hex[:6]}", name=None)
    opened = customer(f"umfrage {code.group(1)}")
    assert "anonym" in opened and "Radwerk einem Freund" in opened
    assert "von 0 bis 10" in customer("elf")  # asked again
    customer("9")
    customer("4")
    thanks = ""
    for answer in ("Schnelle Lieferung", "Der Karton war zerdrückt", *["überspringen"] * 6):
        thanks = customer(answer)
        if "Danke!" in thanks:
            break
    assert "ohne deinen Namen" in thanks
    results = tmp_path / "umfrage.csv"
    shutil.copyfile(GERMAN / "survey_cp1252.csv", results)
    imported = anna.upload(results)
    assert "Gelesene Umfrageantworten: 5" in imported
    assert "NPS ← 'Weiterempfehlung (0-10)'" in imported and "CSAT 3,4" in imported
    assert "Alle vier Methoden sind erledigt" in anna("ja")

    findings = anna("was haben wir bisher gefunden?")
    assert findings.startswith("Eure wichtigsten Momente bisher:")
    assert "Schmerzpunkt" in findings or "Schmerz" in findings
    assert "records" not in findings and "pain" not in findings

    with Session(live.db_engine) as db:
        session_id = db.scalars(
            select(InterviewSession.id).join(Workspace).where(Workspace.key == anna.sender)
        ).one()
        items = db.scalars(select(EvidenceItem).where(EvidenceItem.session_id == session_id)).all()
        assert {item.method for item in items} == {"team", "records", "competitor", "survey"}
        rated = next(i for i in items if i.source_key == "team.lzmot" and i.importance)
        assert (rated.importance, rated.performance) == (4, 2)
        assert any(i.method == "survey" and i.participant_id is None for i in items)

    # The report of the German interview, in German, in every format.
    found = services.findings(unit_of_work_factory(sessionmaker(live.db_engine)), session_id)
    with use_language("de"):
        report = build_report(found)
        files = {fmt: render(report, fmt) for fmt in ("md", "html", "pdf", "csv", "json")}
    markdown = files["md"].decode()
    assert "Momente der Wahrheit" in markdown and "Radwerk" in markdown
    assert 'lang="de"' in files["html"].decode()
    assert files["pdf"].startswith(b"%PDF")
    assert "VeloHaus" in files["json"].decode()
