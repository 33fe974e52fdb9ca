"""The Lambda layer holds runtime code only: `newsdive` (shared/newsdive) imports nothing but itself, the standard
library and its declared runtime dependencies (pyproject.toml `dependencies`); boto3 and botocore come with the
Lambda runtime.

The command line, the local run and the benchmarks are `newsdive_tools` (tools/), installed with the dev extra and
never shipped: the layer importing it, or one of its extras (moto, yaml, samtranslator...), would fail on Lambda.
Every import counts, lazy ones inside functions and typing-only ones too; only an import guarded by
`except ImportError` (an optional speed-up with a fallback, such as idna in scrape/urls.py) is the code's own
business.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "shared" / "newsdive"
TOOLS = ROOT / "tools" / "newsdive_tools"
RUNTIME_PROVIDED = {"boto3", "botocore"}  # in every Python Lambda runtime


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[\[<>=!~;\s]", r.strip(), maxsplit=1)[0].lower().replace("_", "-")
            for r in project["dependencies"]}


def _module(path: Path) -> str:
    parts = path.relative_to(LAYER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    optional = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try) and _catches_import_error(t)
                for stmt in t.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from newsdive.x import y` may name a module y: it must exist inside the layer too
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names
                      if module.startswith("newsdive") and _exists(f"{module}.{alias.name}")]
    return found


def _catches_import_error(node: ast.Try) -> bool:
    names = set()
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names |= {k.id for k in kinds if isinstance(k, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def _exists(module: str) -> bool:
    path = LAYER.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _layer_files() -> list[Path]:
    return sorted(LAYER.rglob("*.py"))


def test_the_layer_is_a_package_of_its_own():
    assert _layer_files(), "no modules found under shared/newsdive"
    assert not (LAYER.parent / "newsdive_tools").exists(), "the tools package must not live in shared/ (the layer)"
    assert (TOOLS / "__init__.py").is_file()


def test_the_layer_imports_only_itself_the_stdlib_and_its_declared_dependencies():
    declared = _declared()
    distributions = packages_distributions()
    wrong = []
    for path in _layer_files():
        rel = path.relative_to(LAYER.parent).as_posix()
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top == "newsdive":
                if not _exists(module) and not _exists(module.rpartition(".")[0]):
                    wrong.append(f"{rel}:{line}: {module} is not a module of the layer")
                continue
            if top in sys.stdlib_module_names or top == "__future__" or top in RUNTIME_PROVIDED:
                continue
            names = {d.lower().replace("_", "-") for d in distributions.get(top, [top])}
            if not names & declared:
                wrong.append(f"{rel}:{line}: {module} ({', '.join(sorted(names))}) is not a runtime dependency")
    assert wrong == [], "the layer imports what Lambda will not have:\n" + "\n".join(wrong)


def test_the_check_sees_a_tools_import(tmp_path, monkeypatch):
    """The test above can fail: a module importing the tools package, or a local-only extra, is reported."""
    fake = tmp_path / "newsdive"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text("def f():\n    import yaml\n    from newsdive_tools.cli import main\n"
                                 "try:\n    import idna\nexcept ImportError:\n    idna = None\n")
    monkeypatch.setattr(sys.modules[__name__], "LAYER", fake)
    with pytest.raises(AssertionError) as failure:
        test_the_layer_imports_only_itself_the_stdlib_and_its_declared_dependencies()
    assert "yaml" in str(failure.value) and "newsdive_tools.cli" in str(failure.value)
    assert "idna" not in str(failure.value)  # optional, with a fallback
