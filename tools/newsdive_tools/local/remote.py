"""Invoke a deployed stack's function through the Lambda API (`newsdive invoke --stack`): maintenance runs by hand
(re-cluster, settle) happen where the data is, with the function's own role and settings."""

from __future__ import annotations

import json
from typing import Any

from newsdive.model.errors import ConfigurationError, NewsdiveError

# The template's logical id of each function (infra/template.yaml).
FUNCTION_LOGICAL_IDS = {
    "schedule": "ScheduleFunction", "scrape": "ScrapeFunction", "parse": "ParseFunction",
    "aggregate": "AggregateFunction", "publish": "PublishFunction",
}


def function_name(cloudformation: Any, stack: str, function: str) -> str:
    """The physical name of `function` in the deployed stack."""
    logical_id = FUNCTION_LOGICAL_IDS[function]
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource["LogicalResourceId"] == logical_id:
                return resource["PhysicalResourceId"]
    raise ConfigurationError(f"stack {stack} has no {logical_id}")


def invoke_deployed(stack: str, function: str, event: dict[str, Any], *, region: str | None = None,
                    session: Any = None) -> Any:
    """Invoke the deployed function synchronously and return what it returned; a function error is raised with
    the function's own error payload."""
    import boto3

    session = session or boto3.session.Session(region_name=region)
    name = function_name(session.client("cloudformation", region_name=region), stack, function)
    response = session.client("lambda", region_name=region).invoke(
        FunctionName=name, InvocationType="RequestResponse", Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise RemoteFunctionError(f"{name} failed: {payload}")
    return payload


class RemoteFunctionError(NewsdiveError):
    """The deployed function ran and raised."""
