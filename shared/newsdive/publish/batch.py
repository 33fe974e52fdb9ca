"""One publish invocation over a batch of changed stories: what to render, what to retire, what to refresh and
what to invalidate. The publish function builds one per invocation; nothing outlives it.

- A stream record renders what the table holds now, never the image it carries: a redelivered or late record
  must not roll a document back. The deep dives of public ids the story no longer has are retired.
- A story merged into another is retired: its documents go, and its category's feeds are refreshed.
- A batch often holds several versions of a hot story, each rendered from the table as it is now: a version this
  invocation already rendered is not rendered again (it would write nothing).
- Every category a story is in, and the one it left, has its index feeds (and the schemas) refreshed once, at
  the end of the batch; also when the story was current already, since the invocation that rendered it may have
  failed after.
- One CDN invalidation for the whole invocation, over every report (`invalidate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from newsdive.model.story import StoryRecord
from newsdive.publish.settle import SettleReport, is_live, retire_moved
from newsdive.publish.stage import Publisher, PublishReport, invalidate, publish, publish_index, publish_schemas

Outcome = Literal["retired", "rendered in this batch", "current", "published"]


@dataclass
class StoryResult:
    story: StoryRecord  # as the table holds it now
    outcome: Outcome
    retired: list[str] = field(default_factory=list)  # deep dives removed (public ids the story no longer has)
    report: PublishReport | None = None


@dataclass
class PublishBatch:
    deps: Publisher
    touched: set[str] = field(default_factory=set)  # categories whose index feeds are refreshed at the end
    reports: list[PublishReport] = field(default_factory=list)  # what this invocation wrote: one invalidation
    rendered: dict[str, int] = field(default_factory=dict)  # story id -> version rendered in this invocation

    def story(self, image: StoryRecord, before: StoryRecord | None = None,
              left_category: str | None = None) -> StoryResult:
        """A changed story: `image` and `before` are the stream record's new and old images, `left_category` the
        old image's category."""
        story = self.deps.stories.get(image.story_id) or image
        retired = retire_moved(story, [image] + ([before] if before else []), self.deps)
        if not is_live(story):  # merged into another story
            self.touched.add(story.category)
            return StoryResult(story, "retired", retired)
        if self.rendered.get(story.story_id) == story.version:
            return StoryResult(story, "rendered in this batch", retired)
        report = publish(story, self.deps)
        self.rendered[story.story_id] = story.version
        self.touched.add(story.category)
        if left_category and left_category != story.category:
            self.touched.add(left_category)
        if report.current:  # an earlier invocation rendered this very state (see newsdive.publish.stage.publish)
            return StoryResult(story, "current", retired, report)
        self.reports.append(report)
        return StoryResult(story, "published", retired, report)

    def index(self) -> PublishReport | None:
        """The index feeds of every touched category, and the schemas; None when no story was touched."""
        if not self.touched:
            return None
        report = publish_index(sorted(self.touched), self.deps)
        report.extend(publish_schemas(self.deps.public))
        self.reports.append(report)
        return report

    def settled(self, settled: SettleReport) -> None:
        """A settle run (the schedule) instead of a stream batch: what it wrote and removed is invalidated."""
        self.reports = [PublishReport(written=settled.written + settled.removed,
                                      digests=dict.fromkeys(settled.removed, "removed"))]

    def invalidate(self) -> list[str]:
        """One CDN invalidation for the invocation (raises StorageError when the CDN refuses)."""
        total = PublishReport()
        for report in self.reports:
            total.extend(report)
        return invalidate(total, self.deps)
