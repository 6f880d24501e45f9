"""The interview: the four identification methods as guided question sequences.

A plain state machine. Its state is JSON-friendly data (kept in the
conversation between turns, so a pause survives restarts); every answer
returns a `Reply` with what to say, the evidence to store (replacing earlier
evidence under the same key, so "go back" can change an answer) and the next
question. Nothing here does I/O: reading an uploaded file is the adapter's
job, announced by `Reply.analyse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.answers import parse_rating, parse_yes_no, recognise_moment
from bot.core.context import ProductContext
from bot.core.errors import UnclearAnswer
from bot.core.evidence import Evidence
from bot.core.taxonomy import MOMENTS, Business, Method, Mot, Polarity
from bot.core.texts import text

METHOD_TITLES = {method: text(f"method.{method.value}") for method in Method}
METHOD_INTROS = {method: text(f"intro.{method.value}") for method in Method}

TEAM_MOMENTS = (Mot.LZMOT, Mot.ZMOT, Mot.FMOT, Mot.AMOT, Mot.SMOT, Mot.UMOT)

# Where the moment happens, in words a team recognises, per business type.
EXAMPLES: dict[Mot, dict[Business, str]] = {
    mot: {business: text(f"example.{mot.value}.{business.value}") for business in Business}
    for mot in Mot
}

COMPETITOR_STEPS: tuple[tuple[str, str, Mot], ...] = tuple(
    (step, text(f"step.{step}"), mot)
    for step, mot in (
        ("search", Mot.ZMOT),
        ("reviews", Mot.ZMOT),
        ("page", Mot.FMOT),
        ("buy", Mot.AMOT),
        ("support", Mot.SMOT),
    )
)

SURVEY_MOMENTS = 3


@dataclass(frozen=True)
class Question:
    key: str
    method: Method
    kind: str  # text | story | rating | yesno | moment | file
    text: str
    hint: str = ""
    mot: Mot | None = None


@dataclass
class Reply:
    messages: list[str] = field(default_factory=list)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # key -> replacement
    question: Question | None = None
    finished: Method | None = None
    analyse: tuple[str, str] | None = None  # (kind, path): the adapter reads a file
    survey: list[Mot] | None = None  # the adapter creates a shareable survey for these


class Interview:
    """Progress through the four methods; `state` is what gets saved between turns."""

    def __init__(self, context: ProductContext, state: dict[str, Any] | None = None) -> None:
        self.context = context
        self.state: dict[str, Any] = {
            "method": None,
            "answers": {},
            "order": [],
            "skipped": [],
            "done": [],
            "pending": None,
            **(state or {}),
        }

    # --- where we are -----------------------------------------------------------

    @property
    def method(self) -> Method | None:
        value = self.state["method"]
        return Method(value) if value else None

    @property
    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = self.state["answers"]
        return answers

    def done(self) -> list[Method]:
        return [Method(m) for m in self.state["done"]]

    def open_methods(self) -> list[Method]:
        return [m for m in Method if m.value not in self.state["done"]]

    def started(self, method: Method) -> bool:
        return any(key.startswith(method.value + ".") for key in self.answers)

    def status(self) -> str:
        parts = []
        for method in Method:
            if method.value in self.state["done"]:
                mark = text("status.done")
            elif self.started(method):
                total = len(self.plan(method))
                answered = sum(1 for q in self.plan(method) if self._settled(q.key))
                mark = text("status.progress", answered=answered, total=total)
            else:
                mark = text("status.open")
            parts.append(f"- {METHOD_TITLES[method]}: {mark}")
        lines = [text("status.head"), *parts]
        question = self.current_question()
        if question:
            lines.append(text("status.current", question=question.text))
        elif self.open_methods():
            lines.append(text("status.pick"))
        return "\n".join(lines)

    def current_question(self) -> Question | None:
        method = self.method
        if method is None:
            return None
        pending = self.state["pending"]
        if pending:
            return Question(pending["key"] + ".confirm", method, "yesno", pending["question"])
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
            Question("team.gap", Method.TEAM, "yesno", text("q.team.gap", product=product),
                     text("h.team.gap")),
        ]  # fmt: skip
        for mot in self._team_moments():
            info = MOMENTS[mot]
            hint = text("h.team.moment", name=info.name, when=info.when,
                        example=EXAMPLES[mot][business])  # fmt: skip
            values = {"name": info.name, "code": mot.value.upper(), "when": info.when,
                      "product": product}  # fmt: skip
            for field_name, kind in (("touchpoints", "text"), ("glory", "story"),
                                     ("pain", "story"), ("importance", "rating"),
                                     ("performance", "rating")):  # fmt: skip
                questions.append(
                    Question(f"team.{mot.value}.{field_name}", Method.TEAM, kind,
                             text(f"q.team.{field_name}", **values), hint, mot)
                )  # fmt: skip
        return questions

    def _records_plan(self) -> list[Question]:
        def ask(key: str, kind: str, hint_key: str | None = None) -> Question:
            return Question(f"records.{key}", Method.RECORDS, kind, text(f"q.records.{key}"),
                            text(hint_key or f"h.records.{key}"))  # fmt: skip

        questions = [ask("has_export", "yesno")]
        has_export = self.answers.get("records.has_export")
        if has_export is True:
            questions += [ask("export", "file"), ask("confirm", "yesno")]
            if self.answers.get("records.confirm") is False:
                questions.append(ask("missing", "moment", "h.moment"))
        elif has_export is False:
            for which in ("complaint", "praise"):
                questions.append(ask(which, "story"))
                said = self.answers.get(f"records.{which}")
                if isinstance(said, str) and not _confidently_placed(said):
                    questions.append(
                        Question(f"records.{which}_moment", Method.RECORDS, "moment",
                                 text("q.records.moment"), text("h.moment"))
                    )  # fmt: skip
        return questions

    def _competitor_plan(self) -> list[Question]:
        questions = [
            Question("competitor.name", Method.COMPETITOR, "text", text("q.competitor.name"),
                     text("h.competitor.name")),
        ]  # fmt: skip
        rival = self.answers.get("competitor.name") or text("competitor.someone")
        product = self.context.product_name
        for step, action, mot in COMPETITOR_STEPS:
            hint = text("h.competitor.step", rival=rival, action=action)
            for part, kind in (("theirs", "rating"), ("ours", "rating"),
                               ("surprise", "story"), ("ideas", "story")):  # fmt: skip
                questions.append(
                    Question(f"competitor.{step}.{part}", Method.COMPETITOR, kind,
                             text(f"q.competitor.{part}", rival=rival, action=action,
                                  product=product), hint, mot)
                )  # fmt: skip
        return questions

    def _survey_plan(self) -> list[Question]:
        return [
            Question("survey.results", Method.SURVEY, "file", text("q.survey.results"),
                     text("h.survey.results")),
        ]  # fmt: skip

    def _settled(self, key: str) -> bool:
        return key in self.answers or key in self.state["skipped"]

    def next_question(self, method: Method) -> Question | None:
        for question in self.plan(method):
            if not self._settled(question.key):
                return question
        return None

    # --- moving -----------------------------------------------------------------

    def start(self, method: Method, top_moments: list[Mot] | None = None) -> Reply:
        """Begin or continue one method; finished methods can be done again."""
        self.state["method"] = method.value
        self.state["pending"] = None
        reply = Reply()
        if method.value in self.state["done"]:
            self.state["done"].remove(method.value)
        if self.started(method):
            reply.messages.append(text("back_to", method=METHOD_TITLES[method]))
        else:
            reply.messages.append(METHOD_INTROS[method])
        if method is Method.SURVEY and "survey.moments" not in self.answers:
            moments = (top_moments or [])[:SURVEY_MOMENTS] or [Mot.AMOT, Mot.SMOT, Mot.ZMOT]
            self.answers["survey.moments"] = [m.value for m in moments]
            reply.survey = moments
            reply.messages.append(self.survey_text(moments))
        return self._advance(reply)

    def survey_text(self, moments: list[Mot]) -> str:
        product = self.context.product_name
        lines = [
            text("survey.head"),
            "1. " + text("survey.nps", product=product),
            "2. " + text("survey.csat", product=product),
        ]
        for index, mot in enumerate(moments):
            number = 3 + 2 * index
            lines.append(
                f"{number}. " + text("survey.well", where=EXAMPLES[mot][self.context.business])
            )
            lines.append(f"{number + 1}. " + text("survey.badly"))
        return "\n".join(lines)

    def _advance(self, reply: Reply) -> Reply:
        method = self.method
        if method is None:
            return reply
        question = self.current_question()
        if question is None:
            if method.value not in self.state["done"]:
                self.state["done"].append(method.value)
            self.state["method"] = None
            reply.finished = method
            reply.messages.append(self.finished_text(method))
        reply.question = question
        return reply

    def finished_text(self, method: Method) -> str:
        left = [METHOD_TITLES[m] for m in self.open_methods()]
        said = text("finished", method=METHOD_TITLES[method])
        if left:
            return said + text("still_open", methods=", ".join(left))
        return said + text("all_done")

    def answer(self, said: str) -> Reply:
        """Take the answer to the current question; unclear answers are asked again."""
        question = self.current_question()
        if question is None:
            return Reply(messages=[text("no_question")])
        pending = self.state["pending"]
        if pending:
            return self._confirm(pending, said)
        try:
            value = self._parse(question, said)
        except UnclearAnswer as unclear:
            return Reply(messages=[unclear.hint], question=question)
        return self._store(question, value)

    def _parse(self, question: Question, said: str) -> Any:
        cleaned = " ".join(said.split())
        if HESITATION.fullmatch(cleaned.lower()):
            explanation = question.hint or text("hesitation")
            raise UnclearAnswer(question.key, said, text("or_skip", explanation=explanation))
        if question.kind == "rating":
            rating = parse_rating(cleaned)
            if not rating.confident:
                self.state["pending"] = {
                    "key": question.key,
                    "value": rating.value,
                    "question": text("confirm_rating", answer=cleaned, value=rating.value),
                }
                return _PENDING
            return rating.value
        if question.kind == "yesno":
            return parse_yes_no(cleaned)
        if question.kind == "moment":
            moment = recognise_moment(cleaned)
            value = {"mot": moment.mot.value, "text": cleaned}
            if not moment.confident:
                self.state["pending"] = {
                    "key": question.key,
                    "value": value,
                    "question": text(
                        "confirm_moment",
                        name=MOMENTS[moment.mot].name,
                        code=moment.mot.value.upper(),
                        when=MOMENTS[moment.mot].when,
                    ),
                }
                return _PENDING
            return value
        if question.kind == "file":
            if not cleaned:
                raise UnclearAnswer(question.key, said, question.hint)
            return cleaned
        if len(cleaned) < 2:
            raise UnclearAnswer(question.key, said, text("short_answer"))
        if len(cleaned) > 2000:
            raise UnclearAnswer(question.key, said, text("long_answer"))
        return cleaned

    def _confirm(self, pending: dict[str, Any], said: str) -> Reply:
        try:
            yes = parse_yes_no(said)
        except UnclearAnswer:
            # Not a yes or no: maybe a new answer to the original question.
            self.state["pending"] = None
            return self.answer(said)
        self.state["pending"] = None
        question = next(q for q in self.plan(Method(pending["key"].split(".")[0]))
                        if q.key == pending["key"])  # fmt: skip
        if yes:
            return self._store(question, pending["value"])
        again = text("rating_again") if question.kind == "rating" else text("moment_again")
        return Reply(messages=[again], question=question)

    def _store(self, question: Question, value: Any) -> Reply:
        if value is _PENDING:
            return Reply(question=self.current_question())
        if question.kind == "file":
            # The adapter reads the file and calls file_result() with what it found.
            return Reply(analyse=(question.key, value), question=question)
        self.answers[question.key] = value
        if question.key in self.state["skipped"]:
            self.state["skipped"].remove(question.key)
        self._remember(question.key)
        reply = Reply()
        reply.evidence = self._evidence_for(question)
        if question.kind == "moment" and isinstance(value, dict):
            reply.messages.append(text("noted_moment", name=MOMENTS[Mot(value["mot"])].name))
        return self._advance(reply)

    def _remember(self, key: str) -> None:
        order: list[str] = self.state["order"]
        if key in order:
            order.remove(key)
        order.append(key)

    def file_result(self, key: str, ok: bool, summary: str, evidence: list[Evidence]) -> Reply:
        """What the adapter found in an uploaded file; a bad file is asked for again."""
        question = next(q for q in self.plan(Method(key.split(".")[0])) if q.key == key)
        if not ok:
            return Reply(messages=[summary, text("bad_file")],
                         question=question)  # fmt: skip
        self.answers[key] = summary
        self._remember(key)
        reply = Reply(messages=[summary], evidence={key: evidence})
        return self._advance(reply)

    def skip(self) -> Reply:
        question = self.current_question()
        if question is None:
            return Reply(messages=[text("nothing_to_skip")])
        self.state["pending"] = None
        skipped: list[str] = self.state["skipped"]
        if question.key not in skipped:
            skipped.append(question.key)
        self._remember(question.key)
        return self._advance(Reply(messages=[text("skipped")]))

    def go_back(self) -> Reply:
        """Reopen the last answered (or skipped) question so it can be answered again."""
        order: list[str] = self.state["order"]
        if not order:
            return Reply(messages=[text("no_earlier")],
                         question=self.current_question())  # fmt: skip
        key = order.pop()
        self.state["pending"] = None
        previous = self.answers.pop(key, None)
        if key in self.state["skipped"]:
            self.state["skipped"].remove(key)
        method = Method(key.split(".")[0])
        self.state["method"] = method.value
        if method.value in self.state["done"]:
            self.state["done"].remove(method.value)
        question = next((q for q in self.plan(method) if q.key == key), None)
        said = text("you_said", previous=previous) if previous not in (None, "") else ""
        reply = Reply(messages=[text("change_answer", said=said)])
        if question is not None:
            reply.evidence = self._evidence_for(question)
        return self._advance(reply)

    def pause(self) -> Reply:
        question = self.current_question()
        said = text("paused")
        if question:
            said += text("paused_at", question=question.text)
        return Reply(messages=[said])

    # --- evidence -----------------------------------------------------------------

    def _evidence_for(self, question: Question) -> dict[str, list[Evidence]]:
        parts = question.key.split(".")
        method = Method(parts[0])
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

    def _competitor_evidence(self, step: str) -> list[Evidence]:
        _, label, mot = next(s for s in COMPETITOR_STEPS if s[0] == step)
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
                         details={"source": "team's summary of service records"})]  # fmt: skip


HESITATION = re.compile(
    r"(hm+|uh+|um+|erm+|\?+|not sure|no idea|i don'?t know|dunno|what do you mean\??|"
    r"i'?m not sure|pass\?|what\?)[.!?]*"
)


def _confidently_placed(said: str) -> bool:
    try:
        return recognise_moment(said).confident
    except UnclearAnswer:
        return False


def recognise_moment_or_default(text: str) -> Mot:
    try:
        return recognise_moment(text).mot
    except UnclearAnswer:
        return Mot.SMOT


class _Pending:
    """Marks an answer that waits for the user's confirmation."""


_PENDING = _Pending()


def explain(mot: Mot | None, business: Business | None = None) -> str:
    """Short answers to 'what is a moment of truth' and 'what is a ZMOT'."""
    if mot is None:
        return text("explain.mot")
    info = MOMENTS[mot]
    said = text("explain.one", name=info.name, code=mot.value.upper(), when=info.when,
                levers=", ".join(info.levers))  # fmt: skip
    if business is not None:
        said += text("explain.example", example=EXAMPLES[mot][business])
    return said
