"""Handing the report over: the format `/report` asks for, and the file a chat gets."""

from __future__ import annotations

import pytest

from bot import services
from bot.adapters.telegram_render import report_format
from bot.core.evidence import Evidence
from bot.core.taxonomy import Method, Mot, Polarity
from bot.report import workspace_report
from tests.fakes import FakeDatabase


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (None, "pdf"),
        ([], "pdf"),
        (["pdf"], "pdf"),
        (["HTML"], "html"),
        ([".csv"], "csv"),
        (["markdown"], "md"),
        (["json"], "json"),
        (["docx"], None),
        (["pdf", "please"], None),
        (["<script>"], None),
    ],
)
def test_report_takes_one_known_format_and_pdf_by_default(
    args: list[str] | None, wanted: str | None
) -> None:
    assert report_format(args) == wanted


def test_a_chat_gets_its_own_report_named_after_the_product_in_each_format() -> None:
    db = FakeDatabase()
    view = services.open_session(db.unit_of_work, "tg:-5:7", "Ana")
    assert workspace_report(db.unit_of_work, "tg:404") is None  # a chat with no session
    empty = workspace_report(db.unit_of_work, "tg:-5")
    assert empty is not None and empty.moments == 0 and empty.content == b""
    pain = Evidence(Method.TEAM, Mot.AMOT, polarity=Polarity.PAIN, text="Parcels arrive late")
    services.add_evidence(db.unit_of_work, view.id, [pain], "tg:-5:7", "Ana")
    starts = {"pdf": b"%PDF-", "html": b"<!DOCTYPE html>", "md": b"# ", "csv": b"\xef\xbb\xbf"}
    for fmt, start in starts.items():
        report = workspace_report(db.unit_of_work, "tg:-5", fmt)
        assert report is not None and report.moments == 1
        assert report.name == f"moments-of-truth-your-product.{fmt}"
        assert report.content.startswith(start), fmt
    unknown = workspace_report(db.unit_of_work, "tg:-5", "exe")
    assert unknown is not None and unknown.name.endswith(".pdf")
