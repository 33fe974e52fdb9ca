"""newsdive's tools, never shipped to Lambda: the command line, the local run on moto, chaos and the benchmarks.

Installed with the dev extra; the Lambda layer (shared/newsdive) never imports this package."""
