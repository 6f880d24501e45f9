"""The interview: the four identification methods as guided question sequences.

A plain state machine. Its state is a typed `InterviewState` (stored between
turns by `bot.interview_service`, one row per session and participant, so a
pause survives restarts); every answer returns a `Reply` with what to say (as
catalogue keys with parameters, `Say`: the edge renders them in the
conversation's language), the evidence to store (replacing earlier evidence
under the same key, so "go back" can change an answer) and the next question.
Nothing here does I/O: reading an uploaded file is the service's job,
announced by `Reply.analyze`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from bot.core.answers import (
    LIVE,
    PLANNING,
    parse_rating,
    parse_stage,
    parse_yes_no,
    recognise_moment,
)
from bot.core.context import ProductContext, channel_names, channel_phrase, is_known_channel
from bot.core.corrections import parse_column_corrections, parse_ticket_correction
from bot.core.errors import UnclearAnswer
from bot.core.evidence import Evidence
from bot.core.interview_state import InterviewState
from bot.core.scoring import RECORDS_SUMMARY
from bot.core.survey_columns import shorten
from bot.core.surveys import moment_prompt
from bot.core.taxonomy import MOMENTS, Business, Method, Mot, Polarity
from bot.core.texts import Part, Text, from_data, joined, lines, render, say, text, to_data
from bot.core.tickets import normalise
from bot.core.wordlists import anywhere, pattern

TEAM_MOMENTS = (Mot.LZMOT, Mot.ZMOT, Mot.FMOT, Mot.AMOT, Mot.SMOT, Mot.UMOT)

# The competitor walk-through: each step a customer takes, and the moment it is.
COMPETITOR_STEPS: tuple[tuple[str, Mot], ...] = (
    ("ads", Mot.LZMOT),
    ("search", Mot.ZMOT),
    ("reviews", Mot.ZMOT),
    ("page", Mot.FMOT),
    ("buy", Mot.AMOT),
    ("support", Mot.SMOT),
    ("replies", Mot.UMOT),
)


# Texts are looked up when used, in the conversation's language, never at import.
def method_title(method: Method) -> Text:
    """'team knowledge', 'service records', ..."""
    return say(f"method.{method.value}")


def method_intro(method: Method) -> Text:
    return say(f"intro.{method.value}")


def example(mot: Mot, business: Business) -> Text:
    """Where the moment happens, in words a team of this business type recognises."""
    return say(f"example.{mot.value}.{business.value}")


def step_action(step: str) -> Text:
    """What the team does as the competitor's customer at one step: 'read their reviews'."""
    return say(f"step.{step}")


SURVEY_MOMENTS = 3

# Live or still being planned: asked before the first method; it decides where to start.
STAGE_KEY = "setup.stage"
METHOD_ORDER: dict[str, tuple[Method, ...]] = {
    # A live product: customers have already named pains in service records; surveys confirm.
    LIVE: (Method.RECORDS, Method.TEAM, Method.SURVEY, Method.COMPETITOR),
    # Before launch: no records and no customers yet, so competitors and the team come first.
    PLANNING: (Method.COMPETITOR, Method.TEAM, Method.SURVEY, Method.RECORDS),
}

# Moments the team names itself, beyond the six (each kept as its own item).
OWN_MOMENTS = 3

# The product's channels worth offering as touchpoints at each moment, and places every
# team meets customers there whatever its channels (key of texts' "tp.*").
TOUCHPOINT_CHANNELS: dict[Mot, tuple[str, ...]] = {
    Mot.LZMOT: ("social media", "email", "sales team", "partners"),
    Mot.ZMOT: ("website", "social media", "marketplaces"),
    Mot.FMOT: ("website", "mobile app", "physical store", "sales team", "marketplaces",
               "partners"),
    Mot.AMOT: ("email", "mobile app", "website", "phone", "partners"),
    Mot.SMOT: ("mobile app", "website", "phone", "email", "chat", "physical store"),
    Mot.UMOT: ("social media", "marketplaces"),
}  # fmt: skip
TOUCHPOINT_EXTRAS: dict[Mot, tuple[str, ...]] = {
    Mot.LZMOT: ("ads", "word_of_mouth"),
    Mot.ZMOT: ("search", "review_sites"),
    Mot.FMOT: (),
    Mot.AMOT: ("delivery",),
    Mot.SMOT: ("product",),
    Mot.UMOT: ("review_sites", "word_of_mouth"),
}
MAX_OPTIONS = 6


@dataclass(frozen=True)
class Question:
    key: str
    method: Method | None  # None: the question before the methods (live or planned)
    kind: str  # text | story | rating | yesno | moment | file | stage | own | polarity
    text: Text
    hint: Part = ""
    mot: Mot | None = None
    options: tuple[tuple[Part, str], ...] = ()  # (title, answer) a front-end may offer


