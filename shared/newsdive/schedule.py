"""The schedule stage's domain logic: which sources are due in this slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsdive.messages import ScrapeRequest
from newsdive.sources import Source
from newsdive.storage.ports import CrawlState


def slot_of(now: datetime, interval_minutes: int) -> datetime:
    """The start of the schedule slot `now` falls in (slots are aligned to the epoch)."""
    seconds = interval_minutes * 60
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def due_requests(sources: list[Source], *, now: datetime, crawl: CrawlState) -> list[ScrapeRequest]:
    """One request per source whose slot has come; claiming the slot makes a repeated schedule event a no-op."""
    requests = []
    for source in sorted(sources, key=lambda s: s.id):
        if not source.feeds:
            continue
        slot = slot_of(now, source.interval_minutes)
        due_after = slot - timedelta(minutes=source.interval_minutes)
        if crawl.claim_slot(source.id, slot=slot.isoformat(), due_after=due_after.isoformat()):
            requests.append(ScrapeRequest(source=source, slot=slot.isoformat()))
    return requests
