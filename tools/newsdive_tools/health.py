"""`newsdive sources health` and the health line of a local run: source health read from a crawl table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsdive.model.sources import Source
from newsdive.health.sources import SourceInfo, format_table, source_health, status_document

# --- command line and local runs -------------------------------------------------------------------------------


def run_health(stack: object, session: object, sources: Sequence[Source], log_file: object = None) -> dict:
    """After a local run: every source's health read back from the stack's crawl table, saved beside the log
    (sources-health.json) and summed up in one line for the run's summary."""
    from pathlib import Path

    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    env = stack.functions["schedule"].environment  # type: ignore[attr-defined]
    client = session.client("dynamodb", endpoint_url=stack.endpoint_url,  # type: ignore[attr-defined]
                            region_name=stack.region)  # type: ignore[attr-defined]
    control = DynamoCrawlControl(env["CRAWL_TABLE"], client=client)
    healths = source_health(sources, control, now=datetime.now(UTC),
                            stale_hours=float(env.get("SOURCE_STALE_HOURS", 24)),
                            min_parse_share=float(env.get("SOURCE_MIN_PARSE_SHARE", 0.5)))
    counts: dict[str, int] = {}
    for h in healths:
        counts[h.status] = counts.get(h.status, 0) + 1
    parsed = sum(h.parsed for h in healths)
    well = sum(h.parsed_well for h in healths)
    line = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none"
    if parsed:
        line += f" · pages parsed well {well}/{parsed}"
    flagged = sum(h.flagged for h in healths)
    if flagged:
        line += f" · flagged {flagged}"
    lost = sum(h.lost for h in healths)
    if lost:
        line += f" · articles lost {lost}"
    out: dict = {"line": line, "counts": counts, "sources": [h.model_dump(mode="json") for h in healths]}
    if log_file is not None:
        path = Path(str(log_file)).with_name("sources-health.json")
        path.write_text(json.dumps(out["sources"], indent=1, sort_keys=True) + "\n", encoding="utf-8")
        out["file"] = str(path)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """`newsdive sources health`: read the crawl table of a deployed stack or a kept local one."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="newsdive sources",
        description="Source health from the crawl table: last success, error streak, items per day, the share of "
                    "pages that parse well. Finds the table through the stack's outputs (CrawlTableName) unless "
                    "--table is given.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    health = sub.add_parser("health", help="print every configured source's health")
    health.add_argument("--stack", default="newsdive-local", help="CloudFormation stack (default: newsdive-local)")
    health.add_argument("--table", help="crawl table name (default: the stack's CrawlTableName output)")
    health.add_argument("--endpoint-url", help="AWS endpoint, e.g. the moto server of `newsdive demo --keep`")
    health.add_argument("--region", help="AWS region (default: the environment's, else us-east-1)")
    health.add_argument("--stale-hours", type=float, default=24.0, help="a source is stale after this (default 24)")
    health.add_argument("--min-parse-share", type=float, default=0.5,
                        help="a source is degraded below this share of pages parsing well (default 0.5)")
    health.add_argument("--json", action="store_true", help="print the status document as JSON")
    args = parser.parse_args(argv)

    import os

    import boto3

    from newsdive.storage.crawl_dynamo import DynamoCrawlControl

    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    if args.endpoint_url:  # a local moto server accepts any credentials
        for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):  # noqa: S105
            os.environ.setdefault(key, value)
    session = boto3.session.Session(region_name=region)
    table = args.table
    if not table:
        cfn = session.client("cloudformation", endpoint_url=args.endpoint_url)
        try:
            outputs = cfn.describe_stacks(StackName=args.stack)["Stacks"][0].get("Outputs", [])
        except Exception as exc:  # noqa: BLE001 - one clear line
            print(f"newsdive sources: cannot read stack {args.stack!r}: {exc} (pass --table)", file=sys.stderr)
            return 1
        table = next((o["OutputValue"] for o in outputs if o["OutputKey"] == "CrawlTableName"), None)
        if not table:
            print(f"newsdive sources: stack {args.stack!r} has no CrawlTableName output", file=sys.stderr)
            return 1
    control = DynamoCrawlControl(table, client=session.client("dynamodb", endpoint_url=args.endpoint_url))
    registry = control.registry()
    if not registry:
        print(f"newsdive sources: no sources registered in {table} yet (the schedule function writes them)",
              file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    healths = source_health([SourceInfo(e.id, e.name, e.stale_after_hours) for e in registry], control, now=now,
                            stale_hours=args.stale_hours, min_parse_share=args.min_parse_share)
    if args.json:
        document = status_document(healths, as_of=now).model_dump(mode="json", by_alias=True)
        print(json.dumps(document, indent=1, sort_keys=True))
    else:
        print(format_table(healths, now=now))
    return 0
