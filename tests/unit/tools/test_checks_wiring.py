"""The checks stay wired: `make test` runs lint and typecheck first, ruff keeps its complexity and import rules,
and pre-commit calls the same ruff and mypy. A refactor of the Makefile or pyproject.toml that drops one of them
fails here instead of going unnoticed."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _make_rule(target: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines (continuations joined)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(rf"^{re.escape(target)}:([^\n#]*)(?:##[^\n]*)?\n((?:\t[^\n]*\n)*)", text, flags=re.M)
    assert match, f"the Makefile has no {target!r} target"
    recipe = [line.strip() for line in match.group(2).splitlines() if line.strip()]
    return match.group(1).split(), recipe


def _precommit_hooks() -> list[dict]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def test_make_test_runs_lint_and_typecheck():
    prerequisites, _ = _make_rule("test")
    assert {"lint", "typecheck"} <= set(prerequisites)


def test_lint_runs_ruff_over_every_python_folder():
    _, recipe = _make_rule("lint")
    command = next(line for line in recipe if "ruff check" in line)
    assert {"shared", "tools", "functions", "tests", "scripts"} <= set(shlex.split(command))


def test_typecheck_runs_mypy_over_the_package_and_the_tools():
    _, recipe = _make_rule("typecheck")
    command = next(line for line in recipe if "mypy" in line)
    assert {"shared/newsdive", "tools/newsdive_tools"} <= set(shlex.split(command))
    assert any("functions/*/handler.py" in line and "mypy" in line for line in recipe), "every handler is checked"


def test_ruff_selects_complexity_and_import_order():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert {"C90", "I"} <= set(lint["select"])
    assert lint["mccabe"]["max-complexity"] == 15


def test_mypy_keeps_the_pydantic_plugin():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "pydantic.mypy" in config["tool"]["mypy"]["plugins"]


def test_precommit_hooks_call_the_venvs_ruff_and_mypy():
    hooks = _precommit_hooks()
    entries = {hook["id"]: hook["entry"] for hook in hooks}
    assert entries.get("ruff", "").startswith(".venv/bin/ruff check")
    assert shlex.split(entries.get("mypy", ""))[-1] == "typecheck", "mypy runs as make typecheck runs it"
    assert all(hook["language"] == "system" for hook in hooks), "local hooks: pre-commit must download nothing"
