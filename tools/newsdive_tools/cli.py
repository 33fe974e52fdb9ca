"""The `newsdive` command: run the pipeline locally, invoke one function, extract a page, run benchmarks."""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import json
import sys
from pathlib import Path

from newsdive_tools.bench import positive_int

EPILOG = """examples:
  newsdive demo                          run the whole pipeline on the bundled sample web, output in ./out
  newsdive run --sources my.json --allow-host 127.0.0.1:8000
  newsdive invoke parse --event events/parse_s3_notification.json
  newsdive extract page.html --url https://example.org/a
  newsdive bench extract --dataset ../shared/data/article-extraction-benchmark
  newsdive bench realweb --dataset ../shared/data/fundus-news-pages   the pipeline on real pages, per language
  newsdive schemas --check
  newsdive serve --out out --port 8000   the reference viewer on the published documents
  newsdive demo --chaos 7 --workers 4   the same run under injected faults: the documents come out the same
  newsdive dlq list --endpoint-url URL   dead letters of a kept local stack (demo --keep) or --stack NAME
  newsdive sources find --country GB     outlets in the catalog; `sources write ID...` makes a sources file
  newsdive sources check my.json         can every source fetch something?
"""


def _host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return value


def _parameter(value: str) -> tuple[str, str]:
    name, sep, setting = value.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name.strip(), setting


