"""Coverage distribution over Left/Center/Right and the blindspot rule.

Every figure is computed from the distinct outlets of a story and nothing else: an outlet with three articles
counts once, unrated outlets are listed but excluded from the denominator, and percentages are rounded with the
largest-remainder method so that they always sum to exactly 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from newsdive.model.sources import Bias, Side, side_of

SIDES: tuple[Side, ...] = (Side.LEFT, Side.CENTER, Side.RIGHT)

Percent = Annotated[int, Field(ge=0, le=100)]


def largest_remainder(
    counts: Mapping[str, int], *, total: int = 100, order: Iterable[str] | None = None
) -> dict[str, int]:
    """Integer shares of `total` proportional to `counts` that sum exactly to `total`.

    Each share is floored, then the missing points go to the largest fractional remainders; ties go to the key
    that comes first in `order` (default: the mapping's order). All zero when the counts are all zero.
    """
    keys = list(order) if order is not None else list(counts)
    denominator = sum(counts.get(k, 0) for k in keys)
    if denominator <= 0:
        return {k: 0 for k in keys}
    shares: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for position, key in enumerate(keys):
        numerator = counts.get(key, 0) * total
        shares[key], remainder = divmod(numerator, denominator)
        remainders.append((-remainder, position, key))
    missing = total - sum(shares.values())
    for _, _, key in sorted(remainders)[:missing]:
        shares[key] += 1
    return shares


class SideCounts(BaseModel):
    """Distinct rated outlets per side."""

    model_config = ConfigDict(extra="forbid")

    left: Annotated[int, Field(ge=0)] = 0
    center: Annotated[int, Field(ge=0)] = 0
    right: Annotated[int, Field(ge=0)] = 0


class BiasDistribution(BaseModel):
    """The "L 20% · C 60% · R 20%" of a story, with the counts it comes from."""

    model_config = ConfigDict(extra="forbid")

    left: Percent = 0
    center: Percent = 0
    right: Percent = 0
    counts: SideCounts = Field(default_factory=SideCounts)
    unrated: Annotated[int, Field(ge=0, description="Distinct unrated outlets, excluded from the percentages")] = 0

    @property
    def rated(self) -> int:
        return self.counts.left + self.counts.center + self.counts.right

    def share(self, side: Side) -> int:
        return int(getattr(self, side.value))

    def label(self) -> str:
        """The compact form frontends show, e.g. "L 20% · C 60% · R 20%"."""
        return f"L {self.left}% · C {self.center}% · R {self.right}%"


def distribution(outlet_biases: Mapping[str, Bias]) -> BiasDistribution:
    """Distribution over distinct outlets, given each outlet id's rating (the mapping makes outlets distinct)."""
    counts = {side.value: 0 for side in SIDES}
    unrated = 0
    for bias in outlet_biases.values():
        side = side_of(bias)
        if side is None:
            unrated += 1
        else:
            counts[side.value] += 1
    shares = largest_remainder(counts, order=[s.value for s in SIDES])
    return BiasDistribution(**shares, counts=SideCounts(**counts), unrated=unrated)


class BlindspotRule(BaseModel):
    """A story is a blindspot for one side when that side barely covers it while the other side dominates.

    Defaults: at least 3 distinct rated outlets, the under-covering side at or below 15% and the opposite side at
    or above 50%. Only Left and Right can have a blindspot (the Ground News convention: "Blindspot for the Right"
    means the right under-covers the story).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    low_pct: Annotated[int, Field(ge=0, le=100)] = 15
    high_pct: Annotated[int, Field(ge=0, le=100)] = 50
    min_outlets: Annotated[int, Field(ge=1)] = 3

    def blindspot(self, dist: BiasDistribution) -> Side | None:
        if dist.rated < self.min_outlets:
            return None
        for side, opposite in ((Side.LEFT, Side.RIGHT), (Side.RIGHT, Side.LEFT)):
            if dist.share(side) <= self.low_pct and dist.share(opposite) >= self.high_pct:
                return side
        return None


def blindspot_label(side: Side | None) -> str | None:
    return None if side is None else f"Blindspot for the {side.value.capitalize()}"
