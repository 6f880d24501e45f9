"""The message catalogues: the .po reader, the English catalogue, and the language in use.

`text("key")` fails only when a user would see it, so the keys the code names
are checked here against the English catalogue, which must parse cleanly,
with every msgid once, the same way Babel reads it.
"""

from __future__ import annotations

import ast
import asyncio
import re
import string
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.adapters.rest import SAY, parse_messages
from bot.core import catalogue
from bot.core.catalogue import CatalogueError, Entry, parse
from bot.core.texts import current_language, normalise_language, spoken, text, use_language

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = catalogue.path_for("en")
SOURCES = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")])


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def english_entries() -> list[Entry]:
    return parse(ENGLISH.read_text(encoding="utf-8"), str(ENGLISH))


# --- the reader ---------------------------------------------------------------------


def test_the_reader_takes_continued_strings_escapes_comments_and_flags() -> None:
    source = r"""# a translator's comment
msgid ""
msgstr "Language: en\n"

#. where it is shown
#: bot/core/interview.py:12
#, python-brace-format
msgid "greet"
msgstr ""
"Hello {name},\n"
"say \"start\" \\ or\t'help'."

#, fuzzy
msgid "draft"
msgstr "not checked yet"

msgid "untranslated"
msgstr ""

#~ msgid "gone"
#~ msgstr "an obsolete entry"
"""
    entries = parse(source)
    assert [e.key for e in entries] == ["", "greet", "draft", "untranslated"]
    greet = entries[1]
    assert greet.text == "Hello {name},\nsay \"start\" \\ or\t'help'."
    assert greet.flags == {"python-brace-format"} and greet.line == 8
    assert catalogue.messages(entries) == {"greet": greet.text}  # no header, fuzzy or empty


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('msgid "a"\nmsgstr "x"\n\nmsgid "a"\nmsgstr "y"\n', "msgid 'a' again"),
        ('msgctxt "menu"\nmsgid "a"\nmsgstr "x"\n', "msgctxt is not supported"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\n', "msgid_plural is not supported"),
        ('msgid "a"\n\nmsgstr "x"\n', "without msgstr"),
        ('msgid "a"\nmsgstr "x\\q"\n', "unknown escape"),
        ('msgid "a"\nmsgstr "x\n', "expected a quoted string"),
        ('"x"\n', "a string outside msgid or msgstr"),
    ],
)
def test_the_reader_refuses_what_it_does_not_take(source: str, error: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(error)):
        parse(source, "x.po")


@pytest.mark.parametrize("code", ["../../etc", "en/../../x", "", "EN_us_x", "de\x00"])
def test_a_language_from_outside_never_becomes_a_path(code: str) -> None:
    assert normalise_language(code) is None
    with pytest.raises(ValueError):
        catalogue.path_for(code)


def test_language_codes_are_read_as_the_catalogues_name_them() -> None:
    assert normalise_language("de-DE") == "de_DE"
    assert normalise_language("pt_br") == "pt_BR"
    assert normalise_language(" EN ") == "en"
    assert normalise_language("sr-latn") == "sr_Latn"


# --- the English catalogue -------------------------------------------------------------


def test_the_english_catalogue_parses_every_msgid_once_with_its_text() -> None:
    entries = english_entries()
    keys = [e.key for e in entries]
    assert keys[0] == "" and len(keys) == len(set(keys)) > 250
    empty = [e.key for e in entries[1:] if not e.translated]
    assert not empty, f"English needs a text for every key: {empty}"


def test_babel_reads_the_english_catalogue_the_same_way() -> None:
    with ENGLISH.open("rb") as handle:
        babel = read_po(handle, locale="en", abort_invalid=True)
    theirs = {m.id: m.string for m in babel if m.id}
    assert theirs == catalogue.messages(english_entries())


def test_placeholders_are_well_formed_and_flagged_python_brace_format() -> None:
    wrong = []
    for entry in english_entries()[1:]:
        names = placeholders(entry.text)  # raises on a stray brace
        if any(not re.fullmatch(r"[a-z_]+", n) for n in names):
            wrong.append(f"{entry.key}: placeholders {sorted(names)}")
        if bool(names) != ("python-brace-format" in entry.flags):
            wrong.append(f"{entry.key}: python-brace-format flag {'missing' if names else 'set'}")
    assert not wrong, "\n".join(wrong)


def _imports_text(tree: ast.AST) -> bool:
    """The module's `text` is ours (SQLAlchemy has a `text` too)."""
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "bot.core.texts"
        and any(alias.name in ("text", "say") for alias in node.names)
        for node in ast.walk(tree)
    )


