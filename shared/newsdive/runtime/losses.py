"""Source health: what a stage loses for good counts against the source it came from.

A record is lost when no retry can fix its failure (`is_permanent`), or when it fails on its last delivery
(`ApproximateReceiveCount >= MAX_RECEIVE_COUNT`): it goes to the dead-letter queue all the same. Throttling and
timeouts with deliveries left are not the source's fault. Recording is best effort: a missed loss only blurs a
health figure, so it is logged and never fails the record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsdive.model.story import StoryRecord
    from newsdive.storage.ports import CrawlControl, ObjectStore


class Losses:
    """One invocation's loss accounting for one stage; `crawl` is None when the function has no crawl table."""

    def __init__(self, stage: str, crawl: Callable[[], CrawlControl] | None, logger: Any, *,
                 max_receive_count: int | None = None) -> None:
        self.stage, self.crawl, self.logger, self.max_receive_count = stage, crawl, logger, max_receive_count

    def lost(self, exc: BaseException, deliveries: int | None = None) -> bool:
        """Whether this failure loses the record (and there is a crawl table to count it in)."""
        from newsdive.model.errors import is_permanent

        if self.crawl is None:
            return False
        limit = self.max_receive_count
        return is_permanent(exc) or (limit is not None and deliveries is not None and deliveries >= limit)

    def _crawl(self) -> CrawlControl:
        if self.crawl is None:  # lost() is False without a crawl table, so no caller gets here
            raise RuntimeError(f"{self.stage}: no crawl table to count a loss in")
        return self.crawl()

    def article(self, source_id: str, article_id: str, exc: BaseException, *, deliveries: int | None = None) -> None:
        """An article this stage failed, counted against its source when it is lost."""
        if not self.lost(exc, deliveries):
            return
        from newsdive.health.sources import record_stage_failure

        try:
            record_stage_failure(self._crawl(), source_id, self.stage, article_id, exc, now=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - a missed loss only blurs a health figure
            self.logger.exception("lost article not recorded", article_id=article_id)

    def raw_page(self, key: str, exc: BaseException, *, deliveries: int, raw: Callable[[], ObjectStore]) -> None:
        """A raw page that failed to parse, counted against the source its metadata names when it is lost."""
        if not self.lost(exc, deliveries):
            return
        from newsdive.health.sources import record_parse_failure

        try:
            record_parse_failure(self._crawl(), raw(), key, exc, now=datetime.now(UTC))
        except Exception:  # noqa: BLE001 - see article()
            self.logger.exception("parse verdict not recorded", raw_key=key)

    def story(self, story: Callable[[], StoryRecord | None], exc: BaseException) -> None:
        """A story that failed for good loses its members: each counts against its own outlet. `story` is read
        only when the loss counts, inside the best-effort guard (the failure may have been reading it)."""
        if not self.lost(exc):
            return
        from newsdive.health.sources import record_stage_failure

        try:
            lost = story()
            if lost is None:
                return
            control, now = self._crawl(), datetime.now(UTC)
            for member in lost.members.values():
                record_stage_failure(control, member.outlet_id, self.stage, member.article_id, exc, now=now)
        except Exception:  # noqa: BLE001 - see article()
            self.logger.exception("lost articles not recorded")
