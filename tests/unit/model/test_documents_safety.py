"""Published documents are safe to render: text fields are plain text, URL fields are http(s) only, and links
between documents are site paths. Hostile input from a source ends up inert."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from newsdive.language.plaintext import plain, safe_url
from newsdive.model.documents import Card, Paragraph, SourceEntry
from newsdive.publish.render import deep_dive, to_json
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

from ..factories import BRIDGE, article

HOSTILE_TITLE = '<img src=x onerror="alert(1)"><script>steal()</script>&lt;b onclick=x&gt;Bridge&#x202E; vote\x00'
TAG = re.compile(r"<[A-Za-z/!?]")


@pytest.fixture
def story():
    from newsdive.aggregate.stage import Aggregator, assign

    stories = MemoryStoryRepository()
    agg = Aggregator(stories=stories, index=MemoryCandidateIndex(), sleep=lambda _s: None)
    for i, outlet in enumerate(["red-post", "plain-times", "iron-courier"]):
        story_id = assign(article(outlet, BRIDGE[0] + f" ({outlet})", BRIDGE[1], hours=i), agg).story_id
    return stories.get(story_id)


def _texts(node, key=""):
    """Every string of a JSON document with the key it sits under."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v, key)
    elif isinstance(node, str):
        yield key, node


def test_hostile_titles_leads_and_outlet_names_end_up_inert_text(story):
    members = {
        k: m.model_copy(update={"title": HOSTILE_TITLE, "outlet": "<b>Red</b> Post\u200b",
                                "lead": m.lead + ' <a href="javascript:alert(1)" onmouseover="x()">More</a>'})
        for k, m in story.members.items()
    }
    doc = deep_dive(story.model_copy(update={"members": members, "title": HOSTILE_TITLE}), [])
    body = to_json(doc).decode()
    for key, value in _texts(json.loads(body)):
        assert not TAG.search(value), (key, value)
        assert "javascript:" not in value.lower() or key not in {"url", "href"}
        assert not any(ch in value for ch in "\x00\u202e\u200b"), (key, value)
    assert doc.title == "steal() Bridge vote"
    assert "onerror" not in body and "onclick" not in body and "onmouseover" not in body


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
                                 "vbscript:msgbox", "//evil.example/x", "/relative", "https://", "http://a b.example",
                                 'https://a.example/"onmouseover="x', "ftp://files.example/a", ""])
def test_a_non_http_url_is_never_published_the_field_is_dropped(story, url):
    member = next(iter(story.members.values()))
    hostile = member.model_copy(update={"url": url})
    story = story.model_copy(update={"members": {**story.members, member.article_id: hostile}})
    doc = json.loads(to_json(deep_dive(story, [])))
    entry = next(s for s in doc["sources"] if s["article_id"] == member.article_id)
    assert entry["url"] is None and entry["outlet"] == member.outlet  # the source stays listed: figures use it
    for key, value in _texts(doc):
        if key == "url" and not re.fullmatch(r"/deep-dives/[0-9a-f]+\.json", value):
            assert safe_url(value) == value
    assert doc["source_count"] == len(story.outlets())


def test_the_models_reject_unsafe_urls_and_paths_outright():
    for bad in ("javascript:alert(1)", "data:,x", "https://a.example/<x>", " https://a.example/"):
        with pytest.raises(ValidationError):
            Paragraph(text="x", url=bad)
        with pytest.raises(ValidationError):
            SourceEntry(article_id="a", outlet_id="o", outlet="O", bias="center", side="center", title="t",
                        url=bad, published_at=None)
    card = {"id": "s1", "slug": "s-1", "title": "t", "category": "politics", "bias": {}, "snippet": "s",
            "published_at": None, "updated_at": None, "read_time_minutes": 1, "source_count": 1,
            "article_count": 1, "labels": []}
    assert Card(**card, url="/deep-dives/s1.json").url == "/deep-dives/s1.json"
    for bad in ("//evil.example/x.json", "javascript:x", "https://evil.example/x", "/a b", "deep-dives/x.json"):
        with pytest.raises(ValidationError):
            Card(**card, url=bad)


def test_text_fields_are_cleaned_even_when_a_model_is_built_by_hand():
    assert Paragraph(text="<i>Fish</i> &amp; chips\x1b[31m").text == "Fish & chips[31m"


@given(st.text(max_size=300))
def test_plain_text_never_contains_a_tag_and_is_stable(text):
    once = plain(text)
    assert not TAG.search(once)
    assert plain(once) == once  # validating a published document again does not change it


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_safe_url_passes_only_absolute_http_urls(text):
    url = safe_url(text)
    assert url is None or (re.match(r"^https?://[^\s/?#]", url) and not re.search(r"[\s<>\"'`\\]", url))


def test_safe_url_keeps_ordinary_article_urls():
    for url in ("https://www.ledgerpost.example/politics/2026/11/20/a.html?page=2#top", "http://news.example/a"):
        assert safe_url(url) == url
    assert safe_url("HTTPS://news.example/a") == "https://news.example/a"
