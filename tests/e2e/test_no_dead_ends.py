"""No conversation ever dead-ends: random and hostile messages at every kind of question.

Property-based (hypothesis), over the real stack and the REST channel. At each
kind of question a fresh conversation is brought to that question, then sent
generated messages. Every message must get an answer (one to three texts, never
the same text twice); where the question offers choices and the message is no
answer to it, the bot must ask it again with the same choices, and then accept
a normal answer; the conversation must always stay alive (`/restart`, then
`hi`, are answered); Rasa's log must never show its circuit breaker.

Bounded and seeded (`derandomize=True`): the same examples on every run.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.adapters.rest import BotMessage
from tests.e2e.conftest import Live

pytestmark = pytest.mark.e2e

# Messages that answer no question that offers choices.
NONSENSE = [
    "🙂🙂🙂",
    "👍",
    "<script>alert('hi')</script>",
    "<b>bold</b> &amp; <i>html</i>",
    "'; DROP TABLE events; --",
    "SELECT * FROM interview_sessions WHERE 1=1",
    "\u202eevil\u202c text with bidi",
    "control\x00\x07\x1b[31m chars",
    "Wie funktioniert das eigentlich?",
    "これは何ですか",
    "¿Qué es esto?",
    "/foo_bar",
    "/nlu_fallback",
    "/back",
    '/choose_method{"method": "x"}',
    '/correct_context{"context_field": "nonsense"}',
]
YES_NO = ["yes", "no", "/affirm", "/deny", "yes please", "nope"]
OTHER = ["x" * 5000, ("lorem ipsum " * 420)[:5000], "/restart", "?", "..."]


@dataclass(frozen=True)
class Question:
    """A conversation brought to one question, and what it showed there."""

    sender: str
    shown: list[BotMessage]
    answer: str  # a normal answer to that question
    yes_no_answers: bool  # whether yes and no answer this question

    @property
    def choices(self) -> list[str]:
        return [b.payload for m in self.shown for b in m.buttons]

    @property
    def question(self) -> str:
        lines = [line for m in self.shown for line in m.text.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def texts(reply: list[BotMessage]) -> list[str]:
    return [m.text for m in reply if m.text.strip()]


def skip_until(live: Live, sender: str, marker: str, limit: int = 40) -> list[BotMessage]:
    for _ in range(limit):
        reply = live.say(sender, "skip")
        if marker in "\n".join(texts(reply)):
            return reply
    raise AssertionError(f"never reached {marker!r}")


def new_sender(kind: str) -> str:
    return f"e2e-dead-{kind}-{uuid.uuid4().hex[:8]}"


def _walk(live: Live, sender: str, messages: list[str]) -> list[BotMessage]:
    reply: list[BotMessage] = []
    for message in messages:
        reply = live.say(sender, message)
    return reply


CONTEXT = ["start", "ParcelPal", "B2C", "website and app", "busy parents"]


def choose(method: str) -> str:
    return f'/choose_method{{"method": "{method}"}}'


def at_greeting(live: Live) -> Question:
    sender = new_sender("greet")
    return Question(sender, _walk(live, sender, ["hi"]), "start", True)


def at_context(step: int, answer: str) -> Callable[[Live], Question]:
    def arrive(live: Live) -> Question:
        sender = new_sender(f"ctx{step}")
        return Question(sender, _walk(live, sender, CONTEXT[: step + 1]), answer, False)

    return arrive


def at_confirmation(live: Live) -> Question:
    sender = new_sender("confirm")
    return Question(sender, _walk(live, sender, CONTEXT), "yes", True)


def at_method_menu(live: Live) -> Question:
    sender = new_sender("menu")
    return Question(sender, _walk(live, sender, [*CONTEXT, "yes"]), choose("team"), False)


def at_team_question(kind: str) -> Callable[[Live], Question]:
    """The team method's first question of a kind: yesno, rating or text."""

    def arrive(live: Live) -> Question:
        sender = new_sender(f"team-{kind}")
        reply = _walk(live, sender, [*CONTEXT, "yes", choose("team")])
        for _ in range(12):
            payloads = [b.payload for m in reply for b in m.buttons]
            found = (
                "yesno" if payloads == ["yes", "no"] else "rating" if "3" in payloads else "text"
            )
            if found == kind:
                answer = {"yesno": "yes", "rating": "4", "text": "Friends told them about us"}
                return Question(sender, reply, answer[kind], kind == "yesno")
            reply = live.say(sender, {"yesno": "yes", "rating": "3"}.get(found, "Ads online"))
        raise AssertionError(f"no {kind} question in the team method")

    return arrive


