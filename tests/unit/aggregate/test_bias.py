from hypothesis import given
from hypothesis import strategies as st

from newsdive.aggregate.bias import BiasDistribution, BlindspotRule, SideCounts, distribution, largest_remainder
from newsdive.model.sources import Bias, Side


def test_largest_remainder_sums_to_total_and_breaks_ties_in_order():
    assert largest_remainder({"left": 1, "center": 1, "right": 1}, order=["left", "center", "right"]) == {
        "left": 34, "center": 33, "right": 33,
    }
    assert largest_remainder({"left": 2, "center": 1, "right": 0}) == {"left": 67, "center": 33, "right": 0}


def test_largest_remainder_is_all_zero_without_counts():
    assert largest_remainder({"left": 0, "center": 0, "right": 0}) == {"left": 0, "center": 0, "right": 0}


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=6))
def test_largest_remainder_always_sums_to_100_and_stays_within_one_point(counts):
    keyed = {str(i): c for i, c in enumerate(counts)}
    shares = largest_remainder(keyed)
    total = sum(counts)
    if total == 0:
        assert set(shares.values()) == {0}
        return
    assert sum(shares.values()) == 100
    for key, count in keyed.items():
        assert abs(shares[key] - 100 * count / total) < 1


def test_distribution_counts_distinct_outlets_and_excludes_unrated():
    dist = distribution({"a": Bias.FAR_LEFT, "b": Bias.LEAN_LEFT, "c": Bias.CENTER, "d": Bias.RIGHT, "e": Bias.UNRATED})
    assert (dist.left, dist.center, dist.right) == (50, 25, 25)
    assert dist.counts == SideCounts(left=2, center=1, right=1)
    assert dist.unrated == 1
    assert dist.label() == "L 50% · C 25% · R 25%"


def test_distribution_of_only_unrated_outlets_is_zero_everywhere():
    dist = distribution({"x": Bias.UNRATED})
    assert (dist.left, dist.center, dist.right, dist.unrated) == (0, 0, 0, 1)


def _dist(left: int, center: int, right: int) -> BiasDistribution:
    biases = [Bias.LEFT] * left + [Bias.CENTER] * center + [Bias.RIGHT] * right
    return distribution({f"o{i}": b for i, b in enumerate(biases)})


def test_blindspot_for_the_right_when_right_barely_covers_and_left_dominates():
    assert BlindspotRule().blindspot(_dist(3, 1, 0)) == Side.RIGHT
    assert BlindspotRule().blindspot(_dist(0, 1, 3)) == Side.LEFT


def test_no_blindspot_below_the_minimum_number_of_rated_outlets():
    assert BlindspotRule().blindspot(_dist(2, 0, 0)) is None
    assert BlindspotRule(min_outlets=2).blindspot(_dist(2, 0, 0)) == Side.RIGHT


def test_no_blindspot_when_coverage_is_balanced_or_center_heavy():
    assert BlindspotRule().blindspot(_dist(1, 1, 1)) is None
    assert BlindspotRule().blindspot(_dist(0, 5, 0)) is None


def test_blindspot_thresholds_are_configurable_and_inclusive():
    dist = _dist(4, 1, 1)  # right 17%, left 67%
    assert BlindspotRule().blindspot(dist) is None
    assert BlindspotRule(low_pct=17).blindspot(dist) == Side.RIGHT
