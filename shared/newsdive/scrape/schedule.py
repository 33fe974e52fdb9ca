"""The schedule stage's domain logic: which sources are due in this slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsdive.model.messages import ScrapeRequest
from newsdive.model.sources import Source
from newsdive.storage.ports import CrawlState


def slot_of(now: datetime, interval_minutes: int) -> datetime:
    """The start of the schedule slot `now` falls in (slots are aligned to the epoch)."""
    seconds = interval_minutes * 60
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


STATUS_SLOT_MINUTES = 5


def due_requests(sources: list[Source], *, now: datetime, crawl: CrawlState) -> list[ScrapeRequest]:
    """One request per source whose slot has come; claiming the slot makes a repeated schedule event a no-op.

    With a CrawlControl, a source whose feeds back off (they kept bringing nothing new) is not due before the
    next check time its last scrape recorded: the claim's condition says so, in the same single write."""
    requests = []
    for source in sorted(sources, key=lambda s: s.id):
        if not source.has_targets:
            continue
        slot = slot_of(now, source.interval_minutes)
        due_after = slot - timedelta(minutes=source.interval_minutes)
        if crawl.claim_slot(source.id, slot=slot.isoformat(), due_after=due_after.isoformat()):
            requests.append(ScrapeRequest(source=source, slot=slot.isoformat()))
    return requests


def claim_status_slot(crawl: CrawlState, *, now: datetime) -> bool:
    """Whether this tick publishes the source status: once per 5-minute slot, so a repeated tick is a no-op."""
    slot = slot_of(now, STATUS_SLOT_MINUTES)
    due_after = slot - timedelta(minutes=STATUS_SLOT_MINUTES)
    return crawl.claim_slot("_status", slot=slot.isoformat(), due_after=due_after.isoformat())
