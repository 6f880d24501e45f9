"""One interview turn as one service call: `interview_turn`.

Every chat front-end goes through here for the interview: the Rasa actions
read the text and the slots, call `interview_turn`, render the `Turn`'s
messages in the conversation's language and send them. One call is one unit
of work: the interview's progress (one row per session and participant),
the evidence the answer gave, a survey the method created and an uploaded
file's findings are stored together, or not at all. Errors of the storage come
out as `StorageError`, for the edge to say once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot import exports, services
from bot.core.answers import parse_method_choice
from bot.core.context import ProductContext
from bot.core.errors import SessionNotFound
from bot.core.evidence import Evidence
from bot.core.interview import FileFound, Interview, Question, Reply
from bot.core.interview_state import InterviewState
from bot.core.metrics import customer_metrics
from bot.core.scoring import Shown, rank
from bot.core.survey_columns import Overrides, describe, how_to_name, name_one
from bot.core.surveys import summarise
from bot.core.taxonomy import Method, Mot
from bot.core.texts import Part, Text, joined, lines, say
from bot.core.themes import theme_name
from bot.services import UowFactory
from bot.storage.uow import UnitOfWork
from bot.tables import UnreadableTable

HELPDESK_EXPORT = "records.export"  # the service records method's file question
SURVEY_RESULTS = "survey.results"


class Act(StrEnum):
    """What the person did this turn."""

    OFFER = "offer"  # the interview begins: the methods are offered
    START = "start"  # a method chosen (by button, by name, or named in `said`)
    ASK = "ask"  # the form wants its question asked
    ANSWER = "answer"  # an answer to the current question (or a file sent)
    NEXT = "next"  # a method is finished: what is still open
    SKIP = "skip"
    BACK = "back"
    PAUSE = "pause"
    RESUME = "resume"
    WHERE = "where"  # "where are we?"
    FILE = "file"  # a document sent outside a file question


class Then(StrEnum):
    """What the dialogue does after the turn (the only thing Rasa needs to know)."""

    LISTEN = "listen"  # wait for the next message; the interview form goes on if it is active
    ASK_STAGE = "ask_stage"  # the interview form asks whether the product is live first
    METHOD_DONE = "method_done"  # a method is finished: the form ends
    STOP = "stop"  # the form stops (paused)
    CONTEXT = "context"  # the product questions are unfinished: ask those
    NO_INTERVIEW = "no_interview"  # no interview to act on (the product context is missing)


@dataclass(frozen=True)
class Button:
    title: Part
    payload: str  # what pressing it sends, as the person would have typed it


@dataclass(frozen=True)
class Message:
    """One message of the bot: what to say and the buttons offered with it, not yet rendered."""

    text: Part
    buttons: tuple[Button, ...] = ()


@dataclass
class Turn:
    messages: list[Message] = field(default_factory=list)
    then: Then = Then.LISTEN
    started: Method | None = None  # the method this turn began or went back to

    def say(self, said: Part, buttons: tuple[Button, ...] = ()) -> None:
        self.messages.append(Message(said, buttons))


@dataclass(frozen=True)
class Member:
    """Who is speaking, as far as the interview needs to know."""

    session_id: str | None  # their own chat's session (checked by the edge), if any
    participant_key: str
    display_name: str | None = None
    uploads_dir: Path | None = None  # where front-ends save files (None: no files here)
    upload_folder: str = ""  # their chat's own folder in it: no file is read elsewhere
    bot_username: str | None = None  # to give a survey's Telegram link


@dataclass(frozen=True)
class _Said:
    """What came with the turn."""

    text: str
    upload: str | None
    method: Method | None
    in_form: bool


@dataclass
class _Place:
    """The interview as this turn found it, and what the turn changed."""

    uow: UnitOfWork
    member: Member
    interview: Interview
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    survey: list[Mot] | None = None
    loaded: dict[str, object] = field(default_factory=dict)  # as read: a no-op writes nothing


def interview_turn(
    uow_factory: UowFactory,
    member: Member,
    said: str = "",
    *,
    act: Act = Act.ANSWER,
    upload: str | None = None,
    method: Method | None = None,
    in_form: bool = False,
) -> Turn:
    """Do what `member` did in their interview and say what comes next.

    `upload` is a file a front-end saved for this message (relative to the
    uploads folder; "" when the person only said they would send one).
    `in_form`: the interview form is active and asks the current question
    right after (so "where are we?" does not ask it too).
    """
    with uow_factory() as uow:
        place = _load(uow, member)
        if place is None:
            turn = _no_interview(member, act, upload)
        else:
            turn = _ACTS[act](place, _Said(said, upload, method, in_form))
            _store(place)
        uow.commit()
    return turn


def current_interview(uow_factory: UowFactory, member: Member) -> Interview | None:
    """The member's interview as stored, to read (its current question, what is open)."""
    with uow_factory() as uow:
        place = _load(uow, member)
    return place.interview if place else None


