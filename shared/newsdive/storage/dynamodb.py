"""DynamoDB helpers the table adapters share (aws.py, crawl_dynamo.py): attribute values and BatchGetItem with its
retries. One copy, so that the adapters cannot drift apart."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from newsdive.model.errors import StorageError
from newsdive.storage.clients import translated


def s_value(value: str) -> dict[str, str]:
    return {"S": value}


def n_value(value: float | int) -> dict[str, str]:
    return {"N": f"{value:.6f}" if isinstance(value, float) else str(value)}


def s_or_none(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value and "S" in value else None


def n_as_int(item: Mapping[str, Any], name: str) -> int:
    value = item.get(name)
    return int(float(value["N"])) if value and "N" in value else 0


def batch_get(ddb: Any, table: str, keys: list[dict[str, Any]], projection: str | None, *,
              names: Mapping[str, str] | None = None, consistent: bool = False) -> list[dict[str, Any]]:
    """BatchGetItem in chunks of 100 (optionally projected, with attribute names, consistent), retrying
    unprocessed keys with a short backoff (a batch answers at most 16 MB: whole items beyond that come back
    unprocessed and are read in the next round)."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        spec: dict[str, Any] = {"Keys": keys[start : start + 100]}
        if projection:
            spec["ProjectionExpression"] = projection
        if names:
            spec["ExpressionAttributeNames"] = dict(names)
        if consistent:
            spec["ConsistentRead"] = True
        request: dict[str, Any] = {table: spec}
        for attempt in range(8):
            with translated(f"{table} batch_get"):
                response = ddb.batch_get_item(RequestItems=request)
            found.extend(response.get("Responses", {}).get(table, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(min(1.0, 0.02 * 2**attempt))
        else:
            raise StorageError(f"{table}: batch_get left keys unprocessed")
    return found
