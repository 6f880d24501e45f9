"""No English sentence reaches a user from outside the message catalogue.

Every text a user reads comes from `text(key)` (bot/locale/<language>/...),
so a new language is a data change. This scans bot/ and actions/ (the cue
word lexicon and the catalogue reader aside: data and machinery) and fails
on a string literal or f-string with a word in it (two letters or more) in
a place whose text a user sees:

- what the bot says: `utter_message(text=...)`, `Reply(messages=[...])`,
  `<reply>.messages.append/insert(...)`, a `Question(...)`'s text, hint and
  option titles, an `UnclearAnswer(...)`'s hint (third argument);
- buttons: the value of a `"title"` key in a dict literal;
- Telegram: our `reply(context, chat_id, said)`, `reply_text`, `send_message` and
  `edit_message_text` texts,
  `send_document`'s caption, a callback query's `answer`, an
  `InlineKeyboardButton`'s text, a `BotCommand`'s description;
- the command line and the terminal: `print(...)`, `click.echo(...)`,
  `click.ClickException(...)`, and the `progress(...)` / `_progress(...)`
  lines `mot` prints while it starts things;
- errors whose message is shown to the user (in the chat or as the CLI's
  error line): `UnreadableTable`, `XlsxError`, `SurveyColumnsError`,
  `TelegramUnavailable`, and `MotError` subclasses' own messages;
- anywhere in a module that only renders documents and chat texts
  (`DOCUMENT_MODULES`: the report, Telegram's /help and /status) or words the
  findings and Rasa's responses (`PHRASE_MODULES`: moments, themes, scoring,
  suggestions, the REST client), a phrase of two words or more (codes and keys
  there are single words), apart from recognition data (`RECOGNITION_DATA`).

Whatever sits inside a `text(...)` call is a key, not a text, and so are
subscripts (`row["title"]`) and dict keys (`json.dumps({"id": ...})`). Literals without
a word (`"\\n"`, `"- "`, `"…"`) are punctuation. A literal deliberately left
untranslated is allow-listed in `ALLOWED` with the reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from bot.core.themes import THEMES

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"bot/core/lexicon.py", "bot/core/catalogue.py"}

# (file, literal) -> why it stays as it is.
ALLOWED: dict[tuple[str, str], str] = {
    ("bot/adapters/terminal.py", "bot> "): "the transcript's speaker marks, like a prompt",
    ("bot/adapters/terminal.py", "you> "): "the transcript's speaker marks, like a prompt",
    ("bot/cli.py", "DATABASE_URL="): "a shell assignment, printed to be copied",
    ("bot/cli.py", "REDIS_URL="): "a shell assignment, printed to be copied",
    ("bot/cli.py", "RASA_URL="): "a shell assignment, printed to be copied",
}

WORD = re.compile(r"[^\W\d_]{2,}")
PHRASE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
DOCUMENT_MODULES = {
    "bot/adapters/telegram_render.py",
    *(f"bot/report/{path.name}" for path in (ROOT / "bot" / "report").glob("*.py")),
}
# Modules that word the findings (moments, themes, evidence summaries, tie-breaks,
# suggestions) or say Rasa's responses: a phrase anywhere in them is user-facing too,
# apart from recognition data (patterns a parser matches, listed here) and the kind of
# an internal error.
PHRASE_MODULES = DOCUMENT_MODULES | {
    "bot/core/taxonomy.py",
    "bot/core/themes.py",
    "bot/core/scoring.py",
    "bot/core/suggestions.py",
    "bot/core/metrics.py",
    "bot/adapters/rest.py",
}
RECOGNITION_DATA: dict[tuple[str, str], str] = {
    ("bot/core/themes.py", "THEMES"): "cue patterns that find a theme in what people wrote",
}

# Calls whose arguments a user reads: name -> positions (None: all) and keywords.
SINKS: dict[str, tuple[tuple[int, ...] | None, tuple[str, ...]]] = {
    "utter_message": ((), ("text",)),
    "Reply": ((0,), ("messages",)),
    "Question": ((3, 4, 6), ("text", "hint", "options")),
    "UnclearAnswer": ((2,), ("hint",)),
    "reply": ((2,), ("said",)),
    "reply_text": ((0,), ("text",)),
    "send_message": ((1,), ("text",)),
    "edit_message_text": ((0,), ("text",)),
    "send_document": ((), ("caption",)),
    "answer_callback_query": ((1,), ("text",)),
    "InlineKeyboardButton": ((0,), ("text",)),
    "BotCommand": ((1,), ("description",)),
    "print": (None, ()),
    "echo": (None, ("message",)),
    "ClickException": ((0,), ("message",)),
    "progress": ((0,), ()),
    "_progress": ((0,), ()),
    "UnreadableTable": ((0,), ("message",)),
    "XlsxError": ((0,), ()),
    "SurveyColumnsError": ((0,), ()),
    "TelegramUnavailable": ((0,), ()),
}
# `<something>.messages.append(x)` / `.insert(i, x)`: a reply's messages growing.
MESSAGE_LIST_METHODS = {"append": 0, "insert": 1}


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_answer_of_a_query(call: ast.Call) -> bool:
    """`query.answer("...")`: the toast a pressed button shows."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "answer"
        and isinstance(func.value, ast.Name)
        and "query" in func.value.id
    )