def _resolve(value: str) -> str:
    host, sep, target = value.partition("=")
    if not sep or not host:
        raise argparse.ArgumentTypeError(f"expected HOST=IP:PORT, got {value!r}")
    _host_port(target)
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive",
        description="Serverless news processing: scrape -> parse -> aggregate into stories -> publish deep dives.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, default=Path("out"),
                       help="folder for the published documents (default: ./out)")
        p.add_argument("--log", type=Path, default=Path(".newsdive/run.log"), dest="log_file",
                       help="where the functions' JSON logs and metrics go (default: .newsdive/run.log)")
        p.add_argument("--replay", action="store_true",
                       help="deliver every event a second time at the end (shows that handlers are idempotent)")
        p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
        p.add_argument("--chaos", type=int, metavar="SEED", dest="chaos_seed",
                       help="inject faults (duplicates, reordering, crashes, throttling, ...) reproducibly from SEED")
        p.add_argument("--chaos-rate", type=float, default=0.2, metavar="R",
                       help="how often chaos strikes at each opportunity, 0..1 (default: 0.2)")
        p.add_argument("--chaos-stages", type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
                       metavar="LIST", help="stages whose deliveries chaos may reorder, split or kill, e.g. "
                       "aggregate,publish (default: all; throttling and duplicates strike everywhere)")
        p.add_argument("--workers", type=positive_int, default=1, metavar="N",
                       help="concurrent pollers per queue stage, like Lambda containers (default: 1)")
        p.add_argument("--keep", action="store_true",
                       help="keep the local stack up after the run (Ctrl-C stops it), e.g. for `newsdive dlq`")
        p.add_argument("--param", action="append", default=[], type=_parameter, metavar="NAME=VALUE",
                       dest="params", help="a stack parameter of infra/template.yaml, as `sam deploy "
                       "--parameter-overrides` would set it on AWS, e.g. BlindspotLowPct=30 (repeatable)")
        p.add_argument("--params-file", type=Path, metavar="FILE",
                       help="stack parameters from a JSON file: {\"Name\": \"value\"} or CloudFormation's "
                       "[{\"ParameterKey\": ..., \"ParameterValue\": ...}] (--param wins)")

    demo = commands.add_parser("demo", help="run the pipeline on the bundled sample web (moto, no AWS account)",
                               description="Start a moto server, deploy infra/template.yaml into it, serve the "
                               "bundled sample web locally and run schedule -> scrape -> parse -> aggregate -> "
                               "publish until nothing is left to do; then copy the public bucket into --out.")
    run_options(demo)

    run = commands.add_parser("run", help="run the pipeline locally over any sources file",
                              description="Like demo, over your own sources file. Nothing private is reachable "
                              "except the hosts you allow with --allow-host.")
    run.add_argument("--sources", type=Path, required=True, help="sources file (JSON or YAML list of sources)")
    run.add_argument("--allow-host", action="append", default=[], type=_host_port, metavar="HOST:PORT",
                     help="let the fetcher reach this private/loopback host:port (repeatable)")
    run.add_argument("--resolve", action="append", default=[], type=_resolve, metavar="HOST=IP:PORT",
                     help="resolve HOST to IP:PORT, like curl --resolve (repeatable)")
    run.add_argument("--sites", type=Path, help="also serve this folder of sites/<host>/ files locally")
    run.add_argument("--host-interval", type=float, metavar="SECONDS",
                     help="least time between two requests to one host (default: the stack's, 1 s; the demo uses "
                     "0 since its sites are local)")
    run_options(run)

    invoke = commands.add_parser(
        "invoke", help="invoke one function: on a fresh local stack, a kept one, or a deployed stack",
        description="Call FUNCTION with the event file and print what it returned. By default, like `sam local "
        "invoke`, against a fresh, empty local stack. With --endpoint-url, in-process against a stack kept by "
        "`newsdive demo/run --keep` (its data is there: re-cluster or settle by hand). With --stack (no "
        "--endpoint-url), the deployed function itself through the Lambda API, where the data is.",
        epilog="examples:\n"
               "  newsdive invoke schedule --event events/schedule_tick.json\n"
               "  newsdive invoke aggregate --event events/aggregate_recluster.json --endpoint-url http://127.0.0.1:PORT\n"
               "  newsdive invoke publish --event events/publish_settle.json --stack newsdive --region eu-west-1",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    invoke.add_argument("function", choices=["schedule", "scrape", "parse", "aggregate", "publish"])
    invoke.add_argument("--event", required=True, type=Path, help="event JSON file (see events/)")
    invoke.add_argument("--sources", type=Path, help="sources file the schedule function reads on a fresh local "
                        "stack (default: the bundled sample sources)")
    target = invoke.add_mutually_exclusive_group()
    target.add_argument("--endpoint-url", metavar="URL",
                        help="a kept local stack's moto server (printed by `newsdive demo --keep`)")
    target.add_argument("--stack", metavar="NAME", help="a deployed stack: invoke its function on AWS")
    invoke.add_argument("--region", help="AWS region of --stack (default: your AWS configuration's)")
    invoke.add_argument("--stack-file", type=Path, default=None, metavar="FILE",
                        help="with --endpoint-url: the kept stack's description (default: .newsdive/kept-stack.json, "
                        "written by --keep)")

    extract = commands.add_parser("extract", help="print one HTML page's extracted article as JSON")
    extract.add_argument("file", type=Path, help="HTML file ('-' for standard input)")
    extract.add_argument("--url", help="the page's URL (resolves relative links)")
    extract.add_argument("--content-type", help="HTTP Content-Type header, if known (charset)")

    schemas = commands.add_parser("schemas", help="write or check the JSON Schemas in schemas/v1/")
    schemas.add_argument("--check", action="store_true", help="fail if the checked-in schemas differ from the models")
    schemas.add_argument("--dir", type=Path, help="schemas folder (default: <checkout>/schemas/v1)")

    serve = commands.add_parser("serve", help="serve the reference viewer with the published documents",
                                description="Serve viewer/ and the documents in --out on one local origin "
                                "(loopback by default), e.g. after `newsdive demo`.")
    serve.add_argument("--out", type=Path, default=Path("out"), help="documents folder (default: ./out)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 = any free port)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")

    # As for dlq and bench: everything after the command, `--help` included, goes to the command's own parser.
    sources = commands.add_parser("sources", help="find outlets, write and check a sources file, source health "
                                  "(newsdive sources find|write|check|health)",
                                  add_help=False, prefix_chars="+")
    sources.add_argument("args", nargs=argparse.REMAINDER)

    # Everything after `dlq` (options included) goes to newsdive_tools.dlq's own parser: no "-" options here.
    dlq = commands.add_parser("dlq", help="list, show or redrive dead-letter queues (local or deployed stack)",
                              add_help=False, prefix_chars="+")
    dlq.add_argument("args", nargs=argparse.REMAINDER)

    bench = commands.add_parser("bench", help="benchmarks (extract, metadata, feeds, cluster, ...)", add_help=False,
                                prefix_chars="+")
    bench.add_argument("name", nargs="?", help="benchmark name")
    bench.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _version() -> str:
    from newsdive import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback for known errors
        from newsdive.model.errors import NewsdiveError
        from newsdive.model.sources import SourcesFileError

        if isinstance(exc, NewsdiveError | SourcesFileError | FileNotFoundError):
            print(f"newsdive: error: {exc}", file=sys.stderr)
            return 1
        if args.command in _REMOTE_COMMANDS and _is_aws_error(exc):
            print(f"newsdive {args.command}: error: {exc} (check --endpoint-url / --stack / --region and your AWS "
                  "credentials)", file=sys.stderr)
            return 1
        raise


# Commands that read a stack the user names (deployed, or a kept local one): an unreachable endpoint, missing
# credentials or a missing table are the user's to fix, so they get one line, not a traceback.
_REMOTE_COMMANDS = frozenset({"dlq", "sources", "invoke"})


def _is_aws_error(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)


def _cmd_demo(args: argparse.Namespace) -> int:
    from newsdive_tools.paths import sample_web

    web = sample_web()
    args.sources, args.allow_host, args.resolve, args.sites = web / "sources.json", [], [], web / "sites"
    args.host_interval = 0.0  # the bundled sites are served locally: no one to be polite to
    return _cmd_run(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from newsdive_tools.local.parameters import ignored_environment, stack_parameters
    from newsdive_tools.local.runner import RunOptions, run

    parameters = stack_parameters(args.params, args.params_file)
    for name, parameter in ignored_environment():
        print(f"newsdive {args.command}: warning: {name} in your environment is ignored (each function gets its "
              f"environment from the template): use --param {parameter}=VALUE", file=sys.stderr)
    summary = run(RunOptions(sources=args.sources, out=args.out, allow_hosts=args.allow_host, host_map=args.resolve,
                             sites=args.sites, log_file=args.log_file, replay=args.replay, quiet=args.quiet,
                             chaos_seed=args.chaos_seed, chaos_rate=args.chaos_rate,
                             chaos_stages=args.chaos_stages, workers=args.workers,
                             keep=args.keep, host_interval=args.host_interval, parameters=parameters))
    if args.json:
        print(json.dumps(summary.as_dict(), sort_keys=True))
    else:
        print("\n".join(summary.lines()))
    failure = run_failure(summary.sources_health)
    if failure:
        print(f"newsdive {args.command}: error: {failure}", file=sys.stderr)
        return 1
    return 0


ROUTING_HINT = ("names that do not resolve here can be served or routed locally: --sites DIR (serve DIR/<host>/ "
                "files), --resolve HOST=IP:PORT, --allow-host HOST:PORT")


def run_failure(sources_health: dict) -> str | None:
    """Why a local run failed as a whole, or None: every configured source failed (a run that fetched nothing
    must not look fine). A source whose host does not resolve gets the options that route hosts locally."""
    sources = sources_health.get("sources") or []
    if not sources or any(s.get("status") != "failing" for s in sources):
        return None
    message = f"every source failed ({len(sources)}): " + "; ".join(
        f"{s['id']}: {s.get('last_error') or 'error'}" for s in sources[:3]) + (" ..." if len(sources) > 3 else "")
    if any("NameResolutionError" in (s.get("last_error") or "") for s in sources):
        message += f"\n  {ROUTING_HINT}"
    return message


def _cmd_invoke(args: argparse.Namespace) -> int:
    from newsdive_tools.local.event_shapes import load_event

    event = load_event(args.event)
    if args.stack:
        from newsdive_tools.local.remote import invoke_deployed

        result = invoke_deployed(args.stack, args.function, event, region=args.region)
    elif args.endpoint_url:
        result = _invoke_kept(args, event)
    else:
        result = _invoke_fresh(args, event)
    print(json.dumps(result, indent=2, sort_keys=True, default=str))
    return 0


def _invoke_fresh(args: argparse.Namespace, event: dict) -> object:
    from newsdive_tools.local.pump import EventPump
    from newsdive_tools.local.runner import local_stack, upload_sources
    from newsdive_tools.paths import sample_web

    with local_stack() as (stack, session):
        upload_sources(stack, session, args.sources or sample_web() / "sources.json")
        if args.function == "parse":
            event = _retarget_parse_event(event, stack, session)
        with contextlib.redirect_stdout(sys.stderr):  # the function's logs and metrics; stdout is the result
            return EventPump(stack, session=session).invoke(args.function, event)


def _retarget_parse_event(event: dict, stack: object, session: object) -> dict:
    """Point a sample S3 notification at the fresh stack's raw bucket, and say when the page it names is not
    there (a fresh stack is empty: the record then fails with NotFoundError, it is not silently ignored)."""
    from botocore.exceptions import ClientError

    from newsdive_tools.local.event_shapes import retarget_s3_event

    raw_bucket = stack.outputs.get("RawBucketName") or stack.buckets.get("RawBucket", "")  # type: ignore[attr-defined]
    event, keys = retarget_s3_event(event, raw_bucket)
    s3 = session.client("s3", endpoint_url=stack.endpoint_url, region_name=stack.region)  # type: ignore[attr-defined]
    for key in keys:
        try:
            s3.head_object(Bucket=raw_bucket, Key=key)
        except ClientError:
            print(f"newsdive invoke: {key} is not in this fresh stack's raw bucket, so parse will report the record "
                  "failed (NotFoundError); to parse stored pages, invoke a kept stack: newsdive demo --keep, then "
                  "--endpoint-url", file=sys.stderr)
    return event


def _invoke_kept(args: argparse.Namespace, event: dict) -> object:
    import boto3

    from newsdive.model.errors import ConfigurationError
    from newsdive.runtime import wiring
    from newsdive_tools.local.event_shapes import patched_environ
    from newsdive_tools.local.pump import EventPump
    from newsdive_tools.local.runner import DUMMY_ENV, KEPT_STACK_FILE
    from newsdive_tools.local.stack import load_stack

    path = args.stack_file or KEPT_STACK_FILE
    if not path.is_file():
        raise ConfigurationError(f"no kept stack described in {path}: start one with `newsdive demo --keep` (or "
                                 "`newsdive run ... --keep`), or name its file with --stack-file")
    stack = load_stack(path)
    if stack.endpoint_url.rstrip("/") != args.endpoint_url.rstrip("/"):
        raise ConfigurationError(f"{path} describes the stack kept on {stack.endpoint_url}, not {args.endpoint_url}")
    with patched_environ({**DUMMY_ENV, "AWS_ENDPOINT_URL": stack.endpoint_url}):
        wiring.reset()
        session = boto3.session.Session()
        with contextlib.redirect_stdout(sys.stderr):
            return EventPump(stack, session=session).invoke(args.function, event)


def _cmd_extract(args: argparse.Namespace) -> int:
    from newsdive.parse.extract import extract_article

    data = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    article = extract_article(data, url=args.url, content_type=args.content_type)
    out = article.model_dump(mode="json")
    out["word_count"] = article.count_words()
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _cmd_schemas(args: argparse.Namespace) -> int:
    from newsdive.model.documents import json_schemas
    from newsdive.publish.render import to_json
    from newsdive_tools.paths import project_root

    folder = args.dir or project_root() / "schemas" / "v1"
    drift = []
    for name, schema in sorted(json_schemas().items()):
        path = folder / name
        body = to_json(schema)
        if args.check:
            if not path.is_file() or path.read_bytes() != body:
                drift.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            print(f"wrote {path}")
    if drift:
        print("schemas differ from the models (run `newsdive schemas`): " + ", ".join(drift), file=sys.stderr)
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from newsdive_tools.local.serve import make_server

    server = make_server(args.out, host=args.host, port=args.port)
    host, port = str(server.server_address[0]), server.server_address[1]  # a TCP server: the host is a str
    print(f"serving the viewer and {args.out} on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def _summary(module: Path) -> str:
    """A benchmark's one-line summary, from its module docstring (read, not imported: some import heavy peers)."""
    doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
    first = doc.split("\n\n")[0].replace("\n", " ")
    return first.split(": ", 1)[1] if first.startswith("`") and ": " in first else first


def _cmd_bench(args: argparse.Namespace) -> int:
    import pkgutil

    import newsdive_tools.bench

    available = sorted(m.name for m in pkgutil.iter_modules(newsdive_tools.bench.__path__))
    if not args.name or args.name in ("-h", "--help"):
        lines = [f"  {name:10s} {_summary(Path(newsdive_tools.bench.__path__[0]) / f'{name}.py')}" for name in
                 available]
        print("usage: newsdive bench NAME [--help] ...\n\nbenchmarks (`newsdive bench NAME --help` for options):\n"
              + "\n".join(lines), file=sys.stdout if args.name else sys.stderr)
        return 0 if args.name else 2
    if args.name not in available:
        print(f"newsdive: error: no benchmark {args.name!r} (have: {', '.join(available)})", file=sys.stderr)
        return 2
    module = importlib.import_module(f"newsdive_tools.bench.{args.name}")
    return int(module.main(args.args) or 0)


def _cmd_sources(args: argparse.Namespace) -> int:
    from newsdive_tools.sources_cli import main as sources_main

    return int(sources_main(args.args) or 0)


def _cmd_dlq(args: argparse.Namespace) -> int:
    from newsdive_tools.dlq import main as dlq_main

    return int(dlq_main(args.args) or 0)


_COMMANDS = {
    "dlq": _cmd_dlq,
    "sources": _cmd_sources,
    "demo": _cmd_demo,
    "run": _cmd_run,
    "invoke": _cmd_invoke,
    "extract": _cmd_extract,
    "schemas": _cmd_schemas,
    "serve": _cmd_serve,
    "bench": _cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
