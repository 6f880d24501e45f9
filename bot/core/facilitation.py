"""A facilitated session: an agenda of time-boxed phases that one person steers for a team.

Plain data and a state machine, no I/O and no clock of its own: every step takes
`now`, so the service can store the deadlines and a ticker anywhere (after a
restart too) can ask what is due. The phases are the four identification
methods and, last, the team's vote on the candidate top moments. What the
bot says is returned as message keys (`say`), rendered by the edges.

Votes are kept per member (a budget each, to spread or stack, changeable)
but only their tally per moment is ever shown unless the vote is open; the
tally is what the ranking reads (`bot.core.scoring.rank(votes=...)`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.core import wordlists
from bot.core.answers import LIVE, PLANNING, parse_method_choice
from bot.core.context import ProductContext
from bot.core.errors import MotError, UnknownCode
from bot.core.interview import METHOD_ORDER, Interview
from bot.core.interview_state import InterviewState
from bot.core.taxonomy import Method, Mot, parse_mot
from bot.core.texts import Part, Say, Text, joined, lines, say
from bot.core.tickets import normalise

VERSION = 1
VOTE = "vote"  # the closing phase's kind; the others are `Method` values
DEFAULT_MINUTES: dict[str, float] = {
    Method.RECORDS.value: 15,
    Method.TEAM.value: 15,
    Method.SURVEY.value: 10,
    Method.COMPETITOR.value: 10,
    VOTE: 5,
}
MAX_MINUTES = 240.0
MINUTE_STEP = 5.0  # what the agenda's -/+ buttons change
DEFAULT_BUDGET = 3  # votes per member
MAX_BUDGET = 10
BALLOT_SIZE = 5  # candidate moments on the ballot at most
PHASE_KINDS = (*(m.value for m in Method), VOTE)


class Status(StrEnum):
    PLANNING = "planning"  # the agenda is being agreed; no clock runs
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class Nudge(StrEnum):
    HALF = "half"  # half of the phase's time box has passed
    END = "end"  # the time box is over


# --- named errors: each carries what the edge says ------------------------------------


class FacilitationError(MotError):
    """A step the facilitation refuses; `said` tells the person why, in one line."""

    def __init__(self, key: str, **params: Part) -> None:
        self.said: Say = say(key, **params)
        super().__init__(key)


class NotFacilitator(FacilitationError):
    def __init__(self, facilitator: str) -> None:
        super().__init__("fac.not_facilitator", name=facilitator)


class NoFacilitation(FacilitationError):
    def __init__(self) -> None:
        super().__init__("fac.none")


class AlreadyFacilitating(FacilitationError):
    def __init__(self, facilitator: str) -> None:
        super().__init__("fac.already", name=facilitator)


class NoProduct(FacilitationError):
    def __init__(self) -> None:
        super().__init__("fac.no_product")


class NotNow(FacilitationError):
    """The step does not fit the session's state (pausing a paused session...)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)


class UnclearAgenda(FacilitationError):
    def __init__(self, item: str) -> None:
        super().__init__("fac.agenda_unclear", item=item[:60])


class EmptyAgenda(FacilitationError):
    def __init__(self) -> None:
        super().__init__("fac.agenda_empty")


class NotVoting(FacilitationError):
    def __init__(self) -> None:
        super().__init__("fac.not_voting")


class NotOnBallot(FacilitationError):
    def __init__(self, code: str) -> None:
        super().__init__("fac.not_on_ballot", code=code.upper()[:10])


class OverBudget(FacilitationError):
    def __init__(self, budget: int) -> None:
        super().__init__("fac.over_budget", budget=budget)


class UnknownMember(FacilitationError):
    def __init__(self, name: str) -> None:
        super().__init__("fac.unknown_member", name=name[:60])


class UnclearTarget(FacilitationError):
    def __init__(self, said: str) -> None:
        super().__init__("fac.assign_unclear", said=said[:60])


# --- the agenda --------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    kind: str  # a `Method` value, or VOTE
    minutes: float

    @property
    def method(self) -> Method | None:
        return Method(self.kind) if self.kind != VOTE else None


def default_agenda(stage: str | None) -> list[Phase]:
    """The methods in the order the product's stage suggests, then the vote (live by default:
    a team that runs a session usually has a product with records and customers)."""
    order = METHOD_ORDER[PLANNING if stage == PLANNING else LIVE]
    return [Phase(m.value, DEFAULT_MINUTES[m.value]) for m in order] + [
        Phase(VOTE, DEFAULT_MINUTES[VOTE])
    ]


