"""Check a sources file, or upload it to a deployed stack's raw bucket (config/sources.json): `make deploy
SOURCES=FILE` runs both (the check before anything is deployed, the upload after).

    scripts/deploy_sources.py check FILE
    scripts/deploy_sources.py upload FILE --stack NAME [--region REGION]

The upload finds the bucket in the stack's RawBucketName output and writes the file as the schedule reads it
(validated JSON, whatever the input format), with your AWS credentials (boto3's usual chain).
"""

from __future__ import annotations

import argparse
import sys

from newsdive.model.sources import SourcesFileError, dump_sources
from newsdive_tools.sources_file import load_sources

SOURCES_KEY = "config/sources.json"  # the template's SOURCES_KEY


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["check", "upload"])
    parser.add_argument("file")
    parser.add_argument("--stack", help="stack name (upload)")
    parser.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    args = parser.parse_args(argv)
    try:
        sources = load_sources(args.file)
    except SourcesFileError as exc:
        print(f"sources file rejected: {exc}", file=sys.stderr)
        return 2
    without_fetch = [s.id for s in sources if not (s.feeds or s.sitemaps or s.discover)]
    print(f"{args.file}: {len(sources)} sources")
    if without_fetch:
        print(f"WARNING: no feeds, no sitemaps and discover false (never fetched): {', '.join(without_fetch)}")
    if args.action == "check":
        return 0
    if not args.stack:
        parser.error("upload needs --stack")
    import boto3

    session = boto3.session.Session(region_name=args.region)
    outputs = session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0].get("Outputs", [])
    bucket = next((o["OutputValue"] for o in outputs if o["OutputKey"] == "RawBucketName"), None)
    if bucket is None:
        print(f"stack {args.stack} has no RawBucketName output (is it a newsdive stack?)", file=sys.stderr)
        return 1
    session.client("s3").put_object(Bucket=bucket, Key=SOURCES_KEY, Body=dump_sources(sources),
                                    ContentType="application/json")
    print(f"uploaded to s3://{bucket}/{SOURCES_KEY}: the next tick reads it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
