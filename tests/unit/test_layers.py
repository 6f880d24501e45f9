"""The moments-of-truth core stays plain Python: it imports nothing outside itself.

`bot/core` may use the standard library and its own modules only; Rasa,
Telegram, SQLAlchemy and the rest of `bot` are adapters around it. The one
exception is training the ticket model (`ticket_training`), which loads
scikit-learn and SciPy inside its functions, at training time only.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
TRAINING_ONLY = {"ticket_training": {"sklearn", "scipy", "numpy"}}


def imported(tree: ast.AST) -> list[tuple[str, int, bool]]:
    """(module, line, at module level) for every import in a module."""
    top = {id(node) for node in getattr(tree, "body", [])}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the package
                found.append(("bot.core", node.lineno, id(node) in top))
            elif node.module:
                found.append((node.module, node.lineno, id(node) in top))
    return found


def test_the_core_imports_only_the_standard_library_and_itself() -> None:
    wrong = []
    for path in sorted(CORE.glob("*.py")):
        allowed_lazily = TRAINING_ONLY.get(path.stem, set())
        for module, line, at_top in imported(ast.parse(path.read_text(), str(path))):
            root = module.split(".")[0]
            if module == "bot.core" or module.startswith("bot.core."):
                continue
            if root in sys.stdlib_module_names or root == "__future__":
                continue
            if root in allowed_lazily and not at_top:
                continue
            wrong.append(f"{path.name}:{line} imports {module}")
    assert not wrong, "bot/core must stay plain Python:\n" + "\n".join(wrong)


def test_the_check_sees_a_forbidden_import() -> None:
    tree = ast.parse("import sqlalchemy\nfrom bot.storage import models\n")
    assert [m for m, _, _ in imported(tree)] == ["sqlalchemy", "bot.storage"]