def _load(uow: UnitOfWork, member: Member) -> _Place | None:
    if not member.session_id:
        return None
    context = _context(uow, member.session_id)
    if context is None:
        return None
    state = services.progress_in(uow, member.session_id, member.participant_key)
    interview = Interview(context, state or InterviewState())
    return _Place(uow, member, interview, loaded=interview.state.to_dict())


def _store(place: _Place) -> None:
    """The turn's evidence and the new place, when it changed either (a read writes nothing)."""
    member = place.member
    assert member.session_id is not None
    if not place.evidence and place.interview.state.to_dict() == place.loaded:
        return
    services.save_turn_in(
        place.uow, member.session_id, member.participant_key, member.display_name,
        place.interview.state, place.evidence,
    )  # fmt: skip


def _context(uow: UnitOfWork, session_id: str) -> ProductContext | None:
    try:
        return services.session_in(uow, session_id).context
    except SessionNotFound:
        return None


def _no_interview(member: Member, act: Act, upload: str | None) -> Turn:
    turn = Turn(then=Then.NO_INTERVIEW)
    if act is Act.FILE:
        return _file_outside(member, upload)
    if act is Act.RESUME and member.session_id:
        turn.say(say("resumed"))
        turn.then = Then.CONTEXT
    elif act is Act.RESUME:
        turn.say(say("not_started_short"))
    elif act is Act.WHERE:
        turn.say(say("where_at_start"))
    elif act in (Act.SKIP, Act.BACK, Act.PAUSE):
        turn.say(say("not_started"))
    elif act is Act.START:
        turn.say(say("context_first"))
    elif act in (Act.ASK, Act.ANSWER):
        turn.say(say("setup_first"))
    return turn


# --- buttons ----------------------------------------------------------------------


def method_buttons(interview: Interview) -> tuple[Button, ...]:
    return tuple(
        Button(say(f"method_button.{m.value}"), f'/choose_method{{"method": "{m.value}"}}')
        for m in interview.open_methods()
    )


def question_buttons(question: Question) -> tuple[Button, ...]:
    if question.options:
        return tuple(Button(title, answer) for title, answer in question.options)
    if question.kind == "rating":
        return tuple(Button(str(n), str(n)) for n in range(1, 6))
    yes = Button(say("answer.yes"), "yes")  # payloads: what the answer reads
    if question.kind in ("yesno", "ticket_check"):
        return (yes, Button(say("answer.no"), "no"))
    if question.kind == "column_check":
        return (yes,)
    return ()


def _ask(turn: Turn, question: Question | None) -> None:
    """Say a reply's next question (the form asks it itself when it goes on)."""
    if question is not None:
        turn.say(question.text, question_buttons(question))


def _with_reply(turn: Turn, reply: Reply) -> Turn:
    for message in reply.messages:
        turn.say(message)
    if reply.finished:
        turn.then = Then.METHOD_DONE
    return turn


# --- the acts ----------------------------------------------------------------------


def _offer(place: _Place, came: _Said) -> Turn:
    interview = place.interview
    if interview.needs_stage():
        # First: is the product live or still planned? The form asks it, with its options.
        return Turn(then=Then.ASK_STAGE)
    turn = Turn()
    turn.say(say("offer_methods"), method_buttons(interview))
    return turn


