"""The team corrects what the bot read from a file, in the chat: ticket groups, survey columns."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.interview import ActionStartMethod, ValidateInterviewForm
from bot.adapters.terminal import as_upload
from bot.app import App
from bot.storage.models import EvidenceItem
from tests.integration.conftest import make_tracker
from tests.integration.test_interview_actions import (
    answer,
    ask,
    progress_of,
    session_slots,
    texts,
)

SENDER = "terminal-ana"

DELIVERY = [
    "Where is my parcel? The tracking has not moved for five days.",
    "Order 5521 still not delivered, the courier never came.",
    "Delivery was promised for Monday, nothing arrived and no update.",
    "The tracking link shows an error, where is my package?",
    "Parcel stuck at the depot since last week, please check.",
    "Courier left the package at the wrong address again.",
    "Still waiting for my order, dispatch confirmation came 8 days ago.",
    "No delivery notification, the driver just did not show up.",
    "My shipment says delivered but nothing is here.",
    "Why does shipping take two weeks? Order placed on the 3rd.",
]
CRASHES = [
    "The app crashes every time I open the settings page.",
    "After the update the app freezes when I scan a barcode.",
    "Login does not work, the app closes immediately.",
    "The dashboard is so slow it is unusable, takes a minute to load.",
    "Sync keeps failing, my data is lost after each restart.",
    "Your support agent never answered my question about the export feature.",
]


async def _records_started(app: App, domain: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    slots = {**await session_slots(domain, sender=SENDER), "method": "records"}
    await ActionStartMethod().run(CollectingDispatcher(), make_tracker(SENDER, slots=slots), domain)
    slots, _ = await answer(slots, "yes", domain, sender=SENDER)
    return slots


async def _upload(
    app: App, domain: dict[str, Any], slots: dict[str, Any], path: Path
) -> tuple[dict[str, Any], CollectingDispatcher]:
    message = as_upload(str(path), app.settings.uploads_dir)
    assert message is not None
    relative = json.loads(message.removeprefix("/upload_file"))["file_path"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(SENDER, slots=slots, text=message, intent="upload_file",
                           entities=[{"entity": "file_path", "value": relative}],
                           active_loop="interview_form")  # fmt: skip
    result = await ValidateInterviewForm().validate_interview_answer(
        message, dispatcher, tracker, domain
    )
    assert set(result) == {"interview_answer"}
    return slots, dispatcher


def _counts(app: App) -> dict[str, int]:
    counts: dict[str, int] = {}
    with app.uow() as uow:
        for row in uow.db.scalars(
            select(EvidenceItem).where(EvidenceItem.source_key == "records.export")
        ):
            counts[row.mot or ""] = counts.get(row.mot or "", 0) + int(row.details.get("count", 0))
    return counts


async def test_a_ticket_group_moved_by_the_team_is_reread_and_stored_there(
    app: App, domain: dict[str, Any], tmp_path: Path
) -> None:
    export = tmp_path / "tickets.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "description"])
        for n, said in enumerate(DELIVERY + CRASHES, start=1):
            writer.writerow([n, said])
    slots = await _records_started(app, domain, tmp_path)
    slots, read = await _upload(app, domain, slots, export)
    shown = texts(read)
    assert "1. AMOT" in shown and "e.g. “" in shown  # numbered groups with an example ticket
    before = _counts(app)
    assert before.get("amot", 0) >= 8
    assert "tell me where it belongs" in texts(
        await ask(slots, domain, SENDER)
    )  # invites a correction

    # "Our delivery tickets are really about returns": the team's word, confirmed first.
    slots, said = await answer(slots, "no, the AMOT ones are about returns", domain, SENDER)
    assert progress_of(app, slots, SENDER)["pending"] and "(SMOT" in texts(
        await ask(slots, domain, SENDER)
    )
    slots, said = await answer(slots, "yes", domain, SENDER)
    assert "retrained the classifier" in texts(said)
    after = _counts(app)
    assert after.get("amot", 0) <= before["amot"] // 4, after
    assert after["smot"] >= before.get("smot", 0) + before["amot"] * 3 // 4
    assert sum(after.values()) == sum(before.values())  # nothing lost, nothing doubled
    assert progress_of(app, slots, SENDER)["answers"]["records.corrections"] == [
        {"from": "amot", "to": "smot"}
    ]
    assert "1. SMOT" in texts(said)
    assert "Does this match" in texts(await ask(slots, domain, SENDER))  # asked again, new reading

    # A nonsense answer is re-asked, nothing changes; then yes ends the check.
    slots, said = await answer(slots, "purple elephants", domain, SENDER)
    assert "Answer yes" in texts(said) and _counts(app) == after
    slots, said = await answer(slots, "yes", domain, SENDER)
    assert progress_of(app, slots, SENDER)["answers"]["records.confirm"] is True


SURVEY_HEADERS = [
    "Respondent ID",
    "How likely are you to recommend us to a friend?",
    "How likely are you to buy from us again?",
    "What could we improve?",
]


async def test_a_survey_column_named_by_the_team_replaces_the_one_recognised(
    app: App, domain: dict[str, Any], tmp_path: Path
) -> None:
    export = tmp_path / "survey.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SURVEY_HEADERS)
        for n in range(10):  # recommend: all promoters (NPS 100); buy again: all detractors
            writer.writerow([1000 + n, 10, 2, "Delivery was late" if n % 2 else ""])
    slots = {**await session_slots(domain, sender=SENDER), "method": "survey"}
    await ActionStartMethod().run(CollectingDispatcher(), make_tracker(SENDER, slots=slots), domain)
    slots, read = await _upload(app, domain, slots, export)
    assert "NPS 100" in texts(read) and "recommend us" in texts(read)
    asked = texts(await ask(slots, domain, SENDER))
    assert "Did I take the right columns?" in asked and "3 'How likely are you to buy" in asked

    slots, said = await answer(slots, "NPS is column 9", domain, SENDER)
    assert "from 1 to 4" in texts(said)  # out of range: re-asked, nothing changed
    slots, said = await answer(slots, "NPS is column 3", domain, SENDER)
    assert "NPS -100" in texts(said) and "buy from us again" in texts(said)
    assert progress_of(app, slots, SENDER)["answers"]["survey.overrides"] == {
        "nps": SURVEY_HEADERS[2]
    }
    slots, said = await answer(slots, "yes", domain, SENDER)
    assert progress_of(app, slots, SENDER)["answers"]["survey.columns"] is True
