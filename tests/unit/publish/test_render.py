"""Deep dives and index pages rendered from story records: figures traceable to the listed sources."""

from __future__ import annotations

import json

import jsonschema
import pytest

from newsdive.aggregate.stage import Aggregator, assign
from newsdive.model.documents import json_schemas
from newsdive.publish.render import card, deep_dive, index_pages, to_json
from newsdive.publish.stage import Publisher, publish, publish_index, publish_schemas
from newsdive.storage.memory import MemoryCandidateIndex, MemoryObjectStore, MemoryStoryRepository

from ..factories import BRIDGE, CHESS, FLOOD, article


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


def test_a_story_state_already_rendered_is_not_rendered_again_unless_asked(world, monkeypatch):
    """A redelivered or late stream record of a story state that is already published costs one HEAD: no
    related-story reads, no rendering. A new version renders; the settle (rerender) refreshes the cards."""
    import newsdive.publish.stage as publishing

    stories, index, story_id = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    story = stories.get(story_id)
    first = publish(story, deps)
    key = f"deep-dives/{story_id}.json"
    assert first.written == [key] and not first.current
    assert deps.public.head(key)["story-version"] == f"{story_id}@{story.version}"
    calls = []
    real = publishing.related_stories
    monkeypatch.setattr(publishing, "related_stories", lambda *a, **k: calls.append(1) or real(*a, **k))
    heads = deps.public.ops["head"]
    again = publish(story, deps)
    assert again.current == [key] and not again.written and calls == []
    assert deps.public.ops["head"] == heads + 1 and deps.public.ops["get"] == 0
    newer = story.model_copy(update={"version": story.version + 1})
    assert not publish(newer, deps).current and calls == [1]  # rendered (same bytes: nothing written)
    assert deps.public.head(key)["story-version"] == f"{story_id}@{story.version}"  # no PUT for equal bytes
    assert not publish(story, deps, rerender=True).current and calls == [1, 1]


def test_related_stories_ignore_what_the_postings_remember_from_another_history(world):
    """Postings keep every id a story was ever posted under. A story merged away (a redirect) or one whose current
    terms no longer match is not related, so runs that end with the same stories relate the same ones."""
    from newsdive.aggregate.cluster.assign import AssignConfig, lookup_keys
    from newsdive.publish.stage import related_stories

    stories, index, story_id = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    story = stories.get(story_id)
    before = [r.story_id for r in related_stories(story, deps)]
    twin = story.model_copy(update={"story_id": "merged-away", "merged_into": story_id})  # same centroid
    stories.save(twin, expected_version=None)
    index.post(lookup_keys(story.centroid, story.updated_at, AssignConfig()), "merged-away", ttl_seconds=86400,
               now=story.updated_at.timestamp())
    assert [r.story_id for r in related_stories(story, deps)] == before
    assert "merged-away" not in before


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


# -- sections, key players, timeline ----------------------------------------------------------------------------


def _story_with(stories, story_id, **member_updates):
    """The stored story with every member updated (and its derived title kept in step)."""
    story = stories.get(story_id)
    members = {k: m.model_copy(update=member_updates) for k, m in story.members.items()}
    return story.model_copy(update={"members": members})


def test_sections_come_in_the_documented_order_and_the_toc_links_each_one(world):
    stories, _, story_id = world
    doc = deep_dive(stories.get(story_id), [])
    assert [s.id for s in doc.sections] == ["summary", "how-each-side-covers-it", "key-players", "timeline", "sources"]
    assert [(t.id, t.title) for t in doc.toc] == [(s.id, s.title) for s in doc.sections]


def test_key_players_are_the_names_the_reports_repeat_with_their_outlets(world):
    stories, _, story_id = world
    doc = deep_dive(stories.get(story_id), [])
    names = [p.name for p in doc.key_players]
    # "Lidia Ferrante" and "Ostrava Bridge" ... are named by all four outlets; "Kestrel Bay" is a place (Bay)
    # and "The" opening the lead is not a name.
    assert "Lidia Ferrante" in names
    assert not {"Kestrel Bay", "The", "The Kestrel Bay"} & set(names)
    ferrante = next(p for p in doc.key_players if p.name == "Lidia Ferrante")
    assert ferrante.outlet_ids == sorted({s.outlet_id for s in doc.sources})
    assert ferrante.mentions >= 4
    section = next(s for s in doc.sections if s.id == "key-players")
    assert any(p.text.startswith("Lidia Ferrante: named") for p in section.paragraphs)