def _start(place: _Place, came: _Said) -> Turn:
    interview = place.interview
    method = came.method or parse_method_choice(came.text)
    turn = Turn()
    if method is None:
        if interview.needs_stage():  # the form asks whether it is live first
            turn.then = Then.ASK_STAGE
        else:
            turn.say(say("which_method"), method_buttons(interview))
        return turn
    reply = _start_method(place, method)
    turn.started = method
    return _with_reply(turn, reply)


def _start_method(place: _Place, method: Method) -> Reply:
    top: list[Mot] = []
    if method is Method.SURVEY:
        top = _top_moments(place)
    reply = place.interview.start(method, top)
    if reply.survey:
        place.survey = reply.survey
        code = _survey_code(place)
        if code:
            bot = place.member.bot_username
            link = f"https://t.me/{bot}?start={code}"
            reply.messages.append(
                say("survey.link", link=link, code=code) if bot else say("survey.code", code=code)
            )
    return reply


def _top_moments(place: _Place) -> list[Mot]:
    """The session's most urgent moments so far, one per code: what the survey asks about."""
    session_id = place.member.session_id
    assert session_id is not None
    evidence = place.uow.repo.evidence_of(session_id)
    ranking = rank(evidence, metrics=customer_metrics(evidence, []))
    return list(dict.fromkeys(m.mot for m in ranking.moments))


def _survey_code(place: _Place) -> str | None:
    """The session's survey (one per session: a second start shows the same one)."""
    session_id = place.member.session_id
    assert session_id is not None and place.survey is not None
    repo = place.uow.repo
    survey = repo.survey_of(session_id) or repo.add_survey(
        secrets.token_hex(4), session_id, [m.value for m in place.survey]
    )
    place.survey = None  # created
    return str(survey.code)


def _ask_current(place: _Place, came: _Said) -> Turn:
    interview = place.interview
    turn = Turn()
    question = interview.current_question()
    if question is None:
        first = not interview.done() and not any(interview.started(m) for m in Method)
        turn.say(say("offer_methods" if first else "which_method_next"), method_buttons(interview))
        return turn
    _ask(turn, question)
    if interview.state.stage_unclear is not None:
        interview.asked()
    return turn


def _answer(place: _Place, came: _Said) -> Turn:
    interview = place.interview
    said = came.text.strip()
    question = interview.current_question()
    if came.upload is not None and (question is None or question.kind != "file"):
        # A document sent in the middle of other questions: read it, then ask on.
        return _file(place, came)
    if interview.method is None:
        chosen = came.method or parse_method_choice(said)
        if question is not None:  # live or still planned?
            reply = interview.answer(said)
            if reply.question is not None and chosen is not None:
                reply = _start_method(place, chosen)  # a method named instead: take it
        elif chosen is None:
            turn = Turn()
            turn.say(say("pick_method"))
            return turn
        else:
            reply = _start_method(place, chosen)
    else:
        reply = interview.answer(said)
        if reply.analyze is not None:
            reply = _analyze_file(place, reply.analyze[0], came.upload)
        elif reply.reread is not None:
            reply = _reread_file(place, reply.reread)
    place.evidence.update(reply.evidence)
    return _with_reply(Turn(), reply)


def _next(place: _Place, came: _Said) -> Turn:
    turn = Turn()
    if place.interview.open_methods():
        turn.say(say("pick_next"), method_buttons(place.interview))
    return turn


def _command(act: Callable[[Interview, str], Reply], then: Then | None = None) -> _Act:
    def run(place: _Place, came: _Said) -> Turn:
        reply = act(place.interview, came.text)
        place.evidence.update(reply.evidence)
        turn = _with_reply(Turn(), reply)
        if then is not None:
            turn.then = then
        return turn

    return run


def _resume(place: _Place, came: _Said) -> Turn:
    turn = Turn()
    turn.say(say("welcome_back"))
    return turn


def _where(place: _Place, came: _Said) -> Turn:
    turn = Turn()
    # Inside the interview form the form asks the current question right after.
    turn.say(place.interview.status(with_question=not came.in_form))
    return turn


