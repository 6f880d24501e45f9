"""Facilitated sessions as use cases: one unit of work per call, like `bot.interview_service`.

A chat's facilitator starts a session with an agenda (`bot.core.facilitation`),
moves through its time-boxed phases, pauses and resumes the clock, assigns
members a method or a moment and closes with the team's vote. The deadlines
live in the database, so `due(now)` (asked by a ticker every few seconds, in
any process, after any restart) finds the nudges to send and marks them sent
in the same unit of work: each is said once. What to say comes back as
message keys (`Text`), for the edge to render in the conversation's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import services
from bot.core import facilitation as fac
from bot.core.facilitation import (
    AlreadyFacilitating,
    Facilitation,
    FacilitationError,
    NoFacilitation,
    NoProduct,
    Nudge,
    Phase,
)
from bot.core.metrics import customer_metrics
from bot.core.scoring import rank
from bot.core.taxonomy import Method, Mot
from bot.core.texts import Part, Text, current_language, lines, render, say
from bot.storage.repository import UnitOfWork, UowFactory


@dataclass(frozen=True)
class Who:
    """Who acts: a participant of the chat, and whether the chat counts them as an admin."""

    key: str  # participant key ("tg:<user>")
    name: str
    admin: bool = False


@dataclass(frozen=True)
class Moved:
    """What `/next` did: a new phase began (`phase`), or the agenda was over and it ended."""

    facilitation: Facilitation
    phase: Phase | None
    said: Text  # the announcement with the members' progress, or the summary


@dataclass(frozen=True)
class Voted:
    facilitation: Facilitation
    mine: dict[str, int]  # the voter's votes now, moment code -> votes
    said: Text  # for the voter only: their votes and what is left
    ballot: Text  # for everyone: the ballot with how many have voted (never who voted what)


@dataclass(frozen=True)
class Fired:
    """A nudge the ticker must send now (already marked sent)."""

    workspace_key: str
    nudge: Nudge
    said: Text
    reply_to: int | None  # the phase's announcement, when the edge posted one
    language: str  # the facilitator's


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _active(uow: UnitOfWork, workspace_key: str) -> Facilitation:
    found = uow.repo.active_facilitation(workspace_key)
    if found is None:
        raise NoFacilitation()
    return found


def _members(uow: UnitOfWork, workspace_key: str) -> dict[str, str]:
    """Participant key -> display name of the chat's members (who ever spoke to the bot)."""
    return {p.key: p.display_name or p.key for p in uow.repo.participants_of(workspace_key)}


def active(uow_factory: UowFactory, workspace_key: str) -> Facilitation | None:
    """The chat's facilitated session that has not ended, if any."""
    with uow_factory() as uow:
        return uow.repo.active_facilitation(workspace_key)


# --- starting and the agenda ------------------------------------------------------------------


def start(uow_factory: UowFactory, workspace_key: str, who: Who) -> Facilitation:
    """A facilitated session of the chat's current session, with the default agenda for the
    product's stage; `who` facilitates. Raises NoProduct, AlreadyFacilitating."""
    with uow_factory() as uow:
        session = uow.repo.latest_open_session(workspace_key)
        if session is None or session.context is None:
            raise NoProduct()
        running = uow.repo.active_facilitation(workspace_key)
        if running is not None:
            raise AlreadyFacilitating(running.facilitator_name)
        uow.repo.get_or_create_participant(workspace_key, who.key, who.name)
        stage = (uow.repo.progress(session.id, services.TEAM_PROGRESS) or {}).get("stage")
        started = fac.start(session.id, workspace_key, who.key, who.name, stage, current_language())
        saved = uow.repo.save_facilitation(started)
        uow.commit()
        return saved


def edit_agenda(uow_factory: UowFactory, workspace_key: str, who: Who, said: str) -> Facilitation:
    """The agenda changed by a short reply ("records 15, team 20, skip competitor")."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        change = fac.AgendaChange(tuple(found.agenda), found.budget, found.anonymous)
        changed = fac.edit_agenda(change, said, found.locked())
        found.agenda, found.budget = list(changed.agenda), changed.budget
        found.anonymous = changed.anonymous
        saved = uow.repo.save_facilitation(found)
        uow.commit()
        return saved


def change_phase(
    uow_factory: UowFactory, workspace_key: str, who: Who, kind: str, step: float | None
) -> Facilitation:
    """A button on the agenda: a phase `step` minutes longer or shorter, or (None) left out."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        locked = found.locked()
        if step is None:
            kept = found.agenda[:locked] + [p for p in found.agenda[locked:] if p.kind != kind]
            if not kept:
                raise fac.EmptyAgenda()
            found.agenda = kept
        else:
            found.agenda = fac.nudge_minutes(found.agenda, kind, step, locked)
        saved = uow.repo.save_facilitation(found)
        uow.commit()
        return saved


