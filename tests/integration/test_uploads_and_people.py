"""Files sent in a chat, /status and /delete_me: actions and services on a real database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, text

from actions.interview import ActionReceiveFile, ActionStartMethod
from bot import services
from bot.app import App
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method, Mot, Polarity
from bot.storage.models import EvidenceItem, Participant, Workspace
from tests.integration.conftest import make_tracker
from tests.integration.test_interview_actions import answer, progress_of, session_slots, texts

GROUP_SENDER = "tg:-5:7"


def upload(app: App, project_root: Path, name: str, chat: str = "-5") -> str:
    """Put a demo file where the Telegram adapter saves a chat's uploads; its relative path."""
    target = app.settings.uploads_dir / chat / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project_root / "bot" / "demo" / name, target)
    return f"{chat}/{name}"


def upload_message(path: str) -> dict[str, Any]:
    return {
        "text": "/upload_file" + json.dumps({"file_path": path}),
        "intent": "upload_file",
        "entities": [{"entity": "file_path", "value": path}],
    }


async def at_records_export(domain: dict[str, Any]) -> dict[str, Any]:
    slots = {**await session_slots(domain), "method": "records"}
    await ActionStartMethod().run(
        CollectingDispatcher(), make_tracker(GROUP_SENDER, slots=slots), domain
    )
    slots, _ = await answer(slots, "yes", domain)  # "do you have an export?"
    return slots


async def validate_upload(
    slots: dict[str, Any], path: str, domain: dict[str, Any]
) -> tuple[dict[str, Any], CollectingDispatcher]:
    from actions.interview import ValidateInterviewForm

    message = upload_message(path)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(GROUP_SENDER, slots=slots, text=message["text"],
                           intent=message["intent"], entities=message["entities"],
                           active_loop="interview_form")  # fmt: skip
    result = await ValidateInterviewForm().validate_interview_answer(
        message["text"], dispatcher, tracker, domain
    )
    return {**slots, **result}, dispatcher


async def test_an_upload_answers_the_export_question(
    app: App, domain: dict[str, Any], project_root: Path
) -> None:
    slots = await at_records_export(domain)
    slots, dispatcher = await validate_upload(
        slots, upload(app, project_root, "tickets.csv"), domain
    )
    assert "I read 36 tickets" in texts(dispatcher) and "1. AMOT" in texts(dispatcher)
    assert progress_of(app, slots, GROUP_SENDER)["answers"].get("records.export")
    with app.uow() as uow:
        rows = uow.db.scalars(select(EvidenceItem).where(EvidenceItem.method == "records"))
        assert len(rows.all()) > 0


async def test_nothing_outside_the_uploads_folder_is_read(app: App, domain: dict[str, Any]) -> None:
    slots = await at_records_export(domain)
    slots, dispatcher = await validate_upload(slots, "../../../etc/passwd", domain)
    assert "couldn't find that upload" in texts(dispatcher)
    assert "root:" not in texts(dispatcher)
    # A typed server path from a Telegram chat is refused too.
    slots, dispatcher = await answer(slots, "/etc/passwd", domain)
    assert "send the file itself" in texts(dispatcher)


async def test_another_chats_upload_is_never_read(
    app: App, domain: dict[str, Any], project_root: Path
) -> None:
    other = app.settings.uploads_dir / "-6" / "theirs.csv"
    other.parent.mkdir(parents=True)
    shutil.copy(project_root / "bot" / "demo" / "tickets.csv", other)
    slots = await at_records_export(domain)  # chat -5 at the export question
    for forged in ("-6/theirs.csv", "-5/../-6/theirs.csv", "terminal/../-6/theirs.csv"):
        slots, dispatcher = await validate_upload(slots, forged, domain)
        assert "couldn't find that upload" in texts(dispatcher) and "I read" not in texts(
            dispatcher
        )
    slots, dispatcher = await validate_upload(slots, upload(app, project_root, "tickets.csv"),
                                              domain)  # fmt: skip
    assert "I read 36 tickets" in texts(dispatcher)


async def test_a_survey_file_sent_between_questions_is_added_to_the_findings(
    app: App, domain: dict[str, Any], project_root: Path
) -> None:
    slots = await session_slots(domain)
    message = upload_message(upload(app, project_root, "survey.csv"))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(GROUP_SENDER, slots=slots, text=message["text"],
                           intent="upload_file", entities=message["entities"])  # fmt: skip
    await ActionReceiveFile().run(dispatcher, tracker, domain)
    assert "survey responses" in texts(dispatcher) and "added this" in texts(dispatcher)
    status = services.session_status(app.uow, slots["session_id"])
    assert status.answers_per_method.get(Method.SURVEY)
    assert Method.TEAM in status.open_methods

    # Before any set-up the file is still summarised, with what to do next.
    message = upload_message(upload(app, project_root, "survey.csv", chat="9"))
    dispatcher = CollectingDispatcher()
    await ActionReceiveFile().run(
        dispatcher, make_tracker("tg:9:9", text=message["text"], intent="upload_file",
                                 entities=message["entities"]), domain,
    )  # fmt: skip
    assert "survey responses" in texts(dispatcher) and "set up your product" in texts(dispatcher)


def team_answer(mot: Mot, said: str) -> Evidence:
    return Evidence(method=Method.TEAM, mot=mot, polarity=Polarity.PAIN, text=said)


async def test_forgetting_a_person_removes_their_data_and_keeps_the_teams(
    app: App, domain: dict[str, Any]
) -> None:
    group = await session_slots(domain, sender="tg:-5:7")
    services.open_session(app.uow, "tg:-5:8", "Ben")
    services.add_evidence(app.uow, group["session_id"], [team_answer(Mot.AMOT, "late box")],
                          "tg:7", "Ana", source_key="a")  # fmt: skip
    services.add_evidence(app.uow, group["session_id"], [team_answer(Mot.ZMOT, "bad reviews")],
                          "tg:8", "Ben", source_key="b")  # fmt: skip
    own = await session_slots(domain, sender="tg:7:7")  # Ana's private chat
    with app.db_engine.begin() as connection:  # Rasa's tracker store table, as Rasa makes it
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
        connection.execute(
            text("INSERT INTO events (sender_id) VALUES ('tg:-5:7'), ('tg:7:7'), ('tg:-5:8'), "
                 "('tg:-5:77')")
        )  # fmt: skip

    before = services.session_status(app.uow, group["session_id"])
    assert sorted(name for name, _ in before.participants) == ["Ana", "Ben"]
    removed = services.forget_person(app.uow, "tg", "7")

    assert (removed.answers, removed.own_sessions, removed.conversation_events) == (1, 1, 2)
    assert removed.memberships == 2
    after = services.session_status(app.uow, group["session_id"])
    assert [name for name, _ in after.participants] == ["Ben"]
    assert services.workspace_session(app.uow, "tg:7") is None
    assert services.workspace_session(app.uow, "tg:-5") == group["session_id"]
    with app.uow() as uow:
        assert not uow.db.scalars(select(Participant).where(Participant.key == "tg:7")).all()
        assert uow.db.scalars(select(Workspace.key).where(Workspace.key == "tg:7")).all() == []
    with app.db_engine.connect() as connection:
        left = connection.execute(text("SELECT sender_id FROM events ORDER BY id")).scalars().all()
    assert left == ["tg:-5:8", "tg:-5:77"]
    assert own["session_id"] != group["session_id"]