def at_helpdesk_export_question(live: Live) -> Question:
    sender = new_sender("records")
    reply = _walk(live, sender, [*CONTEXT, "yes", choose("records"), "yes"])
    return Question(sender, reply, "skip", False)


def at_competitor(live: Live) -> Question:
    sender = new_sender("competitor")
    reply = _walk(live, sender, [*CONTEXT, "yes", choose("competitor")])
    return Question(sender, reply, "GreenPan Box", False)


def at_survey_respondent(live: Live) -> Question:
    team = new_sender("survey-team")
    drafted = "\n".join(texts(_walk(live, team, [*CONTEXT, "yes", choose("survey")])))
    code = re.search(r"survey ([0-9a-f]{8})", drafted)
    assert code, drafted
    customer = new_sender("customer")
    return Question(customer, live.say(customer, f"survey {code.group(1)}"), "9", False)


def after_pick_next(live: Live) -> Question:
    sender = new_sender("next")
    _walk(live, sender, [*CONTEXT, "yes", choose("team")])
    reply = skip_until(live, sender, "Pick the next one")
    return Question(sender, reply, choose("records"), False)


def after_last_method(live: Live) -> Question:
    sender = new_sender("last")
    _walk(live, sender, [*CONTEXT, "yes"])
    reply: list[BotMessage] = []
    for method in ("team", "records", "competitor", "survey"):
        live.say(sender, choose(method))
        reply = skip_until(live, sender, "That completes")
    assert not [b for m in reply for b in m.buttons], "no method should be left to pick"
    return Question(sender, reply, "what have we found so far", False)


STATIONS: dict[str, Callable[[Live], Question]] = {
    "greeting": at_greeting,
    "product name": at_context(0, "ParcelPal"),
    "B2B or B2C": at_context(1, "B2C"),
    "channels": at_context(2, "website and app"),
    "typical customer": at_context(3, "busy parents"),
    "read-back confirmation": at_confirmation,
    "method menu": at_method_menu,
    "team yes/no question": at_team_question("yesno"),
    "team rating": at_team_question("rating"),
    "team free-text question": at_team_question("text"),
    "helpdesk export question": at_helpdesk_export_question,
    "competitor question": at_competitor,
    "survey respondent": at_survey_respondent,
    "pick the next method": after_pick_next,
    "after the last method": after_last_method,
}

messages = st.lists(
    st.one_of(
        st.sampled_from(NONSENSE),
        st.sampled_from(YES_NO),
        st.sampled_from(OTHER),
        st.text(min_size=1, max_size=40),
    ),
    min_size=1,
    max_size=3,
)


def assert_answered(message: str, reply: list[BotMessage]) -> None:
    said = texts(reply)
    assert said, f"no answer to {message[:80]!r}"
    assert len(said) <= 3, f"{len(said)} messages for {message[:80]!r}: {said}"
    assert len(set(said)) == len(said), f"repeated answer to {message[:80]!r}: {said}"


def asks_again(at: Question, reply: list[BotMessage]) -> bool:
    payloads = [b.payload for m in reply for b in m.buttons]
    if at.choices:
        return payloads == at.choices
    return bool(at.question) and at.question in "\n".join(texts(reply))


# What the bot says when a message is no answer to the question it asked.
NOT_TAKEN = ("didn't understand", "isn't one of the answers", "couldn't read", "couldn't tell")


def taken(at: Question, reply: list[BotMessage]) -> bool:
    """Whether the reply moved on from the question (the answer was accepted)."""
    said = "\n".join(texts(reply))
    if any(phrase in said for phrase in NOT_TAKEN):
        return False
    payloads = [b.payload for m in reply for b in m.buttons]
    return not (payloads == at.choices and at.question in said)