def remember_message(
    uow_factory: UowFactory, workspace_key: str, name: str, message_id: int
) -> None:
    """Note the chat message the edge posted (the agenda, a phase, the ballot) to edit it later."""
    with uow_factory() as uow:
        found = uow.repo.active_facilitation(workspace_key)
        if found is None:
            return
        found.messages[name] = message_id
        uow.repo.save_facilitation(found)
        uow.commit()


# --- moving through the phases ----------------------------------------------------------------


def _ranked_moments(uow: UnitOfWork, session_id: str) -> list[Mot]:
    """The moments of the session's pains to fix, most urgent first (no votes yet): the vote
    chooses what to fix, so strengths to keep are not on the ballot."""
    evidence = uow.repo.evidence_of(session_id)
    survey = uow.repo.survey_of(session_id)
    scores = uow.repo.survey_scores(survey.code) if survey is not None else []
    ranking = rank(evidence, metrics=customer_metrics(evidence, scores))
    return [m.mot for m in ranking.moments]


def next_phase(
    uow_factory: UowFactory,
    workspace_key: str,
    who: Who,
    minute_s: float,
    now: datetime | None = None,
) -> Moved:
    """The next phase begins (the first, from the agenda); after the last one the session
    ends with its summary."""
    now = _now(now)
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        phase = found.advance(now, minute_s)
        if phase is None:
            found.end()
        elif phase.kind == fac.VOTE:
            found.candidates = fac.candidates(_ranked_moments(uow, found.session_id))
        saved = uow.repo.save_facilitation(found)
        said = _phase_text(uow, saved, now) if phase is not None else None
        uow.commit()
    if said is None:
        return Moved(saved, None, summary(uow_factory, saved))
    return Moved(saved, phase, said)


def pause(
    uow_factory: UowFactory, workspace_key: str, who: Who, now: datetime | None = None
) -> Text:
    """Stop the clock; what is left of the phase is kept for `resume`."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        left = found.pause(_now(now))
        uow.repo.save_facilitation(found)
        uow.commit()
    phase = found.current()
    assert phase is not None
    return say("fac.paused", phase=fac.phase_name(phase.kind), time=fac.duration(left))


def resume(
    uow_factory: UowFactory, workspace_key: str, who: Who, now: datetime | None = None
) -> Text:
    """Start the clock again with the time that was left."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        left = found.resume(_now(now))
        uow.repo.save_facilitation(found)
        uow.commit()
    phase = found.current()
    assert phase is not None
    return say("fac.resumed", phase=fac.phase_name(phase.kind), time=fac.duration(left))


def end(uow_factory: UowFactory, workspace_key: str, who: Who) -> Text:
    """Close the session; returns its summary (the top moments with their votes)."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        found.end()
        saved = uow.repo.save_facilitation(found)
        uow.commit()
    return summary(uow_factory, saved)


SUMMARY_MOMENTS = 5


def summary(uow_factory: UowFactory, facilitation: Facilitation) -> Text:
    """The findings' top moments, each with the team's votes for its moment of truth."""
    findings = services.findings(uow_factory, facilitation.session_id)
    with uow_factory() as uow:
        votes = uow.repo.facilitation_votes(facilitation.id) if facilitation.id else {}
        members = _members(uow, facilitation.workspace_key)
    counted = fac.tally(votes)
    said: list[Part] = [say("fac.summary_head")]
    for moment in findings.moments[:SUMMARY_MOMENTS]:
        item: Text = say(
            "fac.summary_item", rank=moment.rank, title=moment.title, score=moment.score,
            votes=counted.get(moment.mot, 0),
        )  # fmt: skip
        if not facilitation.anonymous:
            named = [
                f"{members.get(key, key)} {mine[moment.mot.value]}"
                for key, mine in votes.items()
                if mine.get(moment.mot.value)
            ]
            if named:
                item = item + " (" + ", ".join(named) + ")"
        said.append(item)
    if not findings.moments:
        said.append(say("fac.summary_empty"))
    total = sum(counted.values())
    said.append(
        say("fac.summary_votes", votes=total, members=len(votes))
        if total
        else say("fac.summary_no_votes")
    )
    return lines(*said)


# --- members ----------------------------------------------------------------------------------


def assign(
    uow_factory: UowFactory,
    workspace_key: str,
    who: Who,
    member: str | Who,
    target: str,
) -> Text:
    """Give a member a method or a moment to work on ("@cara records", "Ben amot"); the member
    named as they are called in the chat, or known (`Who`: the author of a message replied to)."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        found.check_steer(who.key, who.admin)
        if isinstance(member, Who):
            uow.repo.get_or_create_participant(workspace_key, member.key, member.name)
        members = _members(uow, workspace_key)
        key = member.key if isinstance(member, Who) else fac.find_member(member, members)
        code = fac.parse_target(target)
        found.assign(key, code)
        uow.repo.save_facilitation(found)
        uow.commit()
    return fac.assignment_text(members[key], code)