def _file(place: _Place, came: _Said) -> Turn:
    """A file sent outside a file question: read it, and add its evidence to the interview."""
    turn = Turn()
    found = _read_any(place.member, came.upload, turn)
    if found is not None:
        key, summary, evidence = found
        place.evidence[key] = evidence
        turn.say(lines(summary, say("upload_added")))
    return turn


def _file_outside(member: Member, upload: str | None) -> Turn:
    """A file sent before the interview is set up: what it holds, not stored anywhere."""
    turn = Turn(then=Then.NO_INTERVIEW)
    found = _read_any(member, upload, turn)
    if found is not None:
        turn.say(lines(found[1], say("upload_not_added")))
    return turn


def _read_any(
    member: Member, upload: str | None, turn: Turn
) -> tuple[str, Text, list[Evidence]] | None:
    """A file of either kind: (its question's key, summary, evidence); None when it was not read
    (and `turn` says why)."""
    path = _resolve(member, upload) if upload else None
    if not upload:
        turn.say(say("upload_how"))
        return None
    if path is None:
        turn.say(say("upload_missing"))
        return None
    error: Exception | None = None
    for key in (SURVEY_RESULTS, HELPDESK_EXPORT):  # survey results have score columns
        try:
            summary, evidence, _ = read_file(key, path)
        except (UnreadableTable, OSError) as failed:
            error = failed  # the ticket reader's reason is the more telling one
            continue
        if key == SURVEY_RESULTS:
            summary = lines(summary, say("file_survey_correct_later"))
        return key, summary, evidence
    turn.say(unreadable(error or OSError(), path))
    return None


_Act = Callable[[_Place, _Said], Turn]

_ACTS: dict[Act, _Act] = {
    Act.OFFER: _offer,
    Act.START: _start,
    Act.ASK: _ask_current,
    Act.ANSWER: _answer,
    Act.NEXT: _next,
    Act.SKIP: _command(lambda interview, said: interview.skip(said)),
    Act.BACK: _command(lambda interview, said: interview.go_back()),
    Act.PAUSE: _command(lambda interview, said: interview.pause(), Then.STOP),
    Act.RESUME: _resume,
    Act.WHERE: _where,
    Act.FILE: _file,
}


# --- files -------------------------------------------------------------------------


def _resolve(member: Member, upload: str) -> Path | None:
    """An uploaded file in the member's own chat's uploads folder; nothing else is ever read."""
    if member.uploads_dir is None or not member.upload_folder:
        return None
    root = (member.uploads_dir / member.upload_folder).resolve()
    path = (member.uploads_dir / upload).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _analyze_file(place: _Place, key: str, upload: str | None) -> Reply:
    """Read the export a file question was answered with.

    Only files a front-end uploaded into the member's uploads folder are read.
    A typed answer is never opened as a path here, whoever sends it: the
    terminal front-end uploads a file whose path its local user types.
    """
    interview = place.interview
    if not upload:
        return interview.file_result(key, False, say("upload_as_document"), [])
    path = _resolve(place.member, upload)
    if path is None:
        return interview.file_result(key, False, say("upload_missing"), [])
    try:
        summary, evidence, found = read_file(key, path, interview)
    except (UnreadableTable, OSError) as error:
        return interview.file_result(key, False, unreadable(error, path), [])
    return interview.file_result(key, True, summary, evidence, _relative(place.member, found))


def _relative(member: Member, found: FileFound) -> FileFound:
    """The upload as the uploads folder knows it, so it can be found again next turn."""
    assert member.uploads_dir is not None
    root = member.uploads_dir.resolve()
    path = Path(found.upload).resolve()
    upload = str(path.relative_to(root)) if path.is_relative_to(root) else found.upload
    return FileFound(upload, found.groups, found.headers)


def _reread_file(place: _Place, key: str) -> Reply:
    """Read an answered file question's upload again, now with the team's corrections."""
    interview = place.interview
    upload = interview.file_upload(key)
    path = _resolve(place.member, upload) if upload else None
    if path is None:
        return interview.file_gone(key, say("file_gone"))
    try:
        summary, evidence, found = read_file(key, path, interview)
    except (UnreadableTable, OSError) as error:
        return interview.correction_failed(key, unreadable(error, path))
    if key == HELPDESK_EXPORT:
        source, target = interview.ticket_corrections()[-1]
        said = say("tickets_rereading", source=source.value.upper(), target=target.value.upper())
    else:
        said = say("columns_rereading", mapping=describe_named(interview.column_overrides()))
    reply = interview.file_result(key, True, summary, evidence, _relative(place.member, found))
    reply.messages.insert(0, said)
    return reply


