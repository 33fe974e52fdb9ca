"""Re-clustering: stories as a function of their articles alone, whatever order the articles arrived in.

Online assignment (`newsdive.aggregate.stage.assign`) decides when each article arrives, against the stories that exist
at that moment, so a different arrival order (retried or reordered batches, concurrent parsers) can found or join
different stories. Re-clustering replays the members of the window's stories through the same assignment code, in
memory, in their canonical order (published time, then article id), and writes back only the difference:
- a story whose members changed is rewritten (a version-checked put, so a concurrent assignment is never lost:
  on a conflict the story is left for the next pass);
- a stored story that no longer exists becomes a redirect (`merged_into`) to the story holding most of its
  articles, as a merge leaves one;
- an article that changed story gets its assignment overwritten, so a redelivery follows it to its new story.

Run on a schedule (and once a local run has drained), it makes the stories, and after `newsdive.publish.settle` the
published documents, depend on the set of articles only. A pass over an already re-clustered state writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsdive.aggregate.cluster.assign import posting_keys
from newsdive.aggregate.stage import Aggregator, place
from newsdive.model.errors import VersionConflictError
from newsdive.model.story import Member, StoryRecord
from newsdive.runtime.maintenance import detail_depth, is_scheduled
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

RECLUSTER_EVENT_SOURCE = "newsdive.recluster"
DEFAULT_DEPTH = 500  # stories per pass on the deployed stack: the open window of a busy day
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ReclusterReport:
    articles: int = 0
    stories_before: int = 0
    stories_after: int = 0
    rewritten: list[str] = field(default_factory=list)  # story ids written with new members
    redirected: list[str] = field(default_factory=list)  # story ids that became redirects
    moved: int = 0  # articles whose story changed
    conflicts: list[str] = field(default_factory=list)  # stories changed meanwhile: left for the next pass

    def as_dict(self) -> dict:
        return {"articles": self.articles, "stories_before": self.stories_before, "stories_after":
                self.stories_after, "rewritten": len(self.rewritten), "redirected": len(self.redirected),
                "moved": self.moved, "conflicts": len(self.conflicts)}


def canonical_order(members: Iterable[Member]) -> list[Member]:
    """Published time (as an instant, whatever the offset), then article id; undated members last."""
    return sorted(members, key=lambda m: (m.published_at is None,
                                          m.published_at.timestamp() if m.published_at else 0.0, m.article_id))


def target_stories(members: Iterable[Member], deps: Aggregator) -> dict[str, StoryRecord]:
    """The stories the assignment code builds from these members fed in canonical order (in memory)."""
    memory = MemoryStoryRepository()
    pool = Aggregator(stories=memory, index=MemoryCandidateIndex(), rule=deps.rule,
                      config=deps.config, sleep=lambda _s: None, catalog=deps.catalog)
    ordered = canonical_order(members)
    # An undated member stands at the newest dated one's time (not "now": the result must not depend on the clock).
    undated_at = max((m.published_at for m in ordered if m.published_at), default=_EPOCH)
    for member in ordered:
        place(member, pool, when=undated_at)
    return {s.story_id: s for s in memory.stories.values() if s.members and not s.merged_into}


def recluster(deps: Aggregator, *, depth: int = DEFAULT_DEPTH) -> ReclusterReport:
    """Re-cluster the newest `depth` stories and write back the difference (see the module docstring)."""
    current = [s for s in deps.stories.newest(limit=depth) if s.members and not s.merged_into]
    members: dict[str, Member] = {}
    host: dict[str, str] = {}  # article id -> the stored story holding it now
    for story in sorted(current, key=lambda s: s.story_id):
        for article_id, member in story.members.items():
            members.setdefault(article_id, member)
            host.setdefault(article_id, story.story_id)
    target = _keep_unchanged_ids(target_stories(members.values(), deps), current)
    home = {article_id: story_id for story_id, story in target.items() for article_id in story.members}
    report = ReclusterReport(articles=len(members), stories_before=len(current), stories_after=len(target))
    stored = {s.story_id: s for s in current}
    for story_id, wanted in sorted(target.items()):
        have = stored.get(story_id) or deps.stories.get(story_id)  # a redirect, or a story beyond the window
        if have is not None and not have.merged_into and have.members == wanted.members:
            continue
        record = wanted.model_copy(update={"version": 0, "merged_into": None})
        try:
            saved = deps.stories.save(record, expected_version=have.version if have else None)
        except VersionConflictError:
            report.conflicts.append(story_id)
            continue
        when = saved.updated_at or _EPOCH
        deps.index.post(posting_keys(saved.centroid, when, deps.config), story_id,
                        ttl_seconds=deps.config.posting_ttl_days * 86400, now=when.timestamp())
        report.rewritten.append(story_id)
    for article_id, story_id in sorted(home.items()):
        if host.get(article_id) != story_id and story_id not in report.conflicts:
            deps.index.reassign(article_id, story_id)
            report.moved += 1
    for story in current:
        if story.story_id in target:
            continue
        votes = Counter(home[a] for a in story.members if a in home)
        into = min(votes, key=lambda t: (-votes[t], t))
        try:
            deps.stories.save(story.model_copy(update={"merged_into": into, "centroid": {}}),
                              expected_version=story.version)
        except VersionConflictError:
            report.conflicts.append(story.story_id)
            continue
        report.redirected.append(story.story_id)
    return report


def _keep_unchanged_ids(target: dict[str, StoryRecord], current: list[StoryRecord]) -> dict[str, StoryRecord]:
    """Target stories keyed by the id to store them under: a stored story with exactly the target's members keeps
    its id (nothing to write); any other target takes its canonical id (its first report's). Documents are named
    by `public_id`, a function of the members, so the stored ids never show."""
    by_members = {frozenset(s.members): s.story_id for s in current}
    kept = {canonical: by_members[frozenset(story.members)] for canonical, story in target.items()
            if frozenset(story.members) in by_members}
    taken = set(kept.values())
    out: dict[str, StoryRecord] = {}
    for canonical, story in sorted(target.items()):
        story_id = kept.get(canonical)
        if story_id is None:
            # canonical is a member of this target only; a kept story never holds it, barring an id reused by hand
            story_id = canonical if canonical not in taken else min(set(story.members) - taken)
            taken.add(story_id)
        out[story_id] = story.model_copy(update={"story_id": story_id})
    return out


def is_recluster_event(event: object) -> bool:
    """A scheduled re-clustering (EventBridge Scheduler) rather than an SQS batch."""
    return is_scheduled(event, RECLUSTER_EVENT_SOURCE)


def recluster_depth(event: dict) -> int:
    return detail_depth(event, DEFAULT_DEPTH)
