"""infra/template.yaml: validators pass, IAM is least privilege, every queue has a DLQ, every DLQ an alarm."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdive import settings as cfg
from newsdive.local.stack import load_template, translate_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
SAM = ROOT / ".venv-tools" / "bin" / "sam"

GLOBAL_ENV = {
    "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "STAGE", "POWERTOOLS_SERVICE_NAME", "NEWSDIVE_TRACER",
}


def _settings_env(kind) -> set[str]:
    """The variables a function's settings model reads: the template must set exactly these."""
    return {name.upper() for name in kind.model_fields}


FUNCTION_ENV = {
    "ScheduleFunction": _settings_env(cfg.ScheduleSettings),
    "ScrapeFunction": _settings_env(cfg.ScrapeSettings),
    "ParseFunction": _settings_env(cfg.ParseSettings),
    "AggregateFunction": _settings_env(cfg.AggregateSettings),
    "PublishFunction": _settings_env(cfg.PublishSettings) | {"PUBLIC_BASE_URL"},
}
DEAD_LETTER_ALARMS = {
    "ScrapeDeadLetterQueue": "ScrapeDeadLetterAlarm",
    "ParseDeadLetterQueue": "ParseDeadLetterAlarm",
    "AggregateDeadLetterQueue": "AggregateDeadLetterAlarm",
    "PublishDeadLetterQueue": "PublishDeadLetterAlarm",
}
# What SAM attaches by itself for logs, X-Ray and the event sources; AWS maintains them. Anything else
# (AdministratorAccess, a *FullAccess policy ...) would bypass the per-function policy templates.
SAM_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
}


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return translate_template(TEMPLATE)


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def getatt_target(node: Any) -> str:
    value = node["Fn::GetAtt"]
    return (value.split(".", 1) if isinstance(value, str) else value)[0]


# -- validators ----------------------------------------------------------------------------------------


