"""Benchmarks: `newsdive bench NAME ...` runs `newsdive_tools.bench.NAME.main(argv)`.

Each prints a table of its figures and the peers' figures measured in the same run, and one JSON object with
`--json`. Datasets are passed as paths (third-party data stays outside the project); a missing dataset is
reported and skipped, never an error.
"""

from __future__ import annotations

import argparse


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1 (a count of articles, runs, workers), with a clear error."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number is needed, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number