def test_key_players_skip_titles_sentence_openers_and_join_surnames():
    from datetime import UTC, datetime

    from newsdive.model.sources import Bias
    from newsdive.model.story import Member, StoryRecord
    from newsdive.publish.key_players import key_players

    def member(i, title, lead):
        return Member(article_id=f"a{i}", outlet_id=f"o{i}", outlet=f"Outlet {i}", bias=Bias.CENTER, title=title,
                      url=f"https://o{i}.example/{i}", lead=lead, published_at=datetime(2026, 11, 20, i, tzinfo=UTC),
                      language="en-GB")

    members = [
        member(1, "Harbour board fines Castellan Mobile", "Regional Transport Minister Alma Quist said on Monday "
               "that Castellan Mobile would pay. Shares fell in Lowmarsh."),
        member(2, "Quist defends the fine", "Heavy criticism followed in Lowmarsh. Quist said Castellan would "
               "appeal to the Fair Trading Commission."),
        member(3, "Castellan to appeal", "Castellan Mobile told the Fair Trading Commission it would appeal, "
               "according to Minister Alma Quist."),
    ]
    players = key_players(StoryRecord(story_id="s1", members={m.article_id: m for m in members}), members)
    names = [p.name for p in players]
    assert names[:2] == ["Alma Quist", "Castellan Mobile"]  # "Quist" and "Castellan" joined their full names
    assert "Fair Trading Commission" in names
    assert not {"Regional Transport Minister Alma Quist", "Shares", "Heavy", "Lowmarsh", "Monday"} & set(names)
    assert players[0].mentions == 4 and players[0].outlet_ids == ["o1", "o2", "o3"]


def test_timeline_is_in_real_time_order_in_utc_with_the_first_report_marked(world):
    from datetime import timedelta, timezone

    stories, _, story_id = world
    story = stories.get(story_id)
    members = story.ordered_members()
    # The first report is published in New York time, the second in Tokyo time: string order would be wrong.
    ny, tokyo = timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))
    first = members[0].model_copy(update={"published_at": members[0].published_at.astimezone(ny)})
    second = members[1].model_copy(update={"published_at": members[1].published_at.astimezone(tokyo)})
    story = story.model_copy(update={"members": {**story.members, first.article_id: first,
                                                 second.article_id: second}})
    timeline = next(s for s in deep_dive(story, []).sections if s.id == "timeline").paragraphs
    assert [p.url for p in timeline] == [m.url for m in members]
    assert timeline[0].text.startswith("2026-11-21 09:00 UTC (first report): ")
    assert sum("(first report)" in p.text for p in timeline) == 1


def test_story_times_are_published_in_utc_and_sources_keep_their_outlets_offset(world):
    from datetime import timedelta, timezone

    stories, _, story_id = world
    story = _story_with(stories, story_id)
    tokyo = timezone(timedelta(hours=9))
    members = {k: m.model_copy(update={"published_at": m.published_at.astimezone(tokyo)})
               for k, m in story.members.items()}
    story = story.model_copy(update={"members": members, "updated_at": story.updated_at.astimezone(tokyo),
                                     "published_at": story.published_at.astimezone(tokyo)})
    doc = json.loads(to_json(deep_dive(story, [])))
    assert doc["published_at"] == "2026-11-21T09:00:00Z" and doc["updated_at"].endswith("Z")
    assert all(s["published_at"].endswith("+09:00") for s in doc["sources"])