def _literals(node: ast.AST) -> Iterator[ast.Constant | ast.JoinedStr]:
    """String literals and f-strings under `node`, not looking inside `text(...)` or `say(...)`
    (keys)."""
    if isinstance(node, ast.Call) and _name(node) in ("text", "say"):
        return
    if isinstance(node, ast.JoinedStr):
        yield node
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                yield from _literals(value.value)
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
        return
    if isinstance(node, ast.Subscript):  # row["title"]: the key is data
        yield from _literals(node.value)
        return
    if isinstance(node, ast.Dict):  # json.dumps({"product": ...}): its keys are data
        for value in node.values:
            yield from _literals(value)
        return
    for child in ast.iter_child_nodes(node):
        yield from _literals(child)


def _wording(literal: ast.Constant | ast.JoinedStr) -> str:
    """The literal's own characters (an f-string's constant parts)."""
    if isinstance(literal, ast.Constant):
        return str(literal.value)
    return "".join(str(v.value) for v in literal.values if isinstance(v, ast.Constant))


def _titles(options: ast.AST) -> Iterator[ast.AST]:
    """The titles of (title, answer) pairs: the answers are what the user's press sends."""
    pairs = options.elt if isinstance(options, ast.GeneratorExp | ast.ListComp) else options
    if isinstance(pairs, ast.Tuple | ast.List) and pairs is not options:
        yield pairs.elts[0]
    elif isinstance(pairs, ast.Tuple | ast.List):
        for pair in pairs.elts:
            yield pair.elts[0] if isinstance(pair, ast.Tuple | ast.List) else pair
    else:
        yield options


def _sink_arguments(call: ast.Call) -> Iterator[ast.AST]:
    name = _name(call)
    if name in SINKS:
        positions, keywords = SINKS[name]
        arguments = [
            (keyword.arg, keyword.value) for keyword in call.keywords if keyword.arg in keywords
        ] + [
            (index, argument)
            for index, argument in enumerate(call.args)
            if positions is None or index in positions
        ]
        for which, argument in arguments:
            if name == "Question" and which in ("options", 6):
                yield from _titles(argument)
            else:
                yield argument
    if _is_answer_of_a_query(call):
        yield from call.args[:1]
        yield from (k.value for k in call.keywords if k.arg == "text")
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in MESSAGE_LIST_METHODS
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "messages"
    ):
        yield from call.args[MESSAGE_LIST_METHODS[func.attr] :][:1]


def _own_message(node: ast.ClassDef) -> Iterator[ast.AST]:
    """What a MotError subclass passes to `super().__init__`: shown where it is caught."""
    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
    if not bases & {"MotError", "UnreadableTable"}:
        return
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and _name(call) == "__init__"
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Call)
            and _name(call.func.value) == "super"
        ):
            yield from call.args


# Core errors whose message only a developer or a log reads (the edges answer with texts
# of their own; an UnclearAnswer's hint is what the user sees).
INTERNAL_ERRORS = {"UnknownCode", "UnclearAnswer", "SurveyNotFound"}


