"""The published JSON documents (schema v1): what frontends fetch from the public bucket.

These models are the contract. Their JSON Schemas are generated into `schemas/v1/` and published with the
documents; a test fails when the checked-in schemas drift from the models. Add fields freely; never rename or
remove one within v1.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from newsdive.aggregate.bias import BiasDistribution
from newsdive.aggregate.sentiment import SentimentLabel
from newsdive.language.plaintext import plain
from newsdive.model.sources import Bias, Side

SCHEMA_VERSION: Final = "1.0"
SCHEMA_BASE = "/schemas/v1"

# Links to the outside world: absolute http(s) only (the renderer drops any other URL before it gets here).
HttpUrl = Annotated[
    str, Field(pattern=r"^https?://[^\s<>\"'`\\/?#]+[^\s<>\"'`\\]*$", max_length=2048,
               description="Absolute http(s) URL")
]
# Links between published documents: a site-relative path ("/deep-dives/{id}.json"), never "//host" or a scheme.
DocPath = Annotated[
    str, Field(pattern=r"^/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$", max_length=512,
               description="Path of a published document, relative to the site root")
]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=200)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
# Every text field goes through `plain`: whatever markup a source sent ends up inert text.
Text = Annotated[
    str, AfterValidator(plain), Field(description="Plain text: no markup, entities decoded, no control characters")
]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    schema_url: Annotated[str, Field(alias="$schema", description="The JSON Schema this document follows")]


class Blindspot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    side: Side = Field(description="The side that under-covers the story")
    label: Text = Field(description='e.g. "Blindspot for the Right"')


Language = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$", max_length=35,
                                 description="BCP-47-ish language code")]
Score = Annotated[float, Field(ge=-1, le=1)]
Method = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9+._-]*$", max_length=64,
                              description='The sentiment method that scored it, e.g. "vader" (several joined by "+")')]


class SideSentiment(BaseModel):
    """One side's tone: the mean over its articles in a language a method covers."""

    model_config = ConfigDict(extra="forbid")

    score: Score | None = Field(description="null: none of the side's articles is in a language a method covers")
    label: SentimentLabel
    method: Method | None
    scored: Annotated[int, Field(ge=0, description="The side's articles that have a score")]
    articles: Annotated[int, Field(ge=0)]


class StorySentiment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Score | None = Field(description="Mean score of the articles a method scored (those in a language it "
                                            "covers); null when none is")
    label: SentimentLabel = Field(description='"unknown" when the score is null')
    by_side: dict[Side, Score] = Field(default_factory=dict, description="Score of each side that has any")
    method: Method | None = None
    scored: Annotated[int, Field(ge=0, description="Articles that have a score")] | None = None
    sides: dict[Side, SideSentiment] = Field(default_factory=dict, description="Each side's tone and its method")


class ArticleSentiment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Score | None = Field(description="null: no method covers the article's language")
    label: SentimentLabel
    method: Method | None


class Card(BaseModel):
    """A story in a list: "More deep dives you may like" and the index feeds."""

    model_config = ConfigDict(extra="forbid")

    id: Id
    slug: Slug
    title: Text
    category: Slug
    regions: list[Text] = Field(default_factory=list)
    bias: BiasDistribution
    blindspot: Blindspot | None = None
    snippet: Annotated[Text, Field(max_length=160)]
    published_at: AwareDatetime | None
    updated_at: AwareDatetime | None
    read_time_minutes: Annotated[int, Field(ge=1)]
    source_count: Annotated[int, Field(ge=1, description="Distinct outlets")]
    article_count: Annotated[int, Field(ge=1)]
    labels: list[Text]
    url: DocPath = Field(description="Path of the story's deep dive document")
    language: Language | None = Field(default=None, description='As the deep dive\'s (a language, "mul" or null)')


class TocEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(description="Id of the section it links to")
    title: Text


class Paragraph(BaseModel):
    """A paragraph of analysis; sourced text names the outlet it comes from."""

    model_config = ConfigDict(extra="forbid")

    text: Text
    outlet_id: Id | None = None
    outlet: Text | None = None
    url: HttpUrl | None = Field(default=None, description="The article the text comes from")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    title: Text
    paragraphs: list[Paragraph]


