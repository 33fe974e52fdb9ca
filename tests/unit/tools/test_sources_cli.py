"""`newsdive sources find | write | check`: the catalog searched, a sources file written from it, and every source
checked with the real fetcher against local sites written here (this machine has no internet)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdive.model.catalog import Catalog, CatalogOutlet
from newsdive.model.sources import Bias, SourcesFileError, parse_sources
from newsdive_tools.cli import main
from newsdive_tools.sources_cli import check_sources, find_outlets, sources_from_catalog


def _outlet(outlet_id, name, domain, bias, country=None, feeds=(), paths=()):
    return CatalogOutlet(id=outlet_id, name=name, homepage=f"https://www.{domain}/", domains=[domain],
                         paths=list(paths), feeds=list(feeds), country=country, bias=bias, ratings={"x": 0})


OUTLETS = [
    _outlet("harbour-times", "The Harbour Times", "harbourtimes.example", Bias.LEAN_LEFT, "GB",
            ["https://www.harbourtimes.example/rss.xml"]),
    _outlet("ridge-courier", "Ridge Courier", "ridgecourier.example", Bias.RIGHT, "US"),
    _outlet("ridge-courier-opinion", "Ridge Courier (Opinion)", "ridgecourier.example", Bias.FAR_RIGHT, "US",
            paths=["/opinion"]),
    _outlet("valley-wire", "Valley Wire", "valleywire.example", Bias.CENTER, "US",
            ["https://valleywire.example/feed/"]),
]


@pytest.fixture
def catalog_file(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"format": 1, "outlets": [o.model_dump(mode="json") for o in OUTLETS]}))
    return path


@pytest.mark.parametrize(("filters", "expected"), [
    ({"name": "ridge"}, ["ridge-courier", "ridge-courier-opinion"]),
    ({"domain": "www.harbourtimes.example"}, ["harbour-times"]),
    ({"domain": "news.valleywire.example"}, ["valley-wire"]),  # a subdomain finds its outlet
    ({"country": "us", "side": "right"}, ["ridge-courier", "ridge-courier-opinion"]),
    ({"bias": ["center", "lean-left"]}, ["harbour-times", "valley-wire"]),
    ({"with_feeds": True, "country": "US"}, ["valley-wire"]),
    ({"name": "nowhere"}, []),
])
def test_find_filters_by_name_domain_country_and_rating(filters, expected):
    assert [o.id for o in find_outlets(Catalog(OUTLETS), **filters)] == expected


def test_find_prints_a_table_and_json(catalog_file, capsys):
    assert main(["sources", "find", "--country", "US", "--catalog", str(catalog_file)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["ID", "NAME", "DOMAIN", "COUNTRY", "BIAS", "FEEDS"]
    assert any("ridgecourier.example/opinion" in line and "far-right" in line and "discover" in line
               for line in table)
    assert main(["sources", "find", "--name", "valley", "--json", "--catalog", str(catalog_file)]) == 0
    [found] = json.loads(capsys.readouterr().out)
    assert found["id"] == "valley-wire" and found["feeds"] == ["https://valleywire.example/feed/"]
    assert main(["sources", "find", "--name", "nowhere", "--catalog", str(catalog_file)]) == 1


def test_the_packaged_catalog_writes_prominent_outlets_with_their_feeds(capsys):
    assert main(["sources", "write", "--prominent", "--country", "GB", "--limit", "5"]) == 0
    written = parse_sources(capsys.readouterr().out)
    assert len(written) == 5 and all(s.country == "GB" for s in written)
    assert sum(bool(s.feeds) for s in written) >= 4  # the prominent outlets come with their feeds


def test_the_packaged_catalog_finds_real_outlets(capsys):
    assert main(["sources", "find", "--domain", "bbc.com", "--json"]) == 0
    assert any("bbc.com" in o["domains"] and o["feeds"] for o in json.loads(capsys.readouterr().out))


def test_write_uses_known_feeds_else_discovery_and_says_so(catalog_file, tmp_path, capsys):
    out = tmp_path / "mine.json"
    assert main(["sources", "write", "harbour-times", "ridge-courier", "--out", str(out),
                 "--catalog", str(catalog_file)]) == 0
    err = capsys.readouterr().err
    assert "harbour-times: 1 known feed(s)" in err
    assert "ridge-courier: no known feed: discovers the feeds https://www.ridgecourier.example/ announces" in err
    harbour, ridge = parse_sources(out.read_bytes(), name=str(out))  # what it writes, the pipeline reads
    assert harbour.feeds == ["https://www.harbourtimes.example/rss.xml"] and not harbour.discover
    assert ridge.feeds == [] and ridge.discover and ridge.bias == Bias.RIGHT


def test_write_by_filters_and_unknown_ids(catalog_file, capsys):
    assert main(["sources", "write", "--side", "center", "--catalog", str(catalog_file)]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == ["valley-wire"]
    assert main(["sources", "write", "ridge-courrier", "--catalog", str(catalog_file)]) == 1
    assert "did you mean ridge-courier" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not in the catalog"):
        sources_from_catalog(Catalog(OUTLETS), ["nope"])


def test_a_source_with_nothing_to_fetch_is_refused_when_the_file_is_read():
    idle = [{"id": "idle", "name": "Idle", "homepage": "https://idle.example/"}]
    with pytest.raises(SourcesFileError, match=r"nothing to fetch for idle: .*\"discover\": true"):
        parse_sources(json.dumps(idle), name="s.json")
    assert parse_sources(json.dumps([{**idle[0], "discover": True}]))[0].discover


# --- check, against local sites ---------------------------------------------------------------------------

RSS = ("<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>http://{h}/</link>"
       "<item><title>One</title><link>http://{h}/a/1.html</link></item>"
       "<item><title>Two</title><link>http://{h}/a/2.html</link></item></channel></rss>")
HOME = ("<html><head><title>Home</title><link rel='alternate' type='application/rss+xml' href='/feeds/all.xml'>"
        "</head><body>news</body></html>")


def _sites(root: Path) -> Path:
    feedhost = root / "www.withfeed.example" / "feeds"
    feedhost.mkdir(parents=True)
    (feedhost / "all.xml").write_text(RSS.format(h="www.withfeed.example"))
    home = root / "www.discovers.example"
    (home / "feeds").mkdir(parents=True)
    (home / "index.html").write_text(HOME)
    (home / "feeds" / "all.xml").write_text(RSS.format(h="www.discovers.example"))
    bare = root / "www.nofeed.example"
    bare.mkdir()
    (bare / "index.html").write_text("<html><head><title>Home</title></head><body>no feeds here</body></html>")
    return root


def _sources_file(tmp_path: Path, sources: list[dict]) -> Path:
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(sources))
    return path


SOURCES = [
    {"id": "withfeed", "name": "With Feed", "homepage": "http://www.withfeed.example/",
     "feeds": ["http://www.withfeed.example/feeds/all.xml"]},
    {"id": "discovers", "name": "Discovers", "homepage": "http://www.discovers.example/", "discover": True},
    {"id": "nofeed", "name": "No Feed", "homepage": "http://www.nofeed.example/", "discover": True},
    {"id": "brokenfeed", "name": "Broken", "homepage": "http://www.withfeed.example/",
     "feeds": ["http://www.withfeed.example/feeds/gone.xml"]},
]


def test_check_fetches_feeds_and_discovers_from_homepages(tmp_path):
    checks = {c.id: c for c in check_sources(parse_sources(json.dumps(SOURCES)), sites=_sites(tmp_path / "sites"))}
    assert checks["withfeed"].ok and checks["withfeed"].items == 2 and not checks["withfeed"].warnings()
    discovered = checks["discovers"]
    assert discovered.ok and [p.kind for p in discovered.probes] == ["homepage", "discovered feed"]
    assert discovered.probes[0].found == ["http://www.discovers.example/feeds/all.xml"]
    assert not checks["nofeed"].ok
    assert any("announces no feed" in w for w in checks["nofeed"].warnings())
    assert not checks["brokenfeed"].ok
    assert any("HttpStatusError" in w and "404" in w for w in checks["brokenfeed"].warnings())


def test_check_command_warns_and_exits_zero_while_one_source_can_fetch(tmp_path, capsys):
    path = _sources_file(tmp_path, SOURCES)
    assert main(["sources", "check", str(path), "--sites", str(_sites(tmp_path / "sites"))]) == 0
    out = capsys.readouterr().out
    assert "ok   withfeed: feed 2 items" in out and "FAIL nofeed: nothing" in out
    assert "warning: nothing to scrape" in out and "2 of 4 sources can fetch something" in out


def test_check_exits_1_when_no_source_can_fetch(tmp_path, capsys):
    path = _sources_file(tmp_path, [{"id": "far", "name": "Far", "homepage": "http://nowhere.invalid/",
                                     "feeds": ["http://nowhere.invalid/rss.xml"]}])
    assert main(["sources", "check", str(path), "--json", "--timeout", "5"]) == 1
    result = json.loads(capsys.readouterr().out.splitlines()[0])
    assert result["ok"] is False and "NameResolutionError" in result["probes"][0]["error"]


def test_check_names_the_routing_options_when_a_host_does_not_resolve(tmp_path, capsys):
    path = _sources_file(tmp_path, [{"id": "far", "name": "Far", "homepage": "http://nowhere.invalid/",
                                     "feeds": ["http://nowhere.invalid/rss.xml"]}])
    assert main(["sources", "check", str(path), "--timeout", "5"]) == 1
    err = capsys.readouterr().err
    assert "no source can fetch anything" in err and "--sites DIR" in err and "--resolve" in err


def test_check_refuses_a_file_with_an_idle_source(tmp_path, capsys):
    path = _sources_file(tmp_path, [{"id": "idle", "name": "Idle", "homepage": "http://idle.example/"}])
    assert main(["sources", "check", str(path)]) == 1
    assert "nothing to fetch for idle" in capsys.readouterr().err


def test_the_bundled_sample_sources_all_check_ok(capsys):
    from newsdive_tools.paths import sample_web

    web = sample_web()
    assert main(["sources", "check", str(web / "sources.json"), "--sites", str(web / "sites")]) == 0
    assert "FAIL" not in capsys.readouterr().out
