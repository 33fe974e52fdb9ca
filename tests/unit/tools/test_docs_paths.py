"""The README and docs/ name files a newcomer will open: every `path/to/module.py` they name exists, so a move of
the code cannot leave the map pointing at the old layout (decision records are history and are not checked)."""

from __future__ import annotations

import re
from pathlib import Path

from newsdive_tools.paths import project_root

_PATH = re.compile(r"`([\w.-]+(?:/[\w.-]+)+\.py)`")
_SKIP = {".venv", ".venv-tools", ".git", "node_modules", ".aws-sam", ".newsdive", "out"}


def _python_files(root: Path) -> set[str]:
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if not _SKIP & set(rel.parts[:-1]):
            found.add(rel.as_posix())
    return found


def test_every_module_path_the_docs_name_exists():
    root = project_root()
    files = _python_files(root)
    docs = [root / "README.md", root / "CONTRIBUTING.md", *sorted((root / "docs").glob("*.md"))]
    missing = []
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        for match in _PATH.finditer(text):
            named = match.group(1)
            if not any(f == named or f.endswith("/" + named) for f in files):
                missing.append(f"{doc.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}: {named}")
    assert missing == []
