"""The outlet catalog (`shared/newsdive/data/catalog.json`): real outlets with their domains, path scopes and
bias rating.

Built by `scripts/build_catalog.py` from public AllSides and MBFC ratings, combined on one 7-point scale. Used to
rate an article whose source is declared `unrated`: its URL is matched to an outlet by domain and the longest path
scope (``cnn.com/opinions`` is rated apart from the rest of ``cnn.com``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from newsdive.model.sources import Bias, Source

CATALOG_ENV = "NEWSDIVE_CATALOG"
REPO_CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.json"  # ships in the Lambda layer
FORMAT = 1

# The common scale: 7 points, -3 (far left) .. +3 (far right).
SCALE: dict[Bias, int] = {
    Bias.FAR_LEFT: -3, Bias.LEFT: -2, Bias.LEAN_LEFT: -1, Bias.CENTER: 0,
    Bias.LEAN_RIGHT: 1, Bias.RIGHT: 2, Bias.FAR_RIGHT: 3,
}
_BIAS_AT = {value: bias for bias, value in SCALE.items()}


def combine(values: Iterable[float]) -> Bias:
    """The mean of raters' values on the 7-point scale, rounded half toward the center.

    Rounding toward the center means two raters one step apart give the milder label (Lean Left + Left -> Lean Left,
    Center + Lean Right -> Center): disagreement never makes an outlet look more partisan than either rater says.
    """
    values = list(values)
    if not values:
        return Bias.UNRATED
    mean = sum(values) / len(values)
    rounded = math.floor(abs(mean) + 0.5 - 1e-9) * (1 if mean >= 0 else -1)
    return _BIAS_AT[max(-3, min(3, int(rounded)))]


class CatalogOutlet(BaseModel):
    """One outlet (or one rated section of an outlet's site)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    homepage: Annotated[str, Field(pattern=r"^https?://")]
    domains: Annotated[list[str], Field(min_length=1)]
    paths: list[str] = Field(default_factory=list, description="Path scopes; empty: the whole site")
    feeds: list[str] = Field(default_factory=list)
    country: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$")] = None
    bias: Bias
    ratings: dict[str, float] = Field(default_factory=dict, description="Each rater's value on the 7-point scale")
    prominent: bool = Field(False, description="Rated by both AllSides and MBFC, and high traffic by MBFC's count: "
                                               "the outlets a user is most likely to pick")

    @field_validator("domains")
    @classmethod
    def _lower_domains(cls, value: list[str]) -> list[str]:
        return [d.lower().removeprefix("www.") for d in value]

    def to_source(self, *, interval_minutes: int = 15) -> Source:
        """A sources-file entry for this outlet: its feeds as known to the catalog, else feed discovery on its
        homepage (`discover: true`), so that the entry always has something to fetch."""
        # pydantic's mypy plugin misses a default_factory that sits beside other Field arguments (sitemaps)
        return Source(id=self.id, name=self.name, homepage=self.homepage, bias=self.bias,  # type: ignore[call-arg]
                      feeds=self.feeds, country=self.country, interval_minutes=interval_minutes,
                      discover=not self.feeds)


class Catalog:
    """URL -> outlet by domain (the host or its parent domains) and the longest matching path scope."""

    def __init__(self, outlets: Iterable[CatalogOutlet]) -> None:
        self.outlets = list(outlets)
        self._by_domain: dict[str, list[tuple[str, CatalogOutlet]]] = {}
        for outlet in self.outlets:
            for domain in outlet.domains:
                for path in outlet.paths or [""]:
                    self._by_domain.setdefault(domain, []).append((_scope(path), outlet))
        for entries in self._by_domain.values():
            entries.sort(key=lambda e: (-len(e[0]), e[1].id))  # longest scope first, then a stable order

    def __len__(self) -> int:
        return len(self.outlets)

    def match(self, url: str) -> CatalogOutlet | None:
        """The outlet a URL belongs to, or None. ``www.`` and subdomains fall back to their parent domain."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
        path = _scope(parts.path)
        labels = host.split(".")
        for start in range(len(labels) - 1):
            entries = self._by_domain.get(".".join(labels[start:]))
            if not entries:
                continue
            for scope, outlet in entries:
                if not scope or path == scope or path.startswith(scope + "/"):
                    return outlet
        return None

    def bias_of(self, url: str) -> Bias:
        outlet = self.match(url)
        return outlet.bias if outlet else Bias.UNRATED


def _scope(path: str) -> str:
    return path.lower().rstrip("/")


def parse_catalog(data: bytes | str | Mapping) -> Catalog:
    raw = json.loads(data) if isinstance(data, bytes | str) else data
    if raw.get("format") != FORMAT:
        raise ValueError(f"catalog format {raw.get('format')!r} is not {FORMAT}")
    return Catalog(CatalogOutlet.model_validate(o) for o in raw["outlets"])


@lru_cache(maxsize=4)
def load_catalog(path: str | None = None) -> Catalog:
    """The catalog at `path`, else $NEWSDIVE_CATALOG, else the packaged data/catalog.json; empty if none.

    Cached: read once per process (a Lambda container reads it at most once).
    """
    chosen = path or os.environ.get(CATALOG_ENV) or (str(REPO_CATALOG) if REPO_CATALOG.is_file() else None)
    if not chosen:
        return Catalog([])
    return parse_catalog(Path(chosen).read_bytes())
