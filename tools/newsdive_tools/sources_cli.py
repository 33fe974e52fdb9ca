"""`newsdive sources`: find outlets in the catalog, write a sources file from them, check that one can fetch, and
read the deployed sources' health.

- `find` searches `newsdive.model.catalog` (1,900+ rated outlets) by name, domain, country and rating.
- `write` turns chosen catalog outlets into a sources file: the outlet's known feeds, else feed discovery on its
  homepage (`discover: true`), and says per outlet which it got.
- `check FILE` fetches, with the pipeline's own fetcher and the same routing options as `newsdive run` (`--sites`,
  `--resolve`, `--allow-host`), what each source would fetch: its feeds and sitemaps, or the feeds its homepage
  announces. A source that yields nothing is a warning; the exit status is 1 when no source can fetch anything.
  A source with nothing to fetch at all (no feeds, no sitemaps, `discover: false`) never gets this far: reading
  the sources file refuses it (`newsdive.model.sources.parse_sources`).
- `health` reads the crawl table of a stack (`newsdive_tools.health.main`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsdive.model.catalog import Catalog, CatalogOutlet
    from newsdive.model.sources import Source
    from newsdive.scrape.fetch import Fetcher

MAX_DISCOVERED = 3  # discovered feeds tried per source (the scraper reads at most 5)


# --- find / write ------------------------------------------------------------------------------------------


def find_outlets(catalog: Catalog, *, name: str | None = None, domain: str | None = None,
                 country: str | None = None, bias: Sequence[str] = (), side: str | None = None,
                 with_feeds: bool = False, prominent: bool = False) -> list[CatalogOutlet]:
    """Catalog outlets matching every given filter: `name` a case-insensitive part of the name or id, `domain` a
    domain or a parent of one (bbc.co.uk finds feeds.bbc.co.uk's outlet), `country` ISO 3166-1 alpha-2, `bias`
    any of the 7-point labels, `side` left/center/right, `prominent` only the outlets rated by both AllSides and
    MBFC with high traffic. Sorted by name."""
    from newsdive.model.sources import side_of

    wanted_bias = {b.lower() for b in bias}
    found = []
    for outlet in catalog.outlets:
        if name and name.lower() not in outlet.name.lower() and name.lower() not in outlet.id:
            continue
        if domain:
            want = domain.lower().removeprefix("www.").rstrip(".")
            if not any(d == want or d.endswith("." + want) or want.endswith("." + d) for d in outlet.domains):
                continue
        if country and (outlet.country or "") != country.upper():
            continue
        if wanted_bias and outlet.bias.value not in wanted_bias:
            continue
        if side and (side_of(outlet.bias) or "unrated") != side.lower():
            continue
        if with_feeds and not outlet.feeds:
            continue
        if prominent and not outlet.prominent:
            continue
        found.append(outlet)
    return sorted(found, key=lambda o: (o.name.lower(), o.id))


def format_outlets(outlets: Sequence[CatalogOutlet]) -> str:
    rows = [("ID", "NAME", "DOMAIN", "COUNTRY", "BIAS", "FEEDS")]
    for o in outlets:
        domain = o.domains[0] + (o.paths[0] if o.paths else "")
        rows.append((o.id, o.name[:40], domain[:36], o.country or "-", o.bias.value,
                     str(len(o.feeds)) if o.feeds else "discover"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def sources_from_catalog(catalog: Catalog, ids: Sequence[str], *,
                         interval_minutes: int = 15) -> tuple[list[Source], list[str]]:
    """Sources for the catalog outlets `ids` and one note per outlet (its feeds, or discovery). An unknown id is
    a ValueError naming it (and close matches)."""
    import difflib

    by_id = {o.id: o for o in catalog.outlets}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        hints = []
        for i in unknown:
            close = difflib.get_close_matches(i, by_id, n=3)
            hints.append(f"{i}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise ValueError(f"not in the catalog: {'; '.join(hints)} (find ids with `newsdive sources find`)")
    sources, notes = [], []
    for outlet_id in dict.fromkeys(ids):
        outlet = by_id[outlet_id]
        sources.append(outlet.to_source(interval_minutes=interval_minutes))
        notes.append(f"{outlet.id}: {len(outlet.feeds)} known feed(s)" if outlet.feeds else
                     f"{outlet.id}: no known feed: discovers the feeds {outlet.homepage} announces (discover: true)")
    return sources, notes


# --- check --------------------------------------------------------------------------------------------------


@dataclass
class Probe:
    url: str
    kind: str  # feed, sitemap, homepage
    items: int = 0
    error: str | None = None
    found: list[str] = field(default_factory=list)  # feeds a homepage announces


@dataclass
class SourceCheck:
    id: str
    probes: list[Probe]

    @property
    def items(self) -> int:
        return sum(p.items for p in self.probes)

    @property
    def ok(self) -> bool:
        return self.items > 0

    def warnings(self) -> list[str]:
        out = [f"{p.kind} {p.url}: {p.error}" for p in self.probes if p.error]
        out += [f"{p.kind} {p.url}: fetched, but no items" for p in self.probes
                if not p.error and p.kind != "homepage" and not p.items]
        out += [f"homepage {p.url} announces no feed" for p in self.probes
                if p.kind == "homepage" and not p.error and not p.found]
        if not self.ok:
            out.append("nothing to scrape: no feed, sitemap or discovered feed gave an article link")
        return out


def _probe_feed(fetcher: Fetcher, url: str, kind: str) -> Probe:
    from newsdive.model.errors import NewsdiveError
    from newsdive.scrape.feeds import parse_feed

    probe = Probe(url, kind)
    try:
        response = fetcher.get(url, accept="feed")
        parsed = parse_feed(response.body, url=response.url, content_type=response.content_type)
        probe.items = len(parsed.items) + len(parsed.sitemaps)
    except (NewsdiveError, ValueError) as exc:
        probe.error = f"{type(exc).__name__}: {exc}"
    return probe


def check_source(source: Source, fetcher: Fetcher) -> SourceCheck:
    """Fetch what the scraper would for `source`, once each: feeds, sitemaps, and (discover: true) the homepage
    and up to MAX_DISCOVERED feeds it announces."""
    from newsdive.model.errors import NewsdiveError
    from newsdive.scrape.feeds import discover_feeds

    probes = [_probe_feed(fetcher, url, "feed") for url in source.feeds]
    probes += [_probe_feed(fetcher, url, "sitemap") for url in source.sitemaps]
    if source.discover:
        home = Probe(source.homepage, "homepage")
        probes.append(home)
        try:
            page = fetcher.get(source.homepage, accept="html")
            home.found = [u for u in discover_feeds(page.body, page.url, comments=False) if u not in source.feeds]
        except NewsdiveError as exc:
            home.error = f"{type(exc).__name__}: {exc}"
        probes += [_probe_feed(fetcher, url, "discovered feed") for url in home.found[:MAX_DISCOVERED]]
    return SourceCheck(source.id, probes)


def check_sources(sources: Sequence[Source], *, allow_hosts: Sequence[str] = (), host_map: Sequence[str] = (),
                  sites: Path | None = None, timeout: float = 20.0) -> list[SourceCheck]:
    """Check every source with the real fetcher (public addresses only, plus what the options route)."""
    import contextlib

    from newsdive.scrape.fetch import Fetcher, FetchPolicy

    with contextlib.ExitStack() as stack:
        allow, mapped = list(allow_hosts), list(host_map)
        if sites is not None:
            from newsdive_tools.local.sample_server import SampleWebServer

            server = stack.enter_context(SampleWebServer(sites))
            allow.append(server.address)
            mapped.append(server.host_map())
        policy = FetchPolicy.from_env(",".join(allow), ",".join(m for m in mapped if m),
                                      total_timeout=timeout, read_timeout=min(15.0, timeout))
        fetcher = Fetcher(policy)
        stack.callback(fetcher.close)
        return [check_source(source, fetcher) for source in sources]


def format_checks(checks: Sequence[SourceCheck]) -> str:
    lines = []
    for check in checks:
        fetched = [p for p in check.probes if p.items]
        what = ", ".join(f"{p.kind} {p.items} items" for p in fetched[:3]) or "nothing"
        lines.append(f"{'ok  ' if check.ok else 'FAIL'} {check.id}: {what}")
        lines += [f"     warning: {w}" for w in check.warnings()]
    good = sum(c.ok for c in checks)
    lines.append(f"{good} of {len(checks)} sources can fetch something")
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------------------------


def _host_port(value: str) -> str:
    from newsdive_tools.cli import _host_port as check

    return check(value)


def _resolve(value: str) -> str:
    from newsdive_tools.cli import _resolve as check

    return check(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdive sources",
        description="Find outlets in the catalog, write a sources file from them, check that a sources file's "
                    "sources can fetch something, and read a stack's source health.",
        epilog="examples:\n"
               "  newsdive sources find --country GB --side right\n"
               "  newsdive sources find --name guardian --json\n"
               "  newsdive sources write bbc-news reuters fox-news-digital --out my-sources.json\n"
               "  newsdive sources check my-sources.json\n"
               "  newsdive sources check sample-web/sources.json --sites sample-web/sites\n"
               "  newsdive sources health --endpoint-url http://127.0.0.1:PORT",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--name", help="part of the outlet's name or id (any case)")
        p.add_argument("--domain", help="the outlet's domain, e.g. bbc.co.uk")
        p.add_argument("--country", help="ISO 3166-1 alpha-2 code, e.g. US, GB")
        p.add_argument("--bias", action="append", default=[], metavar="LABEL",
                       choices=["far-left", "left", "lean-left", "center", "lean-right", "right", "far-right"],
                       help="rating on the 7-point scale (repeatable)")
        p.add_argument("--side", choices=["left", "center", "right"], help="the coverage bucket of the rating")
        p.add_argument("--with-feeds", action="store_true", help="only outlets whose feeds the catalog knows")
        p.add_argument("--prominent", action="store_true",
                       help="only prominent outlets (rated by AllSides and MBFC, high traffic by MBFC's count)")
        p.add_argument("--catalog", type=Path, help="catalog file (default: the packaged one)")

    find = sub.add_parser("find", help="search the outlet catalog")
    filters(find)
    find.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50; 0: all)")
    find.add_argument("--json", action="store_true", help="the matching outlets as a JSON list")

    write = sub.add_parser("write", help="write a sources file from catalog outlets",
                           description="Write a sources file from the catalog outlets named by id, or all those "
                                       "the filters match. Outlets whose feeds the catalog knows get them; the "
                                       "others discover feeds from their homepage (discover: true).")
    write.add_argument("ids", nargs="*", metavar="ID", help="catalog outlet ids (see `newsdive sources find`)")
    filters(write)
    write.add_argument("--limit", type=int, default=0, help="with filters: at most this many outlets")
    write.add_argument("--interval", type=int, default=15, metavar="MINUTES", help="scrape interval (default 15)")
    write.add_argument("--out", type=Path, help="file to write (default: standard output)")

    check = sub.add_parser("check", help="check that every source of a sources file can fetch something",
                           description="Fetch each source's feeds and sitemaps (or the feeds its homepage "
                                       "announces) once, with the pipeline's fetcher. Warnings for sources that "
                                       "cannot fetch; exit status 1 when none can.")
    check.add_argument("file", type=Path, help="sources file (JSON or YAML)")
    check.add_argument("--allow-host", action="append", default=[], type=_host_port, metavar="HOST:PORT",
                       help="let the fetcher reach this private/loopback host:port (repeatable)")
    check.add_argument("--resolve", action="append", default=[], type=_resolve, metavar="HOST=IP:PORT",
                       help="resolve HOST to IP:PORT, like curl --resolve (repeatable)")
    check.add_argument("--sites", type=Path, help="serve this folder of sites/<host>/ files locally")
    check.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    check.add_argument("--json", action="store_true", help="one JSON object per source")

    sub.add_parser("health", help="every configured source's health (newsdive sources health --help)",
                   add_help=False, prefix_chars="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["health"]:
        from newsdive_tools.health import main as health_main

        return int(health_main(argv) or 0)
    args = build_parser().parse_args(argv)
    if args.action == "check":
        return _check(args)
    from newsdive.model.catalog import load_catalog

    catalog = load_catalog(str(args.catalog) if args.catalog else None)
    selected = find_outlets(catalog, name=args.name, domain=args.domain, country=args.country, bias=args.bias,
                            side=args.side, with_feeds=args.with_feeds, prominent=args.prominent)
    if args.action == "find":
        shown = selected[:args.limit] if args.limit else selected
        if args.json:
            print(json.dumps([o.model_dump(mode="json", exclude_defaults=True) for o in shown], indent=1,
                             ensure_ascii=False))
        else:
            print(format_outlets(shown))
            if len(shown) < len(selected):
                print(f"... {len(selected) - len(shown)} more (--limit 0 shows all)", file=sys.stderr)
        return 0 if selected else 1
    return _write(args, catalog, selected)


def _write(args: argparse.Namespace, catalog: Catalog, selected: list[CatalogOutlet]) -> int:
    from newsdive.model.sources import dump_sources

    filtered = any((args.name, args.domain, args.country, args.bias, args.side, args.with_feeds, args.prominent))
    ids = list(args.ids) + ([o.id for o in (selected[:args.limit] if args.limit else selected)] if filtered else [])
    if not ids:
        print("newsdive sources write: name outlet ids or filters (--name, --domain, --country, --bias, --side)",
              file=sys.stderr)
        return 2
    try:
        sources, notes = sources_from_catalog(catalog, ids, interval_minutes=args.interval)
    except ValueError as exc:
        print(f"newsdive sources write: error: {exc}", file=sys.stderr)
        return 1
    body = dump_sources(sources)
    if args.out:
        args.out.write_bytes(body + b"\n")
    else:
        sys.stdout.write(body.decode() + "\n")
    for note in notes:
        print(note, file=sys.stderr)
    discovering = sum("discover" in n for n in notes)
    print(f"{len(sources)} sources{f' written to {args.out}' if args.out else ''}: {len(sources) - discovering} "
          f"with known feeds, {discovering} discovering; try them with `newsdive sources check`", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    from newsdive.model.sources import SourcesFileError
    from newsdive_tools.cli import ROUTING_HINT
    from newsdive_tools.sources_file import load_sources

    try:
        sources = load_sources(args.file)
    except SourcesFileError as exc:
        print(f"newsdive sources check: error: {exc}", file=sys.stderr)
        return 1
    checks = check_sources(sources, allow_hosts=args.allow_host, host_map=args.resolve, sites=args.sites,
                           timeout=args.timeout)
    if args.json:
        for check in checks:
            print(json.dumps({"id": check.id, "ok": check.ok, "items": check.items, "warnings": check.warnings(),
                              "probes": [asdict(p) for p in check.probes]}, sort_keys=True))
    else:
        print(format_checks(checks))
    if not any(c.ok for c in checks):
        hint = any("NameResolutionError" in (p.error or "") for c in checks for p in c.probes)
        print(f"newsdive sources check: error: no source can fetch anything{f'; {ROUTING_HINT}' if hint else ''}",
              file=sys.stderr)
        return 1
    return 0
