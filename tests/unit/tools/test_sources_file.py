"""Sources files on disk for the command line and the local run: JSON, and YAML (read by the tools, not the layer)."""

import json

import pytest

from newsdive.model.sources import Bias, Side, SourcesFileError
from newsdive_tools.sources_file import load_sources


def test_sources_file_loads_json(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text(json.dumps([{"id": "daily-x", "name": "Daily X", "homepage": "https://x.example/",
                                 "bias": "lean-left", "feeds": ["https://x.example/rss"], "country": "us"}]))
    [source] = load_sources(path)
    assert source.side == Side.LEFT and source.country == "US" and source.interval_minutes == 15


def test_sources_file_loads_yaml(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("- id: daily-x\n  name: Daily X\n  homepage: https://x.example/\n  bias: center\n"
                    "  discover: true\n")
    assert load_sources(path)[0].bias == Bias.CENTER


def test_missing_sources_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesFileError, match="cannot read"):
        load_sources(tmp_path / "nope.json")
