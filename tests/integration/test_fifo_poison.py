"""Poison in the aggregate FIFO queue, property-tested through the real handler and event pump on moto (issue 16).

Each example sends a FIFO batch of articles to the aggregate queue of one deployed local stack, in order: good
articles, and poison ones whose loading raises an exception of any kind (a missing module, a bug, bad data,
throttling, a timeout, a lost race ...) on every delivery or only on the first ones. The pump delivers them as
Lambda would (moto counts receives and moves a message to the DLQ after the queue's maxReceiveCount). Whatever
the mix and the order:
- every good article is assigned to a story, exactly once;
- every article that fails on every delivery ends in the aggregate DLQ, and the last failure logged for that
  dead letter is its own exception (its reason), never `OrderHeldError`;
- an intermittent one is assigned or dead-lettered with its own reason: never lost, never both.
Before issue 16 a `ModuleNotFoundError` counted as transient and held the rest of the batch until the held
articles reached the DLQ too: this test fails on that code.

The same stack then shows source health seeing every stage: articles lost at parse, aggregate and publish count
against their sources.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdive.model.errors import NoArticleError, StorageError, VersionConflictError, is_transient

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def _client_error(code: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetObject")


def _storage(code: str, status: int) -> Exception:
    try:
        raise _client_error(code, status)
    except Exception as exc:  # noqa: BLE001 - the way storage/aws.py translates it
        try:
            raise StorageError(f"s3://raw: {code}") from exc
        except StorageError as translated:
            return translated


# Any exception a record can fail with: permanent ones first, then the ones a retry can fix.
ERRORS: dict[str, Callable[[], BaseException]] = {
    "ModuleNotFoundError": lambda: ModuleNotFoundError("No module named 'MeCab'"),
    "KeyError": lambda: KeyError("paragraphs"),
    "ZeroDivisionError": lambda: ZeroDivisionError("division by zero"),
    "TypeError": lambda: TypeError("unsupported operand"),
    "NoArticleError": lambda: NoArticleError("no article on the page"),
    "AccessDenied": lambda: _storage("AccessDenied", 403),
    "ThrottlingException": lambda: _client_error("ThrottlingException", 400),
    "SlowDown": lambda: _storage("SlowDown", 503),
    "VersionConflictError": lambda: VersionConflictError("story s: lost the race"),
    "TimeoutError": lambda: TimeoutError("read timed out"),
    "ConnectionResetError": lambda: ConnectionResetError("connection reset by peer"),
}
_ids = itertools.count()


class Faults:
    """Wraps the handler's `load_article`: a poison article's key raises its exception on its first `times` loads
    (None: on every one)."""

    def __init__(self) -> None:
        self.plans: dict[str, tuple[str, int | None]] = {}
        self.loads: Counter[str] = Counter()

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def load_article(raw: Any, key: str) -> Any:
            plan = self.plans.get(key)
            if plan is not None:
                self.loads[key] += 1
                error, times = plan
                if times is None or self.loads[key] <= times:
                    raise ERRORS[error]()
            return original(raw, key)

        return load_article


@pytest.fixture(scope="module")
def fifo_stack() -> Iterator[Any]:
    from newsdive_tools.local.pump import EventPump, load_handler
    from newsdive_tools.local.runner import local_stack

    with local_stack() as (stack, session):
        pump = EventPump(stack, session=session)  # one worker: one container, whose module we patch
        module_name = stack.functions["aggregate"].handler.rsplit(".", 1)[0]
        from newsdive_tools.local.event_shapes import patched_environ

        with patched_environ(stack.functions["aggregate"].environment):  # its cold start reads its settings
            handler = load_handler(stack.functions["aggregate"], instance=f"_{pump._containers}_w0")
        import sys

        module = sys.modules[f"newsdive_function_aggregate_{module_name}_{pump._containers}_w0"]
        assert handler is module.lambda_handler
        from newsdive.runtime import aggregate_run  # the handler's AggregateRun loads each article

        faults = Faults()
        original = aggregate_run.load_article
        aggregate_run.load_article = faults.wrap(original)
        logs = io.StringIO()  # the function's JSON log lines, as CloudWatch would keep them
        capture = logging.StreamHandler(logs)
        capture.setFormatter(module.logger.registered_formatter)
        std_logger = logging.getLogger(module.logger.name)
        std_logger.addHandler(capture)
        try:
            yield stack, session, pump, faults, logs
        finally:
            std_logger.removeHandler(capture)
            aggregate_run.load_article = original


def _article(n: int, outlet: str = "plain-times") -> Any:
    from newsdive.model.article import Article, SourceRef, url_id

    url = f"https://{outlet}.example/news/poison-test-{n}"
    topic = ["harbour crane strike", "orchard frost damage", "tram line extension", "library roof repair"][n % 4]
    body = (f"Workers and officials in the town of Varnholm spoke on day {n} about the {topic}, which the council "
            f"discussed for three hours before adjourning without a vote.")
    return Article(id=url_id(url), url=url, title=f"Varnholm council debates the {topic} ({n})",
                   source=SourceRef(id=outlet, name=outlet.replace("-", " ").title(), bias="center", country="US",
                                    language="en"),
                   paragraphs=[body], published_at=datetime(2026, 11, 21, 9, tzinfo=UTC) + timedelta(minutes=n),
                   word_count=len(body.split()), content_hash=url_id(body + str(n)), language="en")


KIND = st.one_of(
    st.just(("good", None, None)),
    st.tuples(st.just("poison"), st.sampled_from(sorted(ERRORS)), st.none()),  # fails on every delivery
    st.tuples(st.just("flaky"), st.sampled_from(sorted(ERRORS)), st.integers(1, 2)),  # fails its first loads
)


@settings(max_examples=10, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kinds=st.lists(KIND, min_size=1, max_size=12).filter(lambda ks: any(k[0] == "good" for k in ks)))
def test_every_good_article_is_assigned_and_every_poison_one_dead_lettered_with_its_reason(fifo_stack, kinds):
    from newsdive.model.messages import ArticleStored
    from newsdive.parse.stage import article_key
    from newsdive.storage.aws import DynamoCandidateIndex, S3ObjectStore, SqsQueue
    from newsdive_tools.dlq import failure_reasons

    stack, session, pump, faults, logs = fifo_stack
    env = stack.functions["aggregate"].environment
    client = lambda service: session.client(service, endpoint_url=stack.endpoint_url,  # noqa: E731
                                            region_name=stack.region)
    raw = S3ObjectStore(env["RAW_BUCKET"], client=client("s3"))
    queue_url = stack.queues["AggregateQueue"]
    dlq_url = stack.dead_letter_queues["AggregateQueue"]
    sqs = client("sqs")

    plan: dict[str, tuple[str, str | None, int | None]] = {}
    bodies = []
    for kind, error, times in kinds:
        article = _article(next(_ids))
        key = article_key(article.id)
        raw.put(key, article.model_dump_json().encode(), content_type="application/json")
        if kind != "good":
            faults.plans[key] = (error, times)
        plan[article.id] = (kind, error, times)
        bodies.append(ArticleStored(article_id=article.id, key=key, content_hash=article.content_hash,
                                    source_id="plain-times", published_at=article.best_time).model_dump_json())
    SqsQueue(queue_url, client=sqs).send(bodies)  # one message group, in this order

    logs.seek(0)
    logs.truncate()
    pump.drain()

    dead: dict[str, str] = {}  # article id -> message id
    while True:
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            break
        for m in messages:
            dead[json.loads(m["Body"])["article_id"]] = m["MessageId"]
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
    reasons = failure_reasons(logs.getvalue().splitlines())
    index = DynamoCandidateIndex(env["INDEX_TABLE"], client=client("dynamodb"))
    assigned = {article_id for article_id in plan if index.assignment(article_id)}

    for article_id, (kind, error, _times) in plan.items():
        if kind == "good":
            assert article_id in assigned and article_id not in dead, (kind, kinds)
        elif kind == "poison":
            assert article_id in dead and article_id not in assigned, (kind, error, kinds)
        else:
            assert (article_id in dead) != (article_id in assigned), (kind, error, kinds)
        if article_id in dead:
            reason = reasons[dead[article_id]]
            assert reason["error"] == type(ERRORS[error]()).__name__, (reason, kinds)  # type: ignore[index]
            assert reason["permanent"] == (not is_transient(ERRORS[error]())), reason  # type: ignore[index]


def test_articles_lost_at_aggregate_count_against_their_sources(fifo_stack):
    """Source health sees the aggregate stage: a failure no retry fixes counts at once, a transient one when it
    used the record's last delivery; a good article counts nothing (newsdive.health.sources)."""
    from newsdive.health.sources import SourceInfo, source_health
    from newsdive.model.messages import ArticleStored
    from newsdive.parse.stage import article_key
    from newsdive.storage.aws import S3ObjectStore, SqsQueue
    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    stack, session, pump, faults, _logs = fifo_stack
    env = stack.functions["aggregate"].environment
    client = lambda service: session.client(service, endpoint_url=stack.endpoint_url,  # noqa: E731
                                            region_name=stack.region)
    raw = S3ObjectStore(env["RAW_BUCKET"], client=client("s3"))
    bodies = []
    for source_id, error in (("broken-outlet", "ModuleNotFoundError"), ("steady-outlet", None),
                             ("throttled-outlet", "ThrottlingException")):
        article = _article(next(_ids))
        key = article_key(article.id)
        raw.put(key, article.model_dump_json().encode(), content_type="application/json")
        if error:
            faults.plans[key] = (error, None)
        bodies.append(ArticleStored(article_id=article.id, key=key, content_hash=article.content_hash,
                                    source_id=source_id, published_at=article.best_time).model_dump_json())
    SqsQueue(stack.queues["AggregateQueue"], client=client("sqs")).send(bodies)
    pump.drain()

    control = DynamoCrawlControl(env["CRAWL_TABLE"], client=client("dynamodb"))
    healths = {h.id: h for h in source_health([SourceInfo(s, s) for s in ("broken-outlet", "steady-outlet",
                                                                                "throttled-outlet")], control,
                                              now=datetime.now(UTC))}
    assert healths["broken-outlet"].lost_reasons == {"aggregate:ModuleNotFoundError": 1}
    assert healths["throttled-outlet"].lost_reasons == {"aggregate:ClientError": 1}
    assert healths["steady-outlet"].lost == 0


