"""The translated template deployed into a moto server: what moto's CloudFormation skips is applied through the
APIs, placeholders are filled once their resources exist, and the result is a LocalStack."""

from __future__ import annotations

import copy
import functools
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from newsdive_tools.local.api_shapes import (
    as_bool,
    cors_to_api,
    distribution_to_api,
    fill_placeholders,
    lifecycle_to_api,
    notifications_to_api,
    short_name,
    with_placeholders,
    without_tls_requirement,
    zip_dir,
)
from newsdive_tools.local.intrinsics import Resolver, logical_id_of, referenced_ids
from newsdive_tools.local.stack import (
    DEFAULT_STACK_NAME,
    LocalFunction,
    LocalStack,
    QueueTrigger,
    ScheduleTrigger,
    StackDeployError,
    StreamTrigger,
    Trigger,
)
from newsdive_tools.local.template import _translate, code_resources, load_template

_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
_STACK_TIMEOUT_SECONDS = 30.0
# Lambda's defaults when an event leaves a setting out.
_SQS_DEFAULT_BATCH = 10
_STREAM_DEFAULT_BATCH = 100
# A local server does not throttle; a retried create_stack would hide the first error behind AlreadyExists.
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1})
_TRANSPORT_ERRORS = (BotoCoreError, ResponseParserError)


# ----------------------------------------------------------------------------------------------------
# Deploy


def deploy_stack(
    *,
    endpoint_url: str,
    template_path: Path,
    region: str = "us-east-1",
    stack_name: str = DEFAULT_STACK_NAME,
    parameters: dict[str, str] | None = None,
    env_overrides: dict[str, str] | None = None,
    session: boto3.session.Session | None = None,
) -> LocalStack:
    """Deploy the SAM template into the moto server at `endpoint_url` and describe what was created.

    Raises StackDeployError with the failing resource and reason when the stack is not CREATE_COMPLETE.
    """
    return _Deployment(
        endpoint_url=endpoint_url,
        template_path=Path(template_path).resolve(),
        region=region,
        stack_name=stack_name,
        parameters=dict(parameters or {}),
        env_overrides=dict(env_overrides or {}),
        session=session or _default_session(region),
    ).run()


@functools.lru_cache(maxsize=4)
def _default_session(region: str) -> boto3.session.Session:
    # Cached: a fresh session re-reads botocore's endpoint and service JSON (about 0.3 s), a warm one creates
    # clients in milliseconds. Dummy keys when none are configured: moto accepts anything, and this skips the
    # slow credential chain (instance metadata probes) on a machine without AWS credentials.
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return boto3.session.Session(region_name=region)
    return boto3.session.Session(
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
    )


# Resource types moto's CloudFormation does not implement: removed from the stack, applied by API afterwards.
_APPLIED_BY_API = (
    "AWS::SQS::QueuePolicy",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::Distribution",
    "AWS::S3::BucketPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::Scheduler::Schedule",
    "AWS::Lambda::EventInvokeConfig",
)
# Of those, types the stack may refer to (a function's environment, a role's policy, Outputs): the stack gets a
# placeholder, replaced by the real value once the resource exists (functions' environments and outputs).
_DEFERRED = (
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::Distribution",
)
# Never created in moto: the local pump polls queues and streams itself.
_DROPPED = ("AWS::Lambda::EventSourceMapping",)


