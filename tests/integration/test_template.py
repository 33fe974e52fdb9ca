"""infra/template.yaml: validators pass (cfn-lint's informational checks included), IAM is least privilege on the
fully translated template (no managed policy at all), every queue and scheduled run has a DLQ, every DLQ and every
function an alarm, data survives the stack, and the names are valid and unique whatever the stack is called."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdive.runtime import settings as cfg
from newsdive_tools.local.template import load_template, translate_template

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
    "ScheduledJobsDeadLetterQueue": "ScheduledJobsDeadLetterAlarm",
}
# The one grant that must name "*": X-Ray's write actions have no resource-level permissions.
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


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
            "--include-checks", "I",  # the informational checks too (stateful resources' policies ...)
            "--",
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
    # The whole translated template: the roles SAM generates (schedules) and ours. Managed policies are not
    # readable offline, so none may be attached at all (the next test); what a role can do is all written here.
    documents = list(policy_documents(cfn))
    assert len(documents) > 10
    offenders = []
    for where, document in documents:
        for statement in as_list(document["Statement"]):
            if statement["Effect"] != "Allow":
                continue
            actions = as_list(statement.get("Action", []))
            for action in actions:
                if action == "*" or action.endswith(":*"):
                    offenders.append(f"{where}: action {action}")
            for resource in as_list(statement.get("Resource", [])):
                if is_wildcard_resource(rendered(resource)) and not set(actions) <= XRAY_ACTIONS:
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


def test_no_role_attaches_a_managed_policy(cfn):
    # SAM's defaults (AWSLambdaSQSQueueExecutionRole, AWSLambdaDynamoDBExecutionRole: every queue and stream of
    # the account; AWSLambdaBasicExecutionRole: every log group; AWSXrayWriteOnlyAccess) are replaced by inline
    # grants, which the wildcard test above reads.
    roles = resources_of(cfn, "AWS::IAM::Role")
    assert len(roles) >= 8  # five functions, three schedules
    assert {k: r["Properties"].get("ManagedPolicyArns") for k, r in roles.items()
            if r["Properties"].get("ManagedPolicyArns")} == {}
    assert not resources_of(cfn, "AWS::IAM::ManagedPolicy")
    for function in resources_of(cfn, "AWS::Lambda::Function").values():
        assert getatt_target(function["Properties"]["Role"]).endswith("FunctionRole")


def _role_statements(cfn: dict[str, Any], role: str) -> list[dict[str, Any]]:
    props = cfn["Resources"][role]["Properties"]
    return [s for p in props.get("Policies", []) for s in as_list(p["PolicyDocument"]["Statement"])]


def _grants(cfn: dict[str, Any], role: str) -> dict[str, set[str]]:
    """action -> the resources (rendered) a role may use it on."""
    grants: dict[str, set[str]] = {}
    for statement in _role_statements(cfn, role):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            grants.setdefault(action, set()).update(
                rendered(r) if not (isinstance(r, dict) and "Fn::GetAtt" in r) else ".".join(r["Fn::GetAtt"])
                for r in as_list(statement["Resource"]))
    return grants


def test_event_sources_are_read_by_their_own_function_only(cfn):
    consumers = {"ScrapeFunctionRole": "ScrapeQueue.Arn", "ParseFunctionRole": "ParseQueue.Arn",
                 "AggregateFunctionRole": "AggregateQueue.Arn"}
    for role in [k for k in resources_of(cfn, "AWS::IAM::Role") if k.endswith("FunctionRole")]:
        grants = _grants(cfn, role)
        receive = grants.get("sqs:ReceiveMessage", set())
        assert receive == ({consumers[role]} if role in consumers else set()), role
        assert grants.get("sqs:DeleteMessage", set()) == receive, role
        stream = grants.get("dynamodb:GetRecords", set())
        assert stream == ({"StoriesTable.StreamArn"} if role == "PublishFunctionRole" else set()), role
        logs = grants["logs:PutLogEvents"]
        assert logs == {f"{role.removesuffix('Role')}LogGroup.Arn"}, role
        assert "logs:CreateLogGroup" not in grants


def test_s3_is_granted_per_prefix_and_per_action(cfn):
    expected = {
        "ScheduleFunctionRole": {
            "s3:GetObject": {"<ref>/config/sources.json", "<ref>/sources/*",
                             "<ref>/schemas/v1/source-status.schema.json"},
            "s3:PutObject": {"<ref>/sources/*", "<ref>/schemas/v1/source-status.schema.json"},
            "s3:ListBucket": {"RawBucket.Arn", "PublicBucket.Arn"}},
        "ScrapeFunctionRole": {"s3:PutObject": {"<ref>/raw/*"}},
        "ParseFunctionRole": {"s3:GetObject": {"<ref>/raw/*", "<ref>/articles/*"},
                              "s3:PutObject": {"<ref>/articles/*"}, "s3:ListBucket": {"RawBucket.Arn"}},
        "AggregateFunctionRole": {"s3:GetObject": {"<ref>/articles/*"}, "s3:ListBucket": {"RawBucket.Arn"}},
        "PublishFunctionRole": {
            "s3:GetObject": {"<ref>/deep-dives/*", "<ref>/index/*", "<ref>/feeds/*", "<ref>/schemas/*",
                             "<ref>/sitemap.xml"},
            "s3:PutObject": {"<ref>/deep-dives/*", "<ref>/index/*", "<ref>/feeds/*", "<ref>/schemas/*",
                             "<ref>/sitemap.xml"},
            "s3:DeleteObject": {"<ref>/deep-dives/*"}, "s3:ListBucket": {"PublicBucket.Arn"}},
    }
    for role, grants in expected.items():
        s3 = {action: resources for action, resources in _grants(cfn, role).items() if action.startswith("s3:")}
        assert s3 == grants, role
    # the Sub'd resources name the right bucket
    schedule = _role_statements(cfn, "ScheduleFunctionRole")
    [sources] = [s for s in schedule if s.get("Sid") == "ReadTheSourcesFile"]
    assert sources["Resource"] == {"Fn::Sub": "${RawBucket.Arn}/config/sources.json"}


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
    asynchronous = {
        getatt_target(f["Properties"]["DeadLetterConfig"]["TargetArn"])
        for f in resources_of(cfn, "AWS::Lambda::Function").values()
        if "DeadLetterConfig" in f["Properties"]
    }
    scheduled = {
        getatt_target(s["Properties"]["Target"]["DeadLetterConfig"]["Arn"])
        for s in resources_of(cfn, "AWS::Scheduler::Schedule").values()
        if "DeadLetterConfig" in s["Properties"]["Target"]
    }
    return redrive_targets | on_failure | asynchronous | scheduled


def test_every_work_queue_redrives_to_a_dead_letter_queue(cfn):
    queues = resources_of(cfn, "AWS::SQS::Queue")
    dead_letters = dead_letter_queue_ids(cfn)
    work_queues = set(queues) - dead_letters
    assert work_queues == {"ScrapeQueue", "ParseQueue", "AggregateQueue"}
    for logical_id in work_queues:
        redrive = queues[logical_id]["Properties"]["RedrivePolicy"]
        assert getatt_target(redrive["deadLetterTargetArn"]) in queues
        # AWS advises 5 or more for queues Lambda consumes; one value for all, in the template's Mappings
        assert redrive["maxReceiveCount"] == {"Fn::FindInMap": ["Redrive", "WorkQueues", "MaxReceiveCount"]}
    assert cfn["Mappings"]["Redrive"]["WorkQueues"]["MaxReceiveCount"] >= 5
    for logical_id in dead_letters:
        assert int(queues[logical_id]["Properties"]["MessageRetentionPeriod"]) == 14 * 24 * 3600
    for logical_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, logical_id


def test_the_queue_fed_functions_know_their_queues_max_receive_count(cfn):
    # newsdive.runtime.fifo holds a record behind another's failure only below this count: both must be the same number
    # (and parse counts a failure on a page's last delivery against its source)
    for function, queue in (("AggregateFunction", "AggregateQueue"), ("ParseFunction", "ParseQueue")):
        redrive = cfn["Resources"][queue]["Properties"]["RedrivePolicy"]
        variables = cfn["Resources"][function]["Properties"]["Environment"]["Variables"]
        value, count = variables["MAX_RECEIVE_COUNT"], redrive["maxReceiveCount"]
        value, count = (_in_map(cfn, v) for v in (value, count))
        assert int(value) == int(count), function


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
        assert props["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}
        log_group = cfn["Resources"][f"{logical_id}LogGroup"]["Properties"]
        assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{name}"}
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


# -- data kept, failures heard, limits set ---------------------------------------------------------------


def test_tables_and_buckets_outlive_the_stack_and_a_replacement(cfn):
    stateful = resources_of(cfn, "AWS::DynamoDB::Table") | resources_of(cfn, "AWS::S3::Bucket")
    assert set(stateful) == {"CrawlTable", "IdempotencyTable", "StoriesTable", "IndexTable", "RawBucket",
                             "PublicBucket"}
    for logical_id, resource in stateful.items():
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), logical_id


def test_every_scheduled_run_has_a_retry_policy_and_a_dead_letter_queue(cfn):
    schedules = resources_of(cfn, "AWS::Scheduler::Schedule")
    assert {s["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0] for s in schedules.values()} == {
        "ScheduleFunction", "AggregateFunction", "PublishFunction"}
    functions = resources_of(cfn, "AWS::Lambda::Function")
    invoke_configs = {c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
                      for c in resources_of(cfn, "AWS::Lambda::EventInvokeConfig").values()}
    for logical_id, schedule in schedules.items():
        target = schedule["Properties"]["Target"]
        assert int(target["RetryPolicy"]["MaximumRetryAttempts"]) >= 1, logical_id
        assert getatt_target(target["DeadLetterConfig"]["Arn"]) == "ScheduledJobsDeadLetterQueue"
        # Scheduler invokes asynchronously: a run that fails after Lambda's retries must land somewhere too
        function = target["Arn"]["Fn::GetAtt"][0]
        assert getatt_target(functions[function]["Properties"]["DeadLetterConfig"]["TargetArn"]) == (
            "ScheduledJobsDeadLetterQueue")
        assert invoke_configs[function]["MaximumRetryAttempts"] == 2
        # and the scheduler's own role may send to that queue
        role = cfn["Resources"][getatt_target(target["RoleArn"])]["Properties"]
        sends = [s for p in role["Policies"] for s in as_list(p["PolicyDocument"]["Statement"])
                 if s["Action"] == "sqs:SendMessage"]
        assert [getatt_target(s["Resource"]) for s in sends] == ["ScheduledJobsDeadLetterQueue"]


def test_every_function_has_an_errors_alarm(cfn):
    alarms = resources_of(cfn, "AWS::CloudWatch::Alarm")
    watched = {}
    for alarm in alarms.values():
        props = alarm["Properties"]
        if (props.get("Namespace"), props.get("MetricName")) == ("AWS/Lambda", "Errors"):
            [dimension] = props["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            assert props["Threshold"] == 1 and props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            watched[dimension["Value"]["Ref"]] = props
    assert set(watched) == set(resources_of(cfn, "AWS::Lambda::Function"))


def test_source_health_alarms_read_silence_as_failure(cfn):
    alarms = {a["Properties"].get("MetricName"): a["Properties"]
              for a in resources_of(cfn, "AWS::CloudWatch::Alarm").values()}
    for metric in ("StaleSources", "FailingSources", "DegradedSources"):
        alarm = alarms[metric]
        assert alarm["TreatMissingData"] == "breaching", metric
        # the tick runs at least hourly (ScheduleRate's pattern), so an hour without a figure is a failure
        assert alarm["Period"] == 3600, metric
    pattern = re.compile(cfn["Parameters"]["ScheduleRate"]["AllowedPattern"])
    assert pattern.fullmatch(cfn["Parameters"]["ScheduleRate"]["Default"])
    assert pattern.fullmatch("rate(1 hour)") and pattern.fullmatch("rate(1 minute)")
    assert not pattern.fullmatch("rate(2 hours)") and not pattern.fullmatch("rate(90 minutes)")


def test_parse_and_scrape_event_sources_have_a_maximum_concurrency(cfn):
    mappings = {getatt_target(m["Properties"]["EventSourceArn"]): m["Properties"]
                for m in resources_of(cfn, "AWS::Lambda::EventSourceMapping").values()}
    for queue in ("ScrapeQueue", "ParseQueue"):
        assert 2 <= mappings[queue]["ScalingConfig"]["MaximumConcurrency"] <= 10, queue


def test_names_are_valid_and_unique_per_region_whatever_the_stack_is_called(cfn):
    from newsdive_tools.local.intrinsics import Resolver

    stack_name = "My-Very-Long-Stack-Name-In-Upper-Case-That-Goes-On-And-On-For-A-While"
    stack_id = f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{stack_name}/0c8e3a40-5f5b-11ef-a1b2-0a1b2c3d4e5f"
    resolver = Resolver(cfn, parameters={}, pseudo={"AWS::StackId": stack_id, "AWS::StackName": stack_name,
                                                     "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012",
                                                     "AWS::Partition": "aws"},
                         physical_ids={}, attribute=lambda *a: "")
    bucket = resolver.resolve(cfn["Resources"]["RawBucket"]["Properties"]["BucketName"])
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket), bucket
    assert bucket.endswith("0c8e3a40-5f5b-11ef-a1b2-0a1b2c3d4e5f")
    policy = cfn["Resources"]["ParseQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert resolver.resolve(policy["Condition"]["ArnLike"]["aws:SourceArn"]) == f"arn:aws:s3:::{bucket}"
    # account-wide names (CloudFront, dashboards) carry the stack id or the region
    oac = resolver.resolve(cfn["Resources"]["PublicOriginAccessControl"]["Properties"]
                           ["OriginAccessControlConfig"]["Name"])
    assert len(oac) <= 64 and "0c8e3a40" in oac
    for logical_id, config in (("DocumentsCachePolicy", "CachePolicyConfig"),
                               ("DocumentsResponseHeadersPolicy", "ResponseHeadersPolicyConfig")):
        assert "0c8e3a40" in resolver.resolve(cfn["Resources"][logical_id]["Properties"][config]["Name"])
    dashboard = resolver.resolve(cfn["Resources"]["PipelineDashboard"]["Properties"]["DashboardName"])
    assert "eu-west-1" in dashboard


def test_no_region_is_pinned_and_deploy_warns_what_is_missing():
    import tomllib

    config = tomllib.loads((ROOT / "infra" / "samconfig.toml").read_text(encoding="utf-8"))
    for env in config.values():
        if isinstance(env, dict):
            for command in env.values():
                assert "region" not in command.get("parameters", {}), command
    without = translate_template(TEMPLATE)
    warnings = without["Outputs"]["DeployWarnings"]["Value"]
    text = json.dumps(warnings)
    assert "AlarmEmail is empty" in text and "UserAgentContact is empty" in text
    scrape = resources_of(without, "AWS::Lambda::Function")["ScrapeFunction"]["Properties"]
    assert scrape["Environment"]["Variables"]["FETCH_USER_AGENT"] == {
        "Fn::If": ["HasUserAgentContact", {"Fn::Sub": "newsdive/0.1 (+${UserAgentContact})"}, "newsdive/0.1"]}
    pattern = re.compile(without["Parameters"]["UserAgentContact"]["AllowedPattern"])
    assert pattern.fullmatch("https://news.example/bot") and pattern.fullmatch("mailto:ops@news.example")
    assert not pattern.fullmatch("ops@news.example (me)")


def _in_map(cfn: dict, value: object) -> object:
    """A Fn::FindInMap resolved against the template's Mappings (other values as they are)."""
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        name, first, second = value["Fn::FindInMap"]
        return cfn["Mappings"][name][first][second]
    return value
