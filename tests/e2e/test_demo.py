"""`newsdive demo` end to end on the bundled sample web: the real command, the real stack on a moto server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((Path(__file__).parent / "sample_expected.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    log = out.parent / "run.log"
    result = subprocess.run(
        [sys.executable, "-m", "newsdive_tools.cli", "demo", "--out", str(out), "--log", str(log), "--replay",
         "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    docs = {p.relative_to(out).as_posix(): json.loads(p.read_text(encoding="utf-8")) for p in out.rglob("*.json")}
    return summary, docs, log


def _deep_dives(docs):
    return {k: v for k, v in docs.items() if k.startswith("deep-dives/")}


def test_every_document_validates_against_its_published_schema(demo):
    _, docs, _ = demo
    schemas = {k.rsplit("/", 1)[1]: v for k, v in docs.items() if k.startswith("schemas/v1/")}
    assert set(schemas) == {"deep-dive.schema.json", "index-page.schema.json", "source-status.schema.json"}
    checked = 0
    for key, doc in docs.items():
        if key.startswith("schemas/"):
            continue
        schema = schemas[doc["$schema"].rsplit("/", 1)[1]]
        jsonschema.Draft202012Validator(schema).validate(doc)
        assert doc["schema_version"] == "1.0"
        checked += 1
    assert checked >= len(EXPECTED["stories"]) + 3


def test_grouping_and_percentages_equal_the_fixtures(demo):
    _, docs, _ = demo
    by_urls = {frozenset(s["url"] for s in d["sources"]): d for d in _deep_dives(docs).values()}
    for story in EXPECTED["stories"]:
        doc = by_urls.get(frozenset(story["articles"]))
        assert doc is not None, f"story {story['key']} was not grouped exactly as expected"
        assert {k: doc["bias"][k] for k in ("left", "center", "right")} == story["bias"], story["key"]
        assert doc["bias"]["counts"] == story["counts"], story["key"]
        assert doc["bias"]["unrated"] == story["unrated"], story["key"]
        assert (doc["blindspot"] or {}).get("side") == story["blindspot"], story["key"]
        assert doc["source_count"] == len(set(story["outlets"])), story["key"]
    for url in EXPECTED["singles"]:
        assert frozenset([url]) in by_urls, f"single {url} is not its own story"
    assert len(by_urls) == len(EXPECTED["stories"]) + len(EXPECTED["singles"])


def test_sentiment_is_only_read_where_a_method_covers_the_language(demo):
    _, docs, _ = demo
    for key, doc in _deep_dives(docs).items():
        scored = [s for s in doc["sources"] if s["sentiment"]["score"] is not None]
        for source in doc["sources"]:
            english = (source["language"] or "").split("-")[0].lower() == "en"
            assert (source["sentiment"]["method"] == "vader") == english, (key, source["url"])
        assert doc["sentiment"]["scored"] == len(scored), key
        assert (doc["sentiment"]["score"] is None) == (not scored) == (doc["sentiment"]["label"] == "unknown"), key
        languages = {s["language"].split("-")[0].lower() for s in doc["sources"] if s["language"]}
        assert doc["language"] in languages | {"mul", None}, key


def test_failures_stay_out_of_the_stories_and_bad_pages_wait_in_the_dlq(demo):
    summary, docs, _ = demo
    published = {s["url"] for d in _deep_dives(docs).values() for s in d["sources"]}
    for url in EXPECTED["failures"]["not_found"] + EXPECTED["failures"]["no_article"]:
        assert url.split("?")[0].split("#")[0] not in published
    assert summary["dead_letters"].get("ParseQueue") == len(EXPECTED["failures"]["no_article"])
    assert sum(summary["dead_letters"].values()) == len(EXPECTED["failures"]["no_article"])


def test_redelivering_every_event_publishes_byte_identical_documents(demo):
    summary, _, _ = demo
    assert summary["replayed_events"] >= 10
    assert summary["replay_changed"] == []


def _index_items(docs, key: str) -> list[dict]:
    """Every item of an index feed, page after page (a page holds `page_size` items and names the `next`)."""
    items = []
    page = docs[key]
    while True:
        items += page["items"]
        if not page["next"]:
            return items
        page = docs[page["next"].lstrip("/")]


def test_index_feeds_list_every_story_newest_first(demo):
    _, docs, _ = demo
    latest = _index_items(docs, "index/latest.json")
    ids = [item["id"] for item in latest]
    assert len(ids) == len(set(ids))
    assert set(ids) == {d["id"] for d in _deep_dives(docs).values()}
    assert len(ids) > docs["index/latest.json"]["page_size"]  # the sample web fills more than one page
    times = [item["updated_at"] for item in latest]
    assert times == sorted(times, reverse=True)
    blindspot_ids = {i["id"] for i in docs["index/blindspots.json"]["items"]}
    assert blindspot_ids == {d["id"] for d in _deep_dives(docs).values() if d["blindspot"]}
    assert len(blindspot_ids) == sum(1 for s in EXPECTED["stories"] if s["blindspot"])


def test_summary_reports_what_was_published(demo):
    summary, docs, log = demo
    assert summary["stories"] == len(_deep_dives(docs))
    assert summary["articles"] == sum(d["article_count"] for d in _deep_dives(docs).values())
    assert summary["blindspots"] == sum(1 for s in EXPECTED["stories"] if s["blindspot"])
    assert log.is_file() and log.stat().st_size > 0


def test_every_published_key_is_one_the_roles_may_write(demo):
    """IAM grants S3 per prefix (moto does not enforce IAM): what the run published must lie within them."""
    from fnmatch import fnmatchcase

    from newsdive_tools.local.template import translate_template

    _, _, log = demo
    out = log.parent / "out"
    cfn = translate_template(ROOT / "infra" / "template.yaml")
    patterns = []
    for role in ("PublishFunctionRole", "ScheduleFunctionRole"):
        for policy in cfn["Resources"][role]["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                actions, resources = ([v] if isinstance(v, str | dict) else v
                                      for v in (statement["Action"], statement["Resource"]))
                if "s3:PutObject" in actions:
                    patterns += [r["Fn::Sub"].removeprefix("${PublicBucket.Arn}/") for r in resources
                                 if isinstance(r, dict) and r.get("Fn::Sub", "").startswith("${PublicBucket.Arn}/")]
    keys = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(keys) > 20 and "sitemap.xml" in patterns
    assert [k for k in keys if not any(fnmatchcase(k, pattern) for pattern in patterns)] == []