# The words of the agenda's short replies ("records 15, team 20, skip competitor", "Tickets 15,
# ohne Wettbewerb") are data per language (`agenda_*`, `vote_*`, `minutes_unit`, `hours_unit`
# in bot/locale/<lang>/answers.toml), every language's at once: a German team may well type
# English method names, and no two languages' agenda words contradict each other.
@dataclass(frozen=True)
class _AgendaWords:
    split: re.Pattern[str]  # between items
    drop: re.Pattern[str]  # a phase left out
    first: re.Pattern[str]
    last: re.Pattern[str]
    vote: re.Pattern[str]  # the vote phase named
    budget: re.Pattern[str]  # votes per member: the number is the first group that matched
    open: re.Pattern[str]
    secret: re.Pattern[str]
    minutes: re.Pattern[str]
    hours: re.Pattern[str]


_NUMBER = r"(\d{1,3}(?:\.\d+)?)"


def _agenda_words() -> _AgendaWords:
    def words(name: str) -> str:
        return wordlists.pattern(name).pattern

    unit = words("vote_unit")
    return _AgendaWords(
        split=re.compile(rf"(?:\s*(?:[,;\n]|\b(?:{words('and')}|{words('agenda_then')})\b)\s*)+"),
        drop=re.compile(rf"^(?:{words('agenda_drop')})\b\s*|\s*\b(?:{words('agenda_dropped')})$"),
        first=wordlists.anywhere("agenda_first"),
        last=wordlists.anywhere("agenda_last"),
        vote=wordlists.anywhere("agenda_vote"),
        budget=re.compile(
            rf"\b(\d{{1,2}})\s*(?:{unit})\b|\b(?:{words('vote_budget')})[\s:=]*(\d{{1,2}})\b"
            rf"|\b(?:{unit})[\s:=]*(\d{{1,2}})\s*(?:{words('vote_each')})\b"
        ),
        open=wordlists.anywhere("vote_open"),
        secret=wordlists.anywhere("vote_secret"),
        minutes=re.compile(rf"{_NUMBER}\s*(?:{words('minutes_unit')})?(?:\s|$)"),
        hours=re.compile(rf"{_NUMBER}\s*(?:{words('hours_unit')})(?:\s|$)"),
    )


@dataclass(frozen=True)
class AgendaChange:
    agenda: tuple[Phase, ...]
    budget: int
    anonymous: bool


def _kind_named(item: str, words: _AgendaWords) -> str | None:
    if words.vote.search(item):
        return VOTE
    method = parse_method_choice(item)
    return method.value if method else None


def _minutes(item: str, words: _AgendaWords) -> float | None:
    hours = words.hours.search(item + " ")
    if hours:
        return min(float(hours.group(1)) * 60, MAX_MINUTES)
    found = words.minutes.search(item + " ")
    if not found:
        return None
    return min(float(found.group(1)), MAX_MINUTES)


def _without_vote_last(phases: list[Phase], phase: Phase) -> list[Phase]:
    """`phase` added before the vote (the vote closes the session)."""
    if phases and phases[-1].kind == VOTE:
        return [*phases[:-1], phase, phases[-1]]
    return [*phases, phase]


