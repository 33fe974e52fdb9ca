"""A story: the articles of many outlets about one event, and every figure derived from them.

Derived figures are always recomputed from the member set (never incremented in place), so a repeated or
reordered delivery cannot make them drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from newsdive.aggregate.bias import BiasDistribution, BlindspotRule, distribution
from newsdive.aggregate.classify import CATEGORIES, majority
from newsdive.aggregate.cluster.features import cosine, merged
from newsdive.aggregate.sentiment import Reading, SentimentLabel, language_of, mix, primary
from newsdive.aggregate.sentiment import label as sentiment_label
from newsdive.model.sources import Bias, Side, side_of

CENTROID_TERMS = 60


class Member(BaseModel):
    """What a story keeps of each of its articles: enough to render, rank and recompute."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    outlet_id: str
    outlet: str
    bias: Bias
    title: str
    url: str
    published_at: AwareDatetime | None = None
    category: str = "general"
    regions: list[str] = Field(default_factory=list)
    language: str | None = Field(default=None, description="The article's language (BCP-47-ish); None: unknown")
    sentiment: Annotated[float, Field(ge=-1, le=1)] | None = Field(
        default=None, description="Score of `sentiment_method`; None when no method covers its language")
    sentiment_method: str | None = Field(default=None, description='The method that scored it, e.g. "vader"')
    words: Annotated[int, Field(ge=0)] = 0
    lead: str = Field(default="", description="The article's opening sentences, for summaries and snippets")
    vector: dict[str, float] = Field(default_factory=dict, description="Term vector; the centroid's inputs")
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=list, description="Days of the week its title and lead name (0 = Monday): the event's day")
    flags: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy_sentiment(cls, data: object) -> object:
        """Members stored before methods were named carry VADER's score of their text whatever its language:
        the score stands only when the title and lead are English by the language guess, else it is unknown."""
        if isinstance(data, dict) and "sentiment_method" not in data and data.get("sentiment") is not None:
            text = f"{data.get('title', '')}. {data.get('lead', '')}"
            language = data.get("language") or language_of(None, text)
            english = primary(language) == "en"
            data = {**data, "language": language, "sentiment": data["sentiment"] if english else None,
                    "sentiment_method": "vader" if english else None}
        return data

    @property
    def reading(self) -> Reading:
        return Reading(self.sentiment, sentiment_label(self.sentiment), self.sentiment_method)


Score = Annotated[float, Field(ge=-1, le=1)]


class SideSentiment(BaseModel):
    """One side's tone: the mix of its articles' readings."""

    model_config = ConfigDict(extra="forbid")

    score: Score | None = Field(default=None, description="Mean score of the side's scored articles; None: none")
    label: SentimentLabel = "unknown"
    method: str | None = Field(default=None, description='Method(s) of the scores mixed, e.g. "vader"')
    scored: Annotated[int, Field(ge=0, description="Articles with a score (in a language a method covers)")] = 0
    articles: Annotated[int, Field(ge=0)] = 0


class Sentiment(BaseModel):
    """The story's tone: the mean over its articles that a method scored (those in a language it covers)."""

    model_config = ConfigDict(extra="forbid")

    score: Score | None = Field(default=None, description="Mean score of the scored articles; None: none scored")
    label: SentimentLabel = "unknown"
    method: str | None = None
    scored: Annotated[int, Field(ge=0)] = 0
    by_side: dict[Side, float] = Field(default_factory=dict, description="Scores of the sides with any scored")
    sides: dict[Side, SideSentiment] = Field(default_factory=dict)


def story_sentiment(members: Iterable[Member]) -> Sentiment:
    """The tone of these members: overall and per side, each the mean over the members a method scored."""
    members = list(members)
    by_side: dict[Side, list[Member]] = {}
    for m in members:
        side = side_of(m.bias)
        if side is not None:
            by_side.setdefault(side, []).append(m)
    sides = {}
    for side, of_side in sorted(by_side.items()):
        r = mix(m.reading for m in of_side)
        sides[side] = SideSentiment(score=r.score, label=r.label, method=r.method,
                                    scored=sum(m.reading.known for m in of_side), articles=len(of_side))
    overall = mix(m.reading for m in members)
    return Sentiment(
        score=overall.score, label=overall.label, method=overall.method,
        scored=sum(m.reading.known for m in members),
        by_side={side: s.score for side, s in sides.items() if s.score is not None},
        sides=sides,
    )


def story_language(members: Iterable[Member]) -> str | None:
    """The story's language: the primary subtag held by more than half of the articles whose language is known;
    "mul" (ISO 639 "multiple languages") when they are in several languages and none holds a majority; None when
    no article's language is known."""
    tags = [t for t in (primary(m.language) for m in members) if t]
    if not tags:
        return None
    best = max(sorted(set(tags)), key=tags.count)
    return best if tags.count(best) * 2 > len(tags) else "mul"


