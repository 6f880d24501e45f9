"""The facilitated session's core: the agenda a facilitator edits, the clock, nudges, the vote."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import facilitation as fac
from bot.core.context import ProductContext
from bot.core.facilitation import (
    VOTE,
    AgendaChange,
    EmptyAgenda,
    Facilitation,
    NotFacilitator,
    NotNow,
    NotOnBallot,
    NotVoting,
    Nudge,
    OverBudget,
    Phase,
    Status,
    UnclearAgenda,
    UnclearTarget,
    UnknownMember,
)
from bot.core.taxonomy import Business, Method, Mot
from bot.core.texts import render, text, use_language

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MINUTE = 60.0


def kinds(agenda: tuple[Phase, ...] | list[Phase]) -> list[str]:
    return [p.kind for p in agenda]


def session(agenda: list[Phase] | None = None) -> Facilitation:
    return Facilitation("s1", "tg:-5", "tg:1", "Ana", agenda or [Phase("team", 10), Phase(VOTE, 4)])


def seconds(later: float) -> datetime:
    return T0 + timedelta(seconds=later)


# --- the agenda -------------------------------------------------------------------------------


def test_the_default_agenda_follows_the_products_stage_and_ends_with_the_vote() -> None:
    live = fac.default_agenda("live")
    assert kinds(live) == ["records", "team", "survey", "competitor", VOTE]
    planned = fac.default_agenda("planning")
    assert kinds(planned) == ["competitor", "team", "survey", "records", VOTE]
    assert kinds(fac.default_agenda(None)) == kinds(live)
    assert all(10 <= p.minutes <= 15 for p in live[:-1]) and live[-1].minutes == 5


def test_a_short_reply_sets_minutes_and_skips_phases() -> None:
    start = AgendaChange(tuple(fac.default_agenda("live")), 3, True)
    changed = fac.edit_agenda(start, "records 15, team 20, skip competitor")
    assert [(p.kind, p.minutes) for p in changed.agenda] == [
        ("records", 15), ("team", 20), ("survey", 10), (VOTE, 5),
    ]  # fmt: skip


def test_the_reply_can_move_add_and_shorten_to_fractions_of_a_minute() -> None:
    start = AgendaChange((Phase("team", 10), Phase(VOTE, 5)), 3, True)
    changed = fac.edit_agenda(start, "competitor 0.05 first; vote 0.1 and team 12")
    assert [(p.kind, p.minutes) for p in changed.agenda] == [
        ("competitor", 0.05), ("team", 12), (VOTE, 0.1),
    ]  # fmt: skip
    added = fac.edit_agenda(start, "survey")  # a method added goes before the vote
    assert kinds(added.agenda) == ["team", "survey", VOTE]


def test_the_reply_sets_the_vote_budget_and_whether_the_vote_is_open() -> None:
    start = AgendaChange(tuple(fac.default_agenda("live")), 3, True)
    changed = fac.edit_agenda(start, "5 votes, open vote")
    assert (changed.budget, changed.anonymous) == (5, False)
    assert changed.agenda == start.agenda
    assert fac.edit_agenda(changed, "anonymous vote").anonymous is True


def test_an_unreadable_item_is_named_back_and_an_empty_agenda_refused() -> None:
    start = AgendaChange((Phase("team", 10), Phase(VOTE, 5)), 3, True)
    with pytest.raises(UnclearAgenda) as unclear:
        fac.edit_agenda(start, "team 10, lunch at noon")
    assert "lunch at noon" in render(unclear.value.said)
    with pytest.raises(EmptyAgenda):
        fac.edit_agenda(start, "skip team, skip vote")


def test_phases_that_have_begun_keep_their_place_and_time() -> None:
    start = AgendaChange((Phase("team", 10), Phase("records", 10), Phase(VOTE, 5)), 3, True)
    changed = fac.edit_agenda(start, "skip team, records 3", locked=1)
    assert [(p.kind, p.minutes) for p in changed.agenda] == [
        ("team", 10), ("records", 3), (VOTE, 5),
    ]  # fmt: skip
    longer = fac.nudge_minutes(changed.agenda, "records", fac.MINUTE_STEP, locked=1)
    assert longer[1].minutes == 8
    assert fac.nudge_minutes(longer, "records", -20)[1].minutes == fac.MINUTE_STEP  # the floor


def change_of(said: str) -> tuple[list[tuple[str, float]], int, bool]:
    """What a reply does to the default agenda (live product, 3 anonymous votes)."""
    changed = fac.edit_agenda(AgendaChange(tuple(fac.default_agenda("live")), 3, True), said)
    return [(p.kind, p.minutes) for p in changed.agenda], changed.budget, changed.anonymous


DEFAULT = change_of("")[0]  # records 15, team 15, survey 10, competitor 10, vote 5
WITHOUT_COMPETITOR: list[tuple[str, float]] = [
    ("records", 15),
    ("team", 20),
    ("survey", 10),
    (VOTE, 5),
]
COMPETITOR_FIRST: list[tuple[str, float]] = [
    ("competitor", 10),
    ("records", 15),
    ("team", 15),
    ("survey", 10),
    (VOTE, 5),
]
# Every example the agenda's help texts quote, and the change it promises.
PROMISED: dict[str, tuple[list[tuple[str, float]], int, bool]] = {
    "records 15, team 20, skip competitor": (WITHOUT_COMPETITOR, 3, True),
    "competitor first": (COMPETITOR_FIRST, 3, True),
    "5 votes": (DEFAULT, 5, True),
    "open vote": (DEFAULT, 3, False),
    "Tickets 15, Team 20, ohne Wettbewerb": (WITHOUT_COMPETITOR, 3, True),
    "Wettbewerb zuerst": (COMPETITOR_FIRST, 3, True),
    "Umfrage zuletzt": (
        [("records", 15), ("team", 15), ("competitor", 10), ("survey", 10), (VOTE, 5)],
        3,
        True,
    ),
    "5 Stimmen": (DEFAULT, 5, True),
    "offene Abstimmung": (DEFAULT, 3, False),
}
QUOTED = re.compile(r"[\"\u201e]([^\"\u201c\u201d\u201e]+)[\"\u201c\u201d]")
TERMINAL_VERB = {"en": "changes", "de": "ändert"}  # "/facilitate <example> changes the agenda"


def help_examples(language: str) -> list[str]:
    with use_language(language):
        quoted = [text("fac.agenda_how"), text("fac.agenda_unclear", item="{item}")]
        terminal = text("fac.terminal_agenda")
    found = [q for said in quoted for q in QUOTED.findall(said) if q != "{item}"]
    return found + re.findall(rf"/facilitate (.+?) {TERMINAL_VERB[language]}\b", terminal)


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_example_in_the_agenda_help_does_what_it_promises(language: str) -> None:
    examples = help_examples(language)
    assert len(examples) >= 5 and set(examples) <= set(PROMISED), examples
    for said in examples:
        assert change_of(said) == PROMISED[said], said


def test_the_german_help_gives_german_examples() -> None:
    assert not set(help_examples("de")) & set(help_examples("en"))


@pytest.mark.parametrize(
    ("said", "agenda", "budget", "anonymous"),
    [
        ("Kundenservice 10 und dann Team 20",
         [("records", 10), ("team", 20), ("survey", 10), ("competitor", 10), (VOTE, 5)], 3, True),
        ("Konkurrenz weglassen", DEFAULT[:3] + DEFAULT[4:], 3, True),
        ("Umfrage überspringen, Wettbewerber zuerst",
         [("competitor", 10), ("records", 15), ("team", 15), (VOTE, 5)], 3, True),
        ("keine Umfrage; Team 15 Min", DEFAULT[:2] + DEFAULT[3:], 3, True),
        ("Abstimmung 10 Minuten, Team 1 Stunde",
         [("records", 15), ("team", 60), ("survey", 10), ("competitor", 10), (VOTE, 10)], 3, True),
        ("mit der Befragung beginnen\nSupport 20 Min.",
         [("survey", 10), ("records", 20), ("team", 15), ("competitor", 10), (VOTE, 5)], 3, True),
        ("geheim", DEFAULT, 3, True),
        ("Abstimmung nicht anonym, jeder 4 Stimmen", DEFAULT, 4, False),
        ("ohne Abstimmung", DEFAULT[:-1], 3, True),
        ("Tickets 15, skip competitor, 4 Stimmen, open vote",  # English and German in one reply
         [("records", 15), ("team", 15), ("survey", 10), (VOTE, 5)], 4, False),
    ],
)  # fmt: skip
def test_a_german_facilitator_types_the_agenda_in_german(
    said: str, agenda: list[tuple[str, float]], budget: int, anonymous: bool
) -> None:
    assert change_of(said) == (agenda, budget, anonymous)


def test_an_unreadable_german_item_is_named_back() -> None:
    with use_language("de"), pytest.raises(UnclearAgenda) as unclear:
        change_of("Team 10, Mittagspause um 12")
    with use_language("de"):
        assert "mittagspause um 12" in render(unclear.value.said)


def test_members_are_assigned_methods_named_as_the_german_help_names_them() -> None:
    with use_language("de"):
        shown = text("fac.assign_unclear", said="?")
    named = re.search(r"z\. B\. (.+), nicht", shown)
    assert named is not None
    targets = [fac.parse_target(w) for w in re.split(r", | oder ", named.group(1))]
    assert targets == ["records", "team", "survey", "competitor", "amot"]


# --- the clock --------------------------------------------------------------------------------


def test_each_nudge_is_due_once_half_time_then_time_up() -> None:
    f = session()
    assert f.next_timer() is None  # planning: no clock
    f.advance(T0, MINUTE)  # team, 10 minutes
    assert f.status is Status.RUNNING and f.next_timer() == seconds(300)
    assert f.due(seconds(299)) == []
    assert f.due(seconds(300)) == [Nudge.HALF]
    assert f.due(seconds(400)) == []  # said once
    assert f.next_timer() == seconds(600)
    assert f.due(seconds(600)) == [Nudge.END]
    assert f.due(seconds(900)) == [] and f.next_timer() is None


def test_after_downtime_past_the_end_only_time_up_is_said() -> None:
    f = session()
    f.advance(T0, MINUTE)
    assert f.due(seconds(2000)) == [Nudge.END]
    assert f.due(seconds(2001)) == []


def test_pausing_keeps_the_time_left_and_resuming_moves_every_timer_on() -> None:
    f = session()
    f.advance(T0, MINUTE)  # 600 s
    left = f.pause(seconds(240))
    assert left == 360 and f.status is Status.PAUSED
    assert f.due(seconds(10_000)) == [] and f.next_timer() is None  # no nudges while paused
    assert f.remaining(seconds(10_000)) == 360
    with pytest.raises(NotNow):
        f.pause(seconds(10_000))
    assert f.resume(seconds(1000)) == 360
    assert f.deadline == seconds(1360)
    assert f.next_timer() == seconds(1060)  # half time: 300 s left
    assert f.due(seconds(1059)) == [] and f.due(seconds(1060)) == [Nudge.HALF]
    with pytest.raises(NotNow):
        f.resume(seconds(1100))


def test_next_opens_each_phase_with_fresh_timers_and_ends_after_the_last() -> None:
    f = session()
    assert f.advance(T0, MINUTE) == Phase("team", 10)
    f.due(seconds(700))
    vote = f.advance(seconds(700), MINUTE)
    assert vote == Phase(VOTE, 4) and f.voting()
    assert (f.half_sent, f.end_sent, f.deadline) == (False, False, seconds(700 + 240))
    assert f.advance(seconds(800), MINUTE) is None  # past the last: the caller ends it
    f.end()
    assert not f.active and f.next_timer() is None


def test_the_stored_form_comes_back_the_same() -> None:
    f = session()
    f.advance(T0, 0.5)
    f.assign("tg:2", "records")
    f.candidates = ["amot", "smot"]
    f.messages["phase"] = 7
    back = Facilitation.from_state(
        f.to_state(), session_id="s1", workspace_key="tg:-5", facilitator="tg:1",
        status=f.status.value, id=3,
    )  # fmt: skip
    f.id = 3
    assert back == f


def test_only_the_facilitator_or_an_admin_steers() -> None:
    f = session()
    f.check_steer("tg:1")
    f.check_steer("tg:2", admin=True)
    with pytest.raises(NotFacilitator) as refused:
        f.check_steer("tg:2")
    assert "Ana" in render(refused.value.said)


# --- the vote ---------------------------------------------------------------------------------


def voting() -> Facilitation:
    f = session([Phase(VOTE, 5)])
    f.advance(T0, MINUTE)
    f.candidates = fac.candidates([Mot.AMOT, Mot.SMOT, Mot.AMOT, Mot.ZMOT])
    return f


def test_the_ballot_holds_the_top_items_moments_or_every_moment_without_findings() -> None:
    assert fac.candidates([Mot.AMOT, Mot.SMOT, Mot.AMOT, Mot.ZMOT]) == ["amot", "smot", "zmot"]
    assert fac.candidates([Mot.SMOT]) == [m.value for m in Mot]
    assert len(fac.candidates(list(Mot))) == fac.BALLOT_SIZE


def test_a_member_spreads_or_stacks_votes_within_the_budget_and_may_start_over() -> None:
    f = voting()
    mine = fac.cast({}, "amot", f)
    mine = fac.cast(mine, "amot", f)
    mine = fac.cast(mine, "smot", f)
    assert mine == {"amot": 2, "smot": 1}
    with pytest.raises(OverBudget):
        fac.cast(mine, "zmot", f)
    assert fac.cast(mine, None, f) == {}
    with pytest.raises(NotOnBallot):
        fac.cast({}, "lzmot", f)


def test_votes_only_count_in_the_vote_phase() -> None:
    with pytest.raises(NotVoting):
        fac.cast({}, "amot", session())


def test_the_tally_counts_votes_per_moment_not_per_member() -> None:
    counted = fac.tally({"tg:1": {"amot": 2, "smot": 1}, "tg:2": {"amot": 1}})
    assert counted == {Mot.AMOT: 3, Mot.SMOT: 1}


# --- members ----------------------------------------------------------------------------------


def test_assignments_name_a_method_or_a_moment_and_a_member_by_name() -> None:
    assert fac.parse_target("records") == "records"
    assert fac.parse_target("AMOT") == "amot" and fac.parse_target("tmot") == "umot"
    with pytest.raises(UnclearTarget):
        fac.parse_target("lunch")
    members = {"tg:1": "Ana Lopez", "tg:2": "Cara", "tg:3": "Carl"}
    assert fac.find_member("@cara", members) == "tg:2"
    assert fac.find_member("ana", members) == "tg:1"
    with pytest.raises(UnknownMember):
        fac.find_member("ca", members)  # two members start so
    with pytest.raises(UnknownMember):
        fac.find_member("@zed", members)


def test_progress_is_each_members_answered_questions_of_the_method() -> None:
    context = ProductContext("ParcelPal", Business.B2C, ["app"], "parents")
    members = {"tg:1": "Ana", "tg:2": "Ben", "tg:3": "Cy"}
    states = {
        "tg:1": {"done": ["team"], "answers": {"team.gap": True}},
        "tg:2": {"method": "team", "answers": {"team.gap": True, "team.lzmot.touchpoints": "ads"}},
    }
    progress = fac.method_progress(Method.TEAM, context, members, states)
    ana, ben, cy = progress
    assert ana.done and not ben.done and ben.answered == 2 and ben.total > 2
    assert (cy.answered, cy.started) == (0, False)
    f = session()
    f.advance(T0, MINUTE)
    f.assign("tg:3", "amot")
    said = render(fac.progress_text(f, members, progress))
    assert "Ana: done" in said and f"Ben: 2 of {ben.total} answered" in said
    assert "Cy: not started (assigned: AMOT)" in said
    assert said.endswith("Not yet: Ben, Cy")
