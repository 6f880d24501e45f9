"""The trained ticket model: shipped, offline, calibrated, with an unclassified bucket."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.core import ticket_model
from bot.core.taxonomy import Mot
from bot.core.ticket_training import Ticket, corpus_hash, fit, load_corpus, macro_f1
from bot.core.tickets import (
    TicketAnalysis,
    TicketClassifier,
    classify,
    cue_classifier,
    default_classifier,
    retrain_with,
)

ROOT = Path(__file__).resolve().parents[2]


def corpus_texts() -> set[str]:
    return {ticket_model.fold(t.text) for t in load_corpus()}


def test_the_shipped_model_is_in_step_with_the_corpus_and_small() -> None:
    data = json.loads(gzip.decompress(ticket_model.MODEL_PATH.read_bytes()))
    assert data["meta"]["corpus_hash"] == corpus_hash(), "run `make ticket-model` and commit"
    assert ticket_model.MODEL_PATH.stat().st_size < 2_000_000
    assert default_classifier().model is not None


def test_reading_tickets_needs_neither_scikit_learn_nor_the_network() -> None:
    code = (
        "import sys, socket\n"
        "socket.socket = None\n"
        "for name in ('sklearn', 'scipy', 'numpy'): sys.modules[name] = None\n"
        "from bot.core.tickets import classify, default_classifier\n"
        "assert default_classifier().model is not None\n"
        "print(classify('1', 'Where is my parcel? Tracking has not moved for a week').mot)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "amot"


def test_training_and_inference_compute_the_same_scores() -> None:
    tickets = [t for t in load_corpus() if t.industry == "dev"]
    fitted = fit(tickets)
    model = ticket_model.TicketModel.from_json(fitted.artifact(1.0, 1.0, {}))
    from bot.core.ticket_training import featurise

    featured = featurise(tickets[:15])
    mot_logits, sentiment_logits = fitted.logits(featured)
    for item, ticket, mot, feeling in zip(
        featured, tickets, mot_logits, sentiment_logits, strict=False
    ):
        ours = model.logits(ticket.text, item.dense)
        assert ours == pytest.approx([*mot, *feeling], abs=0.01)


@pytest.mark.parametrize(
    "text",
    ["Hello, quick question", "ok", "see attached", "Ticket 4711", "Guten Tag", "???"],
)
def test_tickets_without_a_moment_go_to_the_unclassified_bucket(text: str) -> None:
    result = classify("1", text)
    assert not result.classified
    assert result.label == "unclassified"
    assert result.confidence < default_classifier().model.threshold  # type: ignore[union-attr]


def test_unclassified_tickets_are_not_a_moment() -> None:
    analysis = TicketAnalysis()
    for text in ["Hello, quick question", "The parcel is two weeks late, no tracking at all"]:
        analysis.add(classify("x", text), text)
    summary: dict[str, Any] = analysis.to_dict()  # the JSON `mot tickets analyze` prints
    assert [t["mot"] for t in summary["tickets"]] == ["unclassified", "amot"]
    assert summary["tickets"][0]["stage"] is None
    assert summary["hardest"] == ["amot"]
    assert [m["mot"] for m in summary["moments"]] == ["amot"]
    assert analysis.unclassified.count == 1


def test_confidence_is_a_probability() -> None:
    texts = [t.text for t in load_corpus()[::7]] + ["", "a", "!!!", "x" * 5000, "ÄÖÜ ß é"]
    for text in texts:
        result = classify("1", text)
        assert 0.0 <= result.confidence <= 1.0
        assert result.sentiment in ("negative", "neutral", "positive")


# Praise is placed where it happens; none of these sentences is in the corpus.
@pytest.mark.parametrize(
    ("text", "mot"),
    [
        ("the battery range is better than advertised", Mot.SMOT),
        ("Der Akku hält länger als beworben, super!", Mot.SMOT),
        ("The parcel arrived a day early and the driver was lovely", Mot.AMOT),
        ("Your support fixed my login problem in five minutes, thank you!", Mot.SMOT),
        ("I have already recommended you to three colleagues", Mot.UMOT),
        ("Die Lieferung kam einen Tag früher als angekündigt, danke!", Mot.AMOT),
    ],
)
def test_positive_remarks_land_at_the_right_moment(text: str, mot: Mot) -> None:
    assert ticket_model.fold(text) not in corpus_texts()
    result = classify("1", text)
    assert (result.mot, result.sentiment) == (mot, "positive")


def test_corrections_retrain_for_the_session_only() -> None:
    texts = [
        "I sent the jacket back two weeks ago and the money is still not refunded",
        "Sent the shoes back, still no refund",
    ]
    similar = "I sent the lamp back and there is still no refund"
    base = default_classifier()
    wanted = Mot.AMOT if base.classify("1", texts[0]).mot is not Mot.AMOT else Mot.FMOT
    session = retrain_with([(text, wanted) for text in texts])
    for text in texts:
        result = session.classify("1", text)
        assert result.mot is wanted and result.classified
    assert session.classify("2", similar).mot is wanted
    assert base.classify("1", texts[0]).mot is not wanted  # the shipped model is unchanged
    assert classify("1", texts[0]).mot is not wanted
    assert session.retrain_with([]) is session


def test_corrections_without_a_trained_model_override_the_texts() -> None:
    session = cue_classifier().retrain_with([("Where is my parcel?", Mot.SMOT)])
    assert session.classify("1", "where is my  parcel?").mot is Mot.SMOT
    assert isinstance(session, TicketClassifier)


def test_macro_f1_counts_unclassified_as_wrong() -> None:
    pairs = [("amot", "amot"), ("amot", "unclassified"), ("smot", "smot")]
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 1) / 2)


def test_corpus_rows_with_unknown_labels_are_left_out(tmp_path: Path) -> None:
    from bot.core.ticket_training import read_tickets

    path = tmp_path / "x.csv"
    path.write_text(
        "id,industry,business,language,channel,text,mot,stage,sentiment\n"
        "1,toys,b2c,en,email,Where is it?,amot,retention,negative\n"
        "2,toys,b2c,en,email,Hm,xmot,retention,negative\n"
        "3,toys,b2c,en,email,,amot,retention,negative\n",
        encoding="utf-8",
    )
    assert read_tickets(path) == [
        Ticket("1", "toys", "en", "Where is it?", "amot", "negative", "b2c", "email")
    ]
