"""Capacity metering for the local run: read and write units per DynamoDB call, the writes each table index
takes, and request counts, as DynamoDB would bill them."""

from __future__ import annotations

import json
import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TableIndexes:
    """What a table's global secondary indexes copy of each item: their key attributes and projection."""

    key: tuple[str, ...]  # the table's own key attributes
    indexes: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]]  # name -> (keys, projection type, included)

    @classmethod
    def from_description(cls, table: dict[str, Any]) -> TableIndexes:
        """From a DescribeTable answer's `Table`."""
        indexes = {}
        for index in table.get("GlobalSecondaryIndexes") or []:
            projection = index.get("Projection") or {}
            indexes[index["IndexName"]] = (tuple(k["AttributeName"] for k in index["KeySchema"]),
                                           projection.get("ProjectionType", "ALL"),
                                           tuple(projection.get("NonKeyAttributes") or ()))
        return cls(key=tuple(k["AttributeName"] for k in table["KeySchema"]), indexes=indexes)


@dataclass
class IndexWrites:
    """Write units that global secondary indexes add to base-table writes, which on-demand DynamoDB bills on top.

    An index entry exists while the item has all of the index's key attributes. A write that creates one is one
    index write, one that changes it in place is one, one that changes its key is two (the old entry deleted, the
    new one put), one that removes it is one; each of the entry's size (the whole item for an `ALL` projection)
    per 1 KB. The entries are followed item by item from the writes this run makes, starting from empty tables.
    An UpdateItem is counted as an in-place change of the entry the item had (its new attributes are not known).
    """

    tables: dict[str, TableIndexes] = field(default_factory=dict)  # by physical table name
    entries: dict[tuple[str, str], dict[str, tuple[tuple[str, ...], int]]] = field(default_factory=dict)

    def units(self, operation: str, params: dict[str, Any]) -> float:
        """Index write units of one successful write call."""
        if operation in ("PutItem", "DeleteItem", "UpdateItem"):
            return self._write(params.get("TableName", ""), operation, params.get("Item") or params.get("Key"))
        if operation == "BatchWriteItem":
            return sum(self._write(table, "PutItem", r["PutRequest"]["Item"]) if "PutRequest" in r
                       else self._write(table, "DeleteItem", r.get("DeleteRequest", {}).get("Key"))
                       for table, requests in (params.get("RequestItems") or {}).items() for r in requests)
        if operation == "TransactWriteItems":
            total = 0.0
            for entry in params.get("TransactItems", []):
                for kind, op in (("Put", "PutItem"), ("Delete", "DeleteItem"), ("Update", "UpdateItem")):
                    if kind in entry:
                        total += self._write(entry[kind].get("TableName", ""), op,
                                             entry[kind].get("Item") or entry[kind].get("Key"))
            return total
        return 0.0

    def _write(self, table: str, operation: str, item: dict[str, Any] | None) -> float:
        schema = self.tables.get(table)
        if schema is None or not schema.indexes or not item:
            return 0.0
        key = (table, json.dumps([item.get(k) for k in schema.key], sort_keys=True))
        old = self.entries.get(key, {})
        if operation == "UpdateItem":
            return float(sum(_units_of(size) for _keys, size in old.values()))
        new = {} if operation == "DeleteItem" else _index_entries(schema, item)
        units = 0
        for name in old.keys() | new.keys():
            before, after = old.get(name), new.get(name)
            if before and after and before[0] == after[0]:
                units += _units_of(after[1])  # the entry changed in place
            else:
                units += (_units_of(before[1]) if before else 0) + (_units_of(after[1]) if after else 0)
        if new:
            self.entries[key] = new
        else:
            self.entries.pop(key, None)
        return float(units)


def _index_entries(schema: TableIndexes, item: dict[str, Any]) -> dict[str, tuple[tuple[str, ...], int]]:
    """The entry each index holds for an item: its key values and its size."""
    out = {}
    for name, (keys, projection, included) in schema.indexes.items():
        if not all(k in item for k in keys):
            continue  # sparse: no entry
        projected = (*keys, *schema.key, *(included if projection == "INCLUDE" else ()))
        kept = item if projection == "ALL" else {k: v for k, v in item.items() if k in projected}
        out[name] = (tuple(json.dumps(item[k], sort_keys=True) for k in keys), _size(kept))
    return out


def _units_of(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass
class Requests:
    """AWS requests made inside handler invocations: logical calls and HTTP attempts."""

    calls: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (function, service, operation)
    attempts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # DynamoDB "wru"/"rru" estimated from item sizes, and "wru_index": what global secondary indexes add
    capacity: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    capacity_by_function: defaultdict[tuple[str, str], float] = field(  # (function, kind)
        default_factory=lambda: defaultdict(float))
    index_writes: IndexWrites = field(default_factory=IndexWrites)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_service_operation(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_function, service, operation), n in self.calls.items():
            out[f"{service}.{operation}"] += n
        return dict(sorted(out.items()))

    def retries(self) -> int:
        return sum(self.attempts.values()) - sum(self.calls.values())


def _size(item: Any) -> int:
    """Approximate DynamoDB item size: its JSON (attribute names, values and type tags)."""
    if not item:
        return 0
    return len(json.dumps(item, separators=(",", ":"), default=lambda v: "x" * (len(v) if isinstance(v, bytes) else 8)))


def capacity_units(operation: str, params: dict[str, Any], parsed: dict[str, Any], *,
                   response_bytes: int = 0) -> tuple[str, float]:
    """DynamoDB capacity units a call consumes on demand: reads per 4 KB (half when eventually consistent),
    writes per 1 KB. Item sizes are read off the answer's JSON (its length, typed attribute values included: a
    slight overestimate); updates are counted at their request's size (the stored item may be larger)."""
    consistent = 1.0 if params.get("ConsistentRead") else 0.5
    if operation == "GetItem":
        return "rru", max(1, math.ceil(response_bytes / 4096)) * consistent
    if operation == "BatchGetItem":
        items = sum(len(found) for found in (parsed.get("Responses") or {}).values())
        per_item = response_bytes / max(1, items)
        return "rru", items * max(1, math.ceil(per_item / 4096)) * 0.5
    if operation in ("Query", "Scan"):
        return "rru", max(1, math.ceil(response_bytes / 4096)) * consistent
    if operation == "PutItem":
        return "wru", max(1, math.ceil(_size(params.get("Item")) / 1024))
    if operation in ("UpdateItem", "DeleteItem"):
        return "wru", max(1, math.ceil(_size({k: params.get(k) for k in ("Key", "ExpressionAttributeValues")})
                                       / 1024))
    if operation == "TransactWriteItems":
        return "wru", sum(2 * max(1, math.ceil(_size(i) / 1024)) for i in params.get("TransactItems", []))
    if operation == "BatchWriteItem":
        return "wru", sum(max(1, math.ceil(_size(r) / 1024))
                          for requests in (params.get("RequestItems") or {}).values() for r in requests)
    return "rru", 0.0
