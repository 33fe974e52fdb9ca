"""The article as extraction produces it, and as parse stores it for the later stages."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from newsdive.model.sources import Bias, Source

Url = Annotated[str, Field(pattern=r"^https?://", max_length=2048)]


class SourceRef(BaseModel):
    """What later stages need of the outlet: carried along so that no stage has to look sources up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    bias: Bias = Bias.UNRATED
    country: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, source: Source) -> SourceRef:
        return cls(id=source.id, name=source.name, bias=source.bias, country=source.country, language=source.language)


class ExtractedArticle(BaseModel):
    """What the extractor reads off one HTML page: metadata and clean body text.

    Pure data, no identity: the parse stage adds the id, source and URL to make an Article.
    """

    model_config = ConfigDict(extra="forbid")

    title: str = ""
    authors: list[str] = Field(default_factory=list)
    published_at: AwareDatetime | None = None
    modified_at: AwareDatetime | None = None
    language: str | None = None
    canonical_url: Url | None = None
    image: Url | None = None
    section: str | None = None
    description: str | None = None
    site_name: str | None = None
    paragraphs: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def count_words(self) -> int:
        """Words as `newsdive.language.plaintext.word_count` counts them (a character of Chinese, Japanese or Thai is
        one)."""
        from newsdive.language.plaintext import word_count

        return sum(word_count(p) for p in self.paragraphs)


def url_id(url: str) -> str:
    """Stable id of a URL (hex of its SHA-256, shortened): the key of its raw page and of its article."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


class Article(ExtractedArticle):
    """An extracted article with its identity: what parse stores and aggregate reads."""

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    url: Url
    source: SourceRef
    fetched_at: AwareDatetime | None = None
    feed_title: str | None = None
    feed_published_at: AwareDatetime | None = None
    word_count: Annotated[int, Field(ge=0)] = 0
    content_hash: str = ""
    flags: list[str] = Field(default_factory=list, description="paywall, script-rendered, truncated (health.py)")

    @property
    def best_time(self) -> datetime | None:
        """The time the article speaks for: published, else the feed's date, else when we fetched it."""
        return self.published_at or self.feed_published_at or self.modified_at or self.fetched_at

    @property
    def display_title(self) -> str:
        return self.title or self.feed_title or self.url


def content_hash(extracted: ExtractedArticle) -> str:
    """Hash of what downstream stages see, so a re-fetched but unchanged page changes nothing."""
    payload = extracted.model_dump_json(include={"title", "authors", "published_at", "paragraphs", "section"})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