def _as_offered(question: Question | None, answer: str) -> Part:
    """An earlier answer as the person saw it: an option's title ("Pain point", "Live")
    rather than the code stored for it ("pain", "live"); other answers as given."""
    if question is not None:
        for title, value in question.options:
            if value == answer:
                return title
    return answer


@dataclass(frozen=True)
class FileFound:
    """What a read file offers the team to correct: where it is, what was shown."""

    upload: str  # the upload's path under the uploads folder
    groups: tuple[Mot, ...] = ()  # ticket groups, in the order the summary lists them
    headers: tuple[str, ...] = ()  # a survey file's columns, in the file's order

    def __post_init__(self) -> None:
        if len(self.headers) > 200:
            object.__setattr__(self, "headers", self.headers[:200])


@dataclass
class Reply:
    messages: list[Part] = field(default_factory=list)  # rendered by the edge
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # key -> replacement
    question: Question | None = None
    finished: Method | None = None
    analyze: tuple[str, str] | None = None  # (question key, answer): the service reads the file
    reread: str | None = None  # a file question's key: read its file again, corrected
    survey: list[Mot] | None = None  # the adapter creates a shareable survey for these


class Interview:
    """Progress through the four methods; `state` is what gets saved between turns."""

    def __init__(
        self, context: ProductContext, state: InterviewState | dict[str, Any] | None = None
    ) -> None:
        self.context = context
        self.state = state if isinstance(state, InterviewState) else InterviewState.from_dict(state)

    # --- where we are -----------------------------------------------------------

    @property
    def method(self) -> Method | None:
        value = self.state.method
        return Method(value) if value else None

    @property
    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = self.state.answers
        return answers

    def done(self) -> list[Method]:
        return [Method(m) for m in self.state.done]

    @property
    def stage(self) -> str | None:
        """'live' or 'planning' once the team said so."""
        stage = self.state.stage
        return str(stage) if stage else None

    def method_order(self) -> list[Method]:
        """The methods in the order recommended for a live or a planned product."""
        return list(METHOD_ORDER.get(self.stage or "", tuple(Method)))

    def open_methods(self) -> list[Method]:
        return [m for m in self.method_order() if m.value not in self.state.done]

    def skipped_moments(self) -> list[Mot]:
        return [Mot(m) for m in self.state.skipped_moments]

    def needs_stage(self) -> bool:
        """Ask whether the product is live only at the very start, and only once."""
        return (
            self.stage is None
            and STAGE_KEY not in self.state.skipped
            and not self.state.order
            and not self.state.done
            and self.method is None
        )

    def stage_question(self) -> Question:
        product = self.context.product_name
        asked: Text = say("q.stage", product=product)
        unclear = self.state.stage_unclear
        if unclear:  # re-asked in one message, with its options
            asked = lines(say("stage.unclear", answer=unclear), asked)
        return Question(STAGE_KEY, None, "stage", asked,
                        say("h.stage", product=product),
                        options=((say("stage.live"), "live"),
                                 (say("stage.planning"), "still planning")))  # fmt: skip

    def asked(self) -> None:
        """The current question was shown: a re-question's lead-in is not repeated."""
        self.state.stage_unclear = None

    def recommendation(self) -> Text:
        """Why the methods are offered in this order, in one sentence."""
        if self.stage is None:
            return say("stage.any_order")
        return say(f"stage.recommend.{self.stage}", product=self.context.product_name)

    def started(self, method: Method) -> bool:
        return any(key.startswith(method.value + ".") for key in self.answers)

    def status(self, with_question: bool = True) -> Text:
        """Progress per method; without the current question when it is asked next anyway."""
        parts: list[Part] = []
        for method in self.method_order():
            if method.value in self.state.done:
                mark = say("status.done")
            elif self.started(method):
                total = len(self.plan(method))
                answered = sum(1 for q in self.plan(method) if self._settled(q.key))
                mark = say("status.progress", answered=answered, total=total)
            else:
                mark = say("status.open")
            parts.append(say("status.method", method=method_title(method), mark=mark))
        said: list[Part] = [say("status.head"), *parts]
        if self.skipped_moments():
            codes = ", ".join(m.value.upper() for m in self.skipped_moments())
            said.append(say("status.skipped_moments", codes=codes))
        question = self.current_question()
        if question and with_question:
            said.append(say("status.current", question=question.text))
        elif not question and self.open_methods():
            said.append(say("status.pick"))
        return lines(*said)

    def current_question(self) -> Question | None:
        method = self.method
        if method is None:
            return self.stage_question() if self.needs_stage() else None
        pending = self.state.pending
        if pending:
            asked = from_data(pending["question"])
            return Question(pending["key"] + ".confirm", method, "yesno", asked)
        return self.next_question(method)

    # --- the plans ----------------------------------------------------------------

    def plan(self, method: Method) -> list[Question]:
        builders = {
            Method.TEAM: self._team_plan,
            Method.RECORDS: self._records_plan,
            Method.COMPETITOR: self._competitor_plan,
            Method.SURVEY: self._survey_plan,
        }
        return builders[method]()

    def _team_moments(self) -> list[Mot]:
        gap = self.answers.get("team.gap")
        return [m for m in TEAM_MOMENTS if m is not Mot.AMOT or gap is not False]

    def _team_plan(self) -> list[Question]:
        business = self.context.business
        product = self.context.product_name
        questions = [
            Question("team.gap", Method.TEAM, "yesno", say("q.team.gap", product=product),
                     say("h.team.gap")),
        ]  # fmt: skip
        for mot in self._team_moments():
            info = MOMENTS[mot]
            hint: Text = say("h.team.moment", name=info.name, when=info.when,
                        example=example(mot, business))  # fmt: skip
            if mot is Mot.UMOT:
                hint += " " + say("umot_loop")
            values: dict[str, Part] = {"name": info.name, "code": mot.value.upper(),
                                       "when": info.when, "product": product}  # fmt: skip
            for field_name, kind in (("touchpoints", "text"), ("glory", "story"),
                                     ("pain", "story"), ("importance", "rating"),
                                     ("performance", "rating")):  # fmt: skip
                asked: Text = say(f"q.team.{field_name}", **values)
                if field_name == "touchpoints":
                    asked = self._touchpoint_question(mot, values)
                questions.append(
                    Question(f"team.{mot.value}.{field_name}", Method.TEAM, kind, asked, hint,
                             mot)
                )  # fmt: skip
        questions += self._own_moments_plan()
        return questions

    def touchpoint_options(self, mot: Mot) -> list[tuple[Part, str]]:
        """Where the team may meet customers at a moment: its own channels first.

        Each option is (what the team reads, e.g. 'on your website'; what it answers,
        e.g. 'website').
        """
        channels = self.context.channels
        fitting = [c for c in channels if c.lower() in TOUCHPOINT_CHANNELS[mot]]
        own_words = [c for c in channels if not is_known_channel(c)]
        options: list[tuple[Part, str]] = [(channel_phrase(c), c) for c in [*fitting, *own_words]]
        # The answer a touchpoint button sends is what the team would type, in its language.
        options += [(say(f"tp.{extra}"), text(f"tpt.{extra}")) for extra in TOUCHPOINT_EXTRAS[mot]]
        return options[:MAX_OPTIONS]

    def _touchpoint_question(self, mot: Mot, values: dict[str, Part]) -> Text:
        """The places are offered in the question, not as buttons: the answer stays open."""
        options = self.touchpoint_options(mot)
        asked: Text = say("q.team.touchpoints", **values)
        if options:
            places = joined((phrase for phrase, _ in options), ", ")
            asked = say("q.team.touchpoints_offered", places=places, **values)
        if mot is Mot.UMOT:
            asked += " " + say("umot_loop")
        return asked

    def _own_moments_plan(self) -> list[Question]:
        """'Is there a moment we haven't covered?' in the team's words, up to OWN_MOMENTS."""
        questions: list[Question] = []
        for number in range(1, OWN_MOMENTS + 1):
            key = f"team.own{number}"
            first = number == 1
            questions.append(
                Question(f"{key}.name", Method.TEAM, "own",
                         say("q.team.own_first" if first else "q.team.own_more"),
                         say("h.team.own"))
            )  # fmt: skip
            named = self.answers.get(f"{key}.name")
            if not isinstance(named, dict):
                break  # not named yet, skipped, or "no more"
            name = str(named["text"])
            if not named.get("mot"):
                options = tuple((say(f"stage_of.{m.value}"), m.value) for m in Mot)
                questions.append(
                    Question(f"{key}.mot", Method.TEAM, "moment",
                             say("q.team.own_mot", name=name), say("h.team.own_mot"),
                             options=options)
                )  # fmt: skip
            mot = self._own_mot(key)
            code = mot.value.upper() if mot else ""
            questions += [
                Question(f"{key}.polarity", Method.TEAM, "polarity",
                         say("q.team.own_polarity", name=name), say("h.team.own_polarity"),
                         options=((say("polarity.glory"), "glory"),
                                  (say("polarity.pain"), "pain"))),
                Question(f"{key}.story", Method.TEAM, "story",
                         say("q.team.own_story", name=name), say("h.team.own_story")),
                Question(f"{key}.importance", Method.TEAM, "rating",
                         say("q.team.own_importance", name=name, code=code)),
                Question(f"{key}.performance", Method.TEAM, "rating",
                         say("q.team.own_performance", name=name,
                              product=self.context.product_name)),
            ]  # fmt: skip
        return questions

    def _own_mot(self, key: str) -> Mot | None:
        named = self.answers.get(f"{key}.name")
        placed = self.answers.get(f"{key}.mot")
        if isinstance(placed, dict):
            return Mot(placed["mot"])
        if isinstance(named, dict) and named.get("mot"):
            return Mot(named["mot"])
        return None

    def _records_plan(self) -> list[Question]:
        def ask(key: str, kind: str, hint_key: str | None = None) -> Question:
            return Question(f"records.{key}", Method.RECORDS, kind, say(f"q.records.{key}"),
                            say(hint_key or f"h.records.{key}"))  # fmt: skip

        questions = [ask("has_export", "yesno")]
        has_export = self.answers.get("records.has_export")
        if has_export is True:
            questions += [ask("export", "file"), ask("confirm", "ticket_check")]
            if self.answers.get("records.confirm") is False:
                questions.append(ask("missing", "moment", "h.moment"))
        elif has_export is False:
            for which in ("complaint", "praise"):
                questions.append(ask(which, "story"))
                said = self.answers.get(f"records.{which}")
                if isinstance(said, str) and not _confidently_placed(said):
                    questions.append(
                        Question(f"records.{which}_moment", Method.RECORDS, "moment",
                                 say("q.records.moment"), say("h.moment"))
                    )  # fmt: skip
        return questions

    def _competitor_plan(self) -> list[Question]:
        questions = [
            Question("competitor.name", Method.COMPETITOR, "text", say("q.competitor.name"),
                     say("h.competitor.name")),
        ]  # fmt: skip
        rival = self.answers.get("competitor.name") or say("competitor.someone")
        product = self.context.product_name
        for step, mot in COMPETITOR_STEPS:
            action = step_action(step)
            hint: Text = say("h.competitor.step", rival=rival, action=action)
            if step == "replies":
                hint += " " + say("umot_loop")
            for part, kind in (("theirs", "rating"), ("ours", "rating"),
                               ("surprise", "story"), ("ideas", "story")):  # fmt: skip
                asked: Text = say(
                    f"q.competitor.{part}", rival=rival, action=action, product=product
                )
                if step == "replies" and part == "theirs":
                    asked = say("umot_loop") + " " + asked
                questions.append(
                    Question(f"competitor.{step}.{part}", Method.COMPETITOR, kind, asked, hint,
                             mot)
                )  # fmt: skip
        return questions

    def _survey_plan(self) -> list[Question]:
        questions = [
            Question("survey.results", Method.SURVEY, "file", say("q.survey.results"),
                     say("h.survey.results")),
        ]  # fmt: skip
        if "survey.results" in self.answers:
            headers = self.state.headers
            listed = ", ".join(
                f"{n} '{shorten(h, 40)}'" for n, h in enumerate(headers[:40], start=1)
            )
            asked: Text = say("q.survey.columns")
            if listed:
                asked = lines(asked, say("h.survey.columns", columns=listed))
            questions.append(
                Question("survey.columns", Method.SURVEY, "column_check", asked,
                         say("h.survey.columns_none"))
            )  # fmt: skip
        return questions

    def _settled(self, key: str) -> bool:
        return key in self.answers or key in self.state.skipped

    def next_question(self, method: Method) -> Question | None:
        for question in self.plan(method):
            if not self._settled(question.key):
                return question
        return None

    # --- moving -----------------------------------------------------------------

    def start(self, method: Method, top_moments: list[Mot] | None = None) -> Reply:
        """Begin or continue one method; finished methods can be done again."""
        self.state.method = method.value
        self.state.pending = None
        reply = Reply()
        if method.value in self.state.done:
            self.state.done.remove(method.value)
        if self.started(method):
            reply.messages.append(say("back_to", method=method_title(method)))
        else:
            reply.messages.append(method_intro(method))
        if method is Method.SURVEY and "survey.moments" not in self.answers:
            moments = (top_moments or [])[:SURVEY_MOMENTS] or [Mot.AMOT, Mot.SMOT, Mot.ZMOT]
            self.answers["survey.moments"] = [m.value for m in moments]
            reply.survey = moments
            reply.messages.append(self.survey_text(moments))
        return self._advance(reply)

    def survey_text(self, moments: list[Mot]) -> Text:
        """The survey as customers will see it, for the team's typical customer."""
        product = self.context.product_name
        head: Text = say("survey.head")
        if self.context.typical_customer:
            channels = channel_names(self.context.channels)
            head = say("survey.head_for", customer=self.context.typical_customer,
                        channels=channels) if channels else head  # fmt: skip
        said: list[Part] = [
            head,
            "1. " + say("survey.nps", product=product),
            "2. " + say("survey.csat", product=product),
        ]
        for index, mot in enumerate(moments):
            number = 3 + 2 * index
            where = moment_prompt(mot, self.context.channels)
            said.append(f"{number}. " + say("survey.well", where=where))
            said.append(f"{number + 1}. " + say("survey.badly"))
        return lines(*said)

    def _advance(self, reply: Reply) -> Reply:
        method = self.method
        if method is None:
            return reply
        question = self.current_question()
        if question is None:
            if method.value not in self.state.done:
                self.state.done.append(method.value)
            self.state.method = None
            reply.finished = method
            reply.messages.append(self.finished_text(method))
        reply.question = question
        return reply

    def finished_text(self, method: Method) -> Text:
        left = [method_title(m) for m in self.open_methods()]
        said = say("finished", method=method_title(method))
        if left:
            return said + say("still_open", methods=joined(left, ", "))
        return said + say("all_done")

    def answer(self, said: str) -> Reply:
        """Take the answer to the current question; unclear answers are asked again."""
        question = self.current_question()
        if question is None:
            return Reply(messages=[say("no_question")])
        pending = self.state.pending
        if pending:
            return self._confirm(pending, said)
        if question.key == STAGE_KEY:
            return self._answer_stage(question, said)
        if question.mot is not None and self._skips_moment(question, said):
            return self.skip_moment(question.mot)
        try:
            value = self._parse(question, said)
        except UnclearAnswer as unclear:
            return Reply(messages=[unclear.hint], question=question)
        return self._store(question, value)

    def _parse(self, question: Question, said: str) -> Any:
        cleaned = " ".join(said.split())
        if _hesitates(cleaned):
            explanation = question.hint or say("hesitation")
            raise UnclearAnswer(question.key, said, say("or_skip", explanation=explanation))
        if question.kind == "rating":
            rating = parse_rating(cleaned)
            if not rating.confident:
                self.state.pending = {
                    "key": question.key,
                    "value": rating.value,
                    "question": to_data(say("confirm_rating", answer=cleaned, value=rating.value)),
                }
                return _PENDING
            return rating.value
        if question.kind == "yesno":
            return parse_yes_no(cleaned)
        if question.kind == "ticket_check":
            return self._ticket_check(question, cleaned)
        if question.kind == "column_check":
            return self._column_check(question, cleaned)
        if question.kind == "moment":
            moment = recognise_moment(cleaned)
            value = {"mot": moment.mot.value, "text": cleaned}
            if not moment.confident:
                return self._confirm_moment_first(question, value, moment.mot)
            return value
        if question.kind == "file":
            if not cleaned:
                raise UnclearAnswer(question.key, said, question.hint)
            return cleaned
        if question.kind == "own":
            return _own_moment(question.key, cleaned)
        if question.kind == "polarity":
            return _polarity(question.key, cleaned)
        if len(cleaned) < 2:
            raise UnclearAnswer(question.key, said, say("short_answer"))
        if len(cleaned) > 2000:
            raise UnclearAnswer(question.key, said, say("long_answer"))
        return cleaned

    def _confirm(self, pending: dict[str, Any], said: str) -> Reply:
        try:
            yes = parse_yes_no(said)
        except UnclearAnswer:
            # Not a yes or no: maybe a new answer to the original question.
            self.state.pending = None
            return self.answer(said)
        self.state.pending = None
        question = next(q for q in self.plan(Method(pending["key"].split(".")[0]))
                        if q.key == pending["key"])  # fmt: skip
        if yes:
            return self._store(question, pending["value"])
        again = say("rating_again") if question.kind == "rating" else say("moment_again")
        return Reply(messages=[again], question=question)

    def _ticket_check(self, question: Question, said: str) -> Any:
        """Yes, no, or a listed group moved to another moment ("2 are about returns")."""
        groups = [Mot(code) for code in self.state.groups]
        correction = parse_ticket_correction(said, groups)
        if correction is None:
            try:
                return parse_yes_no(said)
            except UnclearAnswer:
                raise UnclearAnswer(question.key, said, question.hint) from None
        if not correction.confident:
            return self._confirm_moment_first(question, correction.as_answer(), correction.target)
        return correction.as_answer()

    def _confirm_moment_first(self, question: Question, value: Any, mot: Mot) -> object:
        """A moment guessed from the team's words is stored only after they confirm it."""
        info = MOMENTS[mot]
        self.state.pending = {
            "key": question.key,
            "value": value,
            "question": to_data(
                say("confirm_moment", name=info.name, code=mot.value.upper(), when=info.when)
            ),
        }
        return _PENDING

    def _column_check(self, question: Question, said: str) -> Any:
        """Yes, or the columns to use instead ("NPS is column 4")."""
        corrected = parse_column_corrections(said, list(self.state.headers))
        if corrected is not None:
            return corrected
        try:
            yes = parse_yes_no(said)
        except UnclearAnswer:
            raise UnclearAnswer(question.key, said, question.hint) from None
        if not yes:
            raise UnclearAnswer(question.key, said, question.hint)
        return True

    def _store(self, question: Question, value: Any) -> Reply:
        if value is _PENDING:
            return Reply(question=self.current_question())
        if question.kind in ("ticket_check", "column_check") and isinstance(value, dict):
            # Tried on the file first: kept by file_result, dropped by a failed read.
            self.state.trying = value
            key = "records.export" if question.kind == "ticket_check" else "survey.results"
            return Reply(reread=key, question=question)
        if question.kind == "file":
            # The service reads the file and calls file_result() with what it found.
            return Reply(analyze=(question.key, value), question=question)
        self.answers[question.key] = value
        if question.key in self.state.skipped:
            self.state.skipped.remove(question.key)
        self._remember(question.key)
        reply = Reply()
        reply.evidence = self._evidence_for(question)
        if question.kind == "moment" and isinstance(value, dict):
            reply.messages.append(say("noted_moment", name=MOMENTS[Mot(value["mot"])].name))
        return self._advance(reply)

    def correction_failed(self, key: str, why: Part) -> Reply:
        """The file could not be read with the correction: it is dropped, the check asked again."""
        self.state.trying = None
        check = "records.confirm" if key == "records.export" else "survey.columns"
        question = next(q for q in self.plan(Method(key.split(".")[0])) if q.key == check)
        return Reply(messages=[why], question=question)

    def file_gone(self, key: str, why: Part) -> Reply:
        """The file of an answered file question cannot be read again: ask for it anew."""
        self.state.trying = None
        self.answers.pop(key, None)
        self.answers.pop("records.confirm" if key == "records.export" else "survey.columns", None)
        self.state.files.pop(key, None)
        question = next(q for q in self.plan(Method(key.split(".")[0])) if q.key == key)
        return Reply(messages=[why], question=question)

    def file_upload(self, key: str) -> str | None:
        """The upload a file question was answered with, to read it again once corrected."""
        return self.state.files.get(key)

    def ticket_corrections(self) -> list[tuple[Mot, Mot]]:
        """The team's corrections of ticket groups, oldest first: (read as, belongs to).

        A correction being tried on the file comes last.
        """
        kept = list(self.answers.get("records.corrections") or [])
        trying = self.state.trying
        if trying and "from" in trying:
            kept.append(trying)
        return [(Mot(item["from"]), Mot(item["to"])) for item in kept]

    def column_overrides(self) -> dict[str, str]:
        """The survey columns the team named (and one being tried): {"nps"|"csat"|"text": col}."""
        named = dict(self.answers.get("survey.overrides") or {})
        trying = self.state.trying
        if trying and "from" not in trying:
            named.update(trying)
        return named

    def _remember(self, key: str) -> None:
        order: list[str] = self.state.order
        if key in order:
            order.remove(key)
        order.append(key)

    def file_result(
        self,
        key: str,
        ok: bool,
        summary: Part,
        evidence: list[Evidence],
        found: FileFound | None = None,
    ) -> Reply:
        """What the adapter found in an uploaded file; a bad file is asked for again.

        `found` keeps what the team may correct next: the upload (to read it
        again), the ticket groups in the order shown, the survey's headers.
        """
        question = next(q for q in self.plan(Method(key.split(".")[0])) if q.key == key)
        if not ok:
            return Reply(messages=[summary, say("bad_file")],
                         question=question)  # fmt: skip
        # The answer kept is the file's name ("you said: tickets.csv" when going back).
        self.answers[key] = PurePath(found.upload).name if found else "-"
        trying, self.state.trying = self.state.trying, None
        if trying and key == "records.export":
            self.answers.setdefault("records.corrections", []).append(trying)
        elif trying:
            self.answers.setdefault("survey.overrides", {}).update(trying)
        if found is not None:
            self.state.files[key] = found.upload
            if key == "records.export":
                self.state.groups = [mot.value for mot in found.groups]
                self.answers.pop("records.confirm", None)
            else:
                self.state.headers = list(found.headers)
                self.answers.pop("survey.columns", None)
        self._remember(key)
        reply = Reply(messages=[summary], evidence={key: evidence})
        return self._advance(reply)

    def _answer_stage(self, question: Question, said: str) -> Reply:
        try:
            stage = parse_stage(said)
        except UnclearAnswer:
            shown = " ".join(said.split())
            self.state.stage_unclear = shown if len(shown) <= 60 else shown[:57] + "..."
            return Reply(question=self.stage_question())
        self.state.stage_unclear = None
        self.state.stage = stage
        if STAGE_KEY in self.state.skipped:
            self.state.skipped.remove(STAGE_KEY)
        self._remember(STAGE_KEY)
        return Reply(messages=[self.recommendation()])

    @staticmethod
    def _skips_moment(question: Question, said: str) -> bool:
        """'skip this moment' or 'we have no such moment' at one of the six moments."""
        if question.mot is None or not question.key.startswith(f"team.{question.mot.value}."):
            return False
        return pattern("skip_moment").fullmatch(normalise(said).strip(" .!")) is not None

    def skip_moment(self, mot: Mot) -> Reply:
        """Leave a whole moment out: its questions are skipped, its evidence removed."""
        prefix = f"team.{mot.value}."
        skipped: list[str] = self.state.skipped
        order: list[str] = self.state.order
        for question in self._team_plan():
            if question.key.startswith(prefix):
                self.answers.pop(question.key, None)
                if question.key not in skipped:
                    skipped.append(question.key)
                if question.key in order:
                    order.remove(question.key)
        if mot.value not in self.state.skipped_moments:
            self.state.skipped_moments.append(mot.value)
        self.state.pending = None
        self._remember(f"team.{mot.value}")  # "go back" brings the whole moment back
        info = MOMENTS[mot]
        reply = Reply(messages=[say("moment_skipped", name=info.name, code=mot.value.upper())],
                      evidence={f"team.{mot.value}": []})  # fmt: skip
        return self._advance(reply)

    def skip(self, said: str = "") -> Reply:
        """Skip the current question; 'skip this moment' skips all of a moment's questions."""
        question = self.current_question()
        if question is None:
            return Reply(messages=[say("nothing_to_skip")])
        if question.key == STAGE_KEY:
            if STAGE_KEY not in self.state.skipped:
                self.state.skipped.append(STAGE_KEY)
            self._remember(STAGE_KEY)
            return Reply(messages=[say("skipped") + " " + self.recommendation()])
        if question.mot is not None and said and self._skips_moment(question, said):
            return self.skip_moment(question.mot)
        self.state.pending = None
        skipped: list[str] = self.state.skipped
        if question.key not in skipped:
            skipped.append(question.key)
        self._remember(question.key)
        return self._advance(Reply(messages=[say("skipped")]))

    def go_back(self) -> Reply:
        """Reopen the last answered (or skipped) question so it can be answered again."""
        order: list[str] = self.state.order
        if not order:
            return Reply(messages=[say("no_earlier")],
                         question=self.current_question())  # fmt: skip
        key = order.pop()
        self.state.pending = None
        if key == STAGE_KEY:
            previous = self.state.stage
            self.state.stage = None
            if STAGE_KEY in self.state.skipped:
                self.state.skipped.remove(STAGE_KEY)
            self.state.method = None
            asked = self.stage_question()
            said = say("you_said", previous=_as_offered(asked, previous)) if previous else ""
            return Reply(messages=[say("change_answer", said=said)], question=asked)
        code = key.removeprefix("team.")
        if code in self.state.skipped_moments:
            # A skipped moment comes back whole.
            self.state.skipped_moments.remove(code)
            for skipped_key in [k for k in self.state.skipped if k.startswith(key + ".")]:
                self.state.skipped.remove(skipped_key)
        previous = self.answers.pop(key, None)
        if key in self.state.skipped:
            self.state.skipped.remove(key)
        method = Method(key.split(".")[0])
        self.state.method = method.value
        if method.value in self.state.done:
            self.state.done.remove(method.value)
        question = next((q for q in self.plan(method) if q.key == key), None)
        said = (
            say("you_said", previous=_as_offered(question, str(previous)))
            if previous not in (None, "")
            else ""
        )
        reply = Reply(messages=[say("change_answer", said=said)])
        if question is not None:
            reply.evidence = self._evidence_for(question)
        return self._advance(reply)

    def pause(self) -> Reply:
        question = self.current_question()
        said: Text = say("paused")
        if question:
            said += say("paused_at", question=question.text)
        return Reply(messages=[said])

    # --- evidence -----------------------------------------------------------------

    def _evidence_for(self, question: Question) -> dict[str, list[Evidence]]:
        parts = question.key.split(".")
        method = Method(parts[0])
        if method is Method.TEAM and parts[1].startswith("own"):
            return {f"team.{parts[1]}": self._own_evidence(f"team.{parts[1]}")}
        if method is Method.TEAM and question.mot is not None:
            return {f"team.{question.mot.value}": self._team_evidence(question.mot)}
        if method is Method.COMPETITOR and len(parts) == 3:
            return {f"competitor.{parts[1]}": self._competitor_evidence(parts[1])}
        if method is Method.RECORDS and parts[1] in ("complaint", "praise", "missing"):
            return {question.key: self._records_evidence(parts[1])}
        if method is Method.RECORDS and parts[1] in ("complaint_moment", "praise_moment"):
            which = parts[1].removesuffix("_moment")
            return {f"records.{which}": self._records_evidence(which)}
        return {}

    def _team_evidence(self, mot: Mot) -> list[Evidence]:
        prefix = f"team.{mot.value}."
        touchpoint = self.answers.get(prefix + "touchpoints")
        touch = touchpoint[:200] if isinstance(touchpoint, str) else None
        stage = MOMENTS[mot].stage
        items = []
        importance = self.answers.get(prefix + "importance")
        performance = self.answers.get(prefix + "performance")
        if importance is not None or performance is not None:
            items.append(Evidence(Method.TEAM, mot, stage, None, touch, "",
                                  importance=importance, performance=performance))  # fmt: skip
        for field_name, polarity in (("glory", Polarity.GLORY), ("pain", Polarity.PAIN)):
            story = self.answers.get(prefix + field_name)
            if story:
                items.append(Evidence(Method.TEAM, mot, stage, polarity, touch, story))
        if touch and not items:
            items.append(Evidence(Method.TEAM, mot, stage, None, touch, ""))
        return items

    def _own_evidence(self, key: str) -> list[Evidence]:
        """A moment the team named itself: one item, with its wording as the touchpoint."""
        named = self.answers.get(f"{key}.name")
        mot = self._own_mot(key)
        if not isinstance(named, dict) or mot is None:
            return []
        name = str(named["text"])
        polarity = self.answers.get(f"{key}.polarity")
        story = self.answers.get(f"{key}.story")
        return [
            Evidence(Method.TEAM, mot, MOMENTS[mot].stage,
                     Polarity(polarity) if polarity in ("glory", "pain") else None,
                     name[:200], story if isinstance(story, str) else name,
                     importance=self.answers.get(f"{key}.importance"),
                     performance=self.answers.get(f"{key}.performance"),
                     details={"own_moment": name})
        ]  # fmt: skip

    def _competitor_evidence(self, step: str) -> list[Evidence]:
        mot = dict(COMPETITOR_STEPS)[step]
        label = render(step_action(step))  # stored with the evidence: the team's words
        prefix = f"competitor.{step}."
        theirs = self.answers.get(prefix + "theirs")
        ours = self.answers.get(prefix + "ours")
        if theirs is None and ours is None and not self.answers.get(prefix + "surprise"):
            return []
        ideas = self.answers.get(prefix + "ideas")
        return [
            Evidence(
                Method.COMPETITOR, mot, MOMENTS[mot].stage, None, label,
                self.answers.get(prefix + "surprise") or "",
                competitor_rating=theirs, own_rating=ours,
                details={"competitor": self.answers.get("competitor.name"), "ideas": ideas},
            )
        ]  # fmt: skip

    def _records_evidence(self, which: str) -> list[Evidence]:
        value = self.answers.get(f"records.{which}")
        if not value:
            return []
        if which == "missing" and isinstance(value, dict):
            mot, said = Mot(value["mot"]), value["text"]
            polarity = Polarity.PAIN
        else:
            said = str(value)
            placed = self.answers.get(f"records.{which}_moment")
            mot = (
                Mot(placed["mot"])
                if isinstance(placed, dict)
                else recognise_moment_or_default(said)
            )
            polarity = Polarity.PAIN if which == "complaint" else Polarity.GLORY
        negative, positive = (1, 0) if polarity is Polarity.PAIN else (0, 1)
        return [Evidence(Method.RECORDS, mot, MOMENTS[mot].stage, polarity, None, said,
                         count=1, negative=negative, positive=positive,
                         details={"source": RECORDS_SUMMARY})]  # fmt: skip


