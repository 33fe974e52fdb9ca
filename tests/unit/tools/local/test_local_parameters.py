"""Stack parameters for local runs are checked against the template as `sam deploy` would check them."""

from __future__ import annotations

import json

import pytest

from newsdive.model.errors import ConfigurationError
from newsdive_tools.local.parameters import environment_parameters, ignored_environment, stack_parameters


def test_every_tunable_setting_is_a_stack_parameter():
    mapping = environment_parameters()
    for variable in ("BLINDSPOT_LOW_PCT", "BLINDSPOT_HIGH_PCT", "BLINDSPOT_MIN_OUTLETS", "MATCH_THRESHOLD",
                     "STORY_WINDOW_HOURS", "SOURCE_STALE_HOURS", "SOURCE_MIN_PARSE_SHARE", "FETCH_TIMEOUT_SECONDS",
                     "SEEN_TTL_DAYS", "CACHE_CONTROL_SECONDS", "SITEMAP_MAX_AGE_HOURS"):
        assert variable in mapping, variable
    assert mapping["BLINDSPOT_LOW_PCT"] == "BlindspotLowPct"


def test_pairs_and_files_are_checked_against_the_declarations(tmp_path):
    assert stack_parameters([("BlindspotLowPct", "30")]) == {"BlindspotLowPct": "30"}
    cfn = tmp_path / "params.json"
    cfn.write_text(json.dumps([{"ParameterKey": "MatchThreshold", "ParameterValue": "0.5"}]))
    assert stack_parameters([("MatchThreshold", "0.4")], cfn) == {"MatchThreshold": "0.4"}  # the pair wins
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"StoryWindowHours": 48}))
    assert stack_parameters([], plain) == {"StoryWindowHours": "48"}
    with pytest.raises(ConfigurationError, match="did you mean BlindspotLowPct"):
        stack_parameters([("blindspotlowpct", "30")])
    with pytest.raises(ConfigurationError, match="no stack parameter 'Nope'"):
        stack_parameters([("Nope", "1")])
    with pytest.raises(ConfigurationError, match="does not match the template's pattern"):
        stack_parameters([("MatchThreshold", "lots")])
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigurationError, match="expected"):
        stack_parameters([], bad)


def test_a_setting_in_the_shell_that_a_local_run_ignores_is_named_with_its_parameter():
    assert ignored_environment({"BLINDSPOT_LOW_PCT": "30", "HOME": "/root", "FETCH_HOST_MAP": "x"}) == [
        ("BLINDSPOT_LOW_PCT", "BlindspotLowPct")]
