"""The layer's dependency lists agree: pyproject.toml's [project].dependencies, shared/requirements.txt (its copy
for the layer) and shared/requirements.lock (what `sam build` installs; `make lock` regenerates it)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT / "shared"


def _requirements(lines: list[str]) -> dict[str, Requirement]:
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def _pins(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {canonicalize_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


def test_requirements_txt_is_the_pyproject_dependency_list():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _requirements(project["dependencies"])
    layer = _requirements((SHARED / "requirements.txt").read_text(encoding="utf-8").splitlines())
    assert {k: str(v) for k, v in layer.items()} == {k: str(v) for k, v in declared.items()}
    assert not layer["aws-lambda-powertools"].extras  # no tracer extra: it brings a second botocore


def test_lock_pins_every_dependency_within_its_range_with_hashes():
    layer = _requirements((SHARED / "requirements.txt").read_text(encoding="utf-8").splitlines())
    pins = _pins(SHARED / "requirements.lock")
    out_of_date = {name: str(req) for name, req in layer.items()
                   if name not in pins or not req.specifier.contains(pins[name], prereleases=True)}
    assert out_of_date == {}, "run `make lock`"
    assert "requests" not in pins and "botocore" not in pins and "boto3" not in pins
    text = (SHARED / "requirements.lock").read_text(encoding="utf-8")
    hashed = re.findall(r"^\S+==\S+ \\\n    --hash=sha256:[0-9a-f]{64}", text, re.M)
    assert len(hashed) == len(pins) > 10  # every pin carries hashes: `sam build` installs with --require-hashes


def test_tracer_lock_adds_the_xray_sdk_without_a_second_botocore():
    pins = _pins(SHARED / "requirements-tracer.lock")
    assert "aws-xray-sdk" in pins
    assert not {"botocore", "boto3", "urllib3"} & set(pins)
    main = _pins(SHARED / "requirements.lock")
    assert all(main[name] == version for name, version in pins.items() if name in main)