def describe_named(named: dict[str, str]) -> Text:
    """The columns the team named: "NPS ← 'Q4', open answers ← 'What could we improve?'"."""
    keys = {"nps": "columns.nps", "csat": "columns.csat", "text": "columns.open"}
    return joined(
        (say(keys[role], column=f"'{_clip(header, 60)}'") for role, header in named.items()), ", "
    )


def read_file(
    key: str, path: Path, interview: Interview | None = None
) -> tuple[Text, list[Evidence], FileFound]:
    """The summary and evidence of a helpdesk export or survey results.

    The interview's corrections (ticket groups moved, survey columns named)
    are applied; what the team may correct next comes back as `FileFound`.
    """
    if key == HELPDESK_EXPORT:
        return _read_tickets(path, interview)
    named = interview.column_overrides() if interview else {}
    overrides = (
        Overrides(named.get("nps"), named.get("csat"), (named["text"],) if "text" in named else ())
        if named
        else None
    )
    read = exports.read_survey_results(path, overrides)
    result = summarise(read.responses)
    summary = lines(
        say("file_survey", count=result.responses, skipped=len(read.skipped),
            nps=_measured(result.nps), csat=_measured(result.csat)),
        say("file_survey_columns", mapping=describe(read.columns)),
        say("file_survey_correct"),
    )  # fmt: skip
    headers = read.columns.order or (*read.columns.ignored, *read.columns.open)
    return summary, exports.survey_evidence(result), FileFound(str(path), headers=tuple(headers))


def _read_tickets(
    path: Path, interview: Interview | None
) -> tuple[Text, list[Evidence], FileFound]:
    analysis = exports.analyze_helpdesk_export(
        path, corrections=interview.ticket_corrections() if interview else ()
    )
    groups: list[Part] = []
    hardest = analysis.hardest()
    for rank_, mot in enumerate(hardest, start=1):
        tally, themes = analysis.moments[mot], analysis.top_themes(mot)
        example = " ".join((tally.example or tally.sample).split())
        groups.append(
            say("file_ticket_line", rank=rank_, code=mot.value.upper(), count=tally.count,
                share=f"{tally.negative_share:.0%}",
                themes=f" ({', '.join(theme_name(t) for t in themes)})" if themes else "",
                example=say("file_ticket_example", example=_clip(example, 90))
                if example else "")
        )  # fmt: skip
    unplaced = analysis.unclassified.count
    summary = say(
        "file_tickets", count=len(analysis.tickets), skipped=len(analysis.skipped),
        unplaced=say("file_tickets_unplaced", count=unplaced) if unplaced else "",
        top=lines(*groups),
    )  # fmt: skip
    found = FileFound(str(path), tuple(hardest))
    return summary, exports.records_evidence(analysis), found


def _measured(value: float | None) -> float | str:
    """A survey figure in the reader's decimal mark; "None" where the file had none."""
    return "None" if value is None else Shown(value)


def _clip(said: str, width: int) -> str:
    return said if len(said) <= width else said[: width - 1].rstrip() + "…"


def unreadable(error: Exception, path: Path) -> Text:
    """The reason a file could not be read, naming the file but not the server's folders."""
    # The command line's options to name survey columns mean nothing in a chat.
    reason = str(error).replace(str(path), path.name)
    reason = reason.replace(how_to_name(), _render_now(say("file_survey_name")))
    for role in ("nps", "csat"):
        chat_way = _render_now(say("file_survey_name_one", what=role.upper()))
        reason = reason.replace(name_one(f"--{role}-column"), chat_way)
    return say("file_unreadable", error=reason)


def _render_now(text: Text) -> str:
    """The reason of an unreadable file is already in the current language: edit it in that."""
    return text.render()
