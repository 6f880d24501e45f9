"""German on Telegram, through the Bot API emulator: a complete interview with all four
methods, a customer answering the survey link, the report, and how a chat's language is
settled (the app's setting, a first German sentence, a mixed group, /language).

The adapter (`mot telegram`) routes each chat to the Rasa server of its language; the
stack serves an English and a German one (tests/e2e/conftest.py).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.e2e.bot_api import BOT_USERNAME, BotApiEmulator, Sent, TgUser
from tests.e2e.conftest import Adapter, Live
from tests.e2e.test_telegram import asks, press, say, skip_to_end, until, with_buttons

GERMAN = Path(__file__).resolve().parents[1] / "fixtures" / "german"
_ids = itertools.count(9_001)
_groups = itertools.count(9_000_001)


def person(name: str, language_code: str | None) -> TgUser:
    return TgUser(next(_ids), name, language_code=language_code)


@pytest.fixture(scope="module")
def adapter_env() -> dict[str, str]:
    return {"MOT_CHAT_LANGUAGES": "en,de"}


def answer(
    api: BotApiEmulator, user: TgUser, said: str, chat: int | None = None, last: str = "\0"
) -> str:
    """Everything the bot says to one message, once it asks the next thing (or says `last`)."""
    chat = user.id if chat is None else chat
    mark = len(api.sent)
    api.send_text(user, said, chat_id=chat)
    until(api, mark, chat, lambda sent: asks(sent) or last in sent.text)
    return api.texts_after(mark, chat)


def choose(api: BotApiEmulator, user: TgUser, shown: Sent, title: str, expect: str) -> Sent:
    return press(api, user, shown, title, expect)


def test_a_complete_german_interview_on_telegram(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    anna = person("Anna", "de")  # her Telegram app is set to German
    api = emulator
    greeting = say(api, anna, "/start", "Momente der Wahrheit")
    assert [b["text"] for b in greeting.buttons] == ["Start", "Wie funktioniert das?"]
    choose(api, anna, greeting, "Start", "Wie heißt es?")
    business = say(api, anna, "Radwerk", "(B2B) oder an Privatkunden (B2C)")
    choose(api, anna, business, "B2C", "Über welche Kanäle")
    say(api, anna, "Webshop und App", "typische Kundschaft")
    mark = len(api.sent)
    api.send_text(anna, "Familien mit Kindern")
    summary = with_buttons(api, mark, anna.id)
    assert "Produkt: Radwerk" in summary.text
    stage = choose(api, anna, summary, "Ja, passt", "schon live")
    offer = choose(api, anna, stage, "Live", "Mit welcher Methode")
    assert [b["text"] for b in offer.buttons] == [
        "Servicedaten", "Wissen des Teams", "Kundenumfrage", "Wettbewerbs-Rundgang",
    ]  # fmt: skip

    # 1. Team knowledge: one moment told and rated with buttons, the others left out.
    waiting = choose(api, anna, offer, "Wissen des Teams", "Wartezeit")
    choose(api, anna, waiting, "Ja", "(LZMOT)")
    say(api, anna, "Instagram-Werbung und Empfehlungen von Freunden", "Glanzmoment")
    say(api, anna, "Eine Mutter bekam einen Gutschein und bestellte sofort", "Schmerzmoment")
    rating = say(api, anna, "Aufdringliche Werbung nervt die Leute", "(1 = kaum, 5 = entscheidend)")
    performance = choose(api, anna, rating, "4", "(1 = schlecht, 5 = hervorragend)")
    choose(api, anna, performance, "2", "(ZMOT)")
    skip_to_end(api, anna, "Moment, den wir noch nicht", said="diesen Moment überspringen")
    mark = len(api.sent)
    api.send_text(anna, "nein, keine weiteren")
    menu = with_buttons(api, mark, anna.id)
    assert "Methode „Wissen des Teams“ abgeschlossen" in api.texts_after(mark, anna.id)

    # 2. Service records: a German Excel export sent as a document.
    export_question = choose(api, anna, menu, "Servicedaten", "Helpdesk-Tickets")
    choose(api, anna, export_question, "Ja", "Schick mir die Datei")
    mark = len(api.sent)
    api.send_document(
        anna, "Tickets März.csv", (GERMAN / "helpdesk_radwerk_cp1252.csv").read_bytes()
    )
    read = api.reply_after(mark, anna.id, "Gelesene Tickets: 20")
    assert "1. AMOT" in read.text and "Lieferung" in read.text
    fits = with_buttons(api, mark, anna.id)
    assert "Passt das" in fits.text
    mark = len(api.sent)
    api.press(anna, fits, "Ja")
    menu = with_buttons(api, mark, anna.id)
    assert "Methode „Servicedaten“ abgeschlossen" in api.texts_after(mark, anna.id)

    # 3. Competitor walk-through: one step compared, the rest skipped.
    choose(api, anna, menu, "Wettbewerbs-Rundgang", "Welchen Wettbewerber")
    theirs = say(api, anna, "VeloHaus", "Wie gut war das?")
    ours = choose(api, anna, theirs, "4", "bei Radwerk")
    choose(api, anna, ours, "2", "überrascht")
    say(api, anna, "Ihre Werbung zeigt echte Familien", "übernehmen")
    say(api, anna, "Echte Familien in unserer Werbung zeigen", "VeloHaus")
    skip_to_end(api, anna, "Methode „Wettbewerbs-Rundgang“ abgeschlossen", said="überspringen")

    # 4. The survey (typed, not pressed): a German customer answers through the link.
    mark = len(api.sent)
    api.send_text(anna, "jetzt die Kundenumfrage")
    drafted = api.reply_after(mark, anna.id, "Teile diesen Link mit deinen Kunden")
    code = drafted.text.split("?start=", 1)[1][:8]
    bert = person("Bert", "de-AT")
    opened = say(api, bert, f"/start {code}", "Radwerk einem Freund")
    assert "anonym" in api.texts_after(mark, bert.id) and opened
    say(api, bert, "9", "Wie zufrieden")
    csat = with_buttons(api, len(api.sent) - 1, bert.id)
    choose(api, bert, csat, "4", "Was lief gut?")
    say(api, bert, "Schnelle Lieferung", "schlecht")
    thanks = ""
    for said in ("Der Karton war zerdrückt", *["überspringen"] * 6):
        thanks = answer(api, bert, said, last="Danke!")
        if "Danke!" in thanks:
            break
    assert "ohne deinen Namen" in thanks
    mark = len(api.sent)
    api.send_document(anna, "Umfrage.csv", (GERMAN / "survey_cp1252.csv").read_bytes())
    assert "CSAT 3,4" in api.reply_after(mark, anna.id, "Gelesene Umfrageantworten: 5").text
    columns = with_buttons(api, mark, anna.id)
    assert "Habe ich die richtigen Spalten genommen?" in api.texts_after(mark, anna.id)
    choose(api, anna, columns, "Ja", "Alle vier Methoden sind erledigt")

    # The findings and the report, in German.
    found = answer(api, anna, "was haben wir bisher gefunden?")
    assert "Eure wichtigsten Momente bisher:" in found and "pain" not in found
    mark = len(api.sent)
    api.send_text(anna, "/report md")
    document: Sent = api.wait_for(
        lambda sent: next((s for s in sent[mark:] if s.method == "sendDocument"), None)
    )
    content = (document.document or b"").decode()
    assert "Radwerk" in content and "Momente der Wahrheit" in content, content[:400]
    assert document.chat_id == anna.id

    with live.db_engine.connect() as db:
        methods = {row[0] for row in db.execute(text(
            "SELECT DISTINCT e.method FROM evidence_items e JOIN interview_sessions s "
            "ON e.session_id = s.id JOIN workspaces w ON s.workspace_id = w.id "
            "WHERE w.key = :key"), {"key": f"tg:{anna.id}"})}  # fmt: skip
        language = db.execute(
            text("SELECT language, language_source FROM workspaces WHERE key = :key"),
            {"key": f"tg:{anna.id}"},
        ).one()
    assert methods == {"team", "records", "competitor", "survey"}
    assert tuple(language) == ("de", "message")  # her app said German, her sentences too


def test_a_german_first_sentence_switches_an_english_app(
    adapter: Adapter, emulator: BotApiEmulator
) -> None:
    finn = person("Finn", "en")
    mark = len(emulator.sent)
    emulator.send_text(finn, "Hallo, wir wollen unsere Momente der Wahrheit finden")
    assert "/language en" in emulator.reply_after(mark, finn.id, "Du schreibst auf Deutsch").text
    emulator.reply_after(mark, finn.id, "Wie heißt es?")
    # A product name later on says nothing: the chat stays German.
    assert "(B2B) oder an Privatkunden (B2C)" in answer(emulator, finn, "Happy Pets Store")


def test_a_mixed_group_talks_its_first_speakers_language_until_someone_switches(
    adapter: Adapter, emulator: BotApiEmulator, live: Live
) -> None:
    api, chat = emulator, -next(_groups)
    dora, ed = person("Dora", "de"), person("Ed", "en")
    mark = len(api.sent)
    api.send_text(dora, f"/start@{BOT_USERNAME}", chat_id=chat)
    api.reply_after(mark, chat, "Momente der Wahrheit")
    stated = api.reply_after(mark, chat, "Ich schreibe in dieser Gruppe auf Deutsch")
    assert "/language en" in stated.text
    # Ed's app is English, but the group talks German: one conversation for everyone.
    zmot = say(api, ed, f"@{BOT_USERNAME} what is a ZMOT?", "Zero Moment of Truth", chat_id=chat)
    assert "Kunden recherchieren" in zmot.text
    assert api.texts_after(mark, chat).count("Ich schreibe in dieser Gruppe") == 1  # said once
    switch = f"/language@{BOT_USERNAME} en"
    chosen = say(api, ed, switch, "From now on I talk English", chat_id=chat)
    assert chosen.chat_id == chat
    # Dora's German question now gets English: the group chose it.
    asked = f"@{BOT_USERNAME} was ist ein ZMOT?"
    english = say(api, dora, asked, "Zero Moment of Truth", chat_id=chat)
    assert "the customer researches online" in english.text
    with live.db_engine.connect() as db:
        stored = db.execute(
            text("SELECT language, language_source FROM workspaces WHERE key = :key"),
            {"key": f"tg:{chat}"},
        ).one()
    assert tuple(stored) == ("en", "chosen")
    # /language with nothing after it shows the choice as buttons; unknown ones are named.
    shown = say(api, dora, f"/language@{BOT_USERNAME}", "We talk English here", chat_id=chat)
    assert [b["text"] for b in shown.buttons] == ["English", "Deutsch"]
    back = press(api, dora, shown, "Deutsch", "Ab jetzt schreibe ich hier auf Deutsch")
    assert back.chat_id == chat
    refused = say(api, ed, f"/language@{BOT_USERNAME} klingonisch", "spreche ich noch nicht",
                  chat_id=chat)  # fmt: skip
    assert "/language en" in refused.text
