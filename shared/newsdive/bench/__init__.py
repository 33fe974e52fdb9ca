"""Benchmarks: `newsdive bench NAME ...` runs `newsdive.bench.NAME.main(argv)`.

Each prints a table of its figures and the peers' figures measured in the same run, and one JSON object with
`--json`. Datasets are passed as paths (third-party data stays outside the project); a missing dataset is
reported and skipped, never an error.
"""
