"""What a stage loses for good counts against its source (newsdive.runtime.losses), on the memory crawl table."""

from __future__ import annotations

import pytest

from newsdive.aggregate.stage import assign
from newsdive.model.errors import NoArticleError
from newsdive.runtime.losses import Losses

from ..factories import BRIDGE, article
from .fakes import lost_reasons


@pytest.fixture
def losses(wiring, logger):
    return Losses("aggregate", lambda: wiring.crawl, logger, max_receive_count=5)


def test_a_failure_no_retry_fixes_counts_at_once(losses, wiring):
    losses.article("red-post", "a1", KeyError("bug"), deliveries=1)
    assert lost_reasons(wiring.crawl, "red-post") == {"aggregate:KeyError": 1}


def test_a_transient_failure_counts_only_on_the_last_delivery(losses, wiring):
    losses.article("red-post", "a1", TimeoutError("slow"), deliveries=4)
    assert lost_reasons(wiring.crawl, "red-post") == {}
    losses.article("red-post", "a1", TimeoutError("slow"), deliveries=5)
    assert lost_reasons(wiring.crawl, "red-post") == {"aggregate:TimeoutError": 1}


def test_an_unknown_receive_limit_counts_only_permanent_failures(wiring, logger):
    losses = Losses("aggregate", lambda: wiring.crawl, logger)
    assert not losses.lost(TimeoutError("slow"), deliveries=99)
    assert losses.lost(ValueError("bad data"), deliveries=1)


def test_without_a_crawl_table_nothing_is_lost_or_read(logger):
    losses = Losses("aggregate", None, logger, max_receive_count=5)
    assert not losses.lost(KeyError("bug"), deliveries=5)
    losses.article("red-post", "a1", KeyError("bug"))  # no crawl table to write to: a no-op
    assert logger.lines == []


def test_a_loss_that_cannot_be_recorded_is_logged_and_never_raised(logger):
    def broken():
        raise ConnectionError("table unreachable")

    Losses("aggregate", broken, logger).article("red-post", "a1", KeyError("bug"))
    assert logger.lines == [("exception", "lost article not recorded", {"article_id": "a1"})]


def test_a_raw_page_lost_in_parse_counts_against_the_source_its_metadata_names(wiring, logger):
    raw = wiring.bucket("raw")
    raw.put("raw/p1.html.gz", b"", content_type="text/html", metadata={"source-id": "slow-outlet"})
    losses = Losses("parse", lambda: wiring.crawl, logger, max_receive_count=5)
    losses.raw_page("raw/p1.html.gz", TimeoutError("slow"), deliveries=1, raw=lambda: raw)
    assert wiring.crawl.verdicts == {}  # deliveries remain: a retry may fix it
    losses.raw_page("raw/p1.html.gz", NoArticleError("a gallery"), deliveries=1, raw=lambda: raw)
    [verdicts] = wiring.crawl.verdicts.values()
    assert verdicts == {"raw/p1.html.gz": "failed:NoArticleError"}


def test_a_story_lost_in_publish_counts_each_member_against_its_outlet(wiring, logger):
    first = assign(article("plain-times", *BRIDGE), wiring.aggregator())
    assign(article("mid-wire", *BRIDGE, hours=1), wiring.aggregator())
    story = wiring.stories.get(first.story_id)
    assert {m.outlet_id for m in story.members.values()} == {"plain-times", "mid-wire"}
    losses = Losses("publish", lambda: wiring.crawl, logger)
    losses.story(lambda: story, TimeoutError("transient: a retry may fix it"))
    assert lost_reasons(wiring.crawl, "plain-times") == {}
    losses.story(lambda: story, KeyError("template slot"))
    assert lost_reasons(wiring.crawl, "plain-times") == {"publish:KeyError": 1}
    assert lost_reasons(wiring.crawl, "mid-wire") == {"publish:KeyError": 1}


def test_a_story_that_cannot_be_read_is_logged_not_raised(wiring, logger):
    def unreadable():
        raise ValueError("not a story document")

    Losses("publish", lambda: wiring.crawl, logger).story(unreadable, KeyError("bug"))
    assert logger.messages("exception") == ["lost articles not recorded"]
