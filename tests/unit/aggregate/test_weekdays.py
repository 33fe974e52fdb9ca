"""The weekdays an article's opening names, and how story assignment uses them (our own prose)."""

from __future__ import annotations

import pytest

from newsdive.aggregate.cluster.assign import AssignConfig
from newsdive.aggregate.cluster.weekdays import conflict, named_weekdays
from newsdive.aggregate.stage import Aggregator, assign, member_of
from newsdive.model.catalog import Catalog
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository
from newsdive.storage.ports import brief_of

from ..factories import article


@pytest.mark.parametrize(("text", "language", "days"), [
    ("The council voted on Monday to delay the toll.", "en", [0]),
    ("Crews worked through Tuesday night; on THURSDAY the line reopened.", "en", [1, 3]),
    ("Shops expect record Black Friday sales and a busy Cyber Monday.", "en", []),
    ("Turnout in the Super Tuesday primaries was high, the Sunday Times reported.", "en", []),
    ("Saturday Night Live mocked the mayor again.", "en", []),
    ("Markets open on Mondays at nine.", "en", []),  # a habit, not a date
    ("Der Stadtrat hat am Mittwoch abgestimmt.", "de", [2]),
    ("El consejo votó el miércoles y el sábado.", "es", [2, 5]),
    ("Le conseil a voté mardi soir.", "fr-FR", [1]),
    ("A votação foi na quinta-feira.", "pt", [3]),
    ("The council voted on Monday.", "fr", []),  # a language's own names only
    ("The council voted on Monday.", None, [0]),  # unknown: English
    ("The council voted on Monday.", "sv", []),  # a language without names here: none, never English ones
    ("Міська рада проголосувала в середу, а мер пішла у п’ятницю.", "uk", [2, 4]),
    ("У понеділок депутати зібралися знову; неділя минула спокійно.", "uk-UA", [0, 6]),
    ("Дума проголосовала в пятницу; окружающая среда и неделя ни при чём.", "ru", [4]),
])
def test_named_weekdays(text, language, days):
    assert named_weekdays(text, language) == days


def test_a_conflict_needs_days_on_both_sides_and_every_pair_two_days_apart():
    assert conflict([0], [3]) and conflict([0], [2, 5])
    assert not conflict([0, 3], [3])
    assert not conflict([5], [6]) and not conflict([6], [0])  # the next day, around the end of the week too
    assert not conflict([], [3]) and not conflict([0], [])


@pytest.fixture
def deps() -> Aggregator:
    return Aggregator(stories=MemoryStoryRepository(), index=MemoryCandidateIndex(), sleep=lambda _s: None,
                      catalog=Catalog([]))


RULING = ("Judge blocks the Velmar county dredging permit",
          "A federal judge in Harrowgate on {first} blocked the Velmar county permit to dredge the Ostrel estuary, "
          "siding with fishermen who said the silt would smother the oyster beds. The county said it would appeal "
          "the ruling on the dredging permit to the circuit court.")
FOLLOW_UP = ("Harbour pilots fear a silted channel as the county appeals",
             "Lawyers for Velmar county filed papers on {second} asking the circuit court to lift the order that "
             "halted work in the Ostrel estuary. Harbour pilots warn that ships will soon run aground in the "
             "silted channel, and the port director called the judge's order a gift to the oyster lobby.")


def test_a_story_remembers_the_weekdays_its_members_name(deps):
    first = assign(article("red-post", RULING[0], RULING[1].format(first="Monday"), hours=0), deps)
    story = deps.stories.get(first.story_id)
    assert story is not None and story.weekdays == [0]
    assert brief_of(story).weekdays == (0,)
    assert member_of(article("red-post", "Vote", "The council voted on Friday.")).weekdays == [4]


@pytest.mark.parametrize(("second", "joins"), [("Monday", True), ("", True), ("Tuesday", True), ("Thursday", False)])
def test_an_article_naming_only_another_day_is_not_taken_for_the_same_event(deps, second, joins):
    """Without times to tell them apart (both articles at one instant, and the bar not lowered by time, as when a
    running topic's other stories are as recent), the named days still do; a next-day follow-up stays."""
    deps.config = AssignConfig(threshold_low=AssignConfig().threshold)
    a = assign(article("red-post", RULING[0], RULING[1].format(first="Monday")), deps)
    follow_up = (FOLLOW_UP[0], FOLLOW_UP[1].format(second=second).replace(" on  ", " "))
    b = assign(article("iron-courier", *follow_up), deps)
    assert (b.story_id == a.story_id) is joins


def test_without_the_rule_the_other_day_article_would_join(deps):
    """The same pair with the rule switched off: the test above fails for the rule's reason, not another."""
    deps.config = AssignConfig(threshold_low=AssignConfig().threshold, weekday_factor=1.0)
    a = assign(article("red-post", RULING[0], RULING[1].format(first="Monday")), deps)
    b = assign(article("iron-courier", FOLLOW_UP[0], FOLLOW_UP[1].format(second="Thursday")), deps)
    assert b.story_id == a.story_id