def edit_agenda(change: AgendaChange, said: str, locked: int = 0) -> AgendaChange:
    """The agenda after a short reply: minutes per phase, phases skipped, added or moved,
    the vote budget and whether the vote is open. The first `locked` phases (already begun)
    stay as they are. Raises UnclearAgenda for an item it cannot read, EmptyAgenda when
    nothing would be left."""
    head = list(change.agenda[:locked])
    phases = list(change.agenda[locked:])
    budget, anonymous = change.budget, change.anonymous
    words = _agenda_words()
    # Written as the word lists are (umlauts as ae/oe/ue), line by line: a new line splits too.
    clean = "\n".join(normalise(line) for line in said.strip().splitlines())
    for raw in words.split.split(clean):
        item = raw.strip(" .!")
        if not item:
            continue
        counted = words.budget.search(item)
        if counted and not words.drop.search(item):
            budget = max(1, min(MAX_BUDGET, int(next(g for g in counted.groups() if g))))
            continue
        opened, secret = words.open.search(item), words.secret.search(item)
        if (opened or secret) and (words.vote.search(item) or parse_method_choice(item) is None):
            anonymous = not opened  # "open vote", or on its own: "geheim"
            continue
        kind = _kind_named(item, words)
        if kind is None:
            raise UnclearAgenda(raw)
        if any(p.kind == kind for p in head):
            continue  # begun already: it stays as it was
        present = next((p for p in phases if p.kind == kind), None)
        minutes = _minutes(item, words)
        if words.drop.search(item) or minutes == 0:
            phases = [p for p in phases if p.kind != kind]
            continue
        phase = Phase(kind, minutes or (present.minutes if present else DEFAULT_MINUTES[kind]))
        if present is not None:
            phases = [phase if p.kind == kind else p for p in phases]
        elif kind == VOTE:
            phases.append(phase)
        else:
            phases = _without_vote_last(phases, phase)
        if words.first.search(item):
            phases = [phase, *[p for p in phases if p.kind != kind]]
        elif words.last.search(item) and kind != VOTE:
            phases = _without_vote_last([p for p in phases if p.kind != kind], phase)
    if not head and not phases:
        raise EmptyAgenda()
    return AgendaChange((*head, *phases), budget, anonymous)


def nudge_minutes(agenda: Sequence[Phase], kind: str, step: float, locked: int = 0) -> list[Phase]:
    """One phase's time box made longer or shorter by `step` minutes (a button), at least one
    step; phases already begun stay."""
    changed = []
    for index, phase in enumerate(agenda):
        if phase.kind == kind and index >= locked:
            minutes = min(MAX_MINUTES, max(MINUTE_STEP, round(phase.minutes + step, 2)))
            phase = replace(phase, minutes=minutes)
        changed.append(phase)
    return changed


# --- the session ----------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _time(value: object) -> datetime | None:
    return _utc(datetime.fromisoformat(value)) if isinstance(value, str) and value else None


