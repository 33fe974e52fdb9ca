"""Schema v1 compatibility: documents published under v1 stay valid as the models evolve.

tests/fixtures/documents/v1/ holds real v1 documents rendered once from the bundled sample web
(tests/fixtures/documents/generate.py). Within v1 fields may only be added: if a change to the models makes one of
these documents invalid, the change breaks frontends and belongs in a v2.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from newsdive.model.documents import DOCUMENTS, SCHEMA_VERSION, json_schemas, schema_path
from newsdive.publish.render import to_json

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "v1").glob("*.json"))
SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "v1"


def test_there_is_a_sample_of_every_document_kind():
    names = {p.name for p in SAMPLES}
    assert {"deep-dive-blindspot.json", "deep-dive-single.json", "index-latest.json", "index-category.json",
            "index-blindspots.json"} <= names


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_v1_sample_documents_stay_valid_against_the_current_models_and_schemas(sample):
    document = json.loads(sample.read_text(encoding="utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION == "1.0"
    name = next(n for n in DOCUMENTS if document["$schema"] == schema_path(n))
    jsonschema.Draft202012Validator(json_schemas()[f"{name}.schema.json"]).validate(document)
    # The checked-in (published) schema accepts it too.
    published = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(published).validate(document)
    model = DOCUMENTS[name].model_validate(document)
    # Reading a v1 document loses nothing: every field it has comes back unchanged (new fields may be added).
    assert _keeps(json.loads(to_json(model)), document)


def _keeps(new, old) -> bool:
    """`new` holds everything `old` holds, at every depth; it may hold more keys."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and _keeps(new[k], v) for k, v in old.items())
    if isinstance(old, list):
        return isinstance(new, list) and len(new) == len(old) and all(map(_keeps, new, old))
    return new == old


def test_the_comparison_allows_added_fields_only():
    assert _keeps({"a": [{"b": 1, "new": 2}], "c": 3}, {"a": [{"b": 1}]})
    assert not _keeps({"a": [{"b": 2}]}, {"a": [{"b": 1}]}) and not _keeps({"a": []}, {"a": [{"b": 1}]})


def test_samples_are_canonical_json():
    for sample in SAMPLES:
        assert sample.read_bytes() == to_json(json.loads(sample.read_bytes())), sample.name
