"""Rasa actions of the interview: thin adapters onto `bot.core.interview` and `bot.services`.

The interview's state lives in the `interview` slot (plain data), so pausing
survives restarts; its evidence goes to the database through the services.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import display_name, interview_of, keep_place, own_session_id, remember
from bot import exports, services
from bot.app import current_app
from bot.core.answers import parse_method_choice
from bot.core.errors import MotError, SurveyNotFound
from bot.core.evidence import Evidence
from bot.core.identity import may_answer_survey, parse_sender, pseudonym, upload_folder
from bot.core.interview import FileFound, Interview, Question, Reply, explain, method_title
from bot.core.survey_columns import Overrides, describe, how_to_name, name_one
from bot.core.surveys import SurveyRun, summarise
from bot.core.taxonomy import Method, Mot, parse_mot
from bot.core.texts import text
from bot.tables import UnreadableTable

log = logging.getLogger(__name__)

DONE = "__done__"
# A custom message telling the chat adapter that a survey taker is done (finished,
# stopped, or the survey closed), so it stops routing them to their pseudonym.
SURVEY_FINISHED = "survey_finished"
# Ends the turn where a rule would go on (e.g. into the survey's questions after a refusal).
LISTEN: list[EventType] = [FollowupAction("action_listen")]


def _method_from(tracker: Tracker, text: str = "") -> Method | None:
    named = tracker.get_slot("method")
    if named in {m.value for m in Method}:
        return Method(named)
    return parse_method_choice(text)


def method_buttons(interview: Interview) -> list[dict[str, str]]:
    return [
        {
            "title": _first_upper(method_title(m)),
            "payload": f'/choose_method{{"method": "{m.value}"}}',
        }
        for m in interview.open_methods()
    ]


def _first_upper(title: str) -> str:
    """'team knowledge' -> 'Team knowledge' (str.capitalize would lower the rest)."""
    return title[:1].upper() + title[1:]


def question_buttons(question: Question) -> list[dict[str, str]]:
    if question.options:
        return [{"title": title, "payload": answer} for title, answer in question.options]
    if question.kind == "rating":
        return [{"title": str(n), "payload": str(n)} for n in range(1, 6)]
    yes = {"title": text("answer.yes"), "payload": "yes"}  # payloads: what the answer reads
    if question.kind in ("yesno", "ticket_check"):
        return [yes, {"title": text("answer.no"), "payload": "no"}]
    if question.kind == "column_check":
        return [yes]
    return []


def _save_turn(tracker: Tracker, interview: Interview, reply: Reply) -> dict[str, Any]:
    """Store the turn's evidence and the interview's new place together; the slot mirrors it.

    Raises SQLAlchemyError or MotError when nothing could be stored (nothing was).
    """
    session_id = own_session_id(tracker)
    state = interview.state.to_dict()
    if session_id:
        services.save_turn(
            current_app().uow, session_id, parse_sender(tracker.sender_id).participant_key,
            display_name(tracker), interview.state, reply.evidence,
        )  # fmt: skip
    return state


def _store(tracker: Tracker, reply: Reply) -> None:
    """Save the evidence a reply carries, attributed to the person who answered."""
    session_id = own_session_id(tracker)
    if not reply.evidence or not session_id:
        return
    speaker = parse_sender(tracker.sender_id)
    for key, items in reply.evidence.items():
        services.add_evidence(
            current_app().uow, session_id, items, speaker.participant_key,
            display_name(tracker), source_key=key,
        )  # fmt: skip


def _upload_of(tracker: Tracker) -> str | None:
    """The file a chat adapter announced as `/upload_file{"file_path": ...}`, if any.

    "" when the intent came without a path (someone only said they'd send a file).
    """
    message = tracker.latest_message
    if (message.get("intent") or {}).get("name") != "upload_file":
        return None
    for entity in message.get("entities") or []:
        if entity.get("entity") == "file_path" and entity.get("value"):
            return str(entity["value"])
    return ""


def _resolve_upload(tracker: Tracker, relative: str) -> Path | None:
    """An uploaded file in the sender's own chat's uploads folder; nothing else is ever read."""
    root = (current_app().settings.uploads_dir / upload_folder(tracker.sender_id)).resolve()
    path = (current_app().settings.uploads_dir / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _read_file(
    key: str, path: Path, interview: Interview | None = None
) -> tuple[str, list[Evidence], FileFound]:
    """The summary and evidence of a ticket export or survey results file.

    The interview's corrections (ticket groups moved, survey columns named)
    are applied; what the team may correct next comes back as `FileFound`.
    """
    upload = str(path)
    if key == "records.export":
        analysis = exports.analyse_ticket_file(
            path, corrections=interview.ticket_corrections() if interview else ()
        )
        lines = []
        hardest = analysis.hardest()
        for rank, mot in enumerate(hardest, start=1):
            tally, themes = analysis.moments[mot], analysis.top_themes(mot)
            example = " ".join((tally.example or tally.sample).split())
            lines.append(
                text("file_ticket_line", rank=rank, code=mot.value.upper(), count=tally.count,
                     share=f"{tally.negative_share:.0%}",
                     themes=f" ({', '.join(themes)})" if themes else "",
                     example=text("file_ticket_example", example=_clip(example, 90))
                     if example else "")
            )  # fmt: skip
        unplaced = analysis.unclassified.count
        summary = text("file_tickets", count=len(analysis.tickets), skipped=len(analysis.skipped),
                       unplaced=text("file_tickets_unplaced", count=unplaced) if unplaced else "",
                       top="\n".join(lines))  # fmt: skip
        return summary, exports.records_evidence(analysis), FileFound(upload, tuple(hardest))
    named = interview.column_overrides() if interview else {}
    overrides = (
        Overrides(named.get("nps"), named.get("csat"), (named["text"],) if "text" in named else ())
        if named
        else None
    )
    read = exports.read_survey_export(path, overrides)
    result = summarise(read.responses)
    summary = "\n".join((
        text("file_survey", count=result.responses, skipped=len(read.skipped),
             nps=result.nps, csat=result.csat),
        text("file_survey_columns", mapping=describe(read.columns)),
        text("file_survey_correct"),
    ))  # fmt: skip
    headers = read.columns.order or (*read.columns.ignored, *read.columns.open)
    return summary, exports.survey_evidence(result), FileFound(upload, headers=tuple(headers))


def _clip(said: str, width: int) -> str:
    return said if len(said) <= width else said[: width - 1].rstrip() + "…"


def _unreadable(error: Exception, path: Path) -> str:
    """The reason a file could not be read, naming the file but not the server's folders."""
    # The command line's options to name survey columns mean nothing in a chat.
    reason = (
        str(error).replace(str(path), path.name).replace(how_to_name(), text("file_survey_name"))
    )
    for role in ("nps", "csat"):
        chat_way = text("file_survey_name_one", what=role.upper())
        reason = reason.replace(name_one(f"--{role}-column"), chat_way)
    return text("file_unreadable", error=reason)


def _analyse_file(tracker: Tracker, interview: Interview, key: str) -> Reply:
    """Read an uploaded export (tickets or survey results) and hand the result back.

    Only files a front-end uploaded into the uploads folder are read. A typed
    answer is never opened as a path here, whoever sends it: the terminal
    front-end uploads a file whose path its local user types.
    """
    upload = _upload_of(tracker)
    if not upload:
        return interview.file_result(key, False, text("upload_as_document"), [])
    path = _resolve_upload(tracker, upload)
    if path is None:
        return interview.file_result(key, False, text("upload_missing"), [])
    try:
        summary, evidence, found = _read_file(key, path, interview)
    except (UnreadableTable, OSError) as error:
        return interview.file_result(key, False, _unreadable(error, path), [])
    return interview.file_result(key, True, summary, evidence, _relative(found))


def _relative(found: FileFound) -> FileFound:
    """The upload as the uploads folder knows it, so it can be found again next turn."""
    root = current_app().settings.uploads_dir.resolve()
    path = Path(found.upload).resolve()
    upload = str(path.relative_to(root)) if path.is_relative_to(root) else found.upload
    return FileFound(upload, found.groups, found.headers)


def _reread_file(tracker: Tracker, interview: Interview, key: str) -> Reply:
    """Read an answered file question's upload again, now with the team's corrections."""
    upload = interview.file_upload(key)
    path = _resolve_upload(tracker, upload) if upload else None
    if path is None:
        return interview.file_gone(key, text("file_gone"))
    try:
        summary, evidence, found = _read_file(key, path, interview)
    except (UnreadableTable, OSError) as error:
        return interview.correction_failed(key, _unreadable(error, path))
    if key == "records.export":
        corrections = interview.ticket_corrections()
        source, target = corrections[-1]
        said = text("tickets_rereading", source=source.value.upper(), target=target.value.upper())
    else:
        said = text("columns_rereading", mapping=describe_named(interview.column_overrides()))
    reply = interview.file_result(key, True, summary, evidence, _relative(found))
    reply.messages.insert(0, said)
    return reply


def describe_named(named: dict[str, str]) -> str:
    """The columns the team named: "NPS ← 'Q4', open answers ← 'What could we improve?'"."""
    keys = {"nps": "columns.nps", "csat": "columns.csat", "text": "columns.open"}
    return ", ".join(
        text(keys[role], column=f"'{_clip(header, 60)}'") for role, header in named.items()
    )


def _receive_upload(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """A file sent outside a file question: analyse it, and store it when a session is set up."""
    upload = _upload_of(tracker)
    path = _resolve_upload(tracker, upload) if upload else None
    if not upload:
        dispatcher.utter_message(text=text("upload_how"))
        return
    if path is None:
        dispatcher.utter_message(text=text("upload_missing"))
        return
    key, summary, evidence = "", "", list[Evidence]()
    error: Exception | None = None
    for key in ("survey.results", "records.export"):  # a survey file has score columns
        try:
            summary, evidence, _ = _read_file(key, path)
            if key == "survey.results":
                summary += "\n" + text("file_survey_correct_later")
            break
        except (UnreadableTable, OSError) as failed:
            error = failed  # the ticket reader's reason is the more telling one
    else:
        dispatcher.utter_message(text=_unreadable(error or OSError(), path))
        return
    if interview_of(tracker) is None or not own_session_id(tracker):
        dispatcher.utter_message(text=summary + "\n" + text("upload_not_added"))
        return
    _store(tracker, Reply(messages=[], evidence={key: evidence}))
    dispatcher.utter_message(text=summary + "\n" + text("upload_added"))


class ActionReceiveFile(Action):
    """A document arrived (the adapter saved it under the uploads folder)."""

    def name(self) -> str:
        return "action_receive_file"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            _receive_upload(dispatcher, tracker)
        except (SQLAlchemyError, MotError):
            log.exception("could not store an uploaded file's evidence")
            dispatcher.utter_message(text=text("answer_not_saved"))
        return []


def _say(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    for message in reply.messages:
        dispatcher.utter_message(text=message)


class ActionOfferMethods(Action):
    def name(self) -> str:
        return "action_offer_methods"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        if interview is None:
            return []
        if interview.needs_stage():
            # First: is the product live or still planned? The interview form asks it
            # (with its options) and takes the answer; the menu follows in that order.
            return [SlotSet("interview_answer", None), FollowupAction("interview_form")]
        dispatcher.utter_message(
            text=text("offer_methods"),
            buttons=method_buttons(interview),
        )
        return []


class ActionStartMethod(Action):
    """Begin (or continue) the method the team chose."""

    def name(self) -> str:
        return "action_start_method"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        if interview is None:
            dispatcher.utter_message(text=text("context_first"))
            return [ActiveLoop(None)]
        method = _method_from(tracker, str(tracker.latest_message.get("text") or ""))
        if method is None:
            if not interview.needs_stage():  # else the form asks whether it is live first
                dispatcher.utter_message(
                    text=text("which_method"), buttons=method_buttons(interview)
                )
            return [remember(tracker, interview)]
        top: list[Mot] = []
        session_id = own_session_id(tracker)
        if method is Method.SURVEY and session_id:
            found = services.findings(current_app().uow, session_id)
            top = list(dict.fromkeys(m.mot for m in found.moments))  # one item per code
        reply = interview.start(method, top)
        _say(dispatcher, reply)
        if reply.survey and session_id:
            survey = services.create_survey(current_app().uow, session_id, reply.survey)
            bot_name = (tracker.latest_message.get("metadata") or {}).get("bot_username")
            if bot_name:
                link = f"https://t.me/{bot_name}?start={survey.code}"
                dispatcher.utter_message(text=text("survey.link", link=link, code=survey.code))
            else:
                dispatcher.utter_message(text=text("survey.code", code=survey.code))
        return [
            remember(tracker, interview),
            SlotSet("interview_answer", DONE if reply.finished else None),
            SlotSet("method", None),
        ]


class ActionAskInterviewAnswer(Action):
    """Asks the interview's current question; the form calls it for every turn."""

    def name(self) -> str:
        return "action_ask_interview_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        if interview is None:
            dispatcher.utter_message(text=text("setup_first"))
            return []
        question = interview.current_question()
        if question is None:
            first = not interview.done() and not any(interview.started(m) for m in Method)
            dispatcher.utter_message(
                text=text("offer_methods" if first else "which_method_next"),
                buttons=method_buttons(interview),
            )
            return []
        dispatcher.utter_message(text=question.text, buttons=question_buttons(question))
        if interview.state.stage_unclear is not None:
            interview.asked()
            return [remember(tracker, interview)]
        return []


class ValidateInterviewForm(FormValidationAction):
    """Every answer goes to the interview engine; the form goes on until a method is done."""

    def name(self) -> str:
        return "validate_interview_form"

    async def validate_interview_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        interview = interview_of(tracker)
        if interview is None:
            dispatcher.utter_message(text=text("setup_first"))
            return {"interview_answer": DONE}
        said = str(value or "").strip()
        if not said or said == DONE:
            # The slot was cleared by an action (start, resume): nothing was answered.
            return {"interview_answer": None}
        question = interview.current_question()
        if _upload_of(tracker) is not None and (question is None or question.kind != "file"):
            # A document sent in the middle of other questions: read it, then ask on.
            try:
                _receive_upload(dispatcher, tracker)
            except (SQLAlchemyError, MotError):
                log.exception("could not store an uploaded file's evidence")
                dispatcher.utter_message(text=text("answer_not_saved"))
            return {"interview_answer": None}
        if interview.method is None:
            method = _method_from(tracker, said)
            if question is not None:  # live or still planned?
                reply = interview.answer(said)
                if reply.question is not None and method is not None:
                    reply = interview.start(method)  # a method named instead: take it
            elif method is None:
                dispatcher.utter_message(text=text("pick_method"))
                return {"interview_answer": None}
            else:
                reply = interview.start(method)
        else:
            reply = interview.answer(said)
            if reply.analyse is not None:
                reply = _analyse_file(tracker, interview, reply.analyse[0])
            elif reply.reread is not None:
                reply = _reread_file(tracker, interview, reply.reread)
        try:
            state = _save_turn(tracker, interview, reply)
        except (SQLAlchemyError, MotError):
            log.exception("could not store the interview turn")
            dispatcher.utter_message(text=text("answer_not_saved"))
            return {"interview_answer": None}
        _say(dispatcher, reply)
        return {"interview": state, "interview_answer": DONE if reply.finished else None}


class ActionInterviewNext(Action):
    """After a method: offer what is still open."""

    def name(self) -> str:
        return "action_interview_next"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        events: list[EventType] = [SlotSet("interview_answer", None)]
        if interview is not None and interview.open_methods():
            dispatcher.utter_message(text=text("pick_next"), buttons=method_buttons(interview))
        return events


class _InterviewCommand(Action):
    """A command that changes the interview's place: skip, go back, pause."""

    command = ""

    def name(self) -> str:
        return f"action_{self.command}"

    def act(self, interview: Interview, said: str) -> Reply:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        if interview is None:
            dispatcher.utter_message(text=text("not_started"))
            return [ActiveLoop(None)] if tracker.active_loop_name else []
        reply = self.act(interview, str(tracker.latest_message.get("text") or ""))
        try:
            state = _save_turn(tracker, interview, reply)
        except (SQLAlchemyError, MotError):
            log.exception("could not store the interview turn")
            dispatcher.utter_message(text=text("answer_not_saved"))
            return keep_place(tracker)
        _say(dispatcher, reply)
        return [SlotSet("interview", state), *self.after(reply)]

    def after(self, reply: Reply) -> list[EventType]:
        return [SlotSet("interview_answer", DONE if reply.finished else None)]


class ActionSkip(_InterviewCommand):
    command = "skip"

    def act(self, interview: Interview, said: str) -> Reply:
        return interview.skip(said)  # "skip this moment" skips all of its questions


class ActionGoBack(_InterviewCommand):
    command = "go_back"

    def act(self, interview: Interview, said: str) -> Reply:
        return interview.go_back()


class ActionPause(_InterviewCommand):
    command = "pause"

    def act(self, interview: Interview, said: str) -> Reply:
        return interview.pause()

    def after(self, reply: Reply) -> list[EventType]:
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionResume(Action):
    def name(self) -> str:
        return "action_resume"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        if interview is None:
            if own_session_id(tracker):
                # The product questions are unfinished: go on with those.
                dispatcher.utter_message(text=text("resumed"))
                return [FollowupAction("context_form")]
            dispatcher.utter_message(text=text("not_started_short"))
            return [FollowupAction("action_listen")]
        dispatcher.utter_message(text=text("welcome_back"))
        return []


class ActionWhereAreWe(Action):
    def name(self) -> str:
        return "action_where_are_we"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        interview = interview_of(tracker)
        if interview is None:
            dispatcher.utter_message(text=text("where_at_start"))
            return keep_place(tracker)
        # Inside the interview form the form asks the current question right after.
        status = interview.status(with_question=tracker.active_loop_name != "interview_form")
        dispatcher.utter_message(text=status)
        return keep_place(tracker)


class ActionExplain(Action):
    def name(self) -> str:
        return "action_explain"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = tracker.get_slot("mot")
        mot: Mot | None = None
        if code:
            try:
                mot = parse_mot(str(code))
            except MotError:
                mot = None
        interview = interview_of(tracker)
        business = interview.context.business if interview else None
        dispatcher.utter_message(text=explain(mot, business))
        return [*keep_place(tracker), SlotSet("mot", None)]


class ActionFindings(Action):
    """The current top moments of this team's own session (never another team's)."""

    def name(self) -> str:
        return "action_findings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        session_id = own_session_id(tracker)
        if not session_id:
            dispatcher.utter_message(text=text("findings_none"))
            return keep_place(tracker)
        found = services.findings(current_app().uow, session_id)
        shown = found.moments[:3] or found.strengths[:3]  # pains first; else strengths
        if not shown:
            dispatcher.utter_message(text=text("findings_empty"))
            return keep_place(tracker)
        lines = [text("findings_head")]
        for moment in shown:
            methods = ", ".join(m.value for m in moment.methods)
            lines.append(
                text("findings_line", rank=moment.rank, title=moment.title,
                     polarity=moment.polarity, score=moment.score, methods=methods)
            )  # fmt: skip
        dispatcher.utter_message(text="\n".join(lines))
        return keep_place(tracker)


class ActionStartSurveyAnswering(Action):
    """A customer opens a shared survey: anonymous, and blind to the team's data."""

    def name(self) -> str:
        return "action_start_survey_answering"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = str(tracker.get_slot("survey_code") or "")
        try:
            survey = services.get_survey(current_app().uow, code)
        except SurveyNotFound:
            dispatcher.utter_message(text=text("survey.unknown"))
            dispatcher.utter_message(json_message={SURVEY_FINISHED: True})
            return [ActiveLoop(None), SlotSet("survey_code", None), *LISTEN]
        if not may_answer_survey(tracker.sender_id):
            # A chat member's own conversation carries their id (and a group sees it all).
            bot_name = (tracker.latest_message.get("metadata") or {}).get("bot_username")
            link = f"https://t.me/{bot_name}?start={survey.code}" if bot_name else survey.code
            dispatcher.utter_message(text=text("survey.use_link", link=link))
            return [ActiveLoop(None), SlotSet("survey_code", None), *LISTEN]
        run = SurveyRun(survey.moments, survey.product, channels=_channels_of(survey.session_id))
        dispatcher.utter_message(text=text("survey.thanks_intro", product=survey.product))
        return [
            SlotSet("respondent", {"code": survey.code, "state": run.state}),
            SlotSet("respondent_answer", None),
        ]


def _channels_of(session_id: str) -> list[str]:
    """The team's channels, so the survey names them where customers would."""
    try:
        context = services.get_session(current_app().uow, session_id).context
    except MotError:
        return []
    return list(context.channels) if context else []


def survey_run(tracker: Tracker) -> tuple[str, SurveyRun] | None:
    data = tracker.get_slot("respondent")
    if not isinstance(data, dict) or "code" not in data:
        return None
    try:
        survey = services.get_survey(current_app().uow, str(data["code"]))
    except SurveyNotFound:
        return None
    channels = _channels_of(survey.session_id)
    return survey.code, SurveyRun(survey.moments, survey.product, data.get("state"), channels)


class ActionAskRespondentAnswer(Action):
    def name(self) -> str:
        return "action_ask_respondent_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        found = survey_run(tracker)
        if found is None:
            dispatcher.utter_message(text=text("survey.closed"))
            dispatcher.utter_message(json_message={SURVEY_FINISHED: True})
            return [ActiveLoop(None), SlotSet("respondent", None)]
        current = found[1].current()
        if current:
            key, question = current
            buttons = []
            if key == "csat":
                buttons = [{"title": str(n), "payload": str(n)} for n in range(1, 6)]
            dispatcher.utter_message(text=question, buttons=buttons)
        return []


class ValidateRespondentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_respondent_form"

    async def validate_respondent_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = survey_run(tracker)
        if found is None:
            return {"respondent_answer": DONE}
        code, run = found
        said = str(value or "")
        if said.strip().lower() == "skip":
            run.skip()
        else:
            hint = run.answer(said)
            if hint:
                dispatcher.utter_message(text=hint)
        state = {"code": code, "state": run.state}
        if run.current() is not None:
            return {"respondent": state, "respondent_answer": None}
        respondent = pseudonym(current_app().settings.secret_key, "survey", tracker.sender_id)
        try:
            services.record_survey_response(current_app().uow, code, run.response(), respondent)
        except SurveyNotFound:
            dispatcher.utter_message(text=text("survey.closed"))
            dispatcher.utter_message(json_message={SURVEY_FINISHED: True})
            return {"respondent": None, "respondent_answer": DONE}
        except (SQLAlchemyError, MotError):
            log.exception("could not store a survey response")
            dispatcher.utter_message(text=text("survey_not_saved"))
            return {"respondent": state, "respondent_answer": None}
        dispatcher.utter_message(json_message={SURVEY_FINISHED: True})
        return {"respondent": None, "respondent_answer": DONE}
