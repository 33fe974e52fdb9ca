"""deploy_stack: infra/template.yaml on a real moto server, plus what moto's CloudFormation skips, by API."""

from __future__ import annotations

import io
import json
import shutil
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest

from newsdive_tools.local.deploy import deploy_stack
from newsdive_tools.local.stack import LocalStack, QueueTrigger, ScheduleTrigger, StackDeployError, StreamTrigger

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def endpoint_url():
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        reset_moto(endpoint)  # moto's state is per process: another module's server may have left stacks
        try:
            yield endpoint
        finally:
            reset_moto(endpoint)
            server.stop()


def reset_moto(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback moto server
        assert response.status == 200


@pytest.fixture(scope="module")
def session(endpoint_url) -> boto3.session.Session:
    return boto3.session.Session(region_name=REGION)


@pytest.fixture(scope="module")
def stack(endpoint_url, session) -> LocalStack:
    return deploy_stack(
        endpoint_url=endpoint_url,
        template_path=TEMPLATE,
        session=session,
        env_overrides={"AWS_ENDPOINT_URL": endpoint_url, "FETCH_HOST_MAP": "news.example=http://127.0.0.1:9"},
    )


def client(session, endpoint_url, service):
    return session.client(service, endpoint_url=endpoint_url, region_name=REGION)


def drain(sqs, queue_url: str) -> list[dict]:
    """Every S3 notification record waiting in the queue (the s3:TestEvent sent on configuration skipped)."""
    records = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            body = json.loads(message["Body"])
            records.extend(body.get("Records", []))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_stack_is_created_with_every_template_resource(stack, session, endpoint_url):
    cloudformation = client(session, endpoint_url, "cloudformation")
    [described] = cloudformation.describe_stacks(StackName=stack.stack_name)["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    expected = {
        "RawBucket",
        "PublicBucket",
        "ScrapeQueue",
        "ScrapeDeadLetterQueue",
        "ParseQueue",
        "ParseDeadLetterQueue",
        "AggregateQueue",
        "AggregateDeadLetterQueue",
        "PublishDeadLetterQueue",
        "CrawlTable",
        "IdempotencyTable",
        "StoriesTable",
        "IndexTable",
        "ScheduleFunction",
        "ScrapeFunction",
        "ParseFunction",
        "AggregateFunction",
        "PublishFunction",
        "ParseQueuePolicy",
        "RawBucketPolicy",
        "PublicBucketPolicy",
        "ScrapeDeadLetterAlarm",
        "ParseDeadLetterAlarm",
        "AggregateDeadLetterAlarm",
        "PublishDeadLetterAlarm",
        "SharedLayer",
        "PublicOriginAccessControl",
        "DocumentsCachePolicy",
        "DocumentsResponseHeadersPolicy",
        "Distribution",
    }
    assert expected <= set(stack.resources)
    assert all(stack.resources[k] for k in expected - {"SharedLayer"})
    assert "AlarmTopic" not in stack.resources  # no AlarmEmail given: the condition is false
    assert stack.outputs["RawBucketName"] == stack.resources["RawBucket"]
    assert stack.outputs["StoriesTableName"] == stack.resources["StoriesTable"]
    assert stack.outputs["DistributionId"] == stack.resources["Distribution"]
    assert stack.outputs["PublicBaseUrl"] == f"https://{stack.outputs['DistributionDomainName']}"


def test_documents_are_served_through_cloudfront_with_origin_access_control(stack, session, endpoint_url):
    s3 = client(session, endpoint_url, "s3")
    cloudfront = client(session, endpoint_url, "cloudfront")
    config = cloudfront.get_distribution(Id=stack.resources["Distribution"])["Distribution"]["DistributionConfig"]
    [origin] = config["Origins"]["Items"]
    public_bucket = stack.resources["PublicBucket"]
    assert origin["DomainName"] == f"{public_bucket}.s3.{REGION}.amazonaws.com"
    # moto does not echo an origin's access control id back; the control itself must exist and sign with SigV4.
    control = cloudfront.get_origin_access_control(Id=stack.resources["PublicOriginAccessControl"])
    assert control["OriginAccessControl"]["OriginAccessControlConfig"]["SigningProtocol"] == "sigv4"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == stack.resources["DocumentsCachePolicy"]
    [statement] = [s for s in json.loads(s3.get_bucket_policy(Bucket=public_bucket)["Policy"])["Statement"]
                   if s["Effect"] == "Allow"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"].endswith(
        f":distribution/{stack.resources['Distribution']}")
    assert all(s3.get_public_access_block(Bucket=public_bucket)["PublicAccessBlockConfiguration"].values())
    assert stack.functions["publish"].environment["DISTRIBUTION_ID"] == stack.resources["Distribution"]


def test_buckets_queues_and_tables_exist_on_the_server(stack, session, endpoint_url):
    s3 = client(session, endpoint_url, "s3")
    sqs = client(session, endpoint_url, "sqs")
    dynamodb = client(session, endpoint_url, "dynamodb")
    assert set(stack.buckets) == {"RawBucket", "PublicBucket"}
    for bucket in stack.buckets.values():
        s3.head_bucket(Bucket=bucket)
    assert set(stack.queues) == {
        "ScrapeQueue",
        "ScrapeDeadLetterQueue",
        "ParseQueue",
        "ParseDeadLetterQueue",
        "AggregateQueue",
        "AggregateDeadLetterQueue",
        "PublishDeadLetterQueue",
        "ScheduledJobsDeadLetterQueue",
    }
    for url in stack.queues.values():
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    assert set(stack.tables) == {"CrawlTable", "IdempotencyTable", "StoriesTable", "IndexTable"}
    stories = dynamodb.describe_table(TableName=stack.tables["StoriesTable"])["Table"]
    assert {i["IndexName"] for i in stories["GlobalSecondaryIndexes"]} == {"by_category", "by_blindspot"}
    assert stories["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_no_event_source_mapping_exists_in_moto(stack, session, endpoint_url):
    lam = client(session, endpoint_url, "lambda")
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
    deployed = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert {f.physical_name for f in stack.functions.values()} <= deployed


def test_time_to_live_is_enabled_on_the_tables_that_declare_it(stack, session, endpoint_url):
    dynamodb = client(session, endpoint_url, "dynamodb")
    expected = {"CrawlTable": "expires_at", "IdempotencyTable": "expiration", "IndexTable": "expires_at"}
    for logical_id, attribute in expected.items():
        ttl = dynamodb.describe_time_to_live(TableName=stack.tables[logical_id])["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}, logical_id
    stories = dynamodb.describe_time_to_live(TableName=stack.tables["StoriesTable"])["TimeToLiveDescription"]
    assert stories["TimeToLiveStatus"] == "DISABLED"


def test_object_under_raw_notifies_the_parse_queue_and_others_do_not(stack, session, endpoint_url):
    s3 = client(session, endpoint_url, "s3")
    sqs = client(session, endpoint_url, "sqs")
    parse_queue = stack.queues["ParseQueue"]
    drain(sqs, parse_queue)
    bucket = stack.resources["RawBucket"]
    s3.put_object(Bucket=bucket, Key="raw/ab/cd.html", Body=b"<html></html>")
    s3.put_object(Bucket=bucket, Key="config/sources.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="parsed/ab/cd.json", Body=b"{}")
    records = drain(sqs, parse_queue)
    assert [(r["eventName"], unquote_plus(r["s3"]["object"]["key"])) for r in records] == [
        ("ObjectCreated:Put", "raw/ab/cd.html")
    ]
    assert records[0]["s3"]["bucket"]["name"] == bucket


def test_function_environment_holds_physical_names_and_overrides(stack, session, endpoint_url):
    dynamodb = client(session, endpoint_url, "dynamodb")
    sqs = client(session, endpoint_url, "sqs")
    schedule = stack.functions["schedule"].environment
    assert schedule["SCRAPE_QUEUE_URL"] == stack.queues["ScrapeQueue"]
    sqs.send_message(QueueUrl=schedule["SCRAPE_QUEUE_URL"], MessageBody="ping")
    [message] = sqs.receive_message(QueueUrl=stack.queues["ScrapeQueue"])["Messages"]
    sqs.delete_message(QueueUrl=stack.queues["ScrapeQueue"], ReceiptHandle=message["ReceiptHandle"])
    assert schedule["SOURCES_BUCKET"] == stack.resources["RawBucket"]
    assert schedule["SOURCES_KEY"] == "config/sources.json"
    aggregate = stack.functions["aggregate"].environment
    for variable, logical_id in (
        ("STORIES_TABLE", "StoriesTable"),
        ("INDEX_TABLE", "IndexTable"),
        ("IDEMPOTENCY_TABLE", "IdempotencyTable"),
    ):
        assert aggregate[variable] == stack.tables[logical_id]
        dynamodb.describe_table(TableName=aggregate[variable])
    publish = stack.functions["publish"].environment
    assert publish["PUBLIC_BUCKET"] == stack.resources["PublicBucket"]
    assert publish["PUBLIC_BASE_URL"] == stack.outputs["PublicBaseUrl"]
    scrape = stack.functions["scrape"]
    assert scrape.environment["FETCH_HOST_MAP"] == "news.example=http://127.0.0.1:9"  # caller's override wins
    assert scrape.environment["FETCH_USER_AGENT"].startswith("newsdive/")
    for function in stack.functions.values():
        assert function.environment["AWS_ENDPOINT_URL"] == endpoint_url
        assert function.environment["POWERTOOLS_SERVICE_NAME"] == function.name
        assert function.environment["POWERTOOLS_METRICS_NAMESPACE"] == "newsdive"
        assert not any(v.startswith(("{", "${")) for v in function.environment.values())


def test_functions_point_at_their_code_and_handler(stack):
    assert set(stack.functions) == {"schedule", "scrape", "parse", "aggregate", "publish"}
    for name, function in stack.functions.items():
        assert function.logical_id == f"{name.capitalize()}Function"
        assert function.code_dir == ROOT / "functions" / name
        assert function.code_dir.is_absolute()
        assert function.handler == "handler.lambda_handler"
    assert stack.functions["scrape"].timeout == 60


def test_triggers_carry_the_template_settings(stack):
    [tick] = stack.functions["schedule"].triggers
    assert tick == ScheduleTrigger(expression="rate(15 minutes)", enabled=True)
    expected_batches = {
        "scrape": ("ScrapeQueue", 5),
        "parse": ("ParseQueue", 10),
        "aggregate": ("AggregateQueue", 10),
    }
    for name, (queue, batch) in expected_batches.items():
        [trigger] = [t for t in stack.functions[name].triggers if isinstance(t, QueueTrigger)]
        assert isinstance(trigger, QueueTrigger)
        assert (trigger.queue_logical_id, trigger.batch_size, trigger.report_failures) == (queue, batch, True)
        assert trigger.queue_url == stack.queues[queue]
        assert trigger.queue_arn.startswith("arn:aws:sqs:") and trigger.queue_arn.endswith(
            queue_name(trigger.queue_url)
        )
        assert trigger.dead_letter_queue_url == stack.dead_letter_queues[queue]
        assert trigger.max_receive_count == 5  # the template's Redrive mapping
    assert stack.functions["scrape"].triggers[0].visibility_timeout == 360
    assert stack.functions["scrape"].triggers[0].maximum_concurrency == 5
    [stream] = [t for t in stack.functions["publish"].triggers if isinstance(t, StreamTrigger)]
    assert isinstance(stream, StreamTrigger)
    assert stream.table_logical_id == "StoriesTable" and stream.table_name == stack.tables["StoriesTable"]
    assert (stream.batch_size, stream.max_retries, stream.bisect, stream.report_failures) == (
        100,
        3,
        True,
        True,
    )
    assert stream.starting_position == "TRIM_HORIZON"
    assert stream.on_failure_queue_url == stack.queues["PublishDeadLetterQueue"]
    [recluster] = [t for t in stack.functions["aggregate"].triggers if isinstance(t, ScheduleTrigger)]
    assert recluster == ScheduleTrigger(expression="rate(1 hour)", enabled=True)


def queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_stream_arn_is_the_tables_live_stream(stack, session, endpoint_url):
    [stream] = [t for t in stack.functions["publish"].triggers if isinstance(t, StreamTrigger)]
    streams = client(session, endpoint_url, "dynamodbstreams")
    description = streams.describe_stream(StreamArn=stream.stream_arn)["StreamDescription"]
    assert description["TableName"] == stack.tables["StoriesTable"]
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_dead_letter_queues_are_keyed_by_their_source(stack, session, endpoint_url):
    assert stack.dead_letter_queues == {
        "ScrapeQueue": stack.queues["ScrapeDeadLetterQueue"],
        "ParseQueue": stack.queues["ParseDeadLetterQueue"],
        "AggregateQueue": stack.queues["AggregateDeadLetterQueue"],
        "PublishFunction": stack.queues["PublishDeadLetterQueue"],
    }
    sqs = client(session, endpoint_url, "sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=stack.queues["ParseQueue"], AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(queue_name(stack.queues["ParseDeadLetterQueue"]))
    assert int(redrive["maxReceiveCount"]) == 5


def test_resources_moto_cloudformation_skips_are_applied_by_api(stack, session, endpoint_url):
    s3 = client(session, endpoint_url, "s3")
    sqs = client(session, endpoint_url, "sqs")
    public_bucket = stack.resources["PublicBucket"]
    policy = json.loads(s3.get_bucket_policy(Bucket=public_bucket)["Policy"])
    assert any(s["Action"] == "s3:GetObject" and s["Effect"] == "Allow" for s in policy["Statement"])
    [cors] = s3.get_bucket_cors(Bucket=public_bucket)["CORSRules"]
    assert set(cors["AllowedMethods"]) == {"GET", "HEAD"} and cors["AllowedOrigins"] == ["*"]
    raw_bucket = stack.resources["RawBucket"]
    block = s3.get_public_access_block(Bucket=raw_bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_lifecycle_configuration(Bucket=raw_bucket)["Rules"]
    assert {"Days": 30} in [r.get("Expiration") for r in rules if r.get("Filter", {}).get("Prefix") == "raw/"]
    queue_policy = sqs.get_queue_attributes(QueueUrl=stack.queues["ParseQueue"], AttributeNames=["Policy"])
    [statement] = json.loads(queue_policy["Attributes"]["Policy"])["Statement"]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:s3:::{raw_bucket}"
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == stack.account_id
    alarms = client(session, endpoint_url, "cloudwatch").describe_alarms()["MetricAlarms"]
    watched = {a["Dimensions"][0]["Value"] for a in alarms
               if a["AlarmName"].startswith(stack.stack_name) and a.get("Namespace") == "AWS/SQS"
               and a.get("MetricName") == "ApproximateNumberOfMessagesVisible"}
    assert watched == {queue_name(stack.queues[q]) for q in stack.queues if "DeadLetter" in q}
    assert all(a["AlarmActions"] == [] for a in alarms)
    schedule = client(session, endpoint_url, "scheduler").get_schedule(Name=f"{stack.stack_name}-tick")
    assert schedule["ScheduleExpression"] == "rate(15 minutes)"
    assert schedule["Target"]["Arn"].endswith(stack.functions["schedule"].physical_name)


def test_parameters_flow_into_triggers_environment_and_outputs(endpoint_url, session):
    stack = deploy_stack(
        endpoint_url=endpoint_url,
        template_path=TEMPLATE,
        session=session,
        stack_name="newsdive-params",
        parameters={
            "ScheduleRate": "rate(1 hour)",
            "PublicBaseUrl": "https://news.example",
            "Stage": "test",
            "RetentionDays": "7",
        },
    )
    assert stack.functions["schedule"].triggers == (ScheduleTrigger(expression="rate(1 hour)"),)
    assert stack.functions["publish"].environment["PUBLIC_BASE_URL"] == "https://news.example"
    assert stack.outputs["PublicBaseUrl"] == "https://news.example"
    assert {f.environment["STAGE"] for f in stack.functions.values()} == {"test"}
    rules = client(session, endpoint_url, "s3").get_bucket_lifecycle_configuration(
        Bucket=stack.resources["RawBucket"]
    )["Rules"]
    assert {"Days": 7} in [r.get("Expiration") for r in rules]


def test_deploying_twice_under_one_name_fails_clearly(stack, endpoint_url, session):
    with pytest.raises(StackDeployError, match="already exists"):
        deploy_stack(
            endpoint_url=endpoint_url, template_path=TEMPLATE, session=session, stack_name=stack.stack_name
        )


def test_a_resource_moto_rejects_fails_with_its_reason(endpoint_url, session, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  BrokenQueue:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties:\n"
        "      QueueName: not-a-fifo-name\n"
        "      FifoQueue: true\n"
    )
    with pytest.raises(StackDeployError, match=r"create_stack newsdive-broken failed: .*\.fifo"):
        deploy_stack(
            endpoint_url=endpoint_url, template_path=template, session=session, stack_name="newsdive-broken"
        )


def test_code_is_zipped_from_the_code_dirs_without_caches(endpoint_url, session, tmp_path):
    # GIVEN a copy of the template whose scrape function has code (and a cache dir) and the others none yet
    (tmp_path / "infra").mkdir()
    shutil.copy(TEMPLATE, tmp_path / "infra" / "template.yaml")
    scrape = tmp_path / "functions" / "scrape"
    (scrape / "__pycache__").mkdir(parents=True)
    (scrape / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    (scrape / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "shared" / "newsdive").mkdir(parents=True)
    (tmp_path / "shared" / "newsdive" / "__init__.py").write_text("")
    # WHEN it is deployed
    stack = deploy_stack(
        endpoint_url=endpoint_url,
        template_path=tmp_path / "infra" / "template.yaml",
        session=session,
        stack_name="newsdive-zip",
    )
    # THEN the staged archives hold the sources only, and code_dir points at the copy
    s3 = client(session, endpoint_url, "s3")

    def names(key: str) -> list[str]:
        body = s3.get_object(Bucket="newsdive-zip-artifacts", Key=key)["Body"].read()
        return zipfile.ZipFile(io.BytesIO(body)).namelist()

    assert names("ScrapeFunction.zip") == ["handler.py"]
    assert names("ParseFunction.zip") == []
    assert names("SharedLayer.zip") == ["newsdive/__init__.py"]
    assert stack.functions["scrape"].code_dir == scrape


def test_make_deploy_uploads_the_named_sources_file_to_the_stacks_raw_bucket(stack, session, endpoint_url,
                                                                             monkeypatch, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("deploy_sources", ROOT / "scripts" / "deploy_sources.py")
    deploy_sources = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deploy_sources)
    example = ROOT / "infra" / "sources.example.json"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint_url)
    assert deploy_sources.main(["upload", str(example), "--stack", stack.stack_name, "--region", REGION]) == 0
    bucket = stack.outputs["RawBucketName"]
    assert bucket == stack.buckets["RawBucket"] and bucket.startswith("newsdive-raw-")
    body = client(session, endpoint_url, "s3").get_object(Bucket=bucket, Key="config/sources.json")["Body"].read()
    from newsdive.model.sources import parse_sources
    from newsdive_tools.sources_file import load_sources

    assert parse_sources(body) == load_sources(example)
    assert f"s3://{bucket}/config/sources.json" in capsys.readouterr().out


def test_the_example_sources_file_lists_real_outlets_from_the_catalog():
    from newsdive.model.catalog import load_catalog
    from newsdive_tools.sources_file import load_sources

    catalog = {o.id: o for o in load_catalog().outlets}
    sources = load_sources(ROOT / "infra" / "sources.example.json")
    assert len(sources) >= 10
    assert {s.bias for s in sources} >= {"left", "lean-left", "center", "lean-right", "right"}
    for source in sources:
        outlet = catalog[source.id]
        assert (source.homepage, source.feeds, source.bias) == (outlet.homepage, outlet.feeds, outlet.bias)
        assert source.feeds, source.id


def test_a_bad_sources_file_is_refused_before_any_deploy(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("deploy_sources", ROOT / "scripts" / "deploy_sources.py")
    deploy_sources = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deploy_sources)
    bad = tmp_path / "sources.json"
    bad.write_text('[{"id": "x", "name": "X", "homepage": "http://[::1"}]', encoding="utf-8")
    assert deploy_sources.main(["check", str(bad)]) == 2
    assert "rejected" in capsys.readouterr().err