def _keys(argument: ast.expr) -> list[ast.Constant | ast.JoinedStr]:
    """The keys a first argument can be: `"key"`, `f"q.{x}"`, `a or "key"`, `"a" if x else "b"`."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return [argument]
    if isinstance(argument, ast.JoinedStr):
        return [argument]
    if isinstance(argument, ast.BoolOp):
        return [key for value in argument.values for key in _keys(value)]
    if isinstance(argument, ast.IfExp):
        return [*_keys(argument.body), *_keys(argument.orelse)]
    return []


def _text_calls() -> Iterator[tuple[str, int, ast.Constant | ast.JoinedStr]]:
    """(file, line, key) of every key a `text(...)` or `say(...)` in bot/ and actions/ names."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if not _imports_text(tree):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("text", "say")
                and node.args
            ):
                for key in _keys(node.args[0]):
                    yield str(path.relative_to(ROOT)), node.lineno, key


def _pattern(key: ast.JoinedStr) -> re.Pattern[str]:
    """text(f"q.team.{part}") as a pattern of the keys it can name."""
    parts = [
        re.escape(str(v.value)) if isinstance(v, ast.Constant) else r"[a-z0-9_]+"
        for v in key.values
    ]
    return re.compile("".join(parts))


def test_every_key_the_code_names_is_in_the_english_catalogue() -> None:
    english = catalogue.messages(english_entries())
    missing = []
    for where, line, key in _text_calls():
        if isinstance(key, ast.Constant):
            if key.value not in english:
                missing.append(f"{where}:{line}: {key.value!r}")
        elif isinstance(key, ast.JoinedStr):
            pattern = _pattern(key)
            if not any(pattern.fullmatch(k) for k in english):
                missing.append(f"{where}:{line}: no key like {pattern.pattern!r}")
    assert not missing, "keys missing from " + str(ENGLISH) + ":\n" + "\n".join(missing)


def test_every_english_key_is_used_somewhere() -> None:
    """A key no code names is a text nobody sees: delete it (or the code lost it)."""
    named: set[str] = set()
    patterns = [_pattern(key) for _, _, key in _text_calls() if isinstance(key, ast.JoinedStr)]
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)
    named |= set(domain_response_keys())
    unused = [
        key
        for key in catalogue.messages(english_entries())
        if key not in named and not any(p.fullmatch(key) for p in patterns)
    ]
    assert not unused, f"keys no code uses: {unused}"


def domain_response_keys() -> dict[str, str]:
    """Every message key Rasa's own responses name (domain.yml), with where: key -> response."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    keys: dict[str, str] = {}
    for name, variants in domain["responses"].items():
        for variant in variants:
            said = variant.get("custom") or {}
            keys[str(said.get(SAY))] = name
            keys.update({str(b.get("title")): name for b in said.get("buttons") or []})
    return keys


def test_rasas_responses_carry_only_keys_the_english_catalogue_has() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    with_text = [
        name
        for name, variants in domain["responses"].items()
        for variant in variants
        if "text" in variant or "buttons" in variant or SAY not in (variant.get("custom") or {})
    ]
    assert not with_text, f"responses with text instead of a key: {with_text}"
    english = catalogue.messages(english_entries())
    missing = [
        f"{name}: {key}" for key, name in domain_response_keys().items() if key not in english
    ]
    assert not missing, "keys missing from " + str(ENGLISH) + ":\n" + "\n".join(missing)


def test_a_response_of_rasas_is_said_in_the_conversations_language(with_german: Path) -> None:
    with with_german.open("a", encoding="utf-8") as po:
        po.write(
            '\nmsgid "rasa.ask_business_type"\nmsgstr "Verkaufen Sie an Firmen oder Privatleute?"\n'
            '\nmsgid "rasa.button.b2c"\nmsgstr "Privatleute"\n'
        )
    catalogue.clear_cache()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    sent = {
        "recipient_id": "x",
        "custom": domain["responses"]["utter_ask_business_type"][0]["custom"],
    }
    with use_language("de"):
        [german] = parse_messages([sent])
    [english] = parse_messages([sent])
    assert german.text == "Verkaufen Sie an Firmen oder Privatleute?"
    assert [(b.title, b.payload) for b in german.buttons] == [
        ("B2B", "B2B"),
        ("Privatleute", "B2C"),
    ]
    assert english.text.startswith("Do you sell mainly to businesses (B2B)")
    assert not german.custom and not english.custom  # said as text, not an instruction
    # An action's message is shown as it came; its instructions stay instructions.
    [report] = parse_messages([{"text": "Here it is.", "custom": {"report": {"x": 1}}}])
    assert (report.text, report.custom) == ("Here it is.", {"report": {"x": 1}})


# --- other languages --------------------------------------------------------------------


def translation_problems(language: str) -> list[str]:
    """What a language's catalogue must not do: keys English lacks, placeholders it lacks."""
    english = catalogue.load("en")
    problems = []
    for key, template in catalogue.load(language).items():
        if key not in english:
            problems.append(f"{language}: {key!r} is no English key")
        elif not placeholders(template) <= placeholders(english[key]):
            extra = sorted(placeholders(template) - placeholders(english[key]))
            problems.append(f"{language}: {key!r} uses {extra}, which the code does not pass")
    return problems