class SourceEntry(BaseModel):
    """One article of the story."""

    model_config = ConfigDict(extra="forbid")

    article_id: Id
    outlet_id: Id
    outlet: Text
    bias: Bias
    side: Side | None = Field(description="left/center/right bucket of the outlet's rating; null when unrated")
    title: Text
    url: HttpUrl | None = Field(description="The article; null only if the stored URL was not http(s)")
    published_at: AwareDatetime | None = Field(description="As the outlet published it (its own UTC offset)")
    flags: list[Text] = Field(default_factory=list)
    language: Language | None = Field(default=None, description="The article's language; null: unknown")
    sentiment: ArticleSentiment | None = None


class KeyPlayer(BaseModel):
    """A person or organisation the story's reports name most (a capitalised-name counter, see the README)."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    mentions: Annotated[int, Field(ge=1, description="Times named across the titles and leads")]
    outlet_ids: list[Id] = Field(description="Outlets whose reports name it")


class Generation(BaseModel):
    """How the analysis text was produced: extractive (sentences from the sources) or generated by a model."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["extractive", "generated"] = "extractive"
    model: str | None = Field(default=None, description="Model id of the generated text")
    guardrail: str | None = Field(default=None, description='"{id}:{version}" of the guardrail applied, if any')
    sections: list[Slug] = Field(default_factory=list, description="Ids of the sections holding generated text")
    input_sha256: str | None = Field(default=None, description="Hash of what the model was given (reuse key)")


class DeepDive(_Document):
    """deep-dives/{id}.json"""

    id: Id
    slug: Slug
    url: DocPath
    title: Text
    summary: Annotated[Text, Field(max_length=300)]
    category: Slug
    regions: list[Text]
    published_at: AwareDatetime | None
    updated_at: AwareDatetime | None
    read_time_minutes: Annotated[int, Field(ge=1, description="Minutes to read this document's text: words at "
                                            "265 per minute, characters of Chinese, Japanese and Thai at their "
                                            "script's rate")]
    source_count: Annotated[int, Field(ge=1)]
    article_count: Annotated[int, Field(ge=1)]
    bias: BiasDistribution
    blindspot: Blindspot | None
    sentiment: StorySentiment
    labels: list[Text]
    toc: list[TocEntry]
    sections: list[Section]
    sources: list[SourceEntry]
    related: list[Card]
    generation: Generation = Field(default_factory=Generation)
    key_players: list[KeyPlayer] = Field(default_factory=list)
    language: Language | None = Field(
        default=None, description='The language of more than half of the articles whose language is known; "mul" '
        "when they are in several and none has a majority; null when none is known")


class IndexPage(_Document):
    """index/latest.json, index/categories/{category}.json, index/blindspots.json (and their further pages)."""

    kind: Literal["latest", "category", "blindspots"]
    category: Slug | None = None
    page: Annotated[int, Field(ge=1)]
    page_size: Annotated[int, Field(ge=1)]
    items: list[Card]
    next: DocPath | None = Field(description="Path of the next page, null on the last page")
    updated_at: AwareDatetime | None = Field(description="Newest update among the items")


DOCUMENTS: dict[str, type[_Document]] = {"deep-dive": DeepDive, "index-page": IndexPage}


def schema_path(name: str) -> str:
    return f"{SCHEMA_BASE}/{name}.schema.json"


def json_schemas() -> dict[str, dict]:
    """JSON Schema of every published document, keyed by file name (deterministic): the story documents and
    `sources/status.json` (newsdive.health.sources), which the schedule function publishes beside them."""
    from newsdive.health.sources import SourceStatusDocument

    out = {}
    models: dict[str, type[BaseModel]] = {**DOCUMENTS, "source-status": SourceStatusDocument}
    for name, model in models.items():
        schema = model.model_json_schema(by_alias=True)
        schema["$id"] = schema_path(name)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[f"{name}.schema.json"] = schema
    return out
