"""The engine add-ons, run in Rasa's environment beside Rasa's own code: the once-compiled
validation of the action server's answers accepts and refuses exactly what Rasa's check does,
and the event-type table finds the classes Rasa's own walk finds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

CHECK = """
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
original = RemoteAction._validate_action_result
from rasa_addons import fast_validation
fast_validation.install()
assert RemoteAction._validate_action_result is not original
good = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}
bad = [{"events": [{"event": "no-such-event"}]}, {"events": "not a list"},
       {"responses": ["not an object"]}]
me = RemoteAction.__new__(RemoteAction)  # the checks only read the class's schema
results = []
for answer in [good, *bad]:
    verdicts = []
    for check in (original, RemoteAction._validate_action_result):
        try:
            verdicts.append(check(me, answer))
        except ValidationError as error:
            verdicts.append("refused: " + error.message.split(".")[0])
    results.append(verdicts)
print(json.dumps(results))
"""


def in_rasa(project_root: Path, script: str) -> Any:
    """Run `script` in Rasa's environment; what it printed last, as JSON."""
    python = project_root / ".venv-rasa" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", script], cwd=project_root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_add_on_accepts_and_refuses_what_rasa_does(project_root: Path) -> None:
    results = in_rasa(project_root, CHECK)
    assert results[0] == [True, True]
    for original, fast in results[1:]:
        assert str(original).startswith("refused") and fast == original


RESOLVE = """
import json
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
original = Event.resolve_by_type
from rasa_addons import fast_events
fast_events.install()
assert Event.resolve_by_type is not original
names = sorted({cls.type_name for cls in all_subclasses(Event)}) + ["topic", "no-such-event"]
results = []
for name in names:
    answers = []
    for resolve in (original, Event.resolve_by_type):
        try:
            found = resolve(name)
            answers.append(found.__name__ if found else None)
        except ValueError as error:
            answers.append("refused: " + str(error))
    answers.append(Event.resolve_by_type(name, default=int).__name__ if name != "topic" else "")
    results.append([name, *answers])
print(json.dumps(results))
"""


def test_events_are_read_back_as_the_same_classes_as_rasa_reads_them(project_root: Path) -> None:
    """The event-type table (rasa_addons/fast_events.py) answers as Rasa's own walk does."""
    results = in_rasa(project_root, RESOLVE)
    assert len(results) > 20  # every event type Rasa knows, and two odd names
    for name, original, fast, with_default in results:
        assert fast == original, name
        if name == "no-such-event":
            assert original.startswith("refused") and with_default == "int"
    assert dict((r[0], r[1]) for r in results)["slot"] == "SlotSet"
