"""One aggregate invocation (newsdive.runtime.aggregate_run) on the memory adapters: articles assigned in queue
order, held behind a transient failure, counted against their source when lost; the re-clustering schedule."""

from __future__ import annotations

from newsdive.aggregate.stage import assign
from newsdive.model.messages import ArticleStored
from newsdive.parse.stage import article_key
from newsdive.runtime import settings as cfg
from newsdive.runtime.aggregate_run import AggregateRun
from newsdive_tools.local.event_shapes import load_event

from ..factories import BRIDGE, CHESS, FLOOD, article
from .fakes import NO_FAILURES, failed, lost_reasons, messages

AGGREGATE = cfg.AggregateSettings(raw_bucket="raw", stories_table="stories", index_table="index",
                                  idempotency_table="idempotency", max_receive_count=5, crawl_table="crawl")


def stored(wiring, *articles) -> list[str]:
    """The articles in the raw bucket as parse leaves them; their ArticleStored messages."""
    bodies = []
    for a in articles:
        wiring.bucket("raw").put(article_key(a.id), a.model_dump_json().encode(), content_type="application/json")
        bodies.append(ArticleStored(article_id=a.id, key=article_key(a.id), content_hash=a.content_hash,
                                    source_id=a.source.id, published_at=a.best_time).model_dump_json())
    return bodies


def aggregate_run(wiring, logger, metrics, fail: dict[str, Exception] | None = None) -> AggregateRun:
    """With the handler's idempotent wrapper replaced by a plain call (or a planned failure per article id)."""

    def assign_once(message, run):
        if fail and message.article_id in fail:
            raise fail[message.article_id]
        return run.assign(message)

    return AggregateRun(AGGREGATE, logger, metrics, assign_once=assign_once, wiring=wiring)


def test_an_aggregate_batch_assigns_each_article_to_a_story(wiring, logger, metrics, context):
    event = messages(*stored(wiring, article("plain-times", *BRIDGE), article("mid-wire", *FLOOD)))
    assert aggregate_run(wiring, logger, metrics).batch(event, context) == NO_FAILURES
    assert metrics.added["ArticlesAssigned"] == 2 and metrics.added["StoriesCreated"] == 2
    assert metrics.added["RecordsSucceeded"] == 2 and metrics.added["RecordsFailed"] == 0
    assert logger.messages("info") == ["article assigned", "article assigned"]
    assert len(wiring.stories.newest(limit=10)) == 2


def test_a_transient_failure_holds_the_rest_of_the_aggregate_batch_behind_it(wiring, logger, metrics, context):
    first, second = article("plain-times", *BRIDGE), article("mid-wire", *FLOOD)
    run = aggregate_run(wiring, logger, metrics, fail={first.id: TimeoutError("read timed out")})
    assert failed(run.batch(messages(*stored(wiring, first, second)), context)) == ["m0", "m1"]
    assert wiring.stories.newest(limit=10) == []  # the second waits, to be assigned after the first
    assert lost_reasons(wiring.crawl, "plain-times") == {}  # deliveries remain: not the source's loss


def test_a_record_on_its_last_delivery_overtakes_and_says_so(wiring, logger, metrics, context):
    first, second = article("plain-times", *BRIDGE), article("mid-wire", *FLOOD)
    run = aggregate_run(wiring, logger, metrics, fail={first.id: TimeoutError("read timed out")})
    assert failed(run.batch(messages(*stored(wiring, first, second), deliveries=("1", "5")), context)) == ["m0"]
    [(level, _, keys)] = [line for line in logger.lines if line[1].startswith("articles processed out of order")]
    assert level == "warning" and keys == {"held_behind": first.id, "article_ids": [second.id]}


def test_a_permanent_failure_fails_its_article_alone_and_counts_against_its_source(wiring, logger, metrics, context):
    first, second = article("plain-times", *BRIDGE), article("mid-wire", *FLOOD)
    run = aggregate_run(wiring, logger, metrics, fail={first.id: KeyError("a bug")})
    assert failed(run.batch(messages(*stored(wiring, first, second)), context)) == ["m0"]
    assert lost_reasons(wiring.crawl, "plain-times") == {"aggregate:KeyError": 1}
    assert "article failed" in logger.messages("exception") and "record failed" in logger.messages("warning")


def test_each_invocation_has_its_own_ordering_state(wiring, logger, metrics, context):
    first = article("plain-times", *BRIDGE)
    held = aggregate_run(wiring, logger, metrics, fail={first.id: TimeoutError("slow")})
    held.batch(messages(*stored(wiring, first)), context)
    assert held.fifo.held_behind == first.id
    assert aggregate_run(wiring, logger, metrics).fifo.held_behind is None


def test_the_recluster_schedule_reports_what_it_moved(wiring, logger, metrics):
    for n, (outlet, text) in enumerate([("plain-times", BRIDGE), ("mid-wire", BRIDGE), ("blue-herald", CHESS)]):
        assign(article(outlet, *text, hours=n), wiring.aggregator())
    report = aggregate_run(wiring, logger, metrics).recluster(load_event("aggregate_recluster"))
    assert report["articles"] == 3 and metrics.added["StoriesReclustered"] == report["rewritten"]
    assert metrics.added["ArticlesMoved"] == report["moved"]
    assert logger.messages() == ["stories re-clustered"]