class _Deployment:
    def __init__(
        self,
        *,
        endpoint_url: str,
        template_path: Path,
        region: str,
        stack_name: str,
        parameters: dict[str, str],
        env_overrides: dict[str, str],
        session: boto3.session.Session,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.template_path = template_path
        self.region = region
        self.stack_name = stack_name
        self.parameters = {k: str(v) for k, v in parameters.items()}
        self.env_overrides = env_overrides
        self.session = session
        self._clients: dict[str, Any] = {}
        self.account_id = ""
        self._table_descriptions: dict[str, dict[str, Any]] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region, config=_CLIENT_CONFIG
            )
        return self._clients[service]

    # -- steps ----------------------------------------------------------------------------------------

    def run(self) -> LocalStack:
        sam = load_template(self.template_path)
        code_uris = self._upload_code(sam)
        cfn = _translate(sam, code_uris, self.parameters, self.session)
        deployable, held_back = self._split_unsupported(cfn)
        stack_id = self._create_stack(deployable)
        physical = self._physical_ids()
        account_id = self.account_id = stack_id.split(":")[4]
        resolver = Resolver(
            cfn,
            parameters=self._parameter_values(cfn),
            pseudo={
                "AWS::Region": self.region,
                "AWS::AccountId": account_id,
                "AWS::StackName": self.stack_name,
                "AWS::StackId": stack_id,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
            physical_ids=physical,
            attribute=self._attribute,
        )
        self._apply_bucket_settings(cfn, resolver, physical)
        self._apply_table_settings(cfn, resolver, physical)
        for logical_id in held_back:
            resource = cfn["Resources"][logical_id]
            if resolver.resource_enabled(resource):
                physical[logical_id] = self._apply_resource(logical_id, resource, resolver)
        # SAM renames layers (content hash suffix); keep the name the template uses.
        for logical_id, resource in sam["Resources"].items():
            if resource.get("Type") == "AWS::Serverless::LayerVersion" and logical_id not in physical:
                renamed = [k for k in physical if k.startswith(logical_id) and k != logical_id]
                if renamed:
                    physical[logical_id] = physical[renamed[0]]

        queues = {k: physical[k] for k, r in cfn["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}
        functions = self._functions(sam, cfn, resolver, physical)
        return LocalStack(
            endpoint_url=self.endpoint_url,
            region=self.region,
            stack_name=self.stack_name,
            resources=physical,
            outputs=self._outputs(resolver),
            functions={f.name: f for f in functions},
            queues=queues,
            dead_letter_queues=self._dead_letter_queues(cfn, resolver, functions),
            tables={
                k: physical[k] for k, r in cfn["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"
            },
            buckets={k: physical[k] for k, r in cfn["Resources"].items() if r["Type"] == "AWS::S3::Bucket"},
            account_id=account_id,
        )

    def _upload_code(self, sam: Mapping[str, Any]) -> dict[str, str]:
        """Zip each function's and layer's directory into a staging bucket, as `sam package` does."""
        s3 = self.client("s3")
        bucket = f"{self.stack_name.lower()}-artifacts"
        create: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            s3.create_bucket(**create)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise StackDeployError(f"cannot create the staging bucket {bucket}: {exc}") from exc
        uris = {}
        for logical_id, (_prop, local_path) in code_resources(sam).items():
            key = f"{logical_id}.zip"
            s3.put_object(Bucket=bucket, Key=key, Body=zip_dir(self.template_path.parent / local_path))
            uris[logical_id] = f"s3://{bucket}/{key}"
        return uris

    @staticmethod
    def _split_unsupported(cfn: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The template moto can create, and the logical ids to apply by API afterwards (template order)."""
        deployable = copy.deepcopy(cfn)
        resources = deployable["Resources"]
        dropped = [k for k, r in resources.items() if r["Type"] in _DROPPED]
        held_back = [k for k, r in resources.items() if r["Type"] in _APPLIED_BY_API]
        for logical_id in dropped + held_back:
            del resources[logical_id]
        removed = set(dropped) | set(held_back)
        deferred = {k for k in held_back if cfn["Resources"][k]["Type"] in _DEFERRED}
        for logical_id in list(resources):
            resources[logical_id] = with_placeholders(resources[logical_id], deferred)
        if "Outputs" in deployable:
            deployable["Outputs"] = with_placeholders(deployable["Outputs"], deferred)
        for logical_id, resource in resources.items():
            depends = resource.get("DependsOn")
            if depends is not None:
                kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
                if kept:
                    resource["DependsOn"] = kept
                else:
                    del resource["DependsOn"]
            dangling = removed.intersection(referenced_ids(resource))
            if dangling:
                raise StackDeployError(
                    f"{logical_id} refers to {sorted(dangling)}, which moto cannot create in a stack"
                )
        dangling = removed.intersection(referenced_ids(deployable.get("Outputs", {})))
        if dangling:
            raise StackDeployError(
                f"Outputs refer to {sorted(dangling)}, which moto cannot create in a stack"
            )
        return deployable, held_back

    def _create_stack(self, template: dict[str, Any]) -> str:
        cloudformation = self.client("cloudformation")
        try:
            response = cloudformation.create_stack(
                StackName=self.stack_name,
                TemplateBody=json.dumps(template),
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()],
                Capabilities=_CAPABILITIES,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "AlreadyExistsException":
                raise StackDeployError(
                    f"a stack named {self.stack_name} already exists on {self.endpoint_url}: pass another "
                    "stack_name, or reset moto (its state is per process, shared by every server in it: "
                    f"POST {self.endpoint_url}/moto-api/reset)"
                ) from exc
            raise StackDeployError(self._crash_message(template, exc)) from exc
        except _TRANSPORT_ERRORS as exc:  # moto answers a bare HTTP 500 when a resource's creation crashes
            raise StackDeployError(self._crash_message(template, exc)) from exc
        stack_id: str = response["StackId"]
        deadline = time.monotonic() + _STACK_TIMEOUT_SECONDS
        while True:
            stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
            status = stack["StackStatus"]
            if status == "CREATE_COMPLETE":
                return stack_id
            if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
                raise StackDeployError(self._failure_message(stack_id, status))
            time.sleep(0.05)

    def _crash_message(self, template: Mapping[str, Any], exc: Exception) -> str:
        """moto creates resources inside create_stack: its error is the failing resource's error."""
        if isinstance(exc, ClientError):
            reason = f"{exc.response['Error'].get('Code')}: {exc.response['Error'].get('Message')}"
        else:  # moto hit a bug of its own and answered a bare HTTP 500; its traceback is in the server's log
            reason = (
                f"moto answered HTTP 500 ({type(exc).__name__}); see the moto server's log for its traceback"
            )
        try:
            created = set(self._physical_ids())
        except (ClientError, *_TRANSPORT_ERRORS):
            return f"create_stack {self.stack_name} failed: {reason}"
        missing = [f"{k} ({r['Type']})" for k, r in template["Resources"].items() if k not in created]
        return f"create_stack {self.stack_name} failed: {reason}; not created: {', '.join(missing) or 'none'}"

    def _failure_message(self, stack_id: str, status: str) -> str:
        events = self.client("cloudformation").describe_stack_events(StackName=stack_id)["StackEvents"]
        failed = [e for e in events if e.get("ResourceStatus", "").endswith("FAILED")]
        if failed:
            first = failed[-1]  # events come newest first
            return (
                f"stack {self.stack_name} ended in {status}: {first['LogicalResourceId']} "
                f"({first.get('ResourceType')}): {first.get('ResourceStatusReason', 'no reason given')}"
            )
        return f"stack {self.stack_name} did not reach CREATE_COMPLETE (status {status})"

    def _physical_ids(self) -> dict[str, str]:
        paginator = self.client("cloudformation").get_paginator("list_stack_resources")
        return {
            summary["LogicalResourceId"]: summary.get("PhysicalResourceId", "")
            for page in paginator.paginate(StackName=self.stack_name)
            for summary in page["StackResourceSummaries"]
            if summary.get("LogicalResourceId")
        }

    def _outputs(self, resolver: Resolver | None = None) -> dict[str, str]:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"][0]
        return {o["OutputKey"]: fill_placeholders(o["OutputValue"], resolver) for o in stack.get("Outputs", [])}

    def _parameter_values(self, cfn: Mapping[str, Any]) -> dict[str, str]:
        values = {
            name: str(spec["Default"])
            for name, spec in (cfn.get("Parameters") or {}).items()
            if "Default" in spec
        }
        values.update(self.parameters)
        return values

    # -- attributes -----------------------------------------------------------------------------------

    def _attribute(self, logical_id: str, resource_type: str, physical_id: str, attribute: str) -> str:
        if resource_type == "AWS::SQS::Queue":
            # https://sqs.<region>.amazonaws.com/<account>/<name>
            account, name = physical_id.rstrip("/").split("/")[-2:]
            values = {
                "QueueName": name,
                "QueueUrl": physical_id,
                "Arn": f"arn:aws:sqs:{self.region}:{account}:{name}",
            }
        elif resource_type == "AWS::S3::Bucket":
            values = {
                "Arn": f"arn:aws:s3:::{physical_id}",
                "DomainName": f"{physical_id}.s3.amazonaws.com",
                "RegionalDomainName": f"{physical_id}.s3.{self.region}.amazonaws.com",
                "WebsiteURL": f"http://{physical_id}.s3-website.{self.region}.amazonaws.com",
            }
        elif resource_type == "AWS::DynamoDB::Table":
            table = self._describe_table(physical_id)
            values = {"Arn": table["TableArn"], "StreamArn": table.get("LatestStreamArn", "")}
        elif resource_type == "AWS::Lambda::Function":
            values = {"Arn": f"arn:aws:lambda:{self.region}:{self.account_id}:function:{physical_id}"}
        elif resource_type == "AWS::IAM::Role":  # SAM's roles have the default path "/"
            values = {"Arn": f"arn:aws:iam::{self.account_id}:role/{physical_id}"}
        elif resource_type == "AWS::SNS::Topic":
            values = {"TopicArn": physical_id, "TopicName": physical_id.rsplit(":", 1)[-1]}
        elif resource_type == "AWS::CloudFront::Distribution":
            distribution = self.client("cloudfront").get_distribution(Id=physical_id)["Distribution"]
            values = {"Id": physical_id, "DomainName": distribution["DomainName"]}
        elif resource_type.startswith("AWS::CloudFront::"):
            values = {"Id": physical_id}
        else:
            values = {}
        if not values.get(attribute):
            raise StackDeployError(f"cannot resolve !GetAtt {logical_id}.{attribute} ({resource_type})")
        return values[attribute]

    def _describe_table(self, table_name: str) -> dict[str, Any]:
        if table_name not in self._table_descriptions:
            self._table_descriptions[table_name] = self.client("dynamodb").describe_table(
                TableName=table_name
            )["Table"]
        return self._table_descriptions[table_name]

    # -- what moto's CloudFormation skips -------------------------------------------------------------

    def _apply_bucket_settings(
        self, cfn: Mapping[str, Any], resolver: Resolver, physical: Mapping[str, str]
    ) -> None:
        s3 = self.client("s3")
        for logical_id, resource in cfn["Resources"].items():
            if resource["Type"] != "AWS::S3::Bucket" or logical_id not in physical:
                continue
            bucket = physical[logical_id]
            props = resolver.resolve(resource.get("Properties") or {})
            if "PublicAccessBlockConfiguration" in props:
                s3.put_public_access_block(
                    Bucket=bucket,
                    PublicAccessBlockConfiguration={
                        k: as_bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()
                    },
                )
            if "OwnershipControls" in props:
                s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=props["OwnershipControls"])
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"]
                )
            if "CorsConfiguration" in props:
                s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors_to_api(props["CorsConfiguration"]))
            if "LifecycleConfiguration" in props:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=bucket, LifecycleConfiguration=lifecycle_to_api(props["LifecycleConfiguration"])
                )
            if "NotificationConfiguration" in props:
                s3.put_bucket_notification_configuration(
                    Bucket=bucket,
                    NotificationConfiguration=notifications_to_api(props["NotificationConfiguration"]),
                )

    def _apply_table_settings(
        self, cfn: Mapping[str, Any], resolver: Resolver, physical: Mapping[str, str]
    ) -> None:
        dynamodb = self.client("dynamodb")
        for logical_id, resource in cfn["Resources"].items():
            if resource["Type"] != "AWS::DynamoDB::Table" or logical_id not in physical:
                continue
            props = resolver.resolve(resource.get("Properties") or {})
            ttl = props.get("TimeToLiveSpecification")
            if ttl and as_bool(ttl.get("Enabled", False)):
                dynamodb.update_time_to_live(
                    TableName=physical[logical_id],
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
            pitr = props.get("PointInTimeRecoverySpecification")
            if pitr and as_bool(pitr.get("PointInTimeRecoveryEnabled", False)):
                dynamodb.update_continuous_backups(
                    TableName=physical[logical_id],
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )

    # Complex on purpose: one branch per resource type moto lacks, a dispatch table.
    def _apply_resource(self, logical_id: str, resource: Mapping[str, Any], resolver: Resolver) -> str:  # noqa: C901
        """Create one resource moto's CloudFormation does not know; returns its physical id."""
        props = resolver.resolve(resource.get("Properties") or {})
        kind = resource["Type"]
        if kind == "AWS::SQS::QueuePolicy":
            for queue_url in props["Queues"]:
                self.client("sqs").set_queue_attributes(
                    QueueUrl=queue_url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
                )
            return f"{self.stack_name}-{logical_id}"
        if kind == "AWS::S3::BucketPolicy":
            document = without_tls_requirement(props["PolicyDocument"])
            if document["Statement"]:
                self.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
            return props["Bucket"]
        if kind == "AWS::CloudWatch::Alarm":
            name = props.pop("AlarmName", None) or f"{self.stack_name}-{logical_id}"
            for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
                if key in props:
                    props[key] = int(props[key])
            if "Threshold" in props:
                props["Threshold"] = float(props["Threshold"])
            if "ActionsEnabled" in props:
                props["ActionsEnabled"] = as_bool(props["ActionsEnabled"])
            self.client("cloudwatch").put_metric_alarm(AlarmName=name, **props)
            return name
        if kind == "AWS::CloudFront::OriginAccessControl":
            config = props["OriginAccessControlConfig"]
            response = self.client("cloudfront").create_origin_access_control(OriginAccessControlConfig=config)
            return response["OriginAccessControl"]["Id"]
        if kind in ("AWS::CloudFront::CachePolicy", "AWS::CloudFront::ResponseHeadersPolicy"):
            return f"local-{logical_id}"  # moto has no API for these; the distribution only carries the id
        if kind == "AWS::CloudFront::Distribution":
            config = distribution_to_api(props["DistributionConfig"], f"{self.stack_name}-{logical_id}")
            return self.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"]
        if kind == "AWS::Scheduler::Schedule":
            name = props.pop("Name", None) or f"{self.stack_name}-{logical_id}"
            window = props.get("FlexibleTimeWindow", {})
            if "MaximumWindowInMinutes" in window:
                window["MaximumWindowInMinutes"] = int(window["MaximumWindowInMinutes"])
            for key, value in props.get("Target", {}).get("RetryPolicy", {}).items():
                props["Target"]["RetryPolicy"][key] = int(value)
            return self.client("scheduler").create_schedule(Name=name, **props)["ScheduleArn"]
        if kind == "AWS::Lambda::EventInvokeConfig":
            config = {k: v for k, v in props.items() if k != "Qualifier" and v not in ({}, None)}
            for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
                if key in config:
                    config[key] = int(config[key])
            self.client("lambda").put_function_event_invoke_config(**config)
            return f"{props['FunctionName']}:{props.get('Qualifier', '$LATEST')}"
        raise StackDeployError(f"no local applier for {logical_id} ({kind})")  # pragma: no cover

    # -- functions and triggers -----------------------------------------------------------------------

    def _functions(
        self,
        sam: Mapping[str, Any],
        cfn: Mapping[str, Any],
        resolver: Resolver,
        physical: Mapping[str, str],
    ) -> list[LocalFunction]:
        lam = self.client("lambda")
        functions = []
        for logical_id, resource in sam["Resources"].items():
            if resource.get("Type") != "AWS::Serverless::Function" or logical_id not in physical:
                continue
            props = resource.get("Properties") or {}
            # moto resolved the environment when it created the function: read the deployed values.
            config = lam.get_function_configuration(FunctionName=physical[logical_id])
            environment = {  # strings, as Lambda gives them (a Mapping's number reaches moto as an int)
                k: str(fill_placeholders(v, resolver))
                for k, v in ((config.get("Environment") or {}).get("Variables") or {}).items()
            }
            environment.update(self.env_overrides)
            code_uri = props.get("CodeUri", "")
            functions.append(
                LocalFunction(
                    name=short_name(logical_id),
                    logical_id=logical_id,
                    code_dir=(self.template_path.parent / code_uri).resolve(),
                    handler=config.get("Handler") or props.get("Handler", ""),
                    environment=environment,
                    triggers=tuple(
                        self._trigger(logical_id, event, cfn, resolver)
                        for event in (props.get("Events") or {}).values()
                    ),
                    physical_name=physical[logical_id],
                    timeout=int(config.get("Timeout", 3)),
                    memory_size=int(config.get("MemorySize", 128)),
                )
            )
        return functions

    def _trigger(
        self, function_id: str, event: Mapping[str, Any], cfn: Mapping[str, Any], resolver: Resolver
    ) -> Trigger:
        kind = event.get("Type")
        props = resolver.resolve(
            {k: v for k, v in (event.get("Properties") or {}).items() if k not in {"Queue", "Stream"}}
        )
        raw = event.get("Properties") or {}
        report_failures = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        if kind == "SQS":
            queue_id = logical_id_of(raw.get("Queue"), "Arn")
            if queue_id is None:
                raise StackDeployError(f"{function_id}: the SQS event must use !GetAtt <Queue>.Arn")
            queue_props = resolver.resolve(cfn["Resources"][queue_id].get("Properties") or {})
            redrive = queue_props.get("RedrivePolicy") or {}
            if isinstance(redrive, str):
                redrive = json.loads(redrive)
            dlq_id = logical_id_of(self._unresolved_redrive_target(cfn, queue_id), "Arn")
            return QueueTrigger(
                queue_logical_id=queue_id,
                queue_url=resolver.ref(queue_id),
                queue_arn=resolver.get_att(queue_id, "Arn"),
                batch_size=int(props.get("BatchSize", _SQS_DEFAULT_BATCH)),
                report_failures=report_failures,
                visibility_timeout=int(queue_props.get("VisibilityTimeout", 30)),
                max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
                dead_letter_queue_url=resolver.ref(dlq_id) if dlq_id else None,
                maximum_batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                maximum_concurrency=(
                    int(props["ScalingConfig"]["MaximumConcurrency"])
                    if "MaximumConcurrency" in (props.get("ScalingConfig") or {})
                    else None
                ),
            )
        if kind == "DynamoDB":
            table_id = logical_id_of(raw.get("Stream"), "StreamArn")
            if table_id is None:
                raise StackDeployError(f"{function_id}: the stream event must use !GetAtt <Table>.StreamArn")
            on_failure = ((raw.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            failure_queue_id = logical_id_of(on_failure, "Arn")
            return StreamTrigger(
                table_logical_id=table_id,
                table_name=resolver.ref(table_id),
                stream_arn=resolver.get_att(table_id, "StreamArn"),
                batch_size=int(props.get("BatchSize", _STREAM_DEFAULT_BATCH)),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),
                bisect=as_bool(props.get("BisectBatchOnFunctionError", False)),
                report_failures=report_failures,
                on_failure_queue_url=resolver.ref(failure_queue_id) if failure_queue_id else None,
                starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
                maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                on_failure_queue_logical_id=failure_queue_id,
            )
        if kind in {"Schedule", "ScheduleV2"}:
            expression = props.get("ScheduleExpression") if kind == "ScheduleV2" else props.get("Schedule")
            if kind == "ScheduleV2":
                enabled = str(props.get("State", "ENABLED")).upper() == "ENABLED"
            else:
                enabled = as_bool(props.get("Enabled", True))
            return ScheduleTrigger(expression=str(expression), enabled=enabled)
        raise StackDeployError(f"{function_id}: the local run does not support {kind} events")

    @staticmethod
    def _unresolved_redrive_target(cfn: Mapping[str, Any], queue_id: str) -> Any:
        redrive = (cfn["Resources"][queue_id].get("Properties") or {}).get("RedrivePolicy") or {}
        return redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None

    @staticmethod
    def _dead_letter_queues(
        cfn: Mapping[str, Any], resolver: Resolver, functions: list[LocalFunction]
    ) -> dict[str, str]:
        dead_letters = {}
        for logical_id, resource in cfn["Resources"].items():
            if resource["Type"] != "AWS::SQS::Queue":
                continue
            dlq_id = logical_id_of(_Deployment._unresolved_redrive_target(cfn, logical_id), "Arn")
            if dlq_id:
                dead_letters[logical_id] = resolver.ref(dlq_id)
        for function in functions:
            for trigger in function.triggers:
                if isinstance(trigger, StreamTrigger) and trigger.on_failure_queue_url:
                    dead_letters[function.logical_id] = trigger.on_failure_queue_url
        return dead_letters