def test_articles_of_a_story_that_fails_to_publish_count_against_their_sources(fifo_stack):
    """Source health sees the publish stage: a story whose rendering fails for good loses its members, and each
    counts against its own source (the story's member entries carry their outlet)."""

    from newsdive.health.sources import SourceInfo, source_health
    from newsdive.model.messages import ArticleStored
    from newsdive.parse.stage import article_key
    from newsdive.storage.aws import S3ObjectStore, SqsQueue
    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    stack, session, pump, _faults, _logs = fifo_stack
    client = lambda service: session.client(service, endpoint_url=stack.endpoint_url,  # noqa: E731
                                            region_name=stack.region)
    from newsdive.publish import batch as module  # the publish function renders through its PublishBatch

    def broken_render(story, deps):
        raise KeyError("template slot 'overview'")  # a bug: fails the same way on every retry

    original, module.publish = module.publish, broken_render
    try:
        env = stack.functions["aggregate"].environment
        raw = S3ObjectStore(env["RAW_BUCKET"], client=client("s3"))
        article = _article(next(_ids), outlet="fragile-times")  # its story may hold earlier tests' articles
        key = article_key(article.id)
        raw.put(key, article.model_dump_json().encode(), content_type="application/json")
        SqsQueue(stack.queues["AggregateQueue"], client=client("sqs")).send([ArticleStored(
            article_id=article.id, key=key, content_hash=article.content_hash, source_id="fragile-times",
            published_at=article.best_time).model_dump_json()])
        pump.drain()
    finally:
        module.publish = original
    control = DynamoCrawlControl(env["CRAWL_TABLE"], client=client("dynamodb"))
    [health] = source_health([SourceInfo("fragile-times", "Fragile Times")], control, now=datetime.now(UTC))
    assert health.lost_reasons == {"publish:KeyError": 1}


