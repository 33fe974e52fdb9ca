"""Stack parameters for local runs: the same names and checks as `sam deploy --parameter-overrides`, so what an
operator can change on AWS can be tried locally first (`newsdive demo --param BlindspotLowPct=30`)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from newsdive.model.errors import ConfigurationError
from newsdive_tools.paths import template_path

_ENV_REF = re.compile(r"^[A-Z][A-Z0-9_]*$")


def declared_parameters() -> dict[str, dict[str, Any]]:
    from newsdive_tools.local.template import load_template

    return dict(load_template(template_path()).get("Parameters") or {})


def stack_parameters(pairs: Iterable[tuple[str, str]] = (), file: Path | None = None) -> dict[str, str]:
    """Parameter values from a file and NAME=VALUE pairs (pairs win), each checked against the template's
    declaration (name, AllowedPattern, AllowedValues) so a typo fails here, not silently."""
    values: dict[str, str] = {}
    if file is not None:
        values.update(_from_file(file))
    values.update(dict(pairs))
    declared = declared_parameters()
    for name, value in values.items():
        spec = declared.get(name)
        if spec is None:
            close = [n for n in declared if n.lower() == name.lower()]
            hint = f" (did you mean {close[0]}?)" if close else f"; the template has: {', '.join(sorted(declared))}"
            raise ConfigurationError(f"no stack parameter {name!r}{hint}")
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, value):
            raise ConfigurationError(f"{name}={value!r} does not match the template's pattern {pattern}")
        allowed = spec.get("AllowedValues")
        if allowed and value not in [str(v) for v in allowed]:
            raise ConfigurationError(f"{name}={value!r} is not one of {', '.join(map(str, allowed))}")
    return values


def _from_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"{path}: not a JSON parameters file ({exc})") from exc
    if isinstance(data, Mapping):
        return {str(k): str(v) for k, v in data.items()}
    if isinstance(data, list) and all(isinstance(p, Mapping) and "ParameterKey" in p for p in data):
        return {str(p["ParameterKey"]): str(p.get("ParameterValue", "")) for p in data}
    raise ConfigurationError(f"{path}: expected {{\"Name\": \"value\"}} or [{{\"ParameterKey\": ..., "
                             "\"ParameterValue\": ...}}]")


def environment_parameters() -> dict[str, str]:
    """Environment variable -> the stack parameter that sets it (from the functions' `!Ref` environment)."""
    from newsdive_tools.local.template import load_template

    template = load_template(template_path())
    declared = set(template.get("Parameters") or {})
    out: dict[str, str] = {}
    for resource in (template.get("Resources") or {}).values():
        variables = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
        for variable, value in variables.items():
            if isinstance(value, Mapping) and value.get("Ref") in declared and _ENV_REF.match(variable):
                out[variable] = str(value["Ref"])
    return out


def ignored_environment(environ: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Variables set in the caller's environment that a local run will not pass on (each function gets the
    environment the template gives it), with the parameter that does set them."""
    environ = os.environ if environ is None else environ
    skip = {"FETCH_ALLOW_HOSTS", "FETCH_HOST_MAP", "FETCH_HOST_INTERVAL_SECONDS"}  # set by run's own options
    return sorted((v, p) for v, p in environment_parameters().items() if v in environ and v not in skip)