@dataclass
class Facilitation:
    """One facilitated session of a chat's session; `to_state()` is what storage keeps."""

    session_id: str
    workspace_key: str
    facilitator: str  # participant key of who steers
    facilitator_name: str
    agenda: list[Phase]
    status: Status = Status.PLANNING
    phase: int = -1  # index into the agenda of the phase under way
    phase_seconds: float = 0.0  # the current phase's time box, in real seconds
    deadline: datetime | None = None  # when the current time box ends (None unless running)
    remaining_s: float | None = None  # while paused: what was left of the time box
    half_sent: bool = False
    end_sent: bool = False
    assignments: dict[str, str] = field(default_factory=dict)  # member key -> method or moment
    budget: int = DEFAULT_BUDGET
    anonymous: bool = True
    candidates: list[str] = field(default_factory=list)  # moment codes on the ballot
    messages: dict[str, int] = field(default_factory=dict)  # what the edge posted: name -> id
    language: str = ""  # the facilitator's, for what the bot says on its own (the nudges)
    id: int | None = None

    # --- where it stands --------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.status is not Status.ENDED

    def current(self) -> Phase | None:
        return self.agenda[self.phase] if 0 <= self.phase < len(self.agenda) else None

    def voting(self) -> bool:
        current = self.current()
        return self.status is not Status.ENDED and current is not None and current.kind == VOTE

    def remaining(self, now: datetime) -> float:
        """Seconds left of the current time box (0 once it is over)."""
        if self.status is Status.PAUSED:
            return self.remaining_s or 0.0
        if self.deadline is None:
            return 0.0
        return max((self.deadline - _utc(now)).total_seconds(), 0.0)

    def half_time(self) -> datetime | None:
        if self.deadline is None:
            return None
        return self.deadline - timedelta(seconds=self.phase_seconds / 2)

    def next_timer(self) -> datetime | None:
        """When a nudge is due next; None when none is (planning, paused, ended, both sent).
        Storage keeps it as a column so that due timers are one query."""
        if self.status is not Status.RUNNING or self.deadline is None:
            return None
        if not self.half_sent:
            return self.half_time()
        return None if self.end_sent else self.deadline

    def locked(self) -> int:
        """How many phases have begun (their agenda entries no longer change)."""
        return max(self.phase, 0) if self.status is Status.PLANNING else self.phase + 1

    # --- who steers --------------------------------------------------------------------

    def check_steer(self, member: str, admin: bool = False) -> None:
        """Only the facilitator or a chat admin steers; raises NotFacilitator otherwise."""
        if member != self.facilitator and not admin:
            raise NotFacilitator(self.facilitator_name)

    # --- the clock ---------------------------------------------------------------------

    def _open_phase(self, index: int, now: datetime, minute_s: float) -> Phase:
        self.phase = index
        phase = self.agenda[index]
        self.phase_seconds = max(phase.minutes * minute_s, 1.0)
        self.deadline = _utc(now) + timedelta(seconds=self.phase_seconds)
        self.remaining_s = None
        self.half_sent = self.end_sent = False
        self.status = Status.RUNNING
        return phase

    def advance(self, now: datetime, minute_s: float) -> Phase | None:
        """The next phase begins (the first one, when planning); None after the last."""
        if self.status is Status.ENDED:
            raise NoFacilitation()
        if self.phase + 1 >= len(self.agenda):
            return None
        return self._open_phase(self.phase + 1, now, minute_s)

    def pause(self, now: datetime) -> float:
        """Stop the clock; returns the seconds left, kept for `resume`."""
        if self.status is not Status.RUNNING:
            raise NotNow("fac.cannot_pause")
        self.remaining_s = self.remaining(now)
        self.deadline = None
        self.status = Status.PAUSED
        return self.remaining_s

    def resume(self, now: datetime) -> float:
        """Start the clock again with the time that was left; returns it."""
        if self.status is not Status.PAUSED:
            raise NotNow("fac.cannot_resume")
        left = self.remaining_s or 0.0
        self.deadline = _utc(now) + timedelta(seconds=left)
        self.remaining_s = None
        self.status = Status.RUNNING
        if left <= 0:
            self.half_sent = True  # nothing left: only "time is up" is still to say
        return left

    def end(self) -> None:
        self.status = Status.ENDED
        self.deadline = None
        self.remaining_s = None

    def due(self, now: datetime) -> list[Nudge]:
        """The nudges due at `now`, each only once (they are marked sent here). When both are
        due (the bot was down past the end) only the time-up is said."""
        if self.status is not Status.RUNNING or self.deadline is None:
            return []
        now = _utc(now)
        if not self.end_sent and now >= self.deadline:
            self.half_sent = self.end_sent = True
            return [Nudge.END]
        half = self.half_time()
        if not self.half_sent and half is not None and now >= half:
            self.half_sent = True
            return [Nudge.HALF]
        return []

    # --- assignments -------------------------------------------------------------------

    def assign(self, member: str, target: str) -> None:
        self.assignments[member] = target

    # --- stored form ---------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "facilitator_name": self.facilitator_name,
            "agenda": [{"kind": p.kind, "minutes": p.minutes} for p in self.agenda],
            "phase": self.phase,
            "phase_seconds": self.phase_seconds,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "remaining_s": self.remaining_s,
            "half_sent": self.half_sent,
            "end_sent": self.end_sent,
            "assignments": dict(self.assignments),
            "budget": self.budget,
            "anonymous": self.anonymous,
            "candidates": list(self.candidates),
            "messages": dict(self.messages),
            "language": self.language,
        }

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        session_id: str,
        workspace_key: str,
        facilitator: str,
        status: str,
        id: int | None = None,
    ) -> Facilitation:
        """What `to_state` gave; unknown or malformed entries fall back to defaults."""
        agenda = [
            Phase(str(p["kind"]), float(p["minutes"]))
            for p in state.get("agenda") or []
            if isinstance(p, dict) and p.get("kind") in PHASE_KINDS
        ]
        remaining = state.get("remaining_s")
        return cls(
            session_id=session_id,
            workspace_key=workspace_key,
            facilitator=facilitator,
            facilitator_name=str(state.get("facilitator_name") or facilitator),
            agenda=agenda,
            status=Status(status) if status in set(Status) else Status.ENDED,
            phase=int(state.get("phase", -1)),
            phase_seconds=float(state.get("phase_seconds") or 0.0),
            deadline=_time(state.get("deadline")),
            remaining_s=float(remaining) if isinstance(remaining, int | float) else None,
            half_sent=bool(state.get("half_sent")),
            end_sent=bool(state.get("end_sent")),
            assignments={str(k): str(v) for k, v in (state.get("assignments") or {}).items()},
            budget=int(state.get("budget") or DEFAULT_BUDGET),
            anonymous=bool(state.get("anonymous", True)),
            candidates=[str(c) for c in state.get("candidates") or [] if c in set(Mot)],
            messages={str(k): int(v) for k, v in (state.get("messages") or {}).items()},
            language=str(state.get("language") or ""),
            id=id,
        )