def test_every_translation_keeps_to_the_english_keys_and_placeholders() -> None:
    problems = [p for lang in sorted(catalogue.available()) for p in translation_problems(lang)]
    assert not problems, "\n".join(problems)


GERMAN = (
    'msgid "skipped"\nmsgstr "Übersprungen."\n\n'
    '#, python-brace-format\nmsgid "back_to"\nmsgstr "Zurück zu: {method}."\n\n'
    '#, fuzzy\nmsgid "welcome_back"\nmsgstr "Willkommen zurück!"\n\n'
    'msgid "storage_error"\nmsgstr "Das konnte ich gerade nicht speichern."\n'
)


def partial_german(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small German catalogue beside a copy of the English one, as the catalogues in use."""
    for language in ("en", "de"):
        (folder / language / "LC_MESSAGES").mkdir(parents=True)
    (folder / "en" / "LC_MESSAGES" / "messages.po").write_bytes(ENGLISH.read_bytes())
    german = folder / "de" / "LC_MESSAGES" / "messages.po"
    german.write_text(GERMAN, encoding="utf-8")
    monkeypatch.setattr(catalogue, "LOCALE_DIR", folder)
    catalogue.clear_cache()
    return german


@pytest.fixture
def with_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield partial_german(tmp_path, monkeypatch)
    catalogue.clear_cache()


def test_a_language_speaks_its_own_texts_and_english_for_the_rest(with_german: Path) -> None:
    assert catalogue.available() == {"en", "de"}
    with use_language("de-AT"):
        assert current_language() == "de_AT"
        assert text("skipped") == "Übersprungen."  # de_AT has no catalogue: German
        assert text("back_to", method="Umfrage") == "Zurück zu: Umfrage."
        assert text("welcome_back") == "Welcome back!"  # fuzzy: not a translation yet
        assert text("nothing_to_skip") == "Nothing to skip right now."  # not translated
    with use_language("xx"):
        assert text("skipped") == "Skipped."  # no such catalogue: English
    assert current_language() == "en" and text("skipped") == "Skipped."
    assert translation_problems("de") == []
    # What a chat client asks for is taken only when the bot speaks it.
    assert (spoken("de-AT"), spoken("DE"), spoken("fr"), spoken("../de")) == (
        "de_AT",
        "de",
        None,
        None,
    )


def test_a_translation_with_a_placeholder_the_code_does_not_pass_is_caught(
    with_german: Path,
) -> None:
    with with_german.open("a", encoding="utf-8") as po:
        po.write('\nmsgid "skipped"\nmsgstr "Weggelassen."\n')  # a duplicate: refused
    with pytest.raises(CatalogueError, match="again"):
        catalogue.load("de")
    with_german.write_text(
        '#, python-brace-format\nmsgid "skipped"\nmsgstr "Übersprungen: {frage}"\n\n'
        'msgid "no.such.key"\nmsgstr "?"\n',
        encoding="utf-8",
    )
    catalogue.clear_cache()
    assert translation_problems("de") == [
        "de: 'skipped' uses ['frage'], which the code does not pass",
        "de: 'no.such.key' is no English key",
    ]


def test_each_thread_and_task_keeps_its_own_language(with_german: Path) -> None:
    said: dict[str, str] = {}

    def in_thread(name: str, language: str) -> None:
        with use_language(language):
            said[name] = text("skipped")

    threads = [threading.Thread(target=in_thread, args=(n, n)) for n in ("de", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def turn(language: str) -> str:
        with use_language(language):
            await asyncio.sleep(0)
            return text("skipped")

    async def both() -> list[str]:
        return list(await asyncio.gather(turn("de"), turn("en")))

    assert said == {"de": "Übersprungen.", "en": "Skipped."}
    assert asyncio.run(both()) == ["Übersprungen.", "Skipped."]


def test_importing_the_code_reads_no_catalogue() -> None:
    """The language is chosen per conversation, so nothing may be looked up at import."""
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in SOURCES
    )
    probe = (
        "import importlib, sys\n"
        "from bot.core import catalogue\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(catalogue._read.cache_info().currsize, catalogue.available.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "0"], done.stdout + done.stderr
