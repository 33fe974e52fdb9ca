"""Sources files on disk, JSON or YAML, for the command line and the local run (the functions read JSON from
S3 with `newsdive.model.sources.parse_sources`)."""

from __future__ import annotations

from pathlib import Path

from newsdive.model.sources import Source, SourcesFileError, parse_sources


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources file from disk."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourcesFileError(f"{path}: cannot read sources file: {exc.strerror}") from exc
    if path.name.endswith((".yaml", ".yml")):
        import yaml  # the local extra has pyyaml; the layer does not

        return parse_sources(data, name=str(path), load=yaml.safe_load)
    return parse_sources(data, name=str(path))
