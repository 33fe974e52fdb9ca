"""News sources (outlets), their bias rating on the 7-point scale and the Left/Center/Right buckets."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, field_validator


class Bias(StrEnum):
    """An outlet's rating on the 7-point scale used by Ground News, AllSides and MBFC (plus unrated)."""

    FAR_LEFT = "far-left"
    LEFT = "left"
    LEAN_LEFT = "lean-left"
    CENTER = "center"
    LEAN_RIGHT = "lean-right"
    RIGHT = "right"
    FAR_RIGHT = "far-right"
    UNRATED = "unrated"


class Side(StrEnum):
    """The three coverage buckets shown on a story ("L 20% · C 60% · R 20%")."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


_SIDE_OF: dict[Bias, Side | None] = {
    Bias.FAR_LEFT: Side.LEFT,
    Bias.LEFT: Side.LEFT,
    Bias.LEAN_LEFT: Side.LEFT,
    Bias.CENTER: Side.CENTER,
    Bias.LEAN_RIGHT: Side.RIGHT,
    Bias.RIGHT: Side.RIGHT,
    Bias.FAR_RIGHT: Side.RIGHT,
    Bias.UNRATED: None,
}


def side_of(bias: Bias) -> Side | None:
    """The bucket an outlet's rating falls in; None for unrated outlets (excluded from percentages)."""
    return _SIDE_OF[Bias(bias)]


SourceId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Stable slug of the outlet")]


def _splittable(url: str) -> str:
    """Refuse, when the sources file is read, a URL that urllib cannot split ("http://[::1") or that has no host:
    otherwise every scrape of the source would fail on it and land in the DLQ."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if not parts.hostname:
        raise ValueError("the URL has no host")
    return url


HttpUrl = Annotated[str, Field(pattern=r"^https?://", max_length=2048), AfterValidator(_splittable)]


class Source(BaseModel):
    """One outlet as declared in a sources file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SourceId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    homepage: HttpUrl
    bias: Bias = Bias.UNRATED
    feeds: Annotated[list[HttpUrl], Field(default_factory=list)]
    country: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")] = None
    language: Annotated[str | None, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$", description="BCP 47")] = None
    interval_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60, description="How often the feeds are due")] = 15
    sitemaps: Annotated[
        list[HttpUrl],
        Field(default_factory=list, description="XML sitemaps, sitemap indexes or Google News sitemaps"),
    ]
    discover: Annotated[bool, Field(description="Also read the feeds the homepage announces (rel=alternate)")] = False
    stale_after_hours: Annotated[
        int | None, Field(ge=1, description="Alarm when nothing new came for this long (default: the stack's)")
    ] = None

    @field_validator("country", mode="before")
    @classmethod
    def _upper_country(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def side(self) -> Side | None:
        return side_of(self.bias)

    @property
    def has_targets(self) -> bool:
        """Whether there is anything to scrape: feeds, sitemaps or a homepage to discover feeds on."""
        return bool(self.feeds or self.sitemaps or self.discover)


_SOURCES = TypeAdapter(list[Source])


class SourcesFileError(ValueError):
    """A sources file that cannot be read or does not match the documented schema."""


def parse_sources(data: bytes | str, *, name: str = "<sources>",
                  load: Callable[[str], object] = json.loads) -> list[Source]:
    """Validate the content of a sources file (a JSON list of Source objects); ids must be unique, and every
    source must have something to fetch (feeds, sitemaps or `discover: true`).

    The functions read JSON; the command line reads YAML too, passing its reader as `load`
    (`newsdive_tools.sources_file`), so that the layer needs no YAML library."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        raw = load(text)
        sources = _SOURCES.validate_python(raw)
    except Exception as exc:  # noqa: BLE001 - re-raised with the file name for a clear message
        raise SourcesFileError(f"{name}: not a valid sources file: {exc}") from exc
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise SourcesFileError(f"{name}: source id {source.id!r} appears twice")
        seen.add(source.id)
    idle = [s.id for s in sources if not s.has_targets]
    if idle:
        # The schedule would skip such a source forever without a word: refuse the file instead.
        raise SourcesFileError(f"{name}: nothing to fetch for {', '.join(idle)}: no feeds, no sitemaps and discover "
                               "false; list its feeds or sitemaps, or set \"discover\": true to read the feeds its "
                               "homepage announces")
    return sources


def dump_sources(sources: list[Source]) -> bytes:
    """Serialise sources as the JSON sources file format (stable key order)."""
    return _SOURCES.dump_json(sources, indent=2, exclude_defaults=False)
