"""Small builders for articles and stories written for the tests (our own prose)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsdive.model.article import Article, SourceRef, url_id
from newsdive.model.sources import Bias

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

OUTLETS = {
    "red-post": ("Red Post", Bias.LEFT),
    "rose-daily": ("Rose Daily", Bias.LEAN_LEFT),
    "plain-times": ("Plain Times", Bias.CENTER),
    "mid-wire": ("Mid Wire", Bias.CENTER),
    "blue-herald": ("Blue Herald", Bias.LEAN_RIGHT),
    "iron-courier": ("Iron Courier", Bias.RIGHT),
    "town-notes": ("Town Notes", Bias.UNRATED),
}

BRIDGE = [
    "Kestrel Bay council delays the Ostrava Bridge vote",
    "The Kestrel Bay council postponed its vote on the Ostrava Bridge toll plan after mayor Lidia Ferrante "
    "asked for a new traffic study. The bridge, opened in 1974, carries 41,000 cars a day.",
]
FLOOD = [
    "Floodwater closes the Wenlow valley rail line",
    "Heavy rain sent the river Wenlow over its banks, closing the valley rail line between Harrowgate and "
    "Tilsey. Engineer Marta Quist said the embankment would need weeks of repairs.",
]
CHESS = [
    "Teenager Oskar Brandl wins the Selvia chess open",
    "Sixteen-year-old Oskar Brandl won the Selvia chess open on tiebreaks, beating grandmaster Ines Okafor in "
    "a final round that lasted six hours.",
]


def article(outlet: str, title: str, body: str, *, hours: float = 0, n: int = 0, section: str | None = None) -> Article:
    name, bias = OUTLETS[outlet]
    url = f"https://{outlet}.example/news/{url_id(title + outlet + str(n))[:10]}"
    return Article(
        id=url_id(url),
        url=url,
        source=SourceRef(id=outlet, name=name, bias=bias, country="US", language="en"),
        title=title,
        paragraphs=[body, f"Reporting by {name}."],
        published_at=T0 + timedelta(hours=hours),
        section=section,
        word_count=len(body.split()),
        content_hash=url_id(body),
        language="en",
    )


def stream_event(stories) -> dict:
    """A DynamoDB stream batch inserting these stories, shaped as events/publish_stream_insert.json (one record
    each, in order)."""
    sample = Path(__file__).resolve().parents[2] / "events" / "publish_stream_insert.json"
    template = json.loads(sample.read_text(encoding="utf-8"))["Records"][0]
    records = []
    for n, story in enumerate(stories):
        record = copy.deepcopy(template)
        record["eventID"] = f"event-{n}"
        record["dynamodb"]["Keys"] = {"story_id": {"S": story.story_id}}
        record["dynamodb"]["NewImage"] = {"story_id": {"S": story.story_id}, "category": {"S": story.category},
                                          "doc": {"S": story.model_dump_json()}}
        record["dynamodb"]["SequenceNumber"] = str(1000 + n)
        records.append(record)
    return {"Records": records}