def test_read_time_counts_the_documents_own_words_at_265_per_minute(world):
    from newsdive.publish.render import WORDS_PER_MINUTE

    stories, _, story_id = world
    doc = deep_dive(stories.get(story_id), [])
    words = len(doc.title.split()) + len(doc.summary.split()) + sum(
        len(s.title.split()) + sum(len(p.text.split()) for p in s.paragraphs) for s in doc.sections)
    assert doc.read_time_minutes == max(1, -(-words // WORDS_PER_MINUTE))


# -- related stories ---------------------------------------------------------------------------------------------


def _many_stories():
    """A bridge story followed up by two closely related ones, plus unrelated stories in other categories."""
    from newsdive.aggregate.stage import Aggregator, assign

    from ..factories import article

    stories, index = MemoryStoryRepository(), MemoryCandidateIndex()
    agg = Aggregator(stories=stories, index=index, sleep=lambda _s: None)
    bridge = assign(article("plain-times", *BRIDGE, hours=0), agg).story_id
    follow_ups = [
        ("Ostrava Bridge toll plan: Kestrel Bay traders fear the Ferrante study will take a year",
         "Shop owners on the Ostrava Bridge approach said the delayed toll vote ordered by mayor Lidia Ferrante "
         "leaves Kestrel Bay businesses guessing about the 41,000 daily crossings."),
        ("Ferrante names engineers for the Ostrava Bridge traffic study in Kestrel Bay",
         "Kestrel Bay mayor Lidia Ferrante appointed two engineering firms to study Ostrava Bridge traffic, "
         "the 1974 crossing whose toll plan the council postponed."),
    ]
    for i, (title, body) in enumerate(follow_ups):  # 100 hours before and after: outside the 72-hour window
        assign(article("mid-wire", title, body, hours=100 if i else -100, n=i), agg)
    for i, outlet in enumerate(["red-post", "blue-herald", "iron-courier", "rose-daily"]):
        assign(article(outlet, *FLOOD, hours=5 + i), agg)
    assign(article("blue-herald", *CHESS, hours=3), agg)
    return stories, index, bridge


def test_related_are_three_to_six_by_similarity_then_recency_never_the_story_itself():
    from newsdive.publish.stage import related_stories

    stories, index, bridge = _many_stories()
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    related = related_stories(stories.get(bridge), deps)
    titles = [r.title for r in related]
    assert 3 <= len(related) <= 6 and bridge not in [r.story_id for r in related]
    # The two similar follow-ups come first; nothing else is similar, so the newest story tops the list up to 3.
    assert len(related) == 3 and all("Ostrava Bridge" in t for t in titles[:2]), titles
    others = [s for s in stories.newest(limit=10) if s.story_id not in {bridge, related[0].story_id,
                                                                          related[1].story_id}]
    assert related[2].story_id == others[0].story_id


def test_every_related_card_is_shaped_like_an_index_item(world):
    stories, index, story_id = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    publish(stories.get(story_id), deps)
    doc = json.loads(deps.public.get(f"deep-dives/{story_id}.json").body)
    for related in doc["related"]:
        assert {"id", "title", "category", "bias", "snippet", "published_at", "read_time_minutes", "source_count",
                "labels", "url"} <= set(related)
        assert related["url"] == f"/deep-dives/{related['id']}.json" and len(related["snippet"]) <= 160


# -- index feeds: newest first by the real instant ---------------------------------------------------------------


def test_index_orders_stories_by_their_real_last_update_whatever_the_offsets(world):
    from datetime import timedelta, timezone

    stories, _, _ = world
    records = stories.newest(limit=10)
    # Store the newest story's time in a far-east offset: as a string it would sort before the others.
    tokyo = timezone(timedelta(hours=14))
    shifted = [records[0].model_copy(update={"updated_at": records[0].updated_at.astimezone(tokyo)}), *records[1:]]
    page = index_pages("latest", list(reversed(shifted)))["index/latest.json"]
    assert [c.id for c in page.items] == [r.story_id for r in records]
    assert all(c.updated_at.utcoffset() == timedelta(0) for c in page.items)


# -- RSS and sitemap ------------------------------------------------------------------------------------------------


def _hostile(stories, story_id):
    story = _story_with(stories, story_id, title='Bridge <script>alert("x")</script> & tolls ]]> <b>now</b>')
    return story.model_copy(update={"title": 'Bridge <script>alert("x")</script> & tolls ]]> <b>now</b>'})


def test_rss_feed_is_valid_rss_2_with_escaped_plain_text(world):
    import feedparser
    from lxml import etree

    from newsdive.publish.syndication import rss_feed

    stories, _, story_id = world
    records = [_hostile(stories, story_id), *[s for s in stories.newest(limit=10) if s.story_id != story_id]]
    body = rss_feed("politics", records, base_url="https://news.example/", feed_path="feeds/politics.xml")
    root = etree.fromstring(body)  # well-formed XML
    assert root.tag == "rss" and root.get("version") == "2.0"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "newsdive: Politics" and feed.feed.link == "https://news.example/"
    titles = [e.title for e in feed.entries]
    assert 'Bridge alert("x") & tolls ]]> now' in titles
    entry = next(e for e in feed.entries if e.title.startswith("Bridge"))
    assert entry.link == f"https://news.example/deep-dives/{story_id}.json"
    assert entry.id == f"newsdive:{story_id}" and entry.published_parsed is not None
    assert "<script" not in body.decode() and "L " in entry.summary
    channel = root.find("channel")
    assert channel.find("lastBuildDate").text == "Sat, 21 Nov 2026 12:00:00 GMT"  # newest story, not the clock
    required = {"title", "link", "description"}
    assert required <= {c.tag for c in channel} and all(required - {"description"} <= {c.tag for c in item}
                                                       for item in channel.iter("item"))


def test_rss_links_use_the_frontends_page_when_configured(world):
    import feedparser

    from newsdive.publish.render import slugify
    from newsdive.publish.syndication import rss_feed

    stories, _, story_id = world
    story = stories.get(story_id)
    body = rss_feed("latest", [story], base_url="https://cdn.example", page_url="https://news.example/s/{slug}",
                    feed_path="feeds/latest.xml")
    [entry] = feedparser.parse(body).entries
    assert entry.link == f"https://news.example/s/{slugify(story.title, story_id)}"


def test_sitemap_lists_each_story_with_its_last_update_and_the_index_pages(world):
    from lxml import etree

    from newsdive.publish.syndication import sitemap

    stories, _, story_id = world
    records = stories.newest(limit=10)
    root = etree.fromstring(sitemap(records, base_url="https://news.example", index_paths=["index/latest.json"]))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = root.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert locs[: len(records)] == [f"https://news.example/deep-dives/{r.story_id}.json" for r in records]
    assert locs[-1] == "https://news.example/index/latest.json"
    lastmods = root.xpath("//s:url/s:lastmod/text()", namespaces=ns)
    assert len(lastmods) == len(records) and all(m.endswith("Z") for m in lastmods)


def test_feeds_and_sitemap_are_published_and_rewritten_only_when_they_change(world):
    stories, index, story_id = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore(), base_url="https://news.example")
    first = publish_index(["politics", "general"], deps)
    assert {"feeds/latest.xml", "feeds/politics.xml", "feeds/general.xml", "sitemap.xml"} <= set(first.written)
    assert deps.public.objects["feeds/politics.xml"].content_type == "application/rss+xml; charset=utf-8"
    assert not publish_index(["politics", "general"], deps).written
    deps.base_url = "https://other.example"
    assert "sitemap.xml" in publish_index(["politics"], deps).written


def test_a_memoised_card_is_the_fresh_card_and_a_changed_story_gets_a_new_one(world):
    from newsdive.publish.render import _card

    stories, _, story_id = world
    story = stories.get(story_id)
    first = card(story)
    assert first == _card(story)
    first.title = "changed by a caller"  # a caller changing its copy leaves the memo intact
    assert card(story) == _card(story)
    renamed = story.model_copy(update={"title": "Kestrel Bay bridge vote put off again"})
    assert card(renamed).title == "Kestrel Bay bridge vote put off again"


def test_the_settle_posts_each_story_under_its_current_terms_on_every_day_it_spans(world):
    from newsdive.aggregate.cluster.assign import AssignConfig
    from newsdive.aggregate.cluster.features import top_terms
    from newsdive.publish.stage import post_current_terms, story_days

    stories, index, story_id = world
    deps = Publisher(stories=stories, index=MemoryCandidateIndex(), public=MemoryObjectStore())
    story = stories.get(story_id)
    days = story_days(story.published_at.isoformat(), story.updated_at.isoformat())
    assert days == {story.published_at.date().isoformat(), story.updated_at.date().isoformat()}
    assert story_days("2026-11-01T23:00:00+00:00", "2026-11-03T01:00:00-02:00") == {
        "2026-11-01", "2026-11-02", "2026-11-03"}
    post_current_terms(story, deps)
    keys = [f"{d}#{t}" for d in sorted(days) for t in top_terms(story.centroid, AssignConfig().post_terms)]
    found = deps.index.lookup(keys)
    assert set(found) == set(keys) and all(ids == {story_id} for ids in found.values())
    post_current_terms(story.model_copy(update={"story_id": "gone", "merged_into": story_id}), deps)
    assert all("gone" not in ids for ids in deps.index.lookup(keys).values())


def test_rss_description_counts_one_source_in_the_singular(world):
    import feedparser

    from newsdive.publish.render import card
    from newsdive.publish.syndication import rss_feed

    stories, _, _ = world
    records = stories.newest(limit=10)
    feed = feedparser.parse(rss_feed("latest", records, base_url="https://news.example/", feed_path="feeds/l.xml"))
    counts = {e.id: e.summary for e in feed.entries}
    seen = set()
    for record in records:
        n = card(record).source_count
        seen.add(n == 1)
        assert counts[f"newsdive:{record.story_id}"].endswith(f"; {n} source)" if n == 1 else f"; {n} sources)")
    assert seen == {True, False}  # both a one-outlet and a many-outlet story were checked


def test_an_index_that_shrank_leaves_no_stale_page_behind(world):
    """A feed that had two pages and now has one (re-clustering merged stories) deletes its old page-2, so the
    published state does not depend on the states before it."""
    stories, index, _ = world
    deps = Publisher(stories=stories, index=index, public=MemoryObjectStore())
    stale = "index/latest/page-2.json"
    deps.public.put(stale, b"{}", content_type="application/json")
    deps.public.put("index/latest-archive/page-2.json", b"{}", content_type="application/json")  # another feed's
    report = publish_index(["politics"], deps)
    assert deps.public.head(stale) is None and stale in report.written
    assert deps.public.head("index/latest-archive/page-2.json") is not None
    assert not publish_index(["politics"], deps).written
