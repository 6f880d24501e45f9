"""One complete interview with all four methods over the REST channel, checked in the database."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import services
from bot.adapters.terminal import as_upload
from bot.report import build_report, render_markdown
from bot.storage.models import EvidenceItem, InterviewSession, Participant, Workspace
from bot.storage.uow import unit_of_work_factory
from tests.e2e.conftest import Live


def choose(live: Live, sender: str, method: str) -> str:
    return live.text(sender, f'/choose_method{{"method": "{method}"}}')


def skip_until(live: Live, sender: str, marker: str, limit: int = 40) -> str:
    """Skip questions until the bot says `marker` (e.g. the end of a method)."""
    for _ in range(limit):
        answer = live.text(sender, "skip")
        if marker in answer:
            return answer
    raise AssertionError(f"never reached {marker!r}")


def test_one_complete_interview_with_all_four_methods(
    live: Live, project_root: Path, tmp_path: Path
) -> None:
    sender = f"e2e-full-{uuid.uuid4().hex[:6]}"
    live.text(sender, "start", display_name="Ana")
    for answer in ("ParcelPal", "B2C", "website and app", "busy parents"):
        live.text(sender, answer, display_name="Ana")
    stage = live.say(sender, "yes", display_name="Ana")
    assert "ParcelPal already live" in stage[-1].text
    assert [b.title for b in stage[-1].buttons] == ["Live", "Still planning"]
    again = live.say(sender, "hmm, hard to say")
    assert len(again) == 1 and "couldn't read “hmm, hard to say”" in again[0].text
    assert [b.title for b in again[-1].buttons] == ["Live", "Still planning"]
    offer = live.say(sender, stage[-1].buttons[0].payload)  # "Live"
    assert "Since ParcelPal is live" in offer[0].text
    assert [b.title for b in offer[-1].buttons] == [
        "Service records", "Team knowledge", "Customer survey", "Competitor walk-through",
    ]  # fmt: skip

    # 1. Team knowledge, with digressions that keep the place.
    assert "wait between paying" in choose(live, sender, "team")
    assert "(LZMOT)" in live.text(sender, "yes")
    assert "Zero Moment of Truth (ZMOT)" in live.text(sender, "what is a ZMOT")
    live.text(sender, "Instagram ads and friends' posts")
    live.text(sender, "A mum got a birthday coupon and ordered the same day")
    live.text(sender, "Pushy retargeting ads annoyed people")
    assert "as 4 out of 5" in live.text(sender, "good")
    live.text(sender, "yes")
    live.text(sender, "1")
    assert "you said: 1" in live.text(sender, "go back")
    touchpoints = live.text(sender, "2")
    assert "on your website, in search results, on review sites, or somewhere else?" in touchpoints
    status = live.text(sender, "where are we")
    assert "team knowledge: in progress" in status and "service records: open" in status
    assert "Left out the Zero Moment of Truth" in live.text(sender, "we have no such moment")
    assert "next customer's ZMOT" in skip_until(live, sender, "(UMOT)")
    skip_until(live, sender, "a moment we haven't covered")
    assert "glory" in live.text(sender, "When the courier calls to reschedule")
    live.text(sender, "pain")
    live.text(sender, "Parents miss the call and the parcel goes back")
    live.text(sender, "5")
    assert "Another moment" in live.text(sender, "2")
    done = live.text(sender, "no")
    assert "That completes the team knowledge" in done
    assert "Still open: service records, customer survey, competitor walk-through" in done

    # 2. Hardest stages from a helpdesk export.
    assert "export of your helpdesk tickets" in choose(live, sender, "records")
    live.text(sender, "yes")
    # The terminal front-end uploads a file whose path its user types.
    typed = str(project_root / "bot" / "demo" / "tickets.csv")
    analysed = live.text(sender, as_upload(typed, live.uploads) or typed)
    assert "I read 36 tickets" in analysed and "1. AMOT" in analysed
    assert "where it belongs" in analysed  # a group can be moved to another moment
    assert "That completes the service records" in live.text(sender, "yes")

    # 3. Competitor walk-through, paused while the team tries it out.
    assert "Which competitor" in choose(live, sender, "competitor")
    assert "notice their ads" in live.text(sender, "GreenPan Box")
    for answer in ("3", "3", "Their ads show real parents", "Show real parents in our ads"):
        live.text(sender, answer)
    live.text(sender, "4")
    live.text(sender, "2")
    assert "Paused" in live.text(sender, "pause")
    resumed = live.text(sender, "resume")
    assert "Welcome back" in resumed and "What surprised you" in resumed
    live.text(sender, "They answer every review within a day")
    live.text(sender, "Answer reviews faster")
    assert "next customer's ZMOT" in skip_until(live, sender, "how they answer reviews")
    for answer in ("5", "2", "A manager answers bad reviews with a fix"):
        live.text(sender, answer)
    assert "That completes the competitor walk-through" in live.text(sender, "Answer every review")

    # 4. Survey: drafted from the top moments, answered by a customer with the code.
    drafted = choose(live, sender, "survey")
    assert "How likely are you to recommend ParcelPal" in drafted
    assert "survey for busy parents" in drafted
    code = re.search(r"survey ([0-9a-f]{8})", drafted)
    assert code, drafted
    customer = f"e2e-customer-{uuid.uuid4().hex[:6]}"
    opened = live.text(customer, f"survey {code.group(1)}")
    assert "anonymous" in opened and "recommend ParcelPal" in opened
    assert "whole number from 0 to 10" in live.text(customer, "11")  # asked again
    live.text(customer, "9")
    live.text(customer, "4")
    thanks = ""
    for answer in ("Fast delivery", "The box was crushed", "skip", "skip", "skip", "skip"):
        thanks = live.text(customer, answer)
        if "Thank you" in thanks:
            break
    assert "Thank you" in thanks
    peek = live.text(customer, "what have we found so far")
    assert "ParcelPal" not in peek and "score" not in peek

    results = tmp_path / "survey.csv"
    results.write_text("nps,csat,what went well,what went badly\n10,5,Great food,\n3,2,,Late box\n")
    imported = live.text(sender, as_upload(str(results), live.uploads) or str(results))
    assert "2 survey responses" in imported and "I used: NPS ← 'nps'" in imported
    assert "Did I take the right columns?" in imported and "4 'what went badly'" in imported
    assert "All four methods are done" in live.text(sender, "yes")

    findings = live.text(sender, "what have we found so far")
    assert findings.startswith("Your top moments so far:")

    # The database holds evidence of every method, tagged and attributed.
    with Session(live.db_engine) as db:
        session_id = db.scalars(
            select(InterviewSession.id).join(Workspace).where(Workspace.key == sender)
        ).one()
        items = db.scalars(select(EvidenceItem).where(EvidenceItem.session_id == session_id)).all()
        ana = db.scalars(select(Participant).where(Participant.key == sender)).one()
        methods = {item.method for item in items}
        assert methods == {"team", "records", "competitor", "survey"}
        rated = next(i for i in items if i.source_key == "team.lzmot" and i.importance)
        assert (rated.mot, rated.stage, rated.importance, rated.performance) == (
            "lzmot", "awareness", 4, 2,
        )  # fmt: skip
        assert rated.participant_id == ana.id and ana.display_name == "Ana"
        assert {i.polarity for i in items if i.source_key == "team.lzmot"} == {
            None,
            "glory",
            "pain",
        }
        assert not any(i.source_key == "team.zmot" for i in items)  # left out, not evidence
        own = next(i for i in items if i.source_key == "team.own1")
        assert (own.mot, own.polarity, own.importance, own.performance) == ("amot", "pain", 5, 2)
        assert own.touchpoint == "When the courier calls to reschedule"
        replies = next(i for i in items if i.source_key == "competitor.replies")
        assert (replies.mot, replies.details["competitor_rating"]) == ("umot", 5)
        competitor = next(i for i in items if i.source_key == "competitor.search")
        assert competitor.mot == "zmot"
        assert competitor.details["competitor_rating"] == 4
        assert competitor.details["own_rating"] == 2
        assert competitor.details["competitor"] == "GreenPan Box"
        assert any(i.method == "records" and i.mot == "amot" for i in items)
        anonymous = [i for i in items if i.method == "survey" and i.participant_id is None]
        assert anonymous, "the customer's answers are stored without a participant"
        assert {i.mot for i in anonymous} >= {"amot"}

    # The report of the whole interview: concrete items in score order, suggestions
    # that cite their evidence and include the team's own ideas, and NPS/CSAT shown.
    report = build_report(
        services.findings(unit_of_work_factory(sessionmaker(live.db_engine)), session_id)
    )
    moments, strengths = report["moments"], report["strengths"]
    assert len(moments) >= 5 and strengths
    for ranked in (moments, strengths):
        scores = [m["score"] for m in ranked]
        assert scores == sorted(scores, reverse=True) and max(scores) < 100
        assert [m["rank"] for m in ranked] == list(range(1, len(ranked) + 1))
    for moment in moments[:3]:
        assert re.fullmatch(r"(LZMOT|ZMOT|FMOT|AMOT|SMOT|UMOT) \u00b7 \w.+", moment["title"])
        assert moment["polarity"] == "pain" and moment["suggestions"]
    titles = [m["title"] for m in moments]
    assert "LZMOT \u00b7 pushy retargeting ads annoyed people" in titles
    assert "LZMOT \u00b7 a mum got a birthday coupon" in [m["title"] for m in strengths]
    everything = [*moments, *strengths]
    suggestions = [s for m in everything for s in m["suggestions"]]
    assert all(s["source"] in {"team", "competitor", "customer", "library"} for s in suggestions)
    assert all(s["answers"] and all(s["answers"]) for s in suggestions)
    assert any(
        s["source"] == "team"
        and "GreenPan Box" in s["text"]
        and "Answer reviews faster" in s["text"]
        for s in suggestions
    )
    zmot = next(m for m in moments if m["mot"] == "zmot" and m["theme"] == "reviews")
    assert "competitor" in zmot["methods"]
    for strength in strengths:  # glory items quote glory only
        assert all("Pushy" not in e["quote"] for e in strength["evidence"])
    # One chat answer (9, 4) and a file of two (10, 5 and 3, 2): NPS (2 - 1) / 3.
    assert report["metrics"]["survey_responses"] == 3
    assert (report["metrics"]["nps"], report["metrics"]["csat"]) == (33.3, 3.67)
    markdown = render_markdown(report)
    assert "Customers: 3 survey response(s), NPS **+33.3**, CSAT **3.67/5**." in markdown
    assert "*(your team's idea; answers: your walk-through of GreenPan Box" in markdown
