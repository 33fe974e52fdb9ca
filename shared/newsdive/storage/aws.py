"""boto3 adapters for the ports: S3 buckets, SQS queues, DynamoDB tables.

Each adapter takes an injected client (tests, the local runner) or builds a cached one. botocore's ClientError is
translated into newsdive's typed errors here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from newsdive.model.errors import NotFoundError, StorageError, StorageRejectedError, VersionConflictError
from newsdive.storage.clients import client as cached_client
from newsdive.storage.clients import translated
from newsdive.storage.dynamodb import batch_get, s_value
from newsdive.storage.ports import (
    POSTINGS_CAP,
    CandidateIndex,
    Cdn,
    CrawlState,
    MessageQueue,
    ObjectStore,
    StoredObject,
    StoryBrief,
    StoryRepository,
)

if TYPE_CHECKING:  # the story model (pydantic, the aggregate's language code) is imported by the story methods only
    from newsdive.model.story import StoryRecord


class S3ObjectStore(ObjectStore):
    def __init__(self, bucket: str, client: Any = None) -> None:
        self.bucket = bucket
        self._s3 = client or cached_client("s3")

    def get(self, key: str) -> StoredObject:
        with translated(f"s3://{self.bucket}/{key}"):
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
            return StoredObject(
                body=response["Body"].read(),
                content_type=response.get("ContentType"),
                metadata=response.get("Metadata", {}),
                etag=response.get("ETag"),
            )

    def head(self, key: str) -> Mapping[str, str] | None:
        try:
            with translated(f"s3://{self.bucket}/{key}"):
                return self._s3.head_object(Bucket=self.bucket, Key=key).get("Metadata", {})
        except NotFoundError:
            return None

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        cache_control: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        extra: dict[str, Any] = {}
        if cache_control:
            extra["CacheControl"] = cache_control
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        with translated(f"s3://{self.bucket}/{key}"):
            self._s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, Metadata=dict(metadata or {}), **extra
            )

    def delete(self, key: str) -> None:
        with translated(f"s3://{self.bucket}/{key}"):
            self._s3.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, prefix: str) -> list[str]:
        out: list[str] = []
        with translated(f"s3://{self.bucket}/{prefix}"):
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                out.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(out)


FIFO_GROUP = "stories"


class SqsQueue(MessageQueue):
    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._sqs = client or cached_client("sqs")

    def send(self, bodies: Sequence[str]) -> None:
        for start in range(0, len(bodies), 10):
            chunk = bodies[start : start + 10]
            entries: list[dict[str, Any]] = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)]
            if self.queue_url.endswith(".fifo"):  # one message group: one consumer at a time (the template says why)
                for entry in entries:
                    entry["MessageGroupId"] = FIFO_GROUP
            with translated(f"sqs {self.queue_url}"):
                response = self._sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if response.get("Failed"):
                failed = response["Failed"][0]
                error = StorageRejectedError if failed.get("SenderFault") else StorageError
                raise error(f"sqs {self.queue_url}: {failed.get('Code')}: {failed.get('Message')}")


class DynamoCrawlState(CrawlState):
    """Items `URL#<id>` (seen pages, with a TTL) and `SOURCE#<id>` (last claimed schedule slot)."""

    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self._ddb = client or cached_client("dynamodb")

    def seen(self, url_ids: Sequence[str]) -> set[str]:
        keys = [{"pk": s_value(f"URL#{u}")} for u in dict.fromkeys(url_ids)]
        found = batch_get(self._ddb, self.table, keys, projection="pk")
        return {item["pk"]["S"].removeprefix("URL#") for item in found}

    def mark_seen(self, url_id: str, *, url: str, ttl_seconds: int, now: float) -> bool:
        try:
            with translated(f"{self.table} URL#{url_id}"):
                self._ddb.put_item(
                    TableName=self.table,
                    Item={"pk": s_value(f"URL#{url_id}"), "url": s_value(url),
                          "expires_at": {"N": str(int(now + ttl_seconds))}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except VersionConflictError:
            return False
        return True

    def claim_slot(self, source_id: str, *, slot: str, due_after: str) -> bool:
        try:
            with translated(f"{self.table} SOURCE#{source_id}"):
                self._ddb.update_item(
                    TableName=self.table,
                    Key={"pk": s_value(f"SOURCE#{source_id}")},
                    UpdateExpression="SET last_slot = :slot",
                    ConditionExpression="attribute_not_exists(last_slot) OR last_slot <= :due",
                    ExpressionAttributeValues={":slot": s_value(slot), ":due": s_value(due_after)},
                )
        except VersionConflictError:
            return False
        return True


class DynamoStoryRepository(StoryRepository):
    """One item per story: key and index attributes as top-level attributes, the full record as JSON in `doc`."""

    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self._ddb = client or cached_client("dynamodb")

    def get(self, story_id: str) -> StoryRecord | None:
        with translated(f"{self.table} {story_id}"):
            item = self._ddb.get_item(
                TableName=self.table, Key={"story_id": s_value(story_id)}, ConsistentRead=True
            ).get("Item")
        return story_from_item(item) if item else None

    def get_many(self, story_ids: Sequence[str]) -> dict[str, StoryRecord]:
        keys = [{"story_id": s_value(s)} for s in dict.fromkeys(story_ids)]
        if not keys:
            return {}
        return {item["story_id"]["S"]: story_from_item(item)
                for item in batch_get(self._ddb, self.table, keys, projection=None, consistent=True)}

    def get_centroids(self, story_ids: Sequence[str]) -> dict[str, tuple[dict[str, float], str | None]]:
        keys = [{"story_id": s_value(s)} for s in dict.fromkeys(story_ids)]
        items = batch_get(self._ddb, self.table, keys, projection="story_id, centroid, updated_at")
        return {
            item["story_id"]["S"]: (json.loads(item["centroid"]["S"]), item.get("updated_at", {}).get("S"))
            for item in items
            if "centroid" in item
        }

    def get_briefs(self, story_ids: Sequence[str]) -> dict[str, StoryBrief]:
        keys = [{"story_id": s_value(s)} for s in dict.fromkeys(story_ids)]
        items = batch_get(self._ddb, self.table, keys,
                           projection="story_id, centroid, updated_at, published_at, merged_into, weekdays")
        return {
            item["story_id"]["S"]: StoryBrief(
                centroid=json.loads(item["centroid"]["S"]),
                updated_at=item.get("updated_at", {}).get("S"),
                published_at=item.get("published_at", {}).get("S"),
                merged_into=item.get("merged_into", {}).get("S"),
                weekdays=tuple(int(day) for day in item.get("weekdays", {}).get("S", "").split(",") if day),
            )
            for item in items
            if "centroid" in item
        }

    def save(self, story: StoryRecord, *, expected_version: int | None) -> StoryRecord:
        stored = story.model_copy(update={"version": (expected_version or 0) + 1})
        condition: dict[str, Any]
        if expected_version is None:
            condition = {"ConditionExpression": "attribute_not_exists(story_id)"}
        else:
            condition = {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":v": {"N": str(expected_version)}},
            }
        with translated(f"{self.table} {story.story_id}"):
            self._ddb.put_item(TableName=self.table, Item=story_to_item(stored), **condition)
        return stored

    def newest(self, *, category: str | None = None, blindspot: bool = False, limit: int = 50) -> list[StoryRecord]:
        """The `limit` newest stories of one index partition, or of several merged (every category, both
        blindspot sides).

        Several partitions are merged newest first, each read in pages of about its share of `limit` and read on
        only while its next story could still be among the newest: the 20 newest overall cost about 20 to 40
        items read instead of 20 from each of 8 categories (a query's read units count every item it returns).
        A partition read on again gets a page twice as large, so a lopsided window costs a few more requests,
        not one per story."""
        from newsdive.aggregate.classify import CATEGORIES

        if blindspot:
            partitions = [("by_blindspot", "blindspot", side) for side in ("left", "right")]
        elif category:
            partitions = [("by_category", "category", category)]
        else:
            partitions = [("by_category", "category", c) for c in CATEGORIES]
        if limit <= 0:
            return []
        share = max(4, -(-limit // len(partitions)))
        cursors = [_Partition(self, index_name, attribute, value) for index_name, attribute, value in partitions]
        chosen: list[dict[str, Any]] = []
        while len(chosen) < limit:
            for cursor in cursors:
                if not cursor.items and not cursor.done:
                    cursor.read(min(limit - len(chosen), share if not cursor.pages else cursor.last_page * 2))
            heads = [c for c in cursors if c.items]
            if not heads:
                break
            newest = max(heads, key=lambda c: c.items[0]["sort_key"]["S"])  # first partition on a tie
            chosen.append(newest.items.pop(0))
        return [story_from_item(it) for it in chosen]


class _Partition:
    """One index partition read newest first, a page at a time (a page also stops at DynamoDB's 1 MB)."""

    def __init__(self, repository: DynamoStoryRepository, index_name: str, attribute: str, value: str) -> None:
        self.repository, self.done, self.pages, self.last_page = repository, False, 0, 0
        self.items: list[dict[str, Any]] = []
        self.query: dict[str, Any] = {
            "TableName": repository.table, "IndexName": index_name, "KeyConditionExpression": "#a = :v",
            "ExpressionAttributeNames": {"#a": attribute}, "ExpressionAttributeValues": {":v": s_value(value)},
            "ScanIndexForward": False,
        }
        self.label = f"{repository.table} {index_name}={value}"

    def read(self, size: int) -> None:
        with translated(self.label):
            response = self.repository._ddb.query(**self.query, Limit=max(1, size))
        self.items.extend(response.get("Items", []))
        self.pages, self.last_page = self.pages + 1, max(1, size)
        if "LastEvaluatedKey" in response:
            self.query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        else:
            self.done = True


def story_to_item(story: StoryRecord) -> dict[str, Any]:
    from newsdive.model.story import story_doc

    item: dict[str, Any] = {
        "story_id": s_value(story.story_id),
        "version": {"N": str(story.version)},
        "centroid": s_value(json.dumps(story.centroid, sort_keys=True)),
        "doc": s_value(story_doc(story)),
    }
    if story.merged_into:
        item["merged_into"] = s_value(story.merged_into)  # a redirect: no index attributes, so no index lists it
    else:
        item["category"] = s_value(story.category)
        item["sort_key"] = s_value(story.sort_key)
    if story.updated_at:
        item["updated_at"] = s_value(story.updated_at.isoformat())
    if story.published_at:
        item["published_at"] = s_value(story.published_at.isoformat())
    if story.weekdays:
        item["weekdays"] = s_value(",".join(str(day) for day in story.weekdays))  # "0,3": read with the brief
    if story.blindspot and not story.merged_into:
        item["blindspot"] = s_value(story.blindspot.value)  # sparse attribute: only blindspots enter that index
    return item


def story_from_item(item: Mapping[str, Any]) -> StoryRecord:
    """A story from a DynamoDB item (also a stream record's NewImage, which has the same shape)."""
    from newsdive.model.story import story_from_doc

    return story_from_doc(item["doc"]["S"])


class DynamoCandidateIndex(CandidateIndex):
    """Items `T#<day>#<term>` holding a capped string set of story ids, and `A#<article id>` -> story id."""

    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self._ddb = client or cached_client("dynamodb")

    def lookup(self, keys: Sequence[str]) -> dict[str, set[str]]:
        items = batch_get(self._ddb, self.table, [{"pk": s_value(f"T#{k}")} for k in dict.fromkeys(keys)],
                          "pk, stories")
        return {item["pk"]["S"][2:]: set(item.get("stories", {}).get("SS", [])) for item in items}

    def post(self, keys: Sequence[str], story_id: str, *, ttl_seconds: int, now: float) -> None:
        for key in dict.fromkeys(keys):
            try:
                with translated(f"{self.table} T#{key}"):
                    self._ddb.update_item(
                        TableName=self.table,
                        Key={"pk": s_value(f"T#{key}")},
                        UpdateExpression="ADD stories :s SET expires_at = :e",
                        ConditionExpression="attribute_not_exists(stories) OR size(stories) < :cap "
                        "OR contains(stories, :id)",
                        ExpressionAttributeValues={
                            ":s": {"SS": [story_id]},
                            ":id": s_value(story_id),
                            ":e": {"N": str(int(now + ttl_seconds))},
                            ":cap": {"N": str(POSTINGS_CAP)},
                        },
                    )
            except VersionConflictError:
                continue  # key is full: the term is too common to be useful

    def assignment(self, article_id: str) -> str | None:
        with translated(f"{self.table} A#{article_id}"):
            item = self._ddb.get_item(
                TableName=self.table, Key={"pk": s_value(f"A#{article_id}")}, ConsistentRead=True
            ).get("Item")
        return item["story_id"]["S"] if item else None

    def claim_assignment(self, article_id: str, story_id: str) -> str:
        try:
            with translated(f"{self.table} A#{article_id}"):
                self._ddb.put_item(
                    TableName=self.table,
                    Item={"pk": s_value(f"A#{article_id}"), "story_id": s_value(story_id)},
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except VersionConflictError:
            existing = self.assignment(article_id)
            if existing:
                return existing
            raise
        return story_id

    def reassign(self, article_id: str, story_id: str) -> None:
        with translated(f"{self.table} A#{article_id}"):
            self._ddb.put_item(TableName=self.table, Item={"pk": s_value(f"A#{article_id}"),
                                                           "story_id": s_value(story_id)})


class CloudFrontCdn(Cdn):
    """CreateInvalidation on one distribution (the publish function may invalidate only that one)."""

    def __init__(self, distribution_id: str, client: Any = None) -> None:
        self.distribution_id = distribution_id
        self._cloudfront = client or cached_client("cloudfront")

    def invalidate(self, paths: Sequence[str], *, reference: str) -> str:
        with translated(f"distribution {self.distribution_id}"):
            response = self._cloudfront.create_invalidation(
                DistributionId=self.distribution_id,
                InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": list(paths)},
                                   "CallerReference": reference},
            )
        return response["Invalidation"]["Id"]
