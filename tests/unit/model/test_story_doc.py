"""The stored form of a story (DynamoDB item and stream images): compressed, deterministic, and read back whole."""

from __future__ import annotations

from newsdive.aggregate.bias import BlindspotRule
from newsdive.aggregate.stage import member_of
from newsdive.model.story import StoryRecord, story_doc, story_from_doc, with_members

from ..factories import OUTLETS, article

DYNAMODB_ITEM_LIMIT = 400 * 1024


def _big_story(members: int) -> StoryRecord:
    """A story as a big event makes one: many outlets, each report in its own words (our own generated prose)."""
    places = ["harbour", "bridge", "station", "council", "school", "market", "river", "airport", "clinic", "stadium"]
    verbs = ["reopens", "closes", "expands", "delays", "approves", "rejects", "inspects", "funds", "moves", "names"]
    outlets = sorted(OUTLETS)
    items = []
    for n in range(members):
        place, verb = places[n % 10], verbs[(n // 10) % 10]
        title = f"Kestrel Bay {place} {verb} after report {n}"
        body = " ".join(f"Report {n} paragraph {k}: the {places[(n + k) % 10]} {verbs[(n * k) % 10]} as officials "
                        f"Lidia Ferrante and Marta Quist met {k + n} residents on day {k}." for k in range(12))
        items.append(member_of(article(outlets[n % len(outlets)], title, body, hours=n / 60, n=n)))
    return with_members(StoryRecord(story_id=items[0].article_id), items, BlindspotRule())


def test_a_story_reads_back_equal_from_its_stored_document():
    story = _big_story(12)
    doc = story_doc(story)
    assert doc.startswith("gz:") and story_from_doc(doc) == story


def test_the_stored_document_is_the_same_bytes_every_time():
    assert story_doc(_big_story(5)) == story_doc(_big_story(5))


def test_documents_written_as_plain_json_before_still_read():
    story = _big_story(3)
    assert story_from_doc(story.model_dump_json()) == story


def test_a_story_of_several_hundred_articles_fits_one_dynamodb_item():
    story = _big_story(400)
    plain, stored = len(story.model_dump_json().encode()), len(story_doc(story).encode())
    assert plain > DYNAMODB_ITEM_LIMIT  # uncompressed it would not fit
    assert stored < DYNAMODB_ITEM_LIMIT * 0.8  # room left for the item's other attributes