@pytest.mark.tooling
def test_cfn_lint_reports_no_findings():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            str(TEMPLATE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.tooling
def test_sam_validate_lint_passes():
    if not SAM.exists():
        pytest.skip(f"{SAM} is missing: `make test` installs aws-sam-cli into .venv-tools")
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "-t", str(TEMPLATE), "--region", "us-east-1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout


# -- IAM -----------------------------------------------------------------------------------------------


def policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy document in the translated template, SAM policy template expansions included."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            yield f"{logical_id} (trust)", props["AssumeRolePolicyDocument"]
            for policy in props.get("Policies", []):
                yield f"{logical_id}/{policy['PolicyName']}", policy["PolicyDocument"]
        elif resource["Type"] in {
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::S3::BucketPolicy",
            "AWS::SQS::QueuePolicy",
            "AWS::SNS::TopicPolicy",
        }:
            yield logical_id, props["PolicyDocument"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def rendered(value: Any) -> str:
    """A resource as text: Fn::Sub with its literal variables filled in, other intrinsics as <ref>."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, variables = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
        return re.sub(
            r"\$\{([^}]+)\}", lambda m: rendered(variables.get(m.group(1), {"Ref": m.group(1)})), text
        )
    return "<ref>"


def is_wildcard_resource(text: str) -> bool:
    # "*" itself, or an ARN whose resource part is "*" (every bucket, every table ...)
    return text == "*" or (text.startswith("arn:") and text.split(":", 5)[-1] in {"*", "<ref>:*"})


def test_no_allow_statement_grants_a_wildcard_action_or_resource(cfn):
    documents = list(policy_documents(cfn))
    assert len(documents) > 10
    offenders = []
    for where, document in documents:
        for statement in as_list(document["Statement"]):
            if statement["Effect"] != "Allow":
                continue
            for action in as_list(statement.get("Action", [])):
                if action == "*" or action.endswith(":*"):
                    offenders.append(f"{where}: action {action}")
            for resource in as_list(statement.get("Resource", [])):
                if is_wildcard_resource(rendered(resource)):
                    offenders.append(f"{where}: resource {rendered(resource)}")
    assert offenders == []


def test_wildcard_checks_catch_what_they_are_meant_to_catch():
    assert is_wildcard_resource("*")
    assert is_wildcard_resource(rendered({"Fn::Sub": ["arn:${AWS::Partition}:s3:::${b}", {"b": "*"}]}))
    assert not is_wildcard_resource(
        rendered({"Fn::Sub": ["arn:${AWS::Partition}:s3:::${b}/*", {"b": {"Ref": "B"}}]})
    )


def test_no_public_principal_and_only_the_distribution_reads_published_objects(cfn):
    readers = []
    for where, document in policy_documents(cfn):
        for statement in as_list(document["Statement"]):
            if statement["Effect"] != "Allow":
                continue
            assert statement.get("Principal") not in ("*", {"AWS": "*"}), where
            if statement.get("Principal") == {"Service": "cloudfront.amazonaws.com"}:
                readers.append((where, statement))
    [(where, statement)] = readers
    assert where == "PublicBucketPolicy"
    assert as_list(statement["Action"]) == ["s3:GetObject"]
    assert statement["Resource"] == {"Fn::Sub": "${PublicBucket.Arn}/*"}
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
    }


def test_distribution_reads_the_bucket_through_origin_access_control_with_cors_and_a_cache_policy(cfn):
    config = cfn["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["PublicBucket", "RegionalDomainName"]}
    assert getatt_target(origin["OriginAccessControlId"]) == "PublicOriginAccessControl"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["CachePolicyId"] == {"Ref": "DocumentsCachePolicy"}
    cors = cfn["Resources"]["DocumentsResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert {"GET", "HEAD"} <= set(cors["AccessControlAllowMethods"]["Items"])
    assert cors["AccessControlAllowCredentials"] is False


def test_publish_may_invalidate_only_its_distribution_and_bedrock_only_when_enabled():
    def statements(template, predicate):
        return [(where, s) for where, d in policy_documents(template) for s in as_list(d["Statement"])
                if s["Effect"] == "Allow" and any(predicate(a) for a in as_list(s["Action"]))]

    default = translate_template(TEMPLATE)
    [(where, invalidation)] = statements(default, lambda a: a.startswith("cloudfront:"))
    assert where.startswith("PublishFunctionRole/") and invalidation["Action"] == "cloudfront:CreateInvalidation"
    assert rendered(invalidation["Resource"]).endswith(":distribution/<ref>")
    for template in (default, translate_template(TEMPLATE, parameters={"Summarizer": "bedrock",
                                                                        "BedrockGuardrailId": "abc123"})):
        grants = statements(template, lambda a: a.startswith("bedrock:"))
        assert {s["Action"] for _, s in grants} == {"bedrock:InvokeModel", "bedrock:ApplyGuardrail"}
        assert template["Resources"]["PublishBedrockPolicy"]["Condition"] == "UseBedrock"
        assert template["Resources"]["PublishGuardrailPolicy"]["Condition"] == "UseBedrockGuardrail"
        for _, statement in grants:
            assert not is_wildcard_resource(rendered(statement["Resource"]))
        model = template["Resources"]["PublishBedrockPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
        assert model["Resource"] == {
            "Fn::Sub": "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${BedrockModelId}"}
    assert default["Conditions"]["UseBedrock"] == {"Fn::Equals": [{"Ref": "Summarizer"}, "bedrock"]}
    assert default["Parameters"]["Summarizer"]["Default"] == "extractive"


def test_roles_attach_only_the_managed_policies_sam_adds_for_its_event_sources(cfn):
    attached = set()
    for role in resources_of(cfn, "AWS::IAM::Role").values():
        attached.update(arn.rsplit("/", 1)[-1] for arn in role["Properties"].get("ManagedPolicyArns", []))
    assert attached <= SAM_MANAGED_POLICIES


def test_raw_bucket_is_private_and_public_bucket_blocks_acls(cfn):
    raw = cfn["Resources"]["RawBucket"]["Properties"]
    public = cfn["Resources"]["PublicBucket"]["Properties"]
    assert all(raw["PublicAccessBlockConfiguration"].values())
    assert all(public["PublicAccessBlockConfiguration"].values())  # readers go through CloudFront
    for props in (raw, public):
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


# -- queues, dead letters, alarms ----------------------------------------------------------------------


def dead_letter_queue_ids(cfn: dict[str, Any]) -> set[str]:
    queues = resources_of(cfn, "AWS::SQS::Queue")
    redrive_targets = {
        getatt_target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in queues.values()
        if "RedrivePolicy" in q.get("Properties", {})
    }
    on_failure = {
        getatt_target(m["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
        for m in resources_of(cfn, "AWS::Lambda::EventSourceMapping").values()
        if "DestinationConfig" in m["Properties"]
    }
    return redrive_targets | on_failure


def test_every_work_queue_redrives_to_a_dead_letter_queue(cfn):
    queues = resources_of(cfn, "AWS::SQS::Queue")
    dead_letters = dead_letter_queue_ids(cfn)
    work_queues = set(queues) - dead_letters
    assert work_queues == {"ScrapeQueue", "ParseQueue", "AggregateQueue"}
    for logical_id in work_queues:
        redrive = queues[logical_id]["Properties"]["RedrivePolicy"]
        assert getatt_target(redrive["deadLetterTargetArn"]) in queues
        assert 3 <= int(redrive["maxReceiveCount"]) <= 5
    for logical_id in dead_letters:
        assert int(queues[logical_id]["Properties"]["MessageRetentionPeriod"]) == 14 * 24 * 3600
    for logical_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, logical_id


def test_the_queue_fed_functions_know_their_queues_max_receive_count(cfn):
    # newsdive.fifo holds a record behind another's failure only below this count: both must be the same number
    # (and parse counts a failure on a page's last delivery against its source)
    for function, queue in (("AggregateFunction", "AggregateQueue"), ("ParseFunction", "ParseQueue")):
        redrive = cfn["Resources"][queue]["Properties"]["RedrivePolicy"]
        variables = cfn["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert int(variables["MAX_RECEIVE_COUNT"]) == int(redrive["maxReceiveCount"]), function


def test_every_dead_letter_queue_has_an_alarm_on_one_visible_message(cfn):
    # queue alarms only: source health has its own (tests/integration/test_scrape_template.py)
    alarms = {k: a for k, a in resources_of(cfn, "AWS::CloudWatch::Alarm").items()
              if a["Properties"].get("Namespace") == "AWS/SQS"
              and a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"}
    watched = {}
    for logical_id, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["Namespace"] == "AWS/SQS"
        assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and props["Threshold"] == 1
        [dimension] = props["Dimensions"]
        assert dimension["Name"] == "QueueName"
        watched[getatt_target(dimension["Value"])] = logical_id
    assert dead_letter_queue_ids(cfn) == set(DEAD_LETTER_ALARMS)
    assert watched == DEAD_LETTER_ALARMS


def test_alarms_notify_only_when_an_address_is_given():
    without = translate_template(TEMPLATE)
    with_email = translate_template(TEMPLATE, parameters={"AlarmEmail": "ops@example.org"})
    for template in (without, with_email):
        assert template["Resources"]["AlarmTopic"]["Condition"] == "HasAlarmEmail"
        for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values():
            assert alarm["Properties"]["AlarmActions"] == {
                "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
            }


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(cfn):
    functions = resources_of(cfn, "AWS::Lambda::Function")
    queues = resources_of(cfn, "AWS::SQS::Queue")
    checked = 0
    for mapping in resources_of(cfn, "AWS::Lambda::EventSourceMapping").values():
        source = getatt_target(mapping["Properties"]["EventSourceArn"])
        if source in queues:
            function = functions[mapping["Properties"]["FunctionName"]["Ref"]]
            assert (
                int(queues[source]["Properties"]["VisibilityTimeout"])
                >= 6 * function["Properties"]["Timeout"]
            )
            checked += 1
    assert checked == 3


def test_stream_consumer_has_a_failure_path(cfn):
    [stream] = [
        m["Properties"]
        for m in resources_of(cfn, "AWS::Lambda::EventSourceMapping").values()
        if getatt_target(m["Properties"]["EventSourceArn"]) == "StoriesTable"
    ]
    assert stream["FunctionName"] == {"Ref": "PublishFunction"}
    assert stream["BisectBatchOnFunctionError"] is True
    assert stream["MaximumRetryAttempts"] == 3
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert getatt_target(stream["DestinationConfig"]["OnFailure"]["Destination"]) == "PublishDeadLetterQueue"


def test_raw_bucket_notifies_the_parse_queue_for_raw_pages_only(cfn):
    raw = cfn["Resources"]["RawBucket"]
    [notification] = raw["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert getatt_target(notification["Queue"]) == "ParseQueue"
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "raw/"}]
    assert raw["DependsOn"] == "ParseQueuePolicy" or "ParseQueuePolicy" in raw["DependsOn"]
    [rule] = [r for r in raw["Properties"]["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "raw/"]
    assert rule["ExpirationInDays"] == {"Ref": "RetentionDays"}
    statement = cfn["Resources"]["ParseQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert set(statement["Condition"]["ArnLike"]) == {"aws:SourceArn"}
    assert set(statement["Condition"]["StringEquals"]) == {"aws:SourceAccount"}


# -- tables and functions ------------------------------------------------------------------------------


def test_tables_are_on_demand_with_recovery_encryption_and_the_documented_keys(cfn):
    tables = resources_of(cfn, "AWS::DynamoDB::Table")
    expected = {
        "CrawlTable": ("pk", "expires_at"),
        "IdempotencyTable": ("id", "expiration"),
        "StoriesTable": ("story_id", None),
        "IndexTable": ("pk", "expires_at"),
    }
    assert set(tables) == set(expected)
    for logical_id, (key, ttl) in expected.items():
        props = tables[logical_id]["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert props["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
        assert props.get("TimeToLiveSpecification", {}).get("AttributeName") == ttl
    stories = tables["StoriesTable"]["Properties"]
    assert stories["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    indexes = {
        i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
        for i in stories["GlobalSecondaryIndexes"]
    }
    assert indexes == {"by_category": ["category", "sort_key"], "by_blindspot": ["blindspot", "sort_key"]}


def test_functions_get_exactly_the_documented_environment(cfn):
    functions = resources_of(cfn, "AWS::Lambda::Function")
    assert set(functions) == set(FUNCTION_ENV)
    for logical_id, names in FUNCTION_ENV.items():
        variables = functions[logical_id]["Properties"]["Environment"]["Variables"]
        assert set(variables) == GLOBAL_ENV | names, logical_id
        assert variables["POWERTOOLS_SERVICE_NAME"] == logical_id.removesuffix("Function").lower()


def test_functions_share_runtime_architecture_tracing_and_the_layer(cfn):
    sam = load_template(TEMPLATE)
    for logical_id, function in resources_of(cfn, "AWS::Lambda::Function").items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.12" and props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Handler"] == "handler.lambda_handler"
        [layer] = props["Layers"]
        assert layer["Ref"].startswith("SharedLayer")
        name = logical_id.removesuffix("Function").lower()
        assert sam["Resources"][logical_id]["Properties"]["CodeUri"] == f"../functions/{name}/"
        log_group = cfn["Resources"][f"{logical_id}LogGroup"]["Properties"]
        assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}
        assert log_group["RetentionInDays"] > 0
    assert sam["Resources"]["SharedLayer"]["Properties"]["ContentUri"] == "../shared/"


def test_outputs_name_buckets_queues_and_tables(cfn):
    assert {
        "RawBucketName",
        "PublicBucketName",
        "PublicBaseUrl",
        "ScrapeQueueUrl",
        "ParseQueueUrl",
        "AggregateQueueUrl",
        "StoriesTableName",
        "ScrapeDeadLetterQueueUrl",
        "ParseDeadLetterQueueUrl",
        "AggregateDeadLetterQueueUrl",
        "PublishDeadLetterQueueUrl",
    } <= set(cfn["Outputs"])
