"""Settling the published state: re-render deep dives and index feeds from the stories as they are now.

A deep dive embeds cards of related stories chosen when it was rendered; the stories around it keep changing
afterwards, in whatever order events arrived. Settling re-renders the stories of the index window (every story,
in a local run) from the current table state, so the published documents become a function of the stories alone,
not of the order in which they were built: two runs over the same input publish byte-identical documents once
both have settled. `publish` writes only documents whose bytes changed, so a settle of a settled state writes
nothing. The publish function settles on its own schedule (infra/template.yaml); the local run settles once the
pipeline has drained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsdive.aggregate.classify import CATEGORIES
from newsdive.model.story import StoryRecord
from newsdive.publish.render import deep_dive_path
from newsdive.publish.stage import INDEX_DEPTH, Publisher, is_live, post_current_terms, publish, publish_index
from newsdive.runtime.maintenance import detail_depth, is_scheduled

SETTLE_EVENT_SOURCE = "newsdive.settle"


@dataclass
class SettleReport:
    stories: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def settle(deps: Publisher, *, depth: int = INDEX_DEPTH) -> SettleReport:
    """Re-render the newest `depth` stories and every index feed. When that covered every story, also remove
    deep dives that no story is published under any more (ids that moved while events were still arriving)."""
    report = SettleReport()
    stories = deps.stories.newest(limit=depth)
    for story in stories:  # first every story where the related-story lookup looks (see post_current_terms)
        post_current_terms(story, deps)
    for story in stories:
        if is_live(story):
            report.written += publish(story, deps, rerender=True).written
    report.stories = len(stories)
    report.written += publish_index(sorted(CATEGORIES), deps).written
    if len(stories) < depth:
        live = {deep_dive_path(s.public_id) for s in stories if is_live(s)}
        for key in deps.public.keys("deep-dives/"):
            if key not in live:
                deps.public.delete(key)
                report.removed.append(key)
    return report


def retire_moved(current: StoryRecord, seen: list[StoryRecord], deps: Publisher) -> list[str]:
    """Remove the deep dives of public ids the story had in these stream images but no longer has: an earlier
    report joined it (it is now published under that report's id), or it was merged into another story."""
    keep = {current.public_id} if is_live(current) else set()
    retired = []
    for old in sorted({s.public_id for s in [*seen, current] if s.members} - keep):
        deps.public.delete(deep_dive_path(old))
        retired.append(deep_dive_path(old))
    return retired


def is_settle_event(event: object) -> bool:
    """A scheduled settle (EventBridge) rather than a stream batch."""
    return is_scheduled(event, SETTLE_EVENT_SOURCE, "aws.events", "aws.scheduler") or (
        isinstance(event, dict) and "Records" not in event and event.get("detail-type") == "Scheduled Event")


def settle_depth(event: dict) -> int:
    return detail_depth(event, INDEX_DEPTH)