def _progress(uow: UnitOfWork, found: Facilitation) -> Text:
    members = _members(uow, found.workspace_key)
    phase = found.current()
    if phase is None:
        return lines()
    if phase.kind == fac.VOTE:
        voters = uow.repo.facilitation_votes(found.id) if found.id else {}
        return fac.progress_text(found, members, voters=voters)
    session = uow.repo.session(found.session_id)
    if session is None or session.context is None:
        return lines()
    states = uow.repo.all_progress(found.session_id)
    method = Method(phase.kind)
    return fac.progress_text(
        found, members, fac.method_progress(method, session.context, members, states)
    )


def _phase_text(uow: UnitOfWork, found: Facilitation, now: datetime) -> Text:
    if found.current() is None:  # the agenda is still being agreed
        return lines(fac.agenda_text(found), _progress(uow, found))
    said: list[Part] = [fac.announce(found, now)]
    if found.voting():
        said.append(_ballot(uow, found))
    else:
        said.append(_progress(uow, found))
    return lines(*said)


def _ballot(uow: UnitOfWork, found: Facilitation) -> Text:
    votes = uow.repo.facilitation_votes(found.id) if found.id else {}
    given = sum(sum(v.values()) for v in votes.values())
    return lines(
        say("fac.ballot", count=len(found.candidates)),
        say("fac.ballot_cast", votes=given, members=len(votes)),
        _progress(uow, found),
    )


def phase_text(uow_factory: UowFactory, workspace_key: str, now: datetime | None = None) -> Text:
    """The current phase as announced, with the members' progress now."""
    with uow_factory() as uow:
        return _phase_text(uow, _active(uow, workspace_key), _now(now))


def progress(uow_factory: UowFactory, workspace_key: str) -> Text:
    """Who has answered what of the current phase, and who has not yet."""
    with uow_factory() as uow:
        return _progress(uow, _active(uow, workspace_key))


# --- the vote ---------------------------------------------------------------------------------


def vote(uow_factory: UowFactory, workspace_key: str, voter: Who, code: str | None) -> Voted:
    """One more vote of `voter` for a moment (stacking allowed), or (None) theirs cleared to
    vote again. Raises NotVoting, NotOnBallot, OverBudget."""
    with uow_factory() as uow:
        found = _active(uow, workspace_key)
        if found.id is None:
            raise NoFacilitation()
        uow.repo.get_or_create_participant(workspace_key, voter.key, voter.name)
        mine = uow.repo.facilitation_votes(found.id).get(voter.key, {})
        changed = fac.cast(mine, code, found)
        uow.repo.save_votes(found.id, voter.key, changed)
        ballot = _ballot(uow, found)
        uow.commit()
    return Voted(found, changed, fac.my_votes_text(changed, found.budget), ballot)


# --- timers -----------------------------------------------------------------------------------


Chats = Callable[[str], bool]  # which chats (by workspace key) a front-end serves


def due(
    uow_factory: UowFactory, now: datetime | None = None, only: Chats | None = None
) -> list[Fired]:
    """The nudges due at `now` (in the chats `only` accepts), marked sent in the same unit of
    work: a restart neither loses nor repeats one."""
    now = _now(now)
    fired: list[Fired] = []
    with uow_factory() as uow:
        for found in uow.repo.due_facilitations(now):
            if only is not None and not only(found.workspace_key):
                continue
            for nudge in found.due(now):
                said = lines(fac.nudge_text(found, nudge, now), _progress(uow, found))
                reply_to = found.messages.get("phase")
                fired.append(Fired(found.workspace_key, nudge, said, reply_to, found.language))
            uow.repo.save_facilitation(found)
        uow.commit()
    return fired


@dataclass(frozen=True)
class Live:
    """A running phase's announcement as it reads now (time left, the members' progress)."""

    facilitation: Facilitation
    message_id: int
    said: Text


