"""The outlet catalog: the committed file, URL -> outlet matching, and how ratings are combined."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from newsdive.model.catalog import REPO_CATALOG, Catalog, CatalogOutlet, combine, load_catalog, parse_catalog
from newsdive.model.sources import Bias, side_of

ROOT = Path(__file__).resolve().parents[3]


def _outlet(outlet_id: str, domain: str, bias: Bias, *paths: str) -> CatalogOutlet:
    return CatalogOutlet(id=outlet_id, name=outlet_id, homepage=f"https://{domain}/", domains=[domain],
                         paths=list(paths), bias=bias)


CATALOG = Catalog([
    _outlet("news", "daily.example", Bias.LEAN_LEFT),
    _outlet("opinion", "daily.example", Bias.LEFT, "/opinions"),
    _outlet("opinion-letters", "daily.example", Bias.CENTER, "/opinions/letters"),
    _outlet("wire", "wire.example.co.uk", Bias.CENTER),
])


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.daily.example/2026/11/21/politics/vote.html", "news"),
    ("https://daily.example/opinions/2026/11/21/a-view", "opinion"),
    ("https://edition.daily.example/opinions/x", "opinion"),  # a subdomain falls back to its parent domain
    ("https://daily.example/opinions/letters/1", "opinion-letters"),  # the longest scope wins
    ("https://daily.example/opinionsandmore/1", "news"),  # scopes match whole path segments only
    ("https://WIRE.example.co.uk./a", "wire"),
    ("https://example.co.uk/a", None),
    ("https://elsewhere.example/opinions/1", None),
    ("not a url", None),
])
def test_urls_match_an_outlet_by_domain_and_longest_path_scope(url, expected):
    found = CATALOG.match(url)
    assert (found.id if found else None) == expected


def test_an_unknown_url_is_unrated():
    assert CATALOG.bias_of("https://unknown.example/a") == Bias.UNRATED


@pytest.mark.parametrize(("values", "expected"), [
    ([-1], Bias.LEAN_LEFT),
    ([-1, -2], Bias.LEAN_LEFT),  # half a step apart: the milder label
    ([0, 1], Bias.CENTER),
    ([2, 3], Bias.RIGHT),
    ([-2, -2, -3], Bias.LEFT),  # -2.33
    ([-3, -3], Bias.FAR_LEFT),
    ([-1, 1], Bias.CENTER),
    ([], Bias.UNRATED),
])
def test_raters_combine_as_the_mean_rounded_toward_the_center(values, expected):
    assert combine(values) == expected


def test_the_committed_catalog_has_enough_distinct_rated_outlets():
    catalog = load_catalog(str(REPO_CATALOG))
    assert len(catalog) >= 150
    assert len({o.id for o in catalog.outlets}) == len(catalog)
    assert all(side_of(o.bias) is not None for o in catalog.outlets)
    assert all(o.ratings for o in catalog.outlets)
    sections = [o for o in catalog.outlets if o.paths]
    assert sections, "no section-scoped outlet (such as an opinion section)"
    for outlet in catalog.outlets[:: max(1, len(catalog) // 200)]:  # every outlet is found by its homepage
        assert catalog.match(f"https://{outlet.domains[0]}{outlet.paths[0] if outlet.paths else ''}/x") is not None


def test_the_catalog_path_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"format": 1, "outlets": [_outlet("solo", "solo.example", Bias.RIGHT).model_dump()]}))
    monkeypatch.setenv("NEWSDIVE_CATALOG", str(path))
    load_catalog.cache_clear()
    try:
        assert load_catalog().bias_of("https://solo.example/a") == Bias.RIGHT
    finally:
        load_catalog.cache_clear()


def test_a_catalog_in_another_format_is_refused():
    with pytest.raises(ValueError, match="format"):
        parse_catalog(json.dumps({"format": 99, "outlets": []}))


def test_a_catalog_outlet_becomes_a_sources_file_entry():
    source = _outlet("news", "daily.example", Bias.LEAN_LEFT).to_source()
    assert source.id == "news" and source.bias == Bias.LEAN_LEFT and source.homepage == "https://daily.example/"


# --- scripts/build_catalog.py on a tiny ratings folder written here ------------------------------------------


def _build_module():
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "scripts" / "build_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ratings(tmp_path: Path) -> Path:
    (tmp_path / "allsides").mkdir(parents=True)
    (tmp_path / "mbfc").mkdir()
    (tmp_path / "allsides" / "allsides_outlets_normalized.csv").write_text(
        "source_name,source_type,allsides_rating,source_url,domain,url_path_scope,allsides_url\n"
        "Daily Example,News Media,Lean Left,https://www.daily.example/,daily.example,,u1\n"
        "Daily Example (Opinion),News Media,Left,https://daily.example/opinions.html,daily.example,/opinions.html,u2\n"
        "Think Example,Think Tank / Policy Group,Left,https://think.example/,think.example,,u3\n"
        "Mixed Example,News Media,Mixed,https://mixed.example/,mixed.example,,u4\n"
        "Video Site,News Media,Center,https://youtube.com/,youtube.com,,u5\n"
        "Twice Example,News Media,Right,https://twice.example/,twice.example,,u6\n"
        "Twice Example B,News Media,Lean Right,https://twice.example/,twice.example,,u7\n",
        encoding="utf-8")
    (tmp_path / "mbfc" / "mbfc_raw.csv").write_text(
        "source,country,bias,factual_reporting,press_freedom,media_type,popularity,mbfc_credibility_rating\n"
        "daily.example,usa,left,high,free,newspaper,high traffic,high\n"
        "mixed.example,united kingdom,right-center,high,free,newspaper,high traffic,high\n"
        "fringe.example,usa,right conspiracy-pseudoscience,low,free,website,high traffic,low\n"
        "quiet.example,usa,least biased,high,free,newspaper,minimal traffic,high\n"
        "science.example,usa,pro-science,high,free,website,high traffic,high\n",
        encoding="utf-8")
    return tmp_path


def test_build_catalog_combines_raters_and_keeps_sections_apart(tmp_path):
    built = _build_module().build(_ratings(tmp_path / "data"))
    outlets = {o["id"]: o for o in built["outlets"]}
    assert outlets["daily-example"]["bias"] == "lean-left"  # AllSides -1, MBFC -2: the milder
    assert outlets["daily-example"]["ratings"] == {"allsides": -1.0, "mbfc": -2.0}
    assert outlets["daily-example"]["country"] == "US"
    opinion = outlets["daily-example-opinion"]
    assert opinion["paths"] == ["/opinions"] and opinion["bias"] == "left" and "mbfc" not in opinion["ratings"]
    assert outlets["twice-example"]["bias"] == "lean-right"  # a site listed twice: the mean of its rows (1.5)
    assert outlets["mixed-example"]["bias"] == "lean-right"  # AllSides says Mixed: MBFC alone rates it
    assert "think-example" not in outlets  # not news media
    assert not any(o["domains"] == ["youtube.com"] for o in outlets.values())  # a platform, not an outlet
    assert outlets["fringe-example"]["bias"] == "right"  # a conspiracy label keeps only its direction
    assert "quiet-example" not in outlets  # MBFC-only outlets need high traffic
    assert outlets["science-example"]["bias"] == "center"


def test_build_catalog_writes_json_the_loader_reads(tmp_path):
    module = _build_module()
    out = tmp_path / "catalog.json"
    assert module.main(["--data", str(_ratings(tmp_path / "data")), "--out", str(out)]) == 0
    catalog = parse_catalog(out.read_bytes())
    assert catalog.bias_of("https://daily.example/opinions/x") == Bias.LEFT
    assert module.main(["--data", str(tmp_path / "data"), "--out", str(out), "--check"]) == 0


def test_build_catalog_skips_cleanly_without_the_ratings(tmp_path, capsys):
    assert _build_module().main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path / "c.json")]) == 0
    assert "nothing built" in capsys.readouterr().out


# --- feed coverage: the outlets a user is most likely to pick come with feeds ----------------------------------


def _well_formed(url: str) -> bool:
    from urllib.parse import urlsplit

    from newsdive.model.sources import Source

    try:
        Source(id="x", name="x", homepage=url, feeds=[url])  # the sources file's own URL rules
    except ValueError:
        return False
    parts = urlsplit(url)
    return "." in (parts.hostname or "") and not any(c.isspace() for c in url)


def test_at_least_200_prominent_outlets_have_feeds_and_every_feed_is_well_formed():
    catalog = load_catalog(str(REPO_CATALOG))
    prominent = [o for o in catalog.outlets if o.prominent]
    assert len(prominent) >= 200, "prominence (rated by AllSides and MBFC, MBFC high traffic) lost outlets"
    assert all(not o.paths and {"allsides", "mbfc"} <= set(o.ratings) for o in prominent)
    with_feeds = [o for o in prominent if o.feeds]
    assert len(with_feeds) >= 200, f"only {len(with_feeds)} of {len(prominent)} prominent outlets have feeds"
    bad = [(o.id, f) for o in catalog.outlets for f in o.feeds if not _well_formed(f)]
    assert not bad, bad
    assert not [o.id for o in catalog.outlets if o.paths and o.feeds]  # a section never gets the site's feeds


def test_the_feeds_facts_file_names_catalog_domains_with_a_source_each():
    import csv

    module = _build_module()
    lines = [line for line in module.FEEDS_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    assert len(rows) >= 200
    domains = {d for o in load_catalog(str(REPO_CATALOG)).outlets if not o.paths for d in o.domains}
    assert not [r["domain"] for r in rows if r["domain"] not in domains]
    assert all(r["source"].strip() and _well_formed(r["feed"]) for r in rows)
    assert len({(r["domain"], r["feed"]) for r in rows}) == len(rows)


def test_build_catalog_marks_prominent_outlets_and_adds_feeds_from_the_facts_file(tmp_path):
    feeds = tmp_path / "feeds.csv"
    feeds.write_text("# comment\ndomain,feed,source\ndaily.example,https://daily.example/rss.xml,a test\n",
                     encoding="utf-8")
    built = _build_module().build(_ratings(tmp_path / "data"), feeds)
    outlets = {o["id"]: o for o in built["outlets"]}
    assert outlets["daily-example"]["prominent"] is True  # both raters, MBFC high traffic
    assert outlets["daily-example"]["feeds"] == ["https://daily.example/rss.xml"]
    assert "feeds" not in outlets["daily-example-opinion"]  # the section is its own outlet, without the feed
    assert "prominent" not in outlets["twice-example"]  # AllSides only
    feeds.write_text("domain,feed,source\ndaily.example,https://daily.example/rss.xml,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no source note"):
        _build_module().build(tmp_path / "data", feeds)
