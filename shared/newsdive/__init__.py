"""newsdive: serverless news processing (scrape, parse, aggregate into stories, publish deep dives).

The package is the Lambda layer: every function's handler imports its domain code from here.
Keep this module empty of imports so that each handler pays only for what it uses (cold start).
"""

__version__ = "0.1.0"
