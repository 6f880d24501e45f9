"""Rasa actions of the interview: thin adapters onto `bot.interview_service`.

Each action reads the text and the slots, makes one `interview_turn` call (one
unit of work: progress, evidence, survey, file), renders the turn's messages
in the conversation's language and tells Rasa what comes next. The interview's
progress lives in our database, one row per session and participant; no slot
holds it.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import interview_of, keep_place, member_of, own_session_id, send
from bot import services
from bot.app import current_app
from bot.core.errors import MotError, StorageError, SurveyNotFound
from bot.core.identity import may_answer_survey, pseudonym
from bot.core.interview import explain
from bot.core.surveys import SurveyRun
from bot.core.taxonomy import Method, Mot, parse_mot
from bot.core.texts import render, text
from bot.interview_service import Act, Then, Turn, interview_turn
from bot.report.wording import method_name, number, polarity_name

log = logging.getLogger(__name__)

DONE = "__done__"
# A custom message telling the chat adapter that a survey taker is done (finished,
# stopped, or the survey closed), so it stops routing them to their pseudonym.
SURVEY_FINISHED = "survey_finished"
# Ends the turn where a rule would go on (e.g. into the survey's questions after a refusal).
LISTEN: list[EventType] = [FollowupAction("action_listen")]


def _chosen_method(tracker: Tracker) -> Method | None:
    """The method a button named (`/choose_method{"method": ...}`), if any."""
    named = tracker.get_slot("method")
    return Method(named) if named in {m.value for m in Method} else None


def _said(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


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


def _turn(
    dispatcher: CollectingDispatcher, tracker: Tracker, act: Act, said: str = "", **more: Any
) -> Turn | None:
    """One interview turn, its messages sent; None when nothing could be stored (it says so)."""
    try:
        turn = interview_turn(current_app().uow, member_of(tracker), said, act=act, **more)
    except StorageError:
        log.exception("could not store the interview turn")
        dispatcher.utter_message(text=text("answer_not_saved"))
        return None
    send(dispatcher, turn.messages)
    return turn


def _answered(turn: Turn) -> str | None:
    """The form's slot after a turn: done when a method is finished, else ask on."""
    return DONE if turn.then is Then.METHOD_DONE else None


class ActionReceiveFile(Action):
    """A document arrived (the adapter saved it under the uploads folder)."""

    def name(self) -> str:
        return "action_receive_file"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _turn(dispatcher, tracker, Act.FILE, upload=_upload_of(tracker))
        return []


class ActionOfferMethods(Action):
    def name(self) -> str:
        return "action_offer_methods"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _turn(dispatcher, tracker, Act.OFFER)
        if turn is not None and turn.then is Then.ASK_STAGE:
            # First: is the product live or still planned? The interview form asks it
            # (with its options) and takes the answer; the menu follows in that order.
            return [SlotSet("interview_answer", None), FollowupAction("interview_form")]
        return []


class ActionStartMethod(Action):
    """Begin (or continue) the method the team chose."""

    def name(self) -> str:
        return "action_start_method"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        method = _chosen_method(tracker)
        turn = _turn(dispatcher, tracker, Act.START, _said(tracker), method=method)
        if turn is None:
            return [SlotSet("method", None)]
        if turn.then is Then.NO_INTERVIEW:
            return [ActiveLoop(None)]
        if turn.started is None:
            return []  # no method named: the menu (or the live-or-planned question) comes
        return [SlotSet("interview_answer", _answered(turn)), SlotSet("method", None)]


class ActionAskInterviewAnswer(Action):
    """Asks the interview's current question; the form calls it for every turn."""

    def name(self) -> str:
        return "action_ask_interview_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _turn(dispatcher, tracker, Act.ASK)
        return []


class ValidateInterviewForm(FormValidationAction):
    """Every answer goes to the interview service; the form goes on until a method is done."""

    def name(self) -> str:
        return "validate_interview_form"

    async def validate_interview_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        said = str(value or "").strip()
        if not said or said == DONE:
            # The slot was cleared by an action (start, resume): nothing was answered.
            return {"interview_answer": None}
        turn = _turn(
            dispatcher, tracker, Act.ANSWER, said,
            upload=_upload_of(tracker), method=_chosen_method(tracker),
        )  # fmt: skip
        if turn is not None and turn.then is Then.NO_INTERVIEW:
            return {"interview_answer": DONE}
        return {"interview_answer": _answered(turn) if turn else None}


class ActionInterviewNext(Action):
    """After a method: offer what is still open."""

    def name(self) -> str:
        return "action_interview_next"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _turn(dispatcher, tracker, Act.NEXT)
        return [SlotSet("interview_answer", None)]


class _InterviewCommand(Action):
    """A command that changes the interview's place: skip, go back, pause."""

    act = Act.SKIP

    def name(self) -> str:
        return f"action_{self.act.name.lower()}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _turn(dispatcher, tracker, self.act, _said(tracker))
        if turn is None:
            return keep_place(tracker)
        if turn.then is Then.NO_INTERVIEW:
            return [ActiveLoop(None)] if tracker.active_loop_name else []
        if turn.then is Then.STOP:
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        return [SlotSet("interview_answer", _answered(turn))]


class ActionSkip(_InterviewCommand):
    act = Act.SKIP  # "skip this moment" skips all of its questions


class ActionGoBack(_InterviewCommand):
    act = Act.BACK

    def name(self) -> str:
        return "action_go_back"


class ActionPause(_InterviewCommand):
    act = Act.PAUSE


class ActionResume(Action):
    def name(self) -> str:
        return "action_resume"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _turn(dispatcher, tracker, Act.RESUME)
        if turn is not None and turn.then is Then.CONTEXT:
            return [FollowupAction("context_form")]  # the product questions are unfinished
        if turn is not None and turn.then is Then.NO_INTERVIEW:
            return [FollowupAction("action_listen")]
        return []


class ActionWhereAreWe(Action):
    def name(self) -> str:
        return "action_where_are_we"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        in_form = tracker.active_loop_name == "interview_form"
        _turn(dispatcher, tracker, Act.WHERE, in_form=in_form)
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
        dispatcher.utter_message(text=render(explain(mot, business)))
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
            methods = ", ".join(method_name(m) for m in moment.methods)
            lines.append(
                text("findings_line", rank=moment.rank, title=moment.title,
                     polarity=polarity_name(moment.polarity), score=number(moment.score),
                     methods=methods)
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
        except MotError:
            log.exception("could not store a survey response")
            dispatcher.utter_message(text=text("survey_not_saved"))
            return {"respondent": state, "respondent_answer": None}
        dispatcher.utter_message(json_message={SURVEY_FINISHED: True})
        return {"respondent": None, "respondent_answer": DONE}
