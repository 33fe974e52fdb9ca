"""Where the project's files are when running from a checkout (the local run, the CLI, the tests)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout holding infra/template.yaml: $NEWSDIVE_ROOT, else the nearest parent of this package."""
    if os.environ.get("NEWSDIVE_ROOT"):
        return Path(os.environ["NEWSDIVE_ROOT"]).resolve()
    for parent in Path(__file__).resolve().parents:
        if (parent / "infra" / "template.yaml").is_file():
            return parent
    raise FileNotFoundError("cannot find the newsdive checkout (infra/template.yaml); set NEWSDIVE_ROOT")


def template_path() -> Path:
    return project_root() / "infra" / "template.yaml"


def sample_web() -> Path:
    return project_root() / "sample-web"


def events_dir() -> Path:
    return project_root() / "events"
