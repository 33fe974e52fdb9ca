"""The load bench's account of what global secondary indexes add to DynamoDB writes."""

from __future__ import annotations

from newsdive_tools.local.metering import IndexWrites, TableIndexes

DESCRIPTION = {
    "KeySchema": [{"AttributeName": "story_id", "KeyType": "HASH"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "by_category", "KeySchema": [{"AttributeName": "category", "KeyType": "HASH"},
                                                   {"AttributeName": "sort_key", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "by_blindspot", "KeySchema": [{"AttributeName": "blindspot", "KeyType": "HASH"},
                                                    {"AttributeName": "sort_key", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}},
    ],
}


def _item(sort_key: str, *, blindspot: str | None = None, doc_bytes: int = 2900, category: str | None = "world"):
    item = {"story_id": {"S": "s1"}, "sort_key": {"S": sort_key}, "doc": {"S": "x" * doc_bytes}}
    if category:
        item["category"] = {"S": category}
    if blindspot:
        item["blindspot"] = {"S": blindspot}
    return item


def _account() -> IndexWrites:
    return IndexWrites(tables={"stories": TableIndexes.from_description(DESCRIPTION)})


def test_an_index_entry_is_put_changed_moved_and_removed_with_its_item():
    account = _account()
    put = lambda item: account.units("PutItem", {"TableName": "stories", "Item": item})  # noqa: E731
    assert put(_item("2026-01-01")) == 3  # new entry in by_category: the whole 3 KB item (ALL)
    assert put(_item("2026-01-01", doc_bytes=3400)) == 4  # same index key: changed in place, at its new size
    assert put(_item("2026-01-02", doc_bytes=3400)) == 8  # new sort key: the old entry deleted, the new one put
    # a blindspot enters the sparse KEYS_ONLY index: keys only, so 1 unit, besides the by_category move
    assert put(_item("2026-01-03", blindspot="right", doc_bytes=3400)) == 8 + 1
    assert put(_item("2026-01-03", category=None, doc_bytes=3400)) == 4 + 1  # a redirect leaves both indexes
    assert put(_item("2026-01-03", category=None, doc_bytes=3400)) == 0  # in no index: nothing to write
    assert account.units("DeleteItem", {"TableName": "stories", "Key": {"story_id": {"S": "s1"}}}) == 0


def test_a_delete_removes_the_entries_and_other_tables_add_nothing():
    account = _account()
    account.units("PutItem", {"TableName": "stories", "Item": _item("2026-01-01", blindspot="left")})
    assert account.units("DeleteItem", {"TableName": "stories", "Key": {"story_id": {"S": "s1"}}}) == 3 + 1
    assert account.units("PutItem", {"TableName": "index", "Item": {"pk": {"S": "T#x"}}}) == 0
    batch = {"RequestItems": {"stories": [{"PutRequest": {"Item": _item("2026-01-05")}}]}}
    assert account.units("BatchWriteItem", batch) == 3
    assert account.units("UpdateItem", {"TableName": "stories", "Key": {"story_id": {"S": "s1"}}}) == 3