def start(
    session_id: str,
    workspace_key: str,
    facilitator: str,
    name: str,
    stage: str | None,
    language: str = "",
) -> Facilitation:
    """A new facilitated session, its agenda the stage's defaults, waiting to begin."""
    return Facilitation(
        session_id, workspace_key, facilitator, name, default_agenda(stage), language=language
    )


# --- assignments -----------------------------------------------------------------------------


def parse_target(said: str) -> str:
    """What a member is assigned: a method ("records") or a moment ("amot"); its code."""
    cleaned = said.strip().lower()
    for word in re.findall(r"[a-z]+", cleaned):
        try:
            return parse_mot(word).value
        except UnknownCode:
            continue
    method = parse_method_choice(cleaned)
    if method is None:
        raise UnclearTarget(said)
    return method.value


def find_member(query: str, members: Mapping[str, str]) -> str:
    """The key of the member a facilitator named ("@cara", "Cara", "cara b"): their display
    name or its first word, case and a leading @ aside. Raises UnknownMember."""
    wanted = query.strip().lstrip("@").casefold()
    if not wanted:
        raise UnknownMember(query)
    names = {key: name.casefold() for key, name in members.items()}
    squeezed = wanted.replace(" ", "")
    for found in (
        [key for key, name in names.items() if name == wanted],
        [key for key, name in names.items() if name.split()[:1] == [wanted]],
        [key for key, name in names.items() if name.replace(" ", "").startswith(squeezed)],
    ):
        if len(found) == 1:
            return found[0]
    raise UnknownMember(query)


# --- votes ------------------------------------------------------------------------------------


def candidates(ranked: Iterable[Mot], size: int = BALLOT_SIZE) -> list[str]:
    """The ballot: the moments of the ranking's top items, most urgent first; with fewer than
    two found so far, every moment, in journey order."""
    found = list(dict.fromkeys(ranked))[:size]
    if len(found) < 2:
        found = list(Mot)
    return [m.value for m in found]


def cast(mine: Mapping[str, int], code: str | None, facilitation: Facilitation) -> dict[str, int]:
    """A member's votes after one press: one more for `code` (stacking is allowed), or none
    at all for None (to start again). Raises NotVoting, NotOnBallot or OverBudget."""
    if not facilitation.voting():
        raise NotVoting()
    if code is None:
        return {}
    if code not in facilitation.candidates:
        raise NotOnBallot(code)
    if sum(mine.values()) >= facilitation.budget:
        raise OverBudget(facilitation.budget)
    changed = dict(mine)
    changed[code] = changed.get(code, 0) + 1
    return changed


def tally(votes: Mapping[str, Mapping[str, int]]) -> Counter[Mot]:
    """Votes per moment, whoever gave them."""
    counted: Counter[Mot] = Counter()
    for mine in votes.values():
        for code, count in mine.items():
            if code in set(Mot) and count > 0:
                counted[Mot(code)] += count
    return counted


# --- progress per member ----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberProgress:
    key: str
    name: str
    answered: int
    total: int
    done: bool

    @property
    def started(self) -> bool:
        return self.done or self.answered > 0


def method_progress(
    method: Method,
    context: ProductContext,
    members: Mapping[str, str],
    states: Mapping[str, Mapping[str, Any] | None],
) -> list[MemberProgress]:
    """Each member's answered questions of a method's (answered / total), from their own
    interview progress; members in the order given."""
    found = []
    for key, name in members.items():
        interview = Interview(context, InterviewState.from_dict(dict(states.get(key) or {})))
        plan = interview.plan(method)
        settled = interview.answers.keys() | set(interview.state.skipped)
        answered = sum(1 for q in plan if q.key in settled)
        done = method.value in interview.state.done
        found.append(MemberProgress(key, name, answered, len(plan), done))
    return found


# --- what is said --------------------------------------------------------------------------------


def phase_name(kind: str) -> Say:
    return say(f"fac.phase.{kind}")


def minutes_text(minutes: float) -> str:
    """15 -> "15", 0.05 -> "0.05": as the facilitator typed it."""
    return f"{minutes:g}"


