"""The engine add-on that validates the action server's answers once-compiled: it must
accept and refuse exactly what Rasa's own check does (run in Rasa's environment)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

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


def test_the_add_on_accepts_and_refuses_what_rasa_does(project_root: Path) -> None:
    python = project_root / ".venv-rasa" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", CHECK], cwd=project_root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results[0] == [True, True]
    for original, fast in results[1:]:
        assert str(original).startswith("refused") and fast == original
