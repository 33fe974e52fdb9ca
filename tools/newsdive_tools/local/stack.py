"""Deploy infra/template.yaml into a moto server, the way `sam package` + `sam deploy` would on AWS.

moto has no SAM transform, runs no Lambda code and skips parts of CloudFormation, so this module:
translates SAM to CloudFormation offline (samtranslator), uploads zipped code to a staging bucket, drops the
event source mappings (without Docker moto would burn every message; the local pump polls instead, using the
triggers read from the template's `Events`), creates the stack, then applies by API what moto's CloudFormation
ignores or does not know (bucket notifications/CORS/lifecycle/public access block, table TTL, queue and
bucket policies, alarms, schedules, asynchronous invocation settings), all read from the same template: there is
no second copy of the infrastructure.

Local-run only: never imported by a Lambda handler, and it never imports moto (the caller starts the server).
"""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

__all__ = [
    "LocalFunction",
    "LocalStack",
    "QueueTrigger",
    "ScheduleTrigger",
    "StackDeployError",
    "StreamTrigger",
    "deploy_stack",
    "load_template",
    "translate_template",
]

DEFAULT_STACK_NAME = "newsdive-local"
_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
_STACK_TIMEOUT_SECONDS = 30.0
# Lambda's defaults when an event leaves a setting out.
_SQS_DEFAULT_BATCH = 10
_STREAM_DEFAULT_BATCH = 100
# A local server does not throttle; a retried create_stack would hide the first error behind AlreadyExists.
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1})
_TRANSPORT_ERRORS = (BotoCoreError, ResponseParserError)
_SKIPPED_IN_ZIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".aws-sam"}


class StackDeployError(RuntimeError):
    """The template could not be deployed into the moto server (the message names the resource and reason)."""