def duration(seconds: float) -> Say:
    """A time left, in minutes once it is a minute or more."""
    if seconds >= 60:
        return say("fac.minutes", minutes=round(seconds / 60))
    return say("fac.seconds", seconds=max(round(seconds), 0))


def agenda_text(f: Facilitation) -> Text:
    rows: list[Part] = [say("fac.agenda_head", name=f.facilitator_name)]
    for index, phase in enumerate(f.agenda):
        mark = "▶ " if index == f.phase and f.active else "✓ " if index < f.phase else ""
        rows.append(
            say("fac.agenda_item", number=index + 1, mark=mark, phase=phase_name(phase.kind),
                minutes=minutes_text(phase.minutes))
        )  # fmt: skip
    vote = "fac.agenda_votes_open" if not f.anonymous else "fac.agenda_votes"
    rows.append(say(vote, budget=f.budget))
    if f.status is Status.PLANNING:
        rows.append(say("fac.agenda_how"))
    return lines(*rows)


def _member_line(p: MemberProgress, assigned: str | None) -> Part:
    if p.done:
        mark: Part = say("fac.progress_done")
    elif p.started:
        mark = say("fac.progress_some", answered=p.answered, total=p.total)
    else:
        mark = say("fac.progress_none")
    line: Text = say("fac.progress_member", name=p.name, mark=mark)
    if assigned:
        line = line + " " + say("fac.progress_assigned", target=target_name(assigned))
    return line


def target_name(target: str) -> Part:
    if target in {m.value for m in Method}:
        return phase_name(target)
    return target.upper()


def progress_text(
    f: Facilitation,
    members: Mapping[str, str],
    progress: Sequence[MemberProgress] = (),
    voters: Iterable[str] = (),
) -> Text:
    """Who has answered what of the current phase, who has not yet (by name)."""
    phase = f.current()
    if phase is None:
        return joined(())
    if phase.kind == VOTE:
        voted = set(voters)
        done = [members[k] for k in members if k in voted]
        waiting = [members[k] for k in members if k not in voted]
        said: list[Part] = [
            say("fac.voted", names=", ".join(done)) if done else say("fac.voted_nobody")
        ]
        if waiting:
            said.append(say("fac.not_yet", names=", ".join(waiting)))
        return lines(*said)
    rows: list[Part] = [say("fac.progress_head")]
    rows += [_member_line(p, f.assignments.get(p.key)) for p in progress]
    if not progress:
        rows.append(say("fac.progress_nobody"))
    waiting = [p.name for p in progress if not p.done]
    if progress and waiting:
        rows.append(say("fac.not_yet", names=", ".join(waiting)))
    elif progress:
        rows.append(say("fac.all_done"))
    return lines(*rows)


def announce(f: Facilitation, now: datetime) -> Text:
    """A phase begins: which, its goal, its time box, who is assigned what."""
    phase = f.current()
    assert phase is not None
    said: list[Part] = [
        say("fac.phase_start", number=f.phase + 1, count=len(f.agenda),
            phase=phase_name(phase.kind), time=duration(f.remaining(now))),
        say(f"fac.goal.{phase.kind}"),
    ]  # fmt: skip
    if phase.kind == VOTE:
        said.append(say("fac.vote_how", budget=f.budget))
        if f.anonymous:
            said.append(say("fac.vote_anonymous"))
    else:
        said.append(say("fac.phase_how", phase=phase_name(phase.kind)))
    return lines(*said)


def nudge_text(f: Facilitation, nudge: Nudge, now: datetime) -> Text:
    phase = f.current()
    assert phase is not None
    if nudge is Nudge.HALF:
        return say("fac.half_time", phase=phase_name(phase.kind), time=duration(f.remaining(now)))
    last = f.phase + 1 >= len(f.agenda)
    return say("fac.time_up_last" if last else "fac.time_up", phase=phase_name(phase.kind))


def assignment_text(name: str, target: str) -> Say:
    return say("fac.assigned", name=name, target=target_name(target))


def my_votes_text(mine: Mapping[str, int], budget: int) -> Say:
    given = ", ".join(f"{code.upper()}: {count}" for code, count in mine.items() if count)
    left = budget - sum(mine.values())
    if not given:
        return say("fac.my_votes_none", budget=budget)
    return say("fac.my_votes", votes=given, left=left)
