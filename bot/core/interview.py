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

METHOD_TITLES = {
    Method.TEAM: "team knowledge",
    Method.RECORDS: "service records",
    Method.COMPETITOR: "competitor walk-through",
    Method.SURVEY: "customer survey",
}
METHOD_INTROS = {
    Method.TEAM: (
        "Let's walk your customer's journey moment by moment. For each moment I ask where "
        "customers meet you, a story of glory and one of pain you know, and two ratings."
    ),
    Method.RECORDS: (
        "Your customers have already named their pains and glories in your service records. "
        "Let's use them."
    ),
    Method.COMPETITOR: (
        "Now be a customer of a competitor: go through the same moments as their customer and "
        "compare. You can pause at any step while you actually try it, and resume later."
    ),
    Method.SURVEY: (
        "Let's ask your customers directly. I'll draft a short survey from what we know so far."
    ),
}

TEAM_MOMENTS = (Mot.LZMOT, Mot.ZMOT, Mot.FMOT, Mot.AMOT, Mot.SMOT, Mot.UMOT)

# Where the moment happens, in words a team recognises, per business type.
EXAMPLES: dict[Mot, dict[Business, str]] = {
    Mot.LZMOT: {
        Business.B2C: "a friend's wedding makes someone think about a new suit",
        Business.B2B: "a new regulation makes a finance team look for a compliant tool",
    },
    Mot.ZMOT: {
        Business.B2C: "reading reviews on Google before visiting the shop",
        Business.B2B: "comparing providers on a review portal and reading case studies",
    },
    Mot.FMOT: {
        Business.B2C: "the product page or the packaging on the shelf, in the first seconds",
        Business.B2B: "the first demo or the sales rep's pitch",
    },
    Mot.AMOT: {
        Business.B2C: "waiting for the parcel after paying: confirmation, tracking, delivery",
        Business.B2B: "the days between signing and getting access: provisioning, activation",
    },
    Mot.SMOT: {
        Business.B2C: "unpacking and first use at home, and any call to customer service",
        Business.B2B: "onboarding and the first weeks of use, with support reachable",
    },
    Mot.UMOT: {
        Business.B2C: "telling friends, posting a photo, writing a review",
        Business.B2B: "recommending you to colleagues or acting as a reference",
    },
}

