"""`sam build` produces the deployable artifacts here: the layer is pinned (the lock's versions), lean (under the
50 MB zipped limit, no second botocore, no X-Ray SDK, no requests, only the word lists the code reads, no jieba
dictionaries) and precompiled for Python 3.12, and every function is built.

Needs the SAM CLI and uv (.venv-tools, installed by `make test`), a Python 3.12 (scripts/python312.sh finds or
installs one) and PyPI for the arm64 wheels (cached by uv after the first build). Takes about 30-60 s.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venv-tools" / "bin"
# zipped: sam sync's direct upload stops at 50 MB. Issue 19's goal of 45 MB is not met since babel's CLDR data
# (multilingual regions and key players) joined the layer: 49.7 MB measured 2026-12-06.
LAYER_LIMIT_BYTES = 50 * 1024 * 1024
FUNCTIONS = ("Schedule", "Scrape", "Parse", "Aggregate", "Publish")


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in ("sam", "uv"):
        if not (TOOLS / tool).is_file():
            pytest.skip(f"{TOOLS / tool} is missing: `make test` installs it (tools stamp)")
    found = subprocess.run([str(ROOT / "scripts" / "python312.sh")], capture_output=True, text=True, check=False,
                           env={**os.environ, "UV": str(TOOLS / "uv")}, timeout=600)
    if found.returncode != 0:
        pytest.skip(f"no Python 3.12: {found.stderr.strip()}")
    python312 = found.stdout.strip()
    out = tmp_path_factory.mktemp("sam-build")
    env = {**os.environ, "PATH": f"{Path(python312).parent}:{os.environ['PATH']}", "PYTHON312": python312,
           "UV": str(TOOLS / "uv"), "SAM_CLI_TELEMETRY": "0", "TRACER": "off"}
    result = subprocess.run(
        [str(TOOLS / "sam"), "build", "--template", str(ROOT / "infra" / "template.yaml"), "--build-dir", str(out)],
        capture_output=True, text=True, check=False, cwd=ROOT, env=env, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def site(build_dir: Path) -> Path:
    return build_dir / "SharedLayer" / "python"


def _zipped_size(directory: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # what sam package does
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return buffer.tell()


def _locked() -> dict[str, str]:
    text = (ROOT / "shared" / "requirements.lock").read_text(encoding="utf-8")
    return {m[1].lower().replace("_", "-"): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


def test_every_function_and_the_layer_are_built(build_dir):
    for name in FUNCTIONS:
        assert (build_dir / f"{name}Function" / "handler.py").is_file(), name
    assert (build_dir / "template.yaml").is_file()


def test_layer_is_under_the_size_limit_zipped(site):
    size = _zipped_size(site.parent)
    assert size <= LAYER_LIMIT_BYTES, f"layer is {size / 2**20:.1f} MB zipped, over {LAYER_LIMIT_BYTES / 2**20:.0f} MB"


def test_size_check_fails_past_the_limit(tmp_path):
    (tmp_path / "big.bin").write_bytes(os.urandom(LAYER_LIMIT_BYTES + 1024))  # random bytes do not compress
    assert _zipped_size(tmp_path) > LAYER_LIMIT_BYTES


def test_layer_holds_exactly_the_locked_versions(site):
    installed = {}
    for info in site.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        installed[name.lower().replace("_", "-")] = version
    assert installed == _locked()


def test_layer_has_no_second_botocore_no_tracer_no_requests_and_trimmed_word_lists(site):
    for package in ("botocore", "boto3", "aws_xray_sdk", "requests", "wrapt"):
        assert not (site / package).exists(), package
    from newsdive.aggregate.cluster.features import LARGE_WORDLISTS

    data = site / "wordfreq" / "data"
    assert (data / "small_en.msgpack.gz").is_file() and (data / "small_ru.msgpack.gz").is_file()
    # the large lists the code reads, and no other (all 23 are 46 MB)
    assert {p.name.removeprefix("large_").split(".")[0] for p in data.glob("large_*")} == LARGE_WORDLISTS
    assert not list(data.glob("jieba_*"))
    assert (site / "newsdive" / "data" / "catalog.json").is_file()


def test_layer_is_compiled_for_python_312(site):
    sources = [p for p in (site / "newsdive").rglob("*.py")]
    assert len(sources) > 30
    missing = [str(p) for p in sources
               if not (p.parent / "__pycache__" / f"{p.stem}.cpython-312.pyc").is_file()]
    assert missing == []
    assert (site / "pydantic" / "__pycache__" / "main.cpython-312.pyc").is_file()
    assert not list(site.rglob("*.cpython-311.pyc"))