def _not_said(tree: ast.AST, where: str) -> Iterator[ast.Constant | ast.JoinedStr]:
    """Literals nobody reads: recognition data, and what internal errors name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if any((where, name) in RECOGNITION_DATA for name in names) and node.value:
                yield from _literals(node.value)
        elif isinstance(node, ast.Call) and _name(node) in INTERNAL_ERRORS:
            yield from _literals(node)


def offending(source: str, where: str) -> list[str]:
    """Every user-facing literal of a module as 'file:line: literal'."""
    tree = ast.parse(source, where)
    places: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            places += _sink_arguments(node)
        elif isinstance(node, ast.Dict):
            places += [
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "title"
            ]
        elif isinstance(node, ast.ClassDef) and node.name not in INTERNAL_ERRORS:
            places += _own_message(node)
    found = []
    for place in places:
        for literal in _literals(place):
            wording = _wording(literal)
            if WORD.search(wording) and (where, wording) not in ALLOWED:
                found.append(f"{where}:{literal.lineno}: {wording!r}")
    if where in PHRASE_MODULES:
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        data = {id(literal) for literal in _not_said(tree, where)}
        for literal in _literals(tree):
            wording = _wording(literal)
            if id(literal) in docstrings | data or wording in THEMES:  # a theme is a code
                continue
            if PHRASE.search(wording):
                found.append(f"{where}:{literal.lineno}: {wording!r}")
    return sorted(set(found), key=lambda f: (f.split(":")[0], int(f.split(":")[1])))


def test_no_user_facing_literal_outside_the_catalogue() -> None:
    found = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]):
        where = str(path.relative_to(ROOT))
        if where not in SKIPPED:
            found += offending(path.read_text(encoding="utf-8"), where)
    assert not found, (
        "user-facing text outside bot/locale (add a key and call text(key)):\n" + "\n".join(found)
    )


def test_the_scan_sees_a_sentence_in_every_kind_of_place() -> None:
    source = """
dispatcher.utter_message(text="Hello there")
dispatcher.utter_message(text=lead + "\\nPick one")
Reply(messages=[f"Done with {method}"])
reply.messages.append("Skipped it")
reply.messages.insert(0, "Read again")
Question("k", None, "text", "What is it?", "A hint", options=(("Yes", "yes"),))
raise UnclearAnswer("rating", said, f"Between {low} and {high}")
buttons = [{"title": "No", "payload": "no"}]
await message.reply_text("Sorry")
await reply(context, chat.id, f"Only text, {name}", reply_to)
await bot.send_message(chat_id, "Hi all")
await query.answer("Too late")
InlineKeyboardButton("Delete", callback_data="x")
BotCommand("help", "What I do")
click.echo(f"error: {error}")
print("Type a message")
raise click.ClickException("Set the token")
_progress("Stopped.")
raise UnreadableTable(f"{path}: no such file")
class TooLong(MotError):
    def __init__(self) -> None:
        super().__init__("That is long")
"""
    found = offending(source, "x.py")
    assert len(found) == 22, "\n".join(found)


def test_a_phrase_anywhere_in_a_document_module_is_seen() -> None:
    source = """\"\"\"The report.\"\"\"
SORT = "rank"
lines = ["## " + text("report.pains"), "No pains yet."]
"""
    assert offending(source, "bot/report/markdown.py") == [
        "bot/report/markdown.py:3: 'No pains yet.'"
    ]
    assert offending(source, "bot/other.py") == []


def test_keys_punctuation_and_data_pass() -> None:
    source = """
dispatcher.utter_message(text=text("help"))
dispatcher.utter_message(text=lead + "\\n" + text("rephrase.menu", text=said))
Reply(messages=[summary, text("bad_file")])
buttons = [{"title": str(n), "payload": str(n)} for n in range(1, 6)]
print(f"{prefix} {line}", file=stdout)
payload = {"text": "not shown", "title_case": "data"}
buttons = [{"title": b["title"], "payload": b["payload"]} for b in first["buttons"]]
click.echo(json.dumps({"id": view.id, "product": context.product_name}))
raise UnknownCode("moment of truth", code, allowed)
log.info("started %s", name)
"""
    assert offending(source, "x.py") == []


def test_a_phrase_in_a_findings_module_is_seen_but_not_its_recognition_data() -> None:
    source = """
THEMES = {"billing": (r"charged (twice|double)", r"double charge")}
LIBRARY = (Suggestion(Mot.ZMOT, P, "Answer every review within two days", ("reviews",)),)
theme = "support tone"
raise UnknownCode("moment of truth", code, allowed)
head = f"{count} team answer(s)"
"""
    assert offending(source, "bot/core/themes.py") == [
        "bot/core/themes.py:3: 'Answer every review within two days'",
        "bot/core/themes.py:6: ' team answer(s)'",
    ]
