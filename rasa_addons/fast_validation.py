"""Validate the action server's answers with one compiled validator, not a new one per call.

Rasa 3.6 checks every answer of the action server with `jsonschema.validate`, which
checks the events schema itself and builds a validator on every call: 27% of the Rasa
server's time per turn under load (bench/README.md). This module replaces that method
by the same validation with a validator built once. Rasa imports it when it loads the
model, because config.yml lists `ActionValidationOnce` (a component that changes no
message) in its pipeline; the project root is on Rasa's path.

Runs inside .venv-rasa (Python 3.10): no imports from `bot`.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions import action as rasa_action
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_HINT = (
    ". Failed to validate Action server response from API, make sure your response "
    "from the Action endpoint is valid."
)


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    spec = rasa_action.RemoteAction.action_response_format_spec()
    kind = validators.validator_for(spec)
    kind.check_schema(spec)  # once, not on every answer
    return kind(spec)


def validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """What `RemoteAction._validate_action_result` does, with the validator built once."""
    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    if isinstance(error, ValidationError):
        error.message += _HINT
    raise error


def install() -> None:
    rasa_action.RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ActionValidationOnce(GraphComponent):
    """A pipeline step that changes no message: loading it installs the faster check."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ActionValidationOnce":
        install()
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
