"""Story order by instant: outlets publish with different UTC offsets, and ISO strings do not sort in time order."""

from __future__ import annotations

from datetime import timedelta, timezone

from newsdive.aggregate.bias import BlindspotRule
from newsdive.aggregate.stage import member_of
from newsdive.model.story import StoryRecord, with_members

from ..factories import BRIDGE, article

NEW_YORK = timezone(timedelta(hours=-5))


def _story():
    utc = member_of(article("plain-times", *BRIDGE, hours=2, n=1))  # 11:00 UTC
    early = member_of(article("red-post", *BRIDGE, hours=0, n=2))
    # 09:00 UTC written as 04:00-05:00: the earliest report
    early = early.model_copy(update={"published_at": early.published_at.astimezone(NEW_YORK)})
    late = member_of(article("iron-courier", *BRIDGE, hours=3, n=3))  # 12:00 UTC, written as 07:00-05:00
    late = late.model_copy(update={"published_at": late.published_at.astimezone(NEW_YORK)})
    return with_members(StoryRecord(story_id=utc.article_id), [utc, early, late], BlindspotRule()), utc, early, late


def test_members_are_ordered_by_instant_whatever_their_offset():
    story, utc, early, late = _story()
    assert late.published_at.isoformat() < utc.published_at.isoformat()  # the trap: 07:00-05:00 < 11:00+00:00
    assert [m.article_id for m in story.ordered_members()] == [early.article_id, utc.article_id, late.article_id]
    assert story.public_id == early.article_id


def test_the_index_sort_key_is_in_utc():
    story, *_ = _story()
    assert story.sort_key.startswith("2026-11-21T12:00:00+00:00#")
