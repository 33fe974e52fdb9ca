"""Messages between the stages (SQS bodies and S3 object metadata), one model per boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from newsdive.model.article import SourceRef, Url
from newsdive.model.sources import Source


class ScrapeRequest(BaseModel):
    """schedule -> scrape: one source whose feeds are due, for one schedule slot."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    slot: Annotated[str, Field(description="The schedule slot (ISO time) this request belongs to")]


class RawPageMeta(BaseModel):
    """scrape -> parse, as the raw page object's S3 user metadata (strings only, small)."""

    model_config = ConfigDict(extra="forbid")

    source_id: str
    source_name: str
    source_bias: str
    source_country: str = ""
    source_language: str = ""
    url: Url
    final_url: Url
    feed_title: str = ""
    feed_published_at: str = ""
    fetched_at: str
    content_type: str = ""
    feed_words: int = 0  # words in the feed's description of the item (a longer page body is expected)

    def to_s3(self) -> dict[str, str]:
        """S3 metadata values must be ASCII: non-ASCII text is percent-encoded."""
        from urllib.parse import quote

        return {k.replace("_", "-"): quote(str(v), safe=" :/?=&%#@+,;~!$'()*") for k, v in self.model_dump().items()}

    @classmethod
    def from_s3(cls, metadata: dict[str, str]) -> RawPageMeta:
        from urllib.parse import unquote

        fields = {k.replace("-", "_"): unquote(v) for k, v in metadata.items()}
        return cls.model_validate({k: v for k, v in fields.items() if k in cls.model_fields})

    @property
    def source_ref(self) -> SourceRef:
        return SourceRef(
            id=self.source_id,
            name=self.source_name,
            bias=self.source_bias,
            country=self.source_country or None,
            language=self.source_language or None,
        )

    @property
    def feed_time(self) -> datetime | None:
        return datetime.fromisoformat(self.feed_published_at) if self.feed_published_at else None


class ArticleStored(BaseModel):
    """parse -> aggregate: an article was stored (or re-stored) at `key`."""

    model_config = ConfigDict(extra="forbid")

    article_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    key: str
    content_hash: str
    source_id: str
    published_at: AwareDatetime | None = None
