"""DynamoDB adapter of CrawlControl, on the crawl table (key `pk`, TTL attribute `expires_at`).

Items: `HOST#<host>` (next_at: when the host's next request may go), `ROBOTS#<origin>` (gzip body, status),
`FEED#<url id>` (validators, digest, back-off), `SOURCE#<id>` (schedule slot, next check, health),
`HEALTH#<id>#<day>` (counters and parse verdicts), `REGISTRY#sources` (configured source ids and names).
Every cross-invocation guarantee is a conditional write: the rate limit holds across concurrent scrapers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from newsdive.model.errors import VersionConflictError
from newsdive.storage.aws import DynamoCrawlState
from newsdive.storage.clients import translated
from newsdive.storage.dynamodb import batch_get, n_as_int, n_value, s_or_none, s_value
from newsdive.storage.ports import (
    FAILURE_PREFIX,
    PARSE_PREFIX,
    CrawlControl,
    DayHealth,
    FeedState,
    RegistryEntry,
    RobotsRecord,
    ScrapeOutcome,
    SeenRecord,
    SourceState,
)

_HOST_TTL = 86400
_ROBOTS_MAX_STORED = 300_000  # compressed bytes; DynamoDB items stop at 400 KB
_NUMERIC_HEALTH = frozenset({"expires_at"})


class DynamoCrawlControl(DynamoCrawlState, CrawlControl):
    def __init__(self, table: str, client: Any = None) -> None:
        super().__init__(table, client)

    def _update(self, what: str, **kwargs: Any) -> dict[str, Any]:
        with translated(f"{self.table} {what}"):
            return self._ddb.update_item(TableName=self.table, **kwargs)

    # --- schedule: a slot is claimed only when the source's next check has come --------------------------
    def claim_slot(self, source_id: str, *, slot: str, due_after: str) -> bool:
        try:
            self._update(
                f"SOURCE#{source_id}",
                Key={"pk": s_value(f"SOURCE#{source_id}")},
                UpdateExpression="SET last_slot = :slot",
                ConditionExpression="(attribute_not_exists(last_slot) OR last_slot <= :due) "
                "AND (attribute_not_exists(next_check_at) OR next_check_at <= :slot)",
                ExpressionAttributeValues={":slot": s_value(slot), ":due": s_value(due_after)},
            )
        except VersionConflictError:
            return False
        return True

    # --- politeness ---------------------------------------------------------------------------------------
    def reserve_host(self, host: str, *, interval: float, now: float, max_wait: float) -> float | None:
        key = {"pk": s_value(f"HOST#{host}")}
        now, interval = round(now, 6), round(interval, 6)  # what the table stores: slots stay exactly spaced
        for _ in range(5):
            try:  # the host is idle: take the slot now
                self._update(
                    f"HOST#{host}", Key=key,
                    UpdateExpression="SET next_at = :next, expires_at = :exp",
                    ConditionExpression="attribute_not_exists(next_at) OR next_at <= :now",
                    ExpressionAttributeValues={":next": n_value(now + interval), ":now": n_value(now),
                                               ":exp": n_value(int(now) + _HOST_TTL)},
                )
                return now
            except VersionConflictError:
                pass
            try:  # the host is busy: queue behind the last reservation, if that is soon enough
                response = self._update(
                    f"HOST#{host}", Key=key,
                    UpdateExpression="SET next_at = next_at + :i, expires_at = :exp",
                    ConditionExpression="next_at > :now AND next_at <= :limit",
                    ExpressionAttributeValues={":i": n_value(interval), ":now": n_value(now),
                                               ":limit": n_value(now + max_wait),
                                               ":exp": n_value(int(now) + _HOST_TTL)},
                    ReturnValues="UPDATED_NEW",
                )
                return round(float(response["Attributes"]["next_at"]["N"]) - interval, 6)
            except VersionConflictError:
                pass
            with translated(f"{self.table} HOST#{host}"):
                item = self._ddb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item") or {}
            if "next_at" in item and float(item["next_at"]["N"]) > now + max_wait:
                return None
            now = max(now, time.time())  # the slot passed in between: try again
        return None

    def get_robots(self, origin: str) -> RobotsRecord | None:
        with translated(f"{self.table} ROBOTS#{origin}"):
            item = self._ddb.get_item(TableName=self.table, Key={"pk": s_value(f"ROBOTS#{origin}")}).get("Item")
        if not item:
            return None
        body = item.get("body", {}).get("B", b"")
        return RobotsRecord(origin=origin, status=n_as_int(item, "status"), body=gzip.decompress(body) if body else b"",
                            fetched_at=float(item["fetched_at"]["N"]), expires_at=float(item["expires_at"]["N"]))

    def put_robots(self, record: RobotsRecord) -> None:
        body = gzip.compress(record.body, mtime=0)
        if len(body) > _ROBOTS_MAX_STORED:
            return  # too big to cache across containers; the warm cache still holds it
        with translated(f"{self.table} ROBOTS#{record.origin}"):
            self._ddb.put_item(TableName=self.table, Item={
                "pk": s_value(f"ROBOTS#{record.origin}"), "status": n_value(record.status), "body": {"B": body},
                "fetched_at": n_value(record.fetched_at), "expires_at": n_value(int(record.expires_at)),
            })

    # --- incremental --------------------------------------------------------------------------------------
    def feed_states(self, urls: Sequence[str]) -> dict[str, FeedState]:
        from newsdive.model.article import url_id

        by_key = {f"FEED#{url_id(u)}": u for u in dict.fromkeys(urls)}
        items = batch_get(self._ddb, self.table, [{"pk": s_value(k)} for k in by_key],
                           "pk, etag, last_modified, digest, checked_at, changed_at, unchanged, next_check_at")
        out = {}
        for item in items:
            url = by_key[item["pk"]["S"]]
            out[url] = FeedState(url=url, etag=s_or_none(item, "etag"), last_modified=s_or_none(item, "last_modified"),
                                 digest=s_or_none(item, "digest"), checked_at=s_or_none(item, "checked_at"),
                                 changed_at=s_or_none(item, "changed_at"), unchanged=n_as_int(item, "unchanged"),
                                 next_check_at=s_or_none(item, "next_check_at"))
        return out

    def put_feed_state(self, state: FeedState, *, ttl_seconds: int, now: float) -> None:
        from newsdive.model.article import url_id

        item: dict[str, Any] = {"pk": s_value(f"FEED#{url_id(state.url)}"), "url": s_value(state.url),
                                "unchanged": n_value(state.unchanged), "expires_at": n_value(int(now + ttl_seconds))}
        for name in ("etag", "last_modified", "digest", "checked_at", "changed_at", "next_check_at"):
            value = getattr(state, name)
            if value:
                item[name] = s_value(value)
        with translated(f"{self.table} FEED#{state.url}"):
            self._ddb.put_item(TableName=self.table, Item=item)

    def source_states(self, source_ids: Sequence[str]) -> dict[str, SourceState]:
        items = batch_get(self._ddb, self.table, [{"pk": s_value(f"SOURCE#{s}")} for s in dict.fromkeys(source_ids)],
                           "pk, #n, last_slot, next_check_at, first_seen_at, last_attempt_at, last_success_at, "
                           "last_new_item_at, "
                           "last_error, error_streak, discovered_feeds, discovered_at", names={"#n": "name"})
        out = {}
        for item in items:
            sid = item["pk"]["S"].removeprefix("SOURCE#")
            discovered = tuple(v["S"] for v in item.get("discovered_feeds", {}).get("L", []))
            out[sid] = SourceState(
                source_id=sid, name=s_or_none(item, "name") or "", last_slot=s_or_none(item, "last_slot"),
                next_check_at=s_or_none(item, "next_check_at"), first_seen_at=s_or_none(item, "first_seen_at"),
                last_attempt_at=s_or_none(item, "last_attempt_at"),
                last_success_at=s_or_none(item, "last_success_at"), last_new_item_at=s_or_none(item,
                                                                                               "last_new_item_at"),
                last_error=s_or_none(item, "last_error"), error_streak=n_as_int(item, "error_streak"),
                discovered_feeds=discovered, discovered_at=s_or_none(item, "discovered_at"))
        return out

    def record_scrape(self, source_id: str, outcome: ScrapeOutcome) -> None:
        key = {"pk": s_value(f"SOURCE#{source_id}")}
        sets = ["#n = :name", "last_attempt_at = :at", "first_seen_at = if_not_exists(first_seen_at, :at)"]
        values: dict[str, Any] = {":name": s_value(outcome.name), ":at": s_value(outcome.at)}
        if outcome.stored:
            sets.append("last_new_item_at = :at")
        if outcome.next_check_at:
            sets.append("next_check_at = :next")
            values[":next"] = s_value(outcome.next_check_at)
        if outcome.discovered_feeds is not None:
            sets += ["discovered_feeds = :disc", "discovered_at = :at"]
            values[":disc"] = {"L": [s_value(u) for u in outcome.discovered_feeds]}
        if outcome.success:
            sets += ["last_success_at = :at", "error_streak = :zero"]
            values[":zero"] = n_value(0)
            self._update(f"SOURCE#{source_id}", Key=key, UpdateExpression="SET " + ", ".join(sets),
                         ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues=values)
            return
        values[":err"] = s_value((outcome.error or "error")[:500])
        sets.append("last_error = :err")
        try:  # the first failure of this slot extends the streak; retries of the same slot do not
            self._update(
                f"SOURCE#{source_id}", Key=key,
                UpdateExpression="SET " + ", ".join([*sets, "last_error_slot = :slot",
                                                     "error_streak = if_not_exists(error_streak, :zero) + :one"]),
                ConditionExpression="attribute_not_exists(last_error_slot) OR last_error_slot <> :slot",
                ExpressionAttributeNames={"#n": "name"},
                ExpressionAttributeValues={**values, ":slot": s_value(outcome.slot), ":zero": n_value(0),
                                           ":one": n_value(1)},
            )
        except VersionConflictError:
            self._update(f"SOURCE#{source_id}", Key=key, UpdateExpression="SET " + ", ".join(sets),
                         ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues=values)

    # --- duplicates -------------------------------------------------------------------------------------
    def seen_details(self, url_ids: Sequence[str]) -> dict[str, SeenRecord]:
        keys = [{"pk": s_value(f"URL#{u}")} for u in dict.fromkeys(url_ids)]
        found = batch_get(self._ddb, self.table, keys, "pk, source_id, feed, found_in")
        return {
            item["pk"]["S"].removeprefix("URL#"): SeenRecord(
                source_id=s_or_none(item, "source_id") or "", feed=s_or_none(item, "feed") or "",
                found_in=frozenset(item.get("found_in", {}).get("SS", [])))
            for item in found
        }

    def mark_seen_by(self, url_id: str, *, url: str, ttl_seconds: int, now: float, source_id: str, feed: str,
                     found_in: Sequence[str] = ()) -> bool:
        try:
            with translated(f"{self.table} URL#{url_id}"):
                self._ddb.put_item(
                    TableName=self.table,
                    Item={"pk": s_value(f"URL#{url_id}"), "url": s_value(url), "source_id": s_value(source_id),
                          "feed": s_value(feed),
                          "found_in": {"SS": sorted({feed, *found_in})},
                          "expires_at": {"N": str(int(now + ttl_seconds))}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except VersionConflictError:
            return False
        return True

    def note_found_in(self, url_id: str, feed: str) -> bool:
        try:
            self._update(f"URL#{url_id}", Key={"pk": s_value(f"URL#{url_id}")},
                         UpdateExpression="ADD found_in :f",
                         ConditionExpression="attribute_exists(pk) AND NOT contains(found_in, :feed)",
                         ExpressionAttributeValues={":f": {"SS": [feed]}, ":feed": s_value(feed)})
        except VersionConflictError:
            return False
        return True

    # --- health -----------------------------------------------------------------------------------------
    def add_day_counts(self, source_id: str, day: str, counts: Mapping[str, int], *, ttl_seconds: int,
                       now: float) -> None:
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        names = {f"#c{i}": name for i, name in enumerate(sorted(counts))}
        values = {f":c{i}": n_value(counts[name]) for i, name in enumerate(sorted(counts))}
        self._update(f"HEALTH#{source_id}#{day}", Key={"pk": s_value(f"HEALTH#{source_id}#{day}")},
                     UpdateExpression="ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(names)))
                     + " SET expires_at = :exp",
                     ExpressionAttributeNames=names,
                     ExpressionAttributeValues={**values, ":exp": n_value(int(now + ttl_seconds))})

    def record_parse(self, source_id: str, day: str, article_key: str, verdict: str, *, ttl_seconds: int,
                     now: float) -> None:
        attribute = PARSE_PREFIX + hashlib.sha256(article_key.encode()).hexdigest()[:16]
        self._update(f"HEALTH#{source_id}#{day}", Key={"pk": s_value(f"HEALTH#{source_id}#{day}")},
                     UpdateExpression="SET #v = :v, expires_at = :exp",
                     ExpressionAttributeNames={"#v": attribute},
                     ExpressionAttributeValues={":v": s_value(verdict), ":exp": n_value(int(now + ttl_seconds))})

    def record_failure(self, source_id: str, day: str, stage: str, item_key: str, error: str, *, ttl_seconds: int,
                       now: float) -> None:
        attribute = FAILURE_PREFIX + hashlib.sha256(f"{stage}|{item_key}".encode()).hexdigest()[:16]
        self._update(f"HEALTH#{source_id}#{day}", Key={"pk": s_value(f"HEALTH#{source_id}#{day}")},
                     UpdateExpression="SET #f = :f, expires_at = :exp",
                     ExpressionAttributeNames={"#f": attribute},
                     ExpressionAttributeValues={":f": s_value(f"{stage}:{error}"[:200]),
                                                ":exp": n_value(int(now + ttl_seconds))})

    def day_health(self, source_ids: Sequence[str], days: Sequence[str]) -> list[DayHealth]:
        keys = [{"pk": s_value(f"HEALTH#{s}#{d}")} for s in dict.fromkeys(source_ids) for d in dict.fromkeys(days)]
        out = []
        for item in batch_get(self._ddb, self.table, keys, None):
            _, rest = item["pk"]["S"].split("#", 1)
            source_id, day = rest.rsplit("#", 1)
            counts = {k: n_as_int(item, k) for k, v in item.items()
                      if "N" in v and k not in _NUMERIC_HEALTH}
            verdicts = {k: v["S"] for k, v in item.items() if k.startswith(PARSE_PREFIX) and "S" in v}
            failures = {k: v["S"] for k, v in item.items() if k.startswith(FAILURE_PREFIX) and "S" in v}
            out.append(DayHealth(source_id, day, counts, verdicts, failures))
        return sorted(out, key=lambda h: (h.source_id, h.day))

    def put_registry(self, entries: Sequence[RegistryEntry]) -> None:
        body = json.dumps([[e.id, e.name, e.stale_after_hours, list(e.hosts), e.homepage] for e in entries],
                          separators=(",", ":"))
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        try:  # one conditional write per tick; it only lands when the configured sources changed
            with translated(f"{self.table} REGISTRY#sources"):
                self._ddb.put_item(TableName=self.table,
                                   Item={"pk": s_value("REGISTRY#sources"), "sources": s_value(body),
                                         "digest": s_value(digest)},
                                   ConditionExpression="attribute_not_exists(digest) OR digest <> :d",
                                   ExpressionAttributeValues={":d": s_value(digest)})
        except VersionConflictError:
            pass

    def registry(self) -> list[RegistryEntry]:
        with translated(f"{self.table} REGISTRY#sources"):
            item = self._ddb.get_item(TableName=self.table, Key={"pk": s_value("REGISTRY#sources")},
                                      ConsistentRead=True).get("Item")
        if not item:
            return []
        return [RegistryEntry(e[0], e[1], e[2], tuple(e[3]), e[4] if len(e) > 4 else "")
                for e in json.loads(item["sources"]["S"])]