# ----------------------------------------------------------------------------------------------------
# What the local event pump consumes


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS event source of a function, as the SAM template declares it."""

    queue_logical_id: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_failures: bool
    visibility_timeout: int = 30
    max_receive_count: int | None = None
    dead_letter_queue_url: str | None = None
    maximum_batching_window_seconds: int = 0
    maximum_concurrency: int | None = None


@dataclass(frozen=True)
class StreamTrigger:
    """A DynamoDB stream event source of a function, as the SAM template declares it."""

    table_logical_id: str
    table_name: str
    stream_arn: str
    batch_size: int
    max_retries: int  # -1 = retry until the record expires (Lambda's default)
    bisect: bool
    report_failures: bool
    on_failure_queue_url: str | None
    starting_position: str
    maximum_record_age_seconds: int = -1
    on_failure_queue_logical_id: str | None = None


@dataclass(frozen=True)
class ScheduleTrigger:
    """A schedule (EventBridge rule or Scheduler) that invokes a function."""

    expression: str
    enabled: bool = True


Trigger = QueueTrigger | StreamTrigger | ScheduleTrigger


@dataclass(frozen=True)
class LocalFunction:
    """One function of the stack: where its code is, how to call it, with what environment and triggers."""

    name: str
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    triggers: tuple[Trigger, ...]
    physical_name: str = ""
    timeout: int = 3
    memory_size: int = 128


@dataclass(frozen=True)
class LocalStack:
    """The deployed stack: physical ids, outputs, functions and queues by logical id."""

    endpoint_url: str
    region: str
    stack_name: str
    resources: dict[str, str]
    outputs: dict[str, str]
    functions: dict[str, LocalFunction]  # keyed by short name: "scrape"
    queues: dict[str, str]
    dead_letter_queues: dict[str, str]
    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    account_id: str = ""


def save_stack(stack: LocalStack, path: Path) -> None:
    """Write what another process needs to call this stack's functions (`newsdive invoke --endpoint-url`):
    endpoint, ids and each function's resolved environment. Triggers are left out: only the kept run polls."""
    data = {k: v for k, v in stack.__dict__.items() if k != "functions"}
    data["functions"] = {
        name: {k: (str(v) if isinstance(v, Path) else v) for k, v in f.__dict__.items() if k != "triggers"}
        for name, f in stack.functions.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_stack(path: Path) -> LocalStack:
    """A stack saved by `save_stack` (its functions have no triggers)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    functions = {name: LocalFunction(**{**f, "code_dir": Path(f["code_dir"]), "triggers": ()})
                 for name, f in data.pop("functions").items()}
    return LocalStack(functions=functions, **data)


# ----------------------------------------------------------------------------------------------------
# Template loading and translation


def load_template(template_path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template, short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`) included.

    Uses samtranslator's intrinsics constructor on a private loader, so yaml.SafeLoader stays untouched.
    """
    import yaml
    from samtranslator.yaml_helper import intrinsics_multi_constructor

    class _TemplateLoader(yaml.SafeLoader):
        pass

    _TemplateLoader.add_multi_constructor("!", intrinsics_multi_constructor)
    with Path(template_path).open(encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict) or "Resources" not in template:
        raise StackDeployError(f"{template_path} is not a CloudFormation template (no Resources)")
    return template


def _code_resources(template: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """SAM resources that carry local code: logical id -> (property name, local path as written)."""
    found: dict[str, tuple[str, str]] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            found[logical_id] = ("CodeUri", props["CodeUri"])
        elif resource.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(
            props.get("ContentUri"), str
        ):
            found[logical_id] = ("ContentUri", props["ContentUri"])
    return found


def _translate(
    sam_template: dict[str, Any],
    code_uris: Mapping[str, str],
    parameters: Mapping[str, str],
    session: boto3.session.Session,
) -> dict[str, Any]:
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(sam_template)
    for logical_id, (prop, _local) in _code_resources(template).items():
        template["Resources"][logical_id]["Properties"][prop] = code_uris.get(
            logical_id, f"s3://{DEFAULT_STACK_NAME}-artifacts/{logical_id}.zip"
        )
    # An empty managed-policy map: SAM then never asks IAM for the ARNs of managed policies.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session, metrics=metrics)
    try:
        return translator.translate(template, parameter_values=dict(parameters))
    except Exception as exc:  # samtranslator raises its own hierarchy; keep its messages
        causes = "; ".join(str(getattr(c, "message", c)) for c in getattr(exc, "causes", []))
        raise StackDeployError(f"SAM translation failed: {exc} {causes}".strip()) from exc
    finally:
        metrics.publish()  # to the dummy publisher; otherwise samtranslator logs "unpublished metrics"


def translate_template(
    template_path: Path,
    code_uris: Mapping[str, str] | None = None,
    *,
    parameters: Mapping[str, str] | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """Translate the SAM template into plain CloudFormation offline (no AWS call).

    `code_uris` maps a function's or layer's logical id to an `s3://bucket/key` URI; others get placeholders.
    Tests use the result to check IAM statements, queues and alarms.
    """
    session = boto3.session.Session(region_name=region)
    return _translate(load_template(template_path), code_uris or {}, parameters or {}, session)


# ----------------------------------------------------------------------------------------------------
# Intrinsic functions, resolved against the deployed stack


class _NoValue:
    """AWS::NoValue: the property disappears."""


_NO_VALUE = _NoValue()
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class _Resolver:
    """Resolves Ref/GetAtt/Sub/Join/If/Select/Split/FindInMap and Conditions against physical ids.

    Attributes are derived from the physical id where AWS's naming makes that exact (queue ARN from its
    URL) and otherwise read from the moto server once (a table's stream ARN).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        pseudo: Mapping[str, str],
        physical_ids: Mapping[str, str],
        attribute: Callable[[str, str, str, str], str],
    ) -> None:
        self._template = template
        self._parameters = parameters
        self._pseudo = pseudo
        self._physical = physical_ids
        self._attribute = attribute
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definition = (self._template.get("Conditions") or {}).get(name)
            if definition is None:
                raise StackDeployError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self._evaluate_condition(definition))
        return self._conditions[name]

    def resource_enabled(self, resource: Mapping[str, Any]) -> bool:
        name = resource.get("Condition")
        return True if name is None else self.condition(name)

    def _evaluate_condition(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, value),) = node.items()
            if key == "Condition":
                return self.condition(value)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in value)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._evaluate_condition(value[0])
            if key == "Fn::And":
                return all(self._evaluate_condition(v) for v in value)
            if key == "Fn::Or":
                return any(self._evaluate_condition(v) for v in value)
        return self.resolve(node)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(v) for v in node]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            handler = self._INTRINSICS.get(key)
            if handler is not None:
                return handler(self, value)
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._physical:
            return self._physical[name]
        raise StackDeployError(f"cannot resolve !Ref {name}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self._template["Resources"].get(logical_id)
        if resource is None or logical_id not in self._physical:
            raise StackDeployError(
                f"cannot resolve !GetAtt {logical_id}.{attribute}: no such deployed resource"
            )
        return self._attribute(logical_id, resource["Type"], self._physical[logical_id], attribute)

    def _ref(self, value: Any) -> Any:
        return self.ref(self.resolve(value))

    def _get_att(self, value: Any) -> str:
        if isinstance(value, str):
            value = value.split(".", 1)
        logical_id, attribute = (self.resolve(v) for v in value)
        return self.get_att(logical_id, attribute)

    def _sub(self, value: Any) -> str:
        if isinstance(value, list):
            text, variables = value[0], {k: self.resolve(v) for k, v in value[1].items()}
        else:
            text, variables = value, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _join(self, value: Any) -> str:
        delimiter, items = value
        return str(delimiter).join(str(v) for v in self.resolve(items))

    def _if(self, value: Any) -> Any:
        name, when_true, when_false = value
        return self.resolve(when_true if self.condition(name) else when_false)

    def _select(self, value: Any) -> Any:
        index, items = value
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, value: Any) -> list[str]:
        delimiter, text = value
        return str(self.resolve(text)).split(delimiter)

    def _find_in_map(self, value: Any) -> Any:
        name, first, second = (self.resolve(v) for v in value)
        return self._template["Mappings"][name][first][second]

    _INTRINSICS: dict[str, Callable[[_Resolver, Any], Any]] = {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::If": _if,
        "Fn::Select": _select,
        "Fn::Split": _split,
        "Fn::FindInMap": _find_in_map,
    }


def _referenced_ids(node: Any) -> Iterator[str]:
    """Logical ids a template fragment refers to (Ref, GetAtt, ${X} / ${X.Attr} in Sub)."""
    if isinstance(node, list):
        for item in node:
            yield from _referenced_ids(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield (value.split(".", 1) if isinstance(value, str) else value)[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for name in _SUB_VARIABLE.findall(text):
                    if not name.startswith("!"):
                        yield name.split(".", 1)[0]
                yield from _referenced_ids(value[1] if isinstance(value, list) else None)
            else:
                yield from _referenced_ids(value)


def _logical_id_of(node: Any, attribute: str | None = None) -> str | None:
    """The logical id behind `!GetAtt X.Attr` (optionally only for that attribute) or `!Ref X`."""
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        value = node["Fn::GetAtt"]
        logical_id, attr = value.split(".", 1) if isinstance(value, str) else value
        return logical_id if attribute is None or attr == attribute else None
    if isinstance(node, dict) and "Ref" in node:
        return node["Ref"]
    return None


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
_PLACEHOLDER = re.compile(r"@@local:([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?@@")
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
        resolver = _Resolver(
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
        for logical_id, (_prop, local_path) in _code_resources(sam).items():
            key = f"{logical_id}.zip"
            s3.put_object(Bucket=bucket, Key=key, Body=_zip_dir(self.template_path.parent / local_path))
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
            resources[logical_id] = _with_placeholders(resources[logical_id], deferred)
        if "Outputs" in deployable:
            deployable["Outputs"] = _with_placeholders(deployable["Outputs"], deferred)
        for logical_id, resource in resources.items():
            depends = resource.get("DependsOn")
            if depends is not None:
                kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
                if kept:
                    resource["DependsOn"] = kept
                else:
                    del resource["DependsOn"]
            dangling = removed.intersection(_referenced_ids(resource))
            if dangling:
                raise StackDeployError(
                    f"{logical_id} refers to {sorted(dangling)}, which moto cannot create in a stack"
                )
        dangling = removed.intersection(_referenced_ids(deployable.get("Outputs", {})))
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

    def _outputs(self, resolver: _Resolver | None = None) -> dict[str, str]:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"][0]
        return {o["OutputKey"]: _fill_placeholders(o["OutputValue"], resolver) for o in stack.get("Outputs", [])}

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
        self, cfn: Mapping[str, Any], resolver: _Resolver, physical: Mapping[str, str]
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
                        k: _as_bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()
                    },
                )
            if "OwnershipControls" in props:
                s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=props["OwnershipControls"])
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"]
                )
            if "CorsConfiguration" in props:
                s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=_cors_to_api(props["CorsConfiguration"]))
            if "LifecycleConfiguration" in props:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=bucket, LifecycleConfiguration=_lifecycle_to_api(props["LifecycleConfiguration"])
                )
            if "NotificationConfiguration" in props:
                s3.put_bucket_notification_configuration(
                    Bucket=bucket,
                    NotificationConfiguration=_notifications_to_api(props["NotificationConfiguration"]),
                )

    def _apply_table_settings(
        self, cfn: Mapping[str, Any], resolver: _Resolver, physical: Mapping[str, str]
    ) -> None:
        dynamodb = self.client("dynamodb")
        for logical_id, resource in cfn["Resources"].items():
            if resource["Type"] != "AWS::DynamoDB::Table" or logical_id not in physical:
                continue
            props = resolver.resolve(resource.get("Properties") or {})
            ttl = props.get("TimeToLiveSpecification")
            if ttl and _as_bool(ttl.get("Enabled", False)):
                dynamodb.update_time_to_live(
                    TableName=physical[logical_id],
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
            pitr = props.get("PointInTimeRecoverySpecification")
            if pitr and _as_bool(pitr.get("PointInTimeRecoveryEnabled", False)):
                dynamodb.update_continuous_backups(
                    TableName=physical[logical_id],
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )

    def _apply_resource(self, logical_id: str, resource: Mapping[str, Any], resolver: _Resolver) -> str:
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
            document = _without_tls_requirement(props["PolicyDocument"])
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
                props["ActionsEnabled"] = _as_bool(props["ActionsEnabled"])
            self.client("cloudwatch").put_metric_alarm(AlarmName=name, **props)
            return name
        if kind == "AWS::CloudFront::OriginAccessControl":
            config = props["OriginAccessControlConfig"]
            response = self.client("cloudfront").create_origin_access_control(OriginAccessControlConfig=config)
            return response["OriginAccessControl"]["Id"]
        if kind in ("AWS::CloudFront::CachePolicy", "AWS::CloudFront::ResponseHeadersPolicy"):
            return f"local-{logical_id}"  # moto has no API for these; the distribution only carries the id
        if kind == "AWS::CloudFront::Distribution":
            config = _distribution_to_api(props["DistributionConfig"], f"{self.stack_name}-{logical_id}")
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
        resolver: _Resolver,
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
                k: str(_fill_placeholders(v, resolver))
                for k, v in ((config.get("Environment") or {}).get("Variables") or {}).items()
            }
            environment.update(self.env_overrides)
            code_uri = props.get("CodeUri", "")
            functions.append(
                LocalFunction(
                    name=_short_name(logical_id),
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
        self, function_id: str, event: Mapping[str, Any], cfn: Mapping[str, Any], resolver: _Resolver
    ) -> Trigger:
        kind = event.get("Type")
        props = resolver.resolve(
            {k: v for k, v in (event.get("Properties") or {}).items() if k not in {"Queue", "Stream"}}
        )
        raw = event.get("Properties") or {}
        report_failures = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        if kind == "SQS":
            queue_id = _logical_id_of(raw.get("Queue"), "Arn")
            if queue_id is None:
                raise StackDeployError(f"{function_id}: the SQS event must use !GetAtt <Queue>.Arn")
            queue_props = resolver.resolve(cfn["Resources"][queue_id].get("Properties") or {})
            redrive = queue_props.get("RedrivePolicy") or {}
            if isinstance(redrive, str):
                redrive = json.loads(redrive)
            dlq_id = _logical_id_of(self._unresolved_redrive_target(cfn, queue_id), "Arn")
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
            table_id = _logical_id_of(raw.get("Stream"), "StreamArn")
            if table_id is None:
                raise StackDeployError(f"{function_id}: the stream event must use !GetAtt <Table>.StreamArn")
            on_failure = ((raw.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            failure_queue_id = _logical_id_of(on_failure, "Arn")
            return StreamTrigger(
                table_logical_id=table_id,
                table_name=resolver.ref(table_id),
                stream_arn=resolver.get_att(table_id, "StreamArn"),
                batch_size=int(props.get("BatchSize", _STREAM_DEFAULT_BATCH)),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),
                bisect=_as_bool(props.get("BisectBatchOnFunctionError", False)),
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
                enabled = _as_bool(props.get("Enabled", True))
            return ScheduleTrigger(expression=str(expression), enabled=enabled)
        raise StackDeployError(f"{function_id}: the local run does not support {kind} events")

    @staticmethod
    def _unresolved_redrive_target(cfn: Mapping[str, Any], queue_id: str) -> Any:
        redrive = (cfn["Resources"][queue_id].get("Properties") or {}).get("RedrivePolicy") or {}
        return redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None

    @staticmethod
    def _dead_letter_queues(
        cfn: Mapping[str, Any], resolver: _Resolver, functions: list[LocalFunction]
    ) -> dict[str, str]:
        dead_letters = {}
        for logical_id, resource in cfn["Resources"].items():
            if resource["Type"] != "AWS::SQS::Queue":
                continue
            dlq_id = _logical_id_of(_Deployment._unresolved_redrive_target(cfn, logical_id), "Arn")
            if dlq_id:
                dead_letters[logical_id] = resolver.ref(dlq_id)
        for function in functions:
            for trigger in function.triggers:
                if isinstance(trigger, StreamTrigger) and trigger.on_failure_queue_url:
                    dead_letters[function.logical_id] = trigger.on_failure_queue_url
        return dead_letters


# ----------------------------------------------------------------------------------------------------
# Helpers: CloudFormation property shapes -> API shapes


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _short_name(logical_id: str) -> str:
    """ScrapeFunction -> scrape."""
    base = logical_id[: -len("Function")] if logical_id.endswith("Function") else logical_id
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def _cors_to_api(config: Mapping[str, Any]) -> dict[str, Any]:
    renamed = {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}
    rules = []
    for rule in config["CorsRules"]:
        api_rule = {renamed.get(k, k): v for k, v in rule.items()}
        if "MaxAgeSeconds" in api_rule:
            api_rule["MaxAgeSeconds"] = int(api_rule["MaxAgeSeconds"])
        rules.append(api_rule)
    return {"CORSRules": rules}


def _lifecycle_to_api(config: Mapping[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config["Rules"]:
        api_rule: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
        for key, value in rule.items():
            if key == "Id":
                api_rule["ID"] = value
            elif key == "ExpirationInDays":
                api_rule["Expiration"] = {"Days": int(value)}
            elif key == "AbortIncompleteMultipartUpload":
                api_rule[key] = {"DaysAfterInitiation": int(value["DaysAfterInitiation"])}
            elif key == "NoncurrentVersionExpirationInDays":
                api_rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(value)}
            elif key not in {"Status", "Prefix"}:
                raise StackDeployError(f"lifecycle rule property {key} is not applied by the local run yet")
        rules.append(api_rule)
    return {"Rules": rules}


def _notifications_to_api(config: Mapping[str, Any]) -> dict[str, Any]:
    def filter_to_api(rule_filter: Mapping[str, Any] | None) -> dict[str, Any]:
        if not rule_filter:
            return {}
        rules = rule_filter.get("S3Key", {}).get("Rules", [])
        return {"Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}}

    api: dict[str, Any] = {}
    for cfn_key, api_key, target_key, api_target_key in (
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    ):
        entries = config.get(cfn_key) or []
        if entries:
            api[api_key] = [
                {
                    api_target_key: entry[target_key],
                    "Events": [entry["Event"]],
                    **filter_to_api(entry.get("Filter")),
                }
                for entry in entries
            ]
    if _as_bool((config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled", False)):
        api["EventBridgeConfiguration"] = {}
    return api


def _with_placeholders(node: Any, deferred: set[str]) -> Any:
    """The fragment with every Ref/GetAtt/${X} of a deferred resource replaced by "@@local:X[.Attr]@@"."""
    if not deferred:
        return node
    if isinstance(node, list):
        return [_with_placeholders(v, deferred) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref" and value in deferred:
            return f"@@local:{value}@@"
        if key == "Fn::GetAtt":
            logical_id, attribute = value.split(".", 1) if isinstance(value, str) else value
            if logical_id in deferred:
                return f"@@local:{logical_id}.{attribute}@@"
        if key == "Fn::Sub":
            text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})

            def replace(match: re.Match[str]) -> str:
                name = match.group(1)
                if name.split(".", 1)[0] in deferred and name not in variables:
                    return f"@@local:{name}@@"
                return match.group(0)

            text = _SUB_VARIABLE.sub(replace, text)
            return {"Fn::Sub": [text, _with_placeholders(variables, deferred)] if variables else text}
    return {k: _with_placeholders(v, deferred) for k, v in node.items()}


def _fill_placeholders(value: Any, resolver: _Resolver | None) -> Any:
    """A deployed value with its "@@local:X[.Attr]@@" placeholders resolved (the resources exist by now)."""
    if resolver is None or not isinstance(value, str) or "@@local:" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        logical_id, attribute = match.group(1), match.group(2)
        return str(resolver.get_att(logical_id, attribute) if attribute else resolver.ref(logical_id))

    return _PLACEHOLDER.sub(replace, value)


def _distribution_to_api(config: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
    """A CloudFormation DistributionConfig in the CloudFront API's shape: lists become {Quantity, Items} where
    the API wants that (read from botocore's model), CachedMethods moves under AllowedMethods."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cloudfront")
    shape = model.operation_model("CreateDistribution").input_shape.members["DistributionConfig"]
    config = copy.deepcopy(dict(config))
    cached: dict[str, Any] = {}
    behaviors = [config.get("DefaultCacheBehavior") or {}, *(config.get("CacheBehaviors") or [])]
    for position, behavior in enumerate(behaviors):
        if "CachedMethods" in behavior:
            cached[str(position)] = behavior.pop("CachedMethods")
    api = _to_api_shape(config, shape)
    for position, behavior in enumerate([api.get("DefaultCacheBehavior") or {},
                                         *((api.get("CacheBehaviors") or {}).get("Items") or [])]):
        if str(position) in cached and "AllowedMethods" in behavior:
            items = list(cached[str(position)])
            behavior["AllowedMethods"]["CachedMethods"] = {"Quantity": len(items), "Items": items}
    api.setdefault("CallerReference", caller_reference)
    api.setdefault("Comment", "")
    return api


def _to_api_shape(value: Any, shape: Any) -> Any:
    if shape.type_name == "structure":
        members = shape.members
        if isinstance(value, list) and "Quantity" in members and "Items" in members:
            items = [_to_api_shape(v, members["Items"].member) for v in value]
            return {"Quantity": len(items), "Items": items}
        if isinstance(value, dict):
            return {k: _to_api_shape(v, members[k]) for k, v in value.items() if k in members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_to_api_shape(v, shape.member) for v in value]
    if shape.type_name in ("integer", "long"):
        return int(value)
    if shape.type_name == "boolean":
        return _as_bool(value)
    return value


def _without_tls_requirement(document: Mapping[str, Any]) -> dict[str, Any]:
    """The policy minus statements denying plain HTTP: the local endpoint has no TLS, moto enforces them."""

    def requires_tls(statement: Mapping[str, Any]) -> bool:
        condition = statement.get("Condition") or {}
        return (
            statement.get("Effect") == "Deny"
            and list(condition) == ["Bool"]
            and {k.lower(): str(v).lower() for k, v in condition["Bool"].items()}
            == {"aws:securetransport": "false"}
        )

    statements = document["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    return {**document, "Statement": [s for s in statements if not requires_tls(s)]}


def _zip_dir(directory: Path) -> bytes:
    """The directory as a zip (empty when it does not exist yet), in a stable order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        if directory.is_dir():
            for path in sorted(directory.rglob("*")):
                relative = path.relative_to(directory)
                if path.is_file() and not (
                    _SKIPPED_IN_ZIP.intersection(relative.parts)
                    or path.suffix == ".pyc"
                    or any(part.endswith(".egg-info") for part in relative.parts)
                ):
                    archive.write(path, relative.as_posix())
    return buffer.getvalue()