def test_a_page_that_fails_parse_on_its_last_delivery_counts_against_its_source(fifo_stack):
    """A timeout is not the source's fault while deliveries remain; on the page's last one the page is lost all
    the same, and it counts (a failure no retry fixes counts at once: tests/unit/test_health.py)."""
    from newsdive.health.sources import SourceInfo, source_health
    from newsdive.storage.crawl_dynamo import DynamoCrawlControl
    from newsdive_tools.local.event_shapes import patched_environ, sqs_event
    from newsdive_tools.local.pump import load_handler

    stack, session, pump, _faults, _logs = fifo_stack
    client = lambda service: session.client(service, endpoint_url=stack.endpoint_url,  # noqa: E731
                                            region_name=stack.region)
    function = stack.functions["parse"]
    env = function.environment
    with patched_environ(env):
        load_handler(function, instance=f"_{pump._containers}_w0")
    from newsdive.runtime import parse_run as module  # the handler's ParseRun parses each page

    def timing_out(key, deps):
        raise TimeoutError("read timed out")

    trigger = next(t for t in function.triggers if getattr(t, "queue_arn", None))
    s3 = client("s3")
    original, module.parse = module.parse, timing_out
    try:
        for n, deliveries in ((1, "1"), (2, env["MAX_RECEIVE_COUNT"])):
            key = f"raw/slow-page-{n}.html.gz"
            s3.put_object(Bucket=env["RAW_BUCKET"], Key=key, Body=b"", Metadata={"source-id": f"slow-outlet-{n}"})
            body = json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {
                "bucket": {"name": env["RAW_BUCKET"]}, "object": {"key": key}}}]})
            event = sqs_event([{"MessageId": f"m-{n}", "ReceiptHandle": f"r-{n}", "Body": body,
                                "Attributes": {"ApproximateReceiveCount": deliveries}}],
                              queue_arn=trigger.queue_arn, region=stack.region)
            response = pump.invoke("parse", event)
            assert response["batchItemFailures"] == [{"itemIdentifier": f"m-{n}"}]
    finally:
        module.parse = original
    control = DynamoCrawlControl(env["CRAWL_TABLE"], client=client("dynamodb"))
    healths = {h.id: h for h in source_health([SourceInfo("slow-outlet-1", "1"), SourceInfo("slow-outlet-2", "2")],
                                              control, now=datetime.now(UTC))}
    assert healths["slow-outlet-1"].lost == 0  # deliveries remain: a retry may fix it
    assert healths["slow-outlet-2"].lost_reasons == {"parse:TimeoutError": 1}