def _hesitates(said: str) -> bool:
    """'hm', 'no idea!', 'weiß nicht': not an answer yet (the question is explained)."""
    return re.fullmatch(rf"{pattern('hesitation').pattern}[.!?]*", normalise(said)) is not None


def _own_moment(key: str, said: str) -> dict[str, str | None] | bool:
    """A moment the team names in its own words, placed when its words say where; 'no' ends."""
    plain = normalise(said).strip(" .!")
    if pattern("no_more").fullmatch(plain):
        return False
    if pattern("own_yes").fullmatch(plain):
        raise UnclearAnswer(key, said, say("h.team.own"))
    if len(said) < 3:
        raise UnclearAnswer(key, said, say("short_answer"))
    if len(said) > 200:
        raise UnclearAnswer(key, said, say("own_too_long"))
    try:
        moment = recognise_moment(said)
        code = moment.mot.value if moment.confident else None
    except UnclearAnswer:
        code = None
    return {"text": said, "mot": code}


def _polarity(key: str, said: str) -> str:
    plain = normalise(said)
    glory, pain = anywhere("glory").search(plain), anywhere("pain").search(plain)
    if glory and not pain:
        return "glory"
    if pain and not glory:
        return "pain"
    if anywhere("mixed").search(plain):
        return "both"
    raise UnclearAnswer(key, said, say("h.team.own_polarity"))


def _confidently_placed(said: str) -> bool:
    try:
        return recognise_moment(said).confident
    except UnclearAnswer:
        return False


def recognise_moment_or_default(said: str) -> Mot:
    try:
        return recognise_moment(said).mot
    except UnclearAnswer:
        return Mot.SMOT


class _Pending:
    """Marks an answer that waits for the user's confirmation."""


_PENDING = _Pending()


def explain(mot: Mot | None, business: Business | None = None) -> Text:
    """Short answers to 'what is a moment of truth' and 'what is a ZMOT'."""
    if mot is None:
        return say("explain.mot")
    info = MOMENTS[mot]
    said: Text = say("explain.one", name=info.name, code=mot.value.upper(), when=info.when,
                     levers=", ".join(info.levers))  # fmt: skip
    if mot in (Mot.UMOT, Mot.ZMOT):
        said += " " + say("umot_loop")
    if business is not None:
        said += say("explain.example", example=example(mot, business))
    return said
