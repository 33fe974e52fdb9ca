"""Every third-party module the shipped code imports is a declared runtime dependency, in pyproject.toml and in
shared/requirements.txt (the Lambda layer) alike: CI and the layer have what the code uses.

The benchmarks (newsdive_tools/bench) and the local run (newsdive_tools/local, the CLI) may import their own extras;
boto3 and botocore come with the Lambda runtime.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "shared" / "newsdive"
LOCAL_ONLY = ("bench", "local", "cli.py")
RUNTIME_PROVIDED = {"boto3", "botocore"}
CLI_ONLY = {"yaml": "sources.py reads a YAML sources file for the CLI only (the local extra has pyyaml)"}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    layer = [line for line in (ROOT / "shared" / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return {_name(r) for r in project["dependencies"]}, {_name(r) for r in layer}


def _imported_modules() -> dict[str, str]:
    """Top-level third-party modules imported by the shipped code -> the first file importing each."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(LOCAL_ONLY):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "newsdive" and top not in sys.stdlib_module_names:
                    found.setdefault(top, rel)
    return found


def test_pyproject_and_the_layer_requirements_name_the_same_packages():
    project, layer = _declared()
    assert project == layer


def test_every_module_the_shipped_code_imports_is_declared():
    project, _ = _declared()
    distributions = packages_distributions()
    missing = {}
    for module, where in _imported_modules().items():
        if module in RUNTIME_PROVIDED or module in CLI_ONLY:
            continue
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & project:
            missing[module] = where
    assert missing == {}, f"imported but not declared in pyproject.toml dependencies: {missing}"
