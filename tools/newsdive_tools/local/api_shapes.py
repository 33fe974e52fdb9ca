"""CloudFormation property shapes turned into the API shapes the services take (CORS, lifecycle, notifications,
distributions), and function code zipped."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newsdive_tools.local.intrinsics import SUB_VARIABLE, Resolver
from newsdive_tools.local.stack import StackDeployError

_SKIPPED_IN_ZIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".aws-sam"}
_PLACEHOLDER = re.compile(r"@@local:([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?@@")


# ----------------------------------------------------------------------------------------------------
# Helpers: CloudFormation property shapes -> API shapes


def as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def short_name(logical_id: str) -> str:
    """ScrapeFunction -> scrape."""
    base = logical_id[: -len("Function")] if logical_id.endswith("Function") else logical_id
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def cors_to_api(config: Mapping[str, Any]) -> dict[str, Any]:
    renamed = {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}
    rules = []
    for rule in config["CorsRules"]:
        api_rule = {renamed.get(k, k): v for k, v in rule.items()}
        if "MaxAgeSeconds" in api_rule:
            api_rule["MaxAgeSeconds"] = int(api_rule["MaxAgeSeconds"])
        rules.append(api_rule)
    return {"CORSRules": rules}


def lifecycle_to_api(config: Mapping[str, Any]) -> dict[str, Any]:
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


def notifications_to_api(config: Mapping[str, Any]) -> dict[str, Any]:
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
    if as_bool((config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled", False)):
        api["EventBridgeConfiguration"] = {}
    return api


def with_placeholders(node: Any, deferred: set[str]) -> Any:
    """The fragment with every Ref/GetAtt/${X} of a deferred resource replaced by "@@local:X[.Attr]@@"."""
    if not deferred:
        return node
    if isinstance(node, list):
        return [with_placeholders(v, deferred) for v in node]
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

            text = SUB_VARIABLE.sub(replace, text)
            return {"Fn::Sub": [text, with_placeholders(variables, deferred)] if variables else text}
    return {k: with_placeholders(v, deferred) for k, v in node.items()}


def fill_placeholders(value: Any, resolver: Resolver | None) -> Any:
    """A deployed value with its "@@local:X[.Attr]@@" placeholders resolved (the resources exist by now)."""
    if resolver is None or not isinstance(value, str) or "@@local:" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        logical_id, attribute = match.group(1), match.group(2)
        return str(resolver.get_att(logical_id, attribute) if attribute else resolver.ref(logical_id))

    return _PLACEHOLDER.sub(replace, value)


def distribution_to_api(config: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
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
        return as_bool(value)
    return value


def without_tls_requirement(document: Mapping[str, Any]) -> dict[str, Any]:
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


def zip_dir(directory: Path) -> bytes:
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
