#!/usr/bin/env bash
# Print the path of a Python 3.12 interpreter (the Lambda runtime's version), finding or installing one:
#   $PYTHON312, then python3.12 on the PATH, then pyenv's 3.12.x, then uv's managed Pythons (installing 3.12 with
#   uv when uv is there and NEWSDIVE_NO_INSTALL is unset). Exit 1 with what is missing when nothing works.
# Used by `make build`, `make deploy` and the layer build test; sam build needs python3.12 on its PATH.
set -euo pipefail

works() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }
found() { "$1" -c 'import sys; print(sys.executable)'; exit 0; }

UV="${UV:-$(command -v uv || true)}"
[ -n "${PYTHON312:-}" ] && { works "$PYTHON312" && found "$PYTHON312"; echo "PYTHON312=$PYTHON312 is not a Python 3.12" >&2; exit 1; }
candidate="$(command -v python3.12 || true)"
works "$candidate" && found "$candidate"   # a pyenv shim answers but may refuse to run: works() tries it
if command -v pyenv >/dev/null 2>&1 || [ -d "${PYENV_ROOT:-$HOME/.pyenv}/versions" ]; then
  for dir in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12* 2>/dev/null | sort -rV); do
    works "$dir/bin/python3.12" && found "$dir/bin/python3.12"
  done
fi
if [ -n "$UV" ]; then
  candidate="$("$UV" python find 3.12 2>/dev/null || true)"
  works "$candidate" && found "$candidate"
  if [ -z "${NEWSDIVE_NO_INSTALL:-}" ]; then
    echo "no Python 3.12 found: installing one with uv (uv python install 3.12)" >&2
    "$UV" python install 3.12 >&2 && candidate="$("$UV" python find 3.12)" && works "$candidate" && found "$candidate"
  fi
fi
cat >&2 <<'MSG'
Python 3.12 is missing. The functions run on Lambda's python3.12 runtime, and `sam build` compiles the layer's
bytecode with the same version. Any one of these works:
  - your OS: apt-get install python3.12 (or brew install python@3.12), so that python3.12 is on the PATH
  - pyenv:   pyenv install 3.12
  - uv:      uv python install 3.12   (make installs uv into .venv-tools: .venv-tools/bin/uv python install 3.12)
  - or point PYTHON312=/path/to/python3.12 at one.
MSG
exit 1
