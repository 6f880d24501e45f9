"""The README's code layout stays true: every module is named there, and nothing named is gone.

A newcomer finds their way by the "Code layout" section of the README, so a
module added under `bot/` or `actions/` without a line there, or a line left
behind by a rename, fails here. Each top-level bullet of the section names its
folder first (`bot/core/`, `bot/adapters/`, `bot/`, `actions/`, `tests/`, ...);
a module counts as named when its path below that folder (`rest.py`,
`demo/`) is in backticks in the bullet, or its whole path anywhere in the
section (`bot/adapters/rest.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTION = "### Code layout"
PACKAGES = ("bot", "actions")
TOKEN = re.compile(r"`([^`\n]+)`")


def layout_section(readme: str) -> str:
    """The text from the Code layout heading to the next heading."""
    start = readme.index(SECTION) + len(SECTION)
    following = re.search(r"^#{2,3} ", readme[start:], re.MULTILINE)
    return readme[start : start + following.start()] if following else readme[start:]


def folder_blocks(section: str) -> list[tuple[str, list[str]]]:
    """(folder, backticked names) of each top-level bullet that starts with a folder."""
    blocks: list[list[str]] = []
    for line in section.splitlines():
        if line.startswith("- "):
            blocks.append([line])
        elif blocks and line.startswith(" "):
            blocks[-1].append(line)
        elif line.strip():
            blocks.append([])  # a paragraph ends the bullets before it
    found = []
    for block in blocks:
        names = TOKEN.findall("\n".join(block))
        if names and names[0].endswith("/"):
            found.append((names[0], names))
    return found


def modules(root: Path) -> list[str]:
    """Every module under the packages, a package's `__init__.py` as its folder ("bot/demo/")."""
    found = set()
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            relative = path.relative_to(root).as_posix()
            found.add(relative.removesuffix("__init__.py"))
    return sorted(found)


def missing_modules(section: str, root: Path) -> list[str]:
    blocks = folder_blocks(section)
    everywhere = set(TOKEN.findall(section))
    missing = []
    for module in modules(root):
        named = module in everywhere or any(
            module.startswith(folder) and module[len(folder) :] in names for folder, names in blocks
        )
        if not named:
            missing.append(module)
    return missing


def stale_names(section: str, root: Path) -> list[str]:
    """Python files the layout names that do not exist (a name from the repository root, like
    `bot/action_server.py`, is read from there; any other from its bullet's folder)."""
    stale = []
    for folder, names in folder_blocks(section):
        for name in names:
            if not name.endswith(".py"):
                continue
            first = name.split("/", 1)[0]
            from_root = "/" in name and (root / first).is_dir()
            path = root / name if from_root else root / folder / name
            if not path.is_file():
                stale.append(f"{name} (in {folder})")
    return stale


def test_every_module_under_bot_and_actions_is_in_the_readme_layout() -> None:
    section = layout_section((ROOT / "README.md").read_text())
    assert {folder for folder, _ in folder_blocks(section)} >= {"bot/", "actions/", "bot/core/"}
    missing = missing_modules(section, ROOT)
    assert not missing, "add them to the README's code layout:\n" + "\n".join(missing)


def test_every_python_file_the_readme_layout_names_exists() -> None:
    section = layout_section((ROOT / "README.md").read_text())
    stale = stale_names(section, ROOT)
    assert not stale, "renamed or removed: fix the README's code layout:\n" + "\n".join(stale)


def test_the_checks_see_a_module_left_out_and_a_name_left_behind(tmp_path: Path) -> None:
    for name in ("bot/core/taxonomy.py", "bot/core/new.py", "bot/app.py", "actions/common.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    readme = (
        "## Architecture\n\n### Code layout\n\n"
        "- `bot/core/`: the core:\n  - `taxonomy.py`: codes; `records.py`: gone;\n"
        "- `bot/`: `app.py`.\n- `actions/`: `common.py`.\n\nSQLite ...\n\n"
        "### Following one answer\n\n- `bot/`: `new.py`\n"
    )
    section = layout_section(readme)
    assert missing_modules(section, tmp_path) == ["bot/core/new.py"]
    assert stale_names(section, tmp_path) == ["records.py (in bot/core/)"]
