"""The English and German models must understand the same things: every intent, entity,
synonym target and pattern of one has its counterpart in the other, and both learn the
same dialogue (shared stories and rules, identical policies)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.rasa_supervisor import config_file, model_languages, training_data

ENTITY = re.compile(r"\]\((\w+)(?::[^)]*)?\)|\"entity\":\s*\"(\w+)\"")


def _read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def nlu_of(root: Path, language: str) -> dict[str, set[str]]:
    """Intents (with examples), entities annotated, synonym targets, regex and lookup names."""
    found: dict[str, set[str]] = {"intent": set(), "entity": set(), "synonym": set(),
                                  "regex": set(), "lookup": set()}  # fmt: skip
    for path in training_data(root, language):
        for item in _read(path).get("nlu") or []:
            kind = next(k for k in found if k in item)
            found[kind].add(item[kind])
            for match in ENTITY.finditer(item.get("examples", "") if kind == "intent" else ""):
                found["entity"].add(match.group(1) or match.group(2))
    return found


def test_every_language_understands_every_intent_entity_and_synonym(project_root: Path) -> None:
    domain = _read(project_root / "domain.yml")
    languages = model_languages(project_root)
    assert languages == ["en", "de"]
    english = nlu_of(project_root, "en")
    assert english["intent"] == set(domain["intents"])
    for language in languages[1:]:
        theirs = nlu_of(project_root, language)
        for kind, names in english.items():
            assert theirs[kind] == names, f"{language}: {kind} differs"


def test_every_language_learns_the_same_dialogue(project_root: Path) -> None:
    english = _read(project_root / config_file("en"))
    dialogue = {p.name for p in training_data(project_root, "en") if not p.name.startswith("nlu")}
    assert dialogue >= {"stories.yml", "rules.yml"}
    for language in model_languages(project_root)[1:]:
        theirs = _read(project_root / config_file(language))
        assert theirs["language"] == language
        assert theirs["policies"] == english["policies"]
        names = {p.name for p in training_data(project_root, language)}
        assert dialogue <= names