COMPETITOR_STEPS: tuple[tuple[str, str, Mot], ...] = (
    ("search", "search for them online", Mot.ZMOT),
    ("reviews", "read their reviews", Mot.ZMOT),
    ("page", "open their product page", Mot.FMOT),
    ("buy", "try to buy or book a demo", Mot.AMOT),
    ("support", "ask their support a question", Mot.SMOT),
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
            "files": {},
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
                mark = "done"
            elif self.started(method):
                total = len(self.plan(method))
                answered = sum(1 for q in self.plan(method) if self._settled(q.key))
                mark = f"in progress, {answered} of {total} questions"
            else:
                mark = "open"
            parts.append(f"- {METHOD_TITLES[method]}: {mark}")
        lines = ["Where we are:", *parts]
        question = self.current_question()
        if question:
            lines.append(f"Current question: {question.text}")
        elif self.open_methods():
            lines.append("Say which method to do next.")
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
            Question(
                "team.gap",
                Method.TEAM,
                "yesno",
                f"Is there a wait between paying for {product} and getting it "
                "(shipping, delivery, activation, provisioning)?",
                "Answer yes or no. If there is none, I leave that moment out.",
            )
        ]
        for mot in self._team_moments():
            info = MOMENTS[mot]
            example = EXAMPLES[mot][business]
            hint = f"{info.name}: {info.when}. For example: {example}."
            name = f"The {info.name} ({mot.value.upper()})"
            questions += [
                Question(f"team.{mot.value}.touchpoints", Method.TEAM, "text",
                         f"{name}: {info.when}. Where do your customers meet you at this "
                         "moment (touchpoints)?", hint, mot),
                Question(f"team.{mot.value}.glory", Method.TEAM, "story",
                         f"A moment of glory at the {mot.value.upper()}: when did a customer get "
                         "more than they expected here?", hint, mot),
                Question(f"team.{mot.value}.pain", Method.TEAM, "story",
                         f"And a moment of pain at the {mot.value.upper()}: when did a customer "
                         "lose faith here?", hint, mot),
                Question(f"team.{mot.value}.importance", Method.TEAM, "rating",
                         f"How much does the {mot.value.upper()} weigh on the customer's decision "
                         "to buy or stay? (1 = hardly, 5 = decisive)", hint, mot),
                Question(f"team.{mot.value}.performance", Method.TEAM, "rating",
                         f"How well does {product} do at the {mot.value.upper()} today? "
                         "(1 = poorly, 5 = excellently)", hint, mot),
            ]  # fmt: skip
        return questions

    def _records_plan(self) -> list[Question]:
        questions = [
            Question("records.has_export", Method.RECORDS, "yesno",
                     "Do you have an export of your helpdesk tickets (CSV or XLSX from Zendesk, "
                     "Freshdesk, Intercom or similar)?",
                     "Customer-service tickets show where customers struggle. Answer yes or no."),
        ]  # fmt: skip
        has_export = self.answers.get("records.has_export")
        if has_export is True:
            questions += [
                Question("records.export", Method.RECORDS, "file",
                         "Send me the file (in the terminal: its path).",
                         "A CSV or XLSX export with one ticket per row, for example "
                         "'exports/tickets.csv'."),
                Question("records.confirm", Method.RECORDS, "yesno",
                         "Does this match what your team sees?",
                         "Answer yes, or no if an important moment is missing."),
            ]  # fmt: skip
            if self.answers.get("records.confirm") is False:
                questions.append(
                    Question("records.missing", Method.RECORDS, "moment",
                             "Which moment is missing or underrated? Describe it in a few words.",
                             "For example: 'when the parcel arrives' or 'reading reviews'.")
                )  # fmt: skip
        elif has_export is False:
            for which, text, example in (
                ("complaint", "What do customers complain about most often?",
                 "For example: 'deliveries come late and nobody tells them'."),
                ("praise", "And what do they praise most often?",
                 "For example: 'our support solves problems on the first call'."),
            ):  # fmt: skip
                questions.append(
                    Question(f"records.{which}", Method.RECORDS, "story", text, example)
                )
                said = self.answers.get(f"records.{which}")
                if isinstance(said, str) and not _confidently_placed(said):
                    questions.append(
                        Question(f"records.{which}_moment", Method.RECORDS, "moment",
                                 "At which moment of the journey does that happen?",
                                 "For example: 'when the parcel arrives' or 'reading reviews'.")
                    )  # fmt: skip
        return questions

    def _competitor_plan(self) -> list[Question]:
        questions = [
            Question("competitor.name", Method.COMPETITOR, "text",
                     "Which competitor do you want to look at? Name one.",
                     "The one your customers compare you with most often."),
        ]  # fmt: skip
        rival = self.answers.get("competitor.name") or "the competitor"
        product = self.context.product_name
        for step, action, mot in COMPETITOR_STEPS:
            hint = (
                f"Act as {rival}'s customer: {action}. Take your time; say 'pause' and come "
                "back when you've tried it."
            )
            questions += [
                Question(f"competitor.{step}.theirs", Method.COMPETITOR, "rating",
                         f"As {rival}'s customer, {action}. How good was it? (1-5)", hint, mot),
                Question(f"competitor.{step}.ours", Method.COMPETITOR, "rating",
                         f"And the same step with {product}? (1-5)", hint, mot),
                Question(f"competitor.{step}.surprise", Method.COMPETITOR, "story",
                         "What surprised you there?", hint, mot),
                Question(f"competitor.{step}.ideas", Method.COMPETITOR, "story",
                         f"Any idea worth taking over for {product}?", hint, mot),
            ]  # fmt: skip
        return questions

    def _survey_plan(self) -> list[Question]:
        return [
            Question("survey.results", Method.SURVEY, "file",
                     "When answers are in, send me the results file (CSV or XLSX; in the "
                     "terminal: its path). Or say 'skip' to leave the survey open and collect "
                     "answers through the link first.",
                     "Columns like NPS, CSAT, 'what went well', 'what went badly' are "
                     "recognised."),
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
            reply.messages.append(f"Back to the {METHOD_TITLES[method]}.")
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
            "Here is your survey:",
            f"1. How likely are you to recommend {product} to a friend or colleague? (0-10)",
            f"2. How satisfied are you with {product} overall? (1-5)",
        ]
        number = 3
        for mot in moments:
            where = EXAMPLES[mot][self.context.business]
            lines.append(f"{number}. Think of {where}: what went well?")
            lines.append(f"{number + 1}. And what went badly?")
            number += 2
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
        text = f"That completes the {METHOD_TITLES[method]}."
        if left:
            text += f" Still open: {', '.join(left)}. Which one next?"
        else:
            text += " All four methods are done: ask for your findings or the report."
        return text

    def answer(self, text: str) -> Reply:
        """Take the answer to the current question; unclear answers are asked again."""
        question = self.current_question()
        if question is None:
            return Reply(messages=["There is no open question. Which method should we do?"])
        pending = self.state["pending"]
        if pending:
            return self._confirm(pending, text)
        try:
            value = self._parse(question, text)
        except UnclearAnswer as unclear:
            return Reply(messages=[unclear.hint], question=question)
        return self._store(question, value)

    def _parse(self, question: Question, text: str) -> Any:
        cleaned = " ".join(text.split())
        if HESITATION.fullmatch(cleaned.lower()):
            explanation = question.hint or "Any answer in your own words helps."
            raise UnclearAnswer(question.key, text, f"{explanation} Or say 'skip'.")
        if question.kind == "rating":
            rating = parse_rating(cleaned)
            if not rating.confident:
                self.state["pending"] = {
                    "key": question.key,
                    "value": rating.value,
                    "question": f"I read “{cleaned}” as {rating.value} out of 5. Is that right?",
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
                    "question": f"I understood that as the {MOMENTS[moment.mot].name} "
                    f"({moment.mot.value.upper()}: {MOMENTS[moment.mot].when}). Right?",
                }
                return _PENDING
            return value
        if question.kind == "file":
            if not cleaned:
                raise UnclearAnswer(question.key, text, question.hint)
            return cleaned
        if len(cleaned) < 2:
            raise UnclearAnswer(question.key, text, "A few words please, or say 'skip'.")
        if len(cleaned) > 2000:
            raise UnclearAnswer(question.key, text, "Please keep it under 2000 characters.")
        return cleaned

    def _confirm(self, pending: dict[str, Any], text: str) -> Reply:
        try:
            yes = parse_yes_no(text)
        except UnclearAnswer:
            # Not a yes or no: maybe a new answer to the original question.
            self.state["pending"] = None
            reply = self.answer(text)
            return reply
        self.state["pending"] = None
        question = next(q for q in self.plan(Method(pending["key"].split(".")[0]))
                        if q.key == pending["key"])  # fmt: skip
        if yes:
            return self._store(question, pending["value"])
        again = (
            "Fine, then please give a number from 1 to 5."
            if question.kind == "rating"
            else "Then which moment is it? Describe it in other words, or name it (e.g. AMOT)."
        )
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
            reply.messages.append(f"Noted for the {MOMENTS[Mot(value['mot'])].name}.")
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
            return Reply(messages=[summary, "You can send another file or say 'skip'."],
                         question=question)  # fmt: skip
        self.answers[key] = summary
        self._remember(key)
        reply = Reply(messages=[summary], evidence={key: evidence})
        return self._advance(reply)

    def skip(self) -> Reply:
        question = self.current_question()
        if question is None:
            return Reply(messages=["Nothing to skip right now."])
        self.state["pending"] = None
        skipped: list[str] = self.state["skipped"]
        if question.key not in skipped:
            skipped.append(question.key)
        self._remember(question.key)
        return self._advance(Reply(messages=["Skipped."]))

    def go_back(self) -> Reply:
        """Reopen the last answered (or skipped) question so it can be answered again."""
        order: list[str] = self.state["order"]
        if not order:
            return Reply(messages=["There is no earlier answer to change."],
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
        said = f" (you said: {previous})" if previous not in (None, "") else ""
        reply = Reply(messages=[f"Let's change that answer{said}."])
        if question is not None:
            reply.evidence = self._evidence_for(question)
        return self._advance(reply)

    def pause(self) -> Reply:
        question = self.current_question()
        text = "Paused. Everything so far is saved; say 'resume' whenever you want to go on"
        text += f", even days from now. We'll continue with: {question.text}" if question else "."
        return Reply(messages=[text])

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
            mot, text = Mot(value["mot"]), value["text"]
            polarity = Polarity.PAIN
        else:
            text = str(value)
            placed = self.answers.get(f"records.{which}_moment")
            mot = (
                Mot(placed["mot"])
                if isinstance(placed, dict)
                else recognise_moment_or_default(text)
            )
            polarity = Polarity.PAIN if which == "complaint" else Polarity.GLORY
        negative, positive = (1, 0) if polarity is Polarity.PAIN else (0, 1)
        return [Evidence(Method.RECORDS, mot, MOMENTS[mot].stage, polarity, None, text,
                         count=1, negative=negative, positive=positive,
                         details={"source": "team's summary of service records"})]  # fmt: skip


HESITATION = re.compile(
    r"(hm+|uh+|um+|erm+|\?+|not sure|no idea|i don'?t know|dunno|what do you mean\??|"
    r"i'?m not sure|pass\?|what\?)[.!?]*"
)


def _confidently_placed(text: str) -> bool:
    try:
        return recognise_moment(text).confident
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
        return (
            "A moment of truth is a point in the customer journey where the customer decides "
            "to trust, buy, stay or leave. Some are moments of glory (you exceed what they "
            "expected), others moments of pain. The six: less-than-zero (a need is triggered), "
            "zero (research online), first (first look at the offer), actual (between paying "
            "and receiving), second (using it) and ultimate (their feedback to others)."
        )
    info = MOMENTS[mot]
    text = f"{info.name} ({mot.value.upper()}): {info.when}. Levers: {', '.join(info.levers)}."
    if business is not None:
        text += f" Example: {EXAMPLES[mot][business]}."
    return text