def live(
    uow_factory: UowFactory, only: Chats | None = None, now: datetime | None = None
) -> list[Live]:
    """Each running phase's announcement as it reads now, so that the edge can keep the
    members' progress in it up to date."""
    now = _now(now)
    with uow_factory() as uow:
        return [
            Live(found, found.messages["phase"], _phase_text(uow, found, now))
            for found in uow.repo.running_facilitations()
            if (only is None or only(found.workspace_key)) and "phase" in found.messages
        ]


def forget_member(uow_factory: UowFactory, participant_key: str) -> int:
    """A person's votes in every facilitated session (for `/delete_me`); how many went."""
    with uow_factory() as uow:
        gone = uow.repo.delete_votes_of(participant_key)
        uow.commit()
        return gone


# --- a rehearsal in the terminal --------------------------------------------------------------


COMMANDS = ("/facilitate", "/next", "/pause", "/resume", "/end", "/assign", "/vote", "/progress")


class Rehearsal:
    """The facilitation commands for the terminal's one-person rehearsal: the same service,
    its timers checked whenever a line is typed. Lines come back rendered."""

    def __init__(
        self,
        uow_factory: UowFactory,
        sender: str,
        display_name: str | None = None,
        minute_s: float = 60.0,
        write_report: Callable[[dict[str, object]], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        from bot.core.identity import parse_sender

        speaker = parse_sender(sender)
        self.uow_factory = uow_factory
        self.workspace_key = speaker.workspace_key
        self.who = Who(speaker.participant_key, display_name or speaker.participant_key, True)
        self.minute_s = minute_s
        self.write_report = write_report
        self.clock = clock or (lambda: datetime.now(UTC))

    def due(self) -> list[str]:
        fired = due(self.uow_factory, self.clock(), lambda key: key == self.workspace_key)
        return [render(f.said) for f in fired]

    def command(self, line: str) -> list[str] | None:
        """The answer to a facilitation command; None for a line that is not one (it goes to
        the dialogue), as `/pause` and `/resume` do while nothing is facilitated."""
        name, _, rest = line.strip().partition(" ")
        name = name.lower()
        if name not in COMMANDS:
            return None
        running = active(self.uow_factory, self.workspace_key)
        if running is None and name in ("/pause", "/resume"):
            return None
        try:
            return [render(part) for part in self._do(name, rest.strip(), running)]
        except FacilitationError as error:
            return [render(error.said)]

    def _do(self, name: str, rest: str, running: Facilitation | None) -> list[Part]:
        uow, ws, who, now = self.uow_factory, self.workspace_key, self.who, self.clock()
        if name == "/facilitate":
            if running is None:
                running = start(uow, ws, who)
            if rest:
                running = edit_agenda(uow, ws, who, rest)
            # No buttons and no replies in the terminal: say how to change it here.
            return [fac.agenda_text(running), say("fac.terminal_agenda")]
        if name == "/next":
            moved = next_phase(uow, ws, who, self.minute_s, now)
            if moved.phase is None:
                return [moved.said, *self._report(True)]
            how = "fac.terminal_vote" if moved.phase.kind == fac.VOTE else "fac.terminal_phase"
            return [moved.said, say(how, moments=_ballot_codes(moved.facilitation))]
        if name == "/pause":
            return [pause(uow, ws, who, now)]
        if name == "/resume":
            return [resume(uow, ws, who, now)]
        if name == "/end":
            return [end(uow, ws, who), *self._report(True)]
        if name == "/assign":
            member, _, target = rest.rpartition(" ")
            return [assign(uow, ws, who, member or rest, target)]
        if name == "/vote":
            if not rest:  # what is on the ballot, and how to vote here
                found = running or active(uow, ws)
                codes = _ballot_codes(found) if found else ""
                return [say("fac.terminal_vote", moments=codes)]
            code = None if rest.lower() == "reset" else _vote_code(rest)
            return [vote(uow, ws, who, code).said]
        return [phase_text(uow, ws, now)]

    def _report(self, ended: bool) -> list[Part]:
        if not ended or self.write_report is None:
            return []
        return [self.write_report({"format": "md"})]


def _ballot_codes(found: Facilitation) -> str:
    return ", ".join(code.upper() for code in found.candidates) or "-"


def _vote_code(said: str) -> str:
    """The moment a typed vote names; a word that names none is not on the ballot."""
    try:
        return fac.parse_target(said)
    except fac.UnclearTarget:
        raise fac.NotOnBallot(said.strip()) from None