class StoryRecord(BaseModel):
    """The stored story (one DynamoDB item); `version` guards concurrent updates."""

    model_config = ConfigDict(extra="forbid")

    story_id: str
    version: Annotated[int, Field(ge=0)] = 0
    members: dict[str, Member] = Field(default_factory=dict)
    title: str = ""
    category: str = "general"
    regions: list[str] = Field(default_factory=list)
    bias: BiasDistribution = Field(default_factory=BiasDistribution)
    blindspot: Side | None = None
    sentiment: Sentiment = Field(default_factory=Sentiment)
    centroid: dict[str, float] = Field(default_factory=dict)
    weekdays: list[int] = Field(default_factory=list, description="Every weekday its members name (0 = Monday)")
    published_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    merged_into: str | None = Field(
        default=None,
        description="Set when later articles showed this story is the same event as another: the id of the story "
        "that absorbed its members. Such a record is only a redirect (no index lists it).",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _legacy_sentiment(cls, data: object, handler):  # noqa: ANN001, ANN206 - pydantic's validator protocol
        """A story stored before sentiment named its method gets its tone recomputed from its members (whose
        own legacy scores are checked as they load, see `Member`)."""
        legacy = isinstance(data, dict) and isinstance(data.get("sentiment"), dict) and "method" not in data[
            "sentiment"]
        story = handler(data)
        if legacy and story.members:
            story.sentiment = story_sentiment(story.ordered_members())
        return story

    @property
    def sort_key(self) -> str:
        """Newest-first ordering key for the index GSIs: last update, then id for ties."""
        # In UTC: ISO strings with different offsets do not sort in time order.
        when = self.updated_at.astimezone(UTC).isoformat() if self.updated_at else "0000"
        return f"{when}#{self.public_id}"

    @property
    def public_id(self) -> str:
        """The id the story is published under: its first report's article id (earliest published, then
        smallest id). `story_id` is whichever article happened to be processed first; this depends on the
        members only, so any delivery order publishes the story under the same key."""
        members = self.ordered_members()
        return members[0].article_id if members else self.story_id

    def outlets(self) -> dict[str, Bias]:
        """Distinct outlets of the story with their rating (an outlet with several articles appears once).

        An outlet whose articles carry different ratings (sections rated apart through the catalog, e.g. news
        and opinion) gets its most frequent one; ties go to its earliest article's.
        """
        seen: dict[str, list[Bias]] = {}
        for m in self.ordered_members():
            seen.setdefault(m.outlet_id, []).append(m.bias)
        return {outlet: max(dict.fromkeys(biases), key=biases.count) for outlet, biases in sorted(seen.items())}

    def ordered_members(self) -> list[Member]:
        """Members by time, then id: the timeline order, and a stable order for everything else."""
        return sorted(  # by instant, not by ISO string: offsets differ between outlets
            self.members.values(),
            key=lambda m: (m.published_at is None, m.published_at.timestamp() if m.published_at else 0.0,
                           m.article_id),
        )


def with_member(story: StoryRecord, member: Member, rule: BlindspotRule) -> StoryRecord:
    """The story with `member` added (or replaced) and every derived figure recomputed from the members."""
    return with_members(story, [member], rule)


def with_members(story: StoryRecord, new: Iterable[Member], rule: BlindspotRule) -> StoryRecord:
    """The story with these members added (a merge: keyed by article id, so a repeated merge adds nothing)."""
    members = dict(story.members)
    members.update((m.article_id, m) for m in new)
    return recompute(story.model_copy(update={"members": members}), rule)


def recompute(story: StoryRecord, rule: BlindspotRule) -> StoryRecord:
    members = story.ordered_members()
    if not members:
        return story
    dist = distribution(story.outlets())
    centroid = merged((m.vector for m in members), CENTROID_TERMS)
    times = [m.published_at for m in members if m.published_at]
    region_votes = [r for m in members for r in m.regions]
    primary_votes = [m.regions[0] for m in members if m.regions]
    regions = sorted(set(region_votes),
                     key=lambda r: (-region_votes.count(r), -primary_votes.count(r), r))[:3]
    return story.model_copy(
        update={
            "title": _headline_member(members, centroid).title,
            "category": majority((m.category for m in members), order=CATEGORIES),
            "regions": regions,
            "bias": dist,
            "blindspot": rule.blindspot(dist),
            "sentiment": story_sentiment(members),
            "centroid": centroid,
            "weekdays": sorted({day for m in members for day in m.weekdays}),
            "published_at": min(times) if times else None,
            "updated_at": max(times) if times else None,
        }
    )


def _headline_member(members: list[Member], centroid: dict[str, float]) -> Member:
    """The article closest to the story's centroid (earliest wins ties): its headline names the story."""
    return max(members, key=lambda m: (round(cosine(m.vector, centroid), 6), -_epoch(m.published_at)))


def _epoch(when: datetime | None) -> float:
    return when.timestamp() if when else float("inf")


DOC_PREFIX = "gz:"  # a stored story document: gzip-compressed JSON, base64 (see story_doc)


def story_doc(story: StoryRecord) -> str:
    """The story as stored in its DynamoDB item (and so in stream images): gzip-compressed JSON in base64.

    Members carry their term vectors and leads for recomputing; compressed, a story of several hundred articles
    still fits DynamoDB's 400 KB item limit (plain JSON would fail at about 150-250). A string attribute rather
    than a binary one keeps stream images plain JSON. `mtime=0`: the same story always gives the same bytes.
    """
    import base64
    import gzip

    return DOC_PREFIX + base64.b64encode(gzip.compress(story.model_dump_json().encode(), mtime=0)).decode("ascii")


def story_from_doc(doc: str) -> StoryRecord:
    """A story from its stored document, compressed (`story_doc`) or plain JSON (items written before)."""
    if doc.startswith(DOC_PREFIX):
        import base64
        import gzip

        return StoryRecord.model_validate_json(gzip.decompress(base64.b64decode(doc[len(DOC_PREFIX):])))
    return StoryRecord.model_validate_json(doc)