def no_circuit_breaker(live: Live) -> None:
    log = live.stack.logs / "rasa.log"
    assert "Circuit breaker tripped" not in log.read_text(errors="replace")


@pytest.mark.parametrize("station", list(STATIONS))
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example costs seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=messages)
def test_every_message_is_answered_and_the_conversation_goes_on(
    live: Live, station: str, sent: list[str]
) -> None:
    at = STATIONS[station](live)
    kept = True  # whether the question is still the one the station arrived at
    for message in sent:
        reply = live.say(at.sender, message)
        assert_answered(message, reply)
        no_answer = message in NONSENSE or (message in YES_NO and not at.yes_no_answers)
        if kept and at.choices and no_answer:
            assert asks_again(at, reply), f"{message!r} at the {station}: {texts(reply)}"
        kept = kept and asks_again(at, reply)
    if kept:
        answered = live.say(at.sender, at.answer)
        assert_answered(at.answer, answered)
        assert taken(at, answered), f"{at.answer!r} not taken: {texts(answered)}"
    restarted = live.say(at.sender, "/restart")
    assert "started our conversation afresh" in "\n".join(texts(restarted))
    assert "moments of truth" in "\n".join(texts(live.say(at.sender, "hi")))
    no_circuit_breaker(live)


def test_yes_at_the_method_menu_asks_again_and_the_menu_still_works(live: Live) -> None:
    at = at_method_menu(live)
    again = live.say(at.sender, "yes")
    assert len(texts(again)) == 1
    assert asks_again(at, again)
    assert "wait between paying" in "\n".join(texts(live.say(at.sender, choose("team"))))
    no_circuit_breaker(live)


def test_the_report_asked_for_mid_interview_keeps_the_place(live: Live) -> None:
    at = at_team_question("yesno")(live)
    for answer in ("yes", "Instagram ads", "A mum ordered the same day", "Pushy ads", "good"):
        live.say(at.sender, answer)  # answers, so there are findings
    reply = live.say(at.sender, "send me the report")
    assert "Here is your report" in "\n".join(texts(reply)), texts(reply)
    assert any(m.custom.get("report") == {"format": "md"} for m in reply)
    assert texts(reply)[-1] == texts(live.say(at.sender, "download the results"))[-1]
    no_circuit_breaker(live)


@pytest.mark.parametrize(
    "side_question", ["what have we found so far", "where are we", "what is a ZMOT"]
)
def test_a_side_question_at_the_read_back_keeps_the_confirmation_open(
    live: Live, side_question: str
) -> None:
    at = at_confirmation(live)
    assert texts(live.say(at.sender, side_question))
    offer = live.say(at.sender, "yes")  # the first question after it: live or planned?
    assert [b.title for b in offer[-1].buttons] == ["Live", "Still planning"]
    no_circuit_breaker(live)


def test_an_unknown_survey_code_gets_one_answer_and_no_questions(live: Live) -> None:
    sender = new_sender("survey")
    reply = "\n".join(texts(live.say(sender, "survey deadbeef")))
    assert "don't know that survey code" in reply
    assert "Thank you" not in reply and "recommend" not in reply
    assert "Hi!" in "\n".join(texts(live.say(sender, "hi")))
    no_circuit_breaker(live)


SIDE_QUESTIONS = ["where are we", "what is a ZMOT", "help"]


@pytest.mark.parametrize("station", list(STATIONS))
def test_side_questions_at_every_question_keep_it_answerable(live: Live, station: str) -> None:
    """Where are we, what is a moment, help: answered anywhere, and the question they
    interrupted takes its normal answer afterwards. (Once, setting up the product, the
    form stayed "rejected" after such a question and took no answer ever again.)"""
    at = STATIONS[station](live)
    for side_question in SIDE_QUESTIONS:
        assert_answered(side_question, live.say(at.sender, side_question))
    answered = live.say(at.sender, at.answer)
    assert_answered(at.answer, answered)
    assert taken(at, answered), f"{at.answer!r} not taken at the {station}: {texts(answered)}"
    no_circuit_breaker(live)
