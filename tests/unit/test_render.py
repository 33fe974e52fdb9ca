"""Deep dives and index pages rendered from story records: figures traceable to the listed sources."""

from __future__ import annotations

import json

import jsonschema
import pytest

from newsdive.aggregate import Aggregator, assign
from newsdive.documents import json_schemas
from newsdive.publish import Publisher, publish, publish_index, publish_schemas
from newsdive.render import card, deep_dive, index_pages, to_json
from newsdive.storage.memory import MemoryCandidateIndex, MemoryObjectStore, MemoryStoryRepository

from .factories import BRIDGE, CHESS, FLOOD, article


@pytest.fixture
def world():
    stories, index = MemoryStoryRepository(), MemoryCandidateIndex()
    agg = Aggregator(stories=stories, index=index, sleep=lambda _s: None)
    ids = []
    for i, outlet in enumerate(["red-post", "plain-times", "iron-courier", "town-notes"]):
        ids.append(assign(article(outlet, BRIDGE[0] + f" ({outlet})", BRIDGE[1], hours=i), agg).story_id)
    assign(article("mid-wire", *FLOOD, hours=2), agg)
    assign(article("blue-herald", *CHESS, hours=3), agg)
    assert len(set(ids)) == 1
    return stories, index, ids[0]


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schemas()[name])


def test_deep_dive_figures_come_from_its_listed_sources(world):
    stories, _, story_id = world
    doc = deep_dive(stories.get(story_id), []).model_dump(mode="json", by_alias=True)
    _validator("deep-dive.schema.json").validate(doc)
    outlets = {s["outlet_id"]: s["side"] for s in doc["sources"]}
    assert doc["source_count"] == len(outlets) == 4 and doc["article_count"] == len(doc["sources"]) == 4
    rated = [side for side in outlets.values() if side]
    for side in ("left", "center", "right"):
        assert doc["bias"]["counts"][side] == rated.count(side)
    assert doc["bias"]["unrated"] == 1
    assert doc["bias"]["left"] + doc["bias"]["center"] + doc["bias"]["right"] == 100
    assert [t["id"] for t in doc["toc"]] == [s["id"] for s in doc["sections"]]
    assert doc["schema_version"] == "1.0" and doc["$schema"].endswith("deep-dive.schema.json")
    assert doc["read_time_minutes"] >= 1 and len(doc["summary"]) <= 300


def test_summary_sentences_are_attributed_and_never_repeated(world):
    stories, _, story_id = world
    doc = deep_dive(stories.get(story_id), [])
    summary = next(s for s in doc.sections if s.id == "summary")
    texts = [p.text for p in summary.paragraphs]
    assert texts and len(texts) == len(set(texts))
    assert all(p.outlet_id for p in summary.paragraphs)


def test_sides_without_coverage_are_said_so(world):
    stories, _, _ = world
    flood = next(s for s in stories.stories.values() if "Wenlow" in s.title)
    sides = next(s for s in deep_dive(flood, []).sections if s.id == "how-each-side-covers-it")
    texts = " ".join(p.text for p in sides.paragraphs)
    assert "no left-leaning outlet" in texts and "no right-leaning outlet" in texts


def test_rendering_is_deterministic(world):
    stories, _, story_id = world
    story = stories.get(story_id)
    assert to_json(deep_dive(story, [])) == to_json(deep_dive(story.model_copy(), []))


def test_hostile_titles_end_up_inert_text(world):
    stories, _, story_id = world
    story = stories.get(story_id)
    member = next(iter(story.members.values()))
    hostile = member.model_copy(update={"title": '<script>alert(1)</script><a href="javascript:x()">Bridge</a>'})
    story = story.model_copy(update={"members": {**story.members, member.article_id: hostile},
                                     "title": hostile.title})
    body = to_json(deep_dive(story, [])).decode()
    assert "<script" not in body and "javascript:" not in body


def test_related_cards_exclude_the_story_itself(world):
    stories, index, story_id = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    publish(stories.get(story_id), deps)
    doc = json.loads(deps.public.get(f"deep-dives/{story_id}.json").body)
    assert story_id not in [c["id"] for c in doc["related"]]
    assert 2 <= len(doc["related"]) <= 6  # only two other stories exist here


def test_publishing_twice_writes_nothing_the_second_time(world):
    stories, index, story_id = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    first = publish(stories.get(story_id), deps)
    first_index = publish_index(["politics", "general"], deps)
    assert first.written and first_index.written
    assert not publish(stories.get(story_id), deps).written
    assert not publish_index(["politics", "general"], deps).written
    assert publish_schemas(deps.public).written and not publish_schemas(deps.public).written


def test_index_pages_are_newest_first_paginated_and_valid(world):
    stories, _, _ = world
    pages = index_pages("latest", stories.newest(limit=50), page_size=2)
    assert list(pages) == ["index/latest.json", "index/latest/page-2.json"]
    first = pages["index/latest.json"]
    assert first.next == "/index/latest/page-2.json" and pages["index/latest/page-2.json"].next is None
    times = [c.updated_at for p in pages.values() for c in p.items]
    assert times == sorted(times, reverse=True)
    for page in pages.values():
        _validator("index-page.schema.json").validate(page.model_dump(mode="json", by_alias=True))


def test_card_snippet_and_read_time_match_the_deep_dive(world):
    stories, _, story_id = world
    story = stories.get(story_id)
    c, d = card(story), deep_dive(story, [])
    assert c.read_time_minutes == d.read_time_minutes and len(c.snippet) <= 160
    assert c.bias == d.bias and c.labels == d.labels
