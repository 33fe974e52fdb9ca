"""The checked-in JSON Schemas are exactly what the models generate (regenerate with `make schemas`)."""

from pathlib import Path

from newsdive.model.documents import json_schemas
from newsdive.publish.render import to_json

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "v1"


def test_checked_in_schemas_match_the_models():
    generated = json_schemas()
    on_disk = {p.name for p in SCHEMAS.glob("*.schema.json")}
    assert on_disk == set(generated), "schemas/v1 has missing or extra files: run `make schemas`"
    for name, schema in generated.items():
        assert (SCHEMAS / name).read_bytes() == to_json(schema), f"{name} drifted from the models: run `make schemas`"
