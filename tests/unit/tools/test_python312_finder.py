"""scripts/python312.sh: `make build`, `make deploy` and the layer test find a Python 3.12 with it, or learn what
is missing and how to get it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "python312.sh"


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/bash", str(SCRIPT)], capture_output=True, text=True, env=env, check=False,
                          timeout=120)


def test_a_python_that_is_not_312_is_refused_by_name():
    result = _run({"PATH": os.environ["PATH"], "PYTHON312": sys.executable} if sys.version_info[:2] != (3, 12)
                  else {"PATH": os.environ["PATH"], "PYTHON312": "/nonexistent/python"})
    assert result.returncode == 1
    assert "is not a Python 3.12" in result.stderr


def _bare_path(tmp_path: Path) -> str:
    """A PATH with the few tools the script uses and no Python at all."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("ls", "sort", "cat", "dirname"):
        path = next(Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists())
        (bin_dir / tool).symlink_to(path)
    return str(bin_dir)


def test_nothing_found_says_what_is_missing_and_how_to_get_it(tmp_path):
    # no python3.12 on the PATH, no pyenv, no uv, installing disabled
    result = _run({"PATH": _bare_path(tmp_path), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "none"),
                   "NEWSDIVE_NO_INSTALL": "1", "UV": ""})
    assert result.returncode == 1 and result.stdout == ""
    assert "Python 3.12 is missing" in result.stderr
    for hint in ("apt-get install python3.12", "pyenv install 3.12", "uv python install 3.12", "PYTHON312="):
        assert hint in result.stderr


def test_a_pyenv_312_is_found_when_nothing_is_on_the_path(tmp_path):
    fake = tmp_path / "pyenv" / "versions" / "3.12.9" / "bin"
    fake.mkdir(parents=True)
    python = fake / "python3.12"
    python.write_text("#!/bin/bash\nif [ \"$1\" = -c ]; then case \"$2\" in *executable*) echo \"$0\";; esac; "
                      "exit 0; fi\n", encoding="utf-8")
    python.chmod(0o755)
    result = _run({"PATH": _bare_path(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv"), "NEWSDIVE_NO_INSTALL": "1",
                   "UV": "", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(python)
