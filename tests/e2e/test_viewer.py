"""The reference viewer in a real browser (headless Chromium driven by Playwright) on the output of `newsdive demo`,
served by `newsdive serve`'s server: what a reader sees is what the documents say, and hostile text stays text.

Needs Debian's `chromium` (`apt-get install -y chromium`; `make test` installs it where it can) and the `playwright`
package (dev extra). Without them the tests skip and say why. Screenshots go to $NEWSDIVE_ARTIFACTS, default
.newsdive/artifacts/. NEWSDIVE_DEMO_OUT=DIR uses an existing demo output instead of running the demo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("NEWSDIVE_ARTIFACTS") or ROOT / ".newsdive" / "artifacts")
CHROMIUM = os.environ.get("NEWSDIVE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The flags known to work on these machines (see the local AWS notes): no sandbox in containers, no GPU, no network
# side traffic of the browser itself.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>Bridge & "tolls"'

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (`apt-get install -y chromium`, which "
                    "`make test` does when it runs as root) or set NEWSDIVE_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: `pip install -e '.[dev]'` (make test does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo's published documents plus one hand-made hostile deep dive, served with the viewer."""
    from newsdive_tools.local.serve import make_server

    out = tmp_path_factory.mktemp("viewer") / "out"
    if os.environ.get("NEWSDIVE_DEMO_OUT"):  # the output of an earlier `newsdive demo` (CI runs it once)
        shutil.copytree(os.environ["NEWSDIVE_DEMO_OUT"], out)
    else:
        result = subprocess.run(
            [sys.executable, "-m", "newsdive_tools.cli", "demo", "--out", str(out), "--log",
             str(out.parent / "run.log"),
             "--json", "-q"],
            capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    docs = {p.relative_to(out).as_posix(): json.loads(p.read_text(encoding="utf-8")) for p in out.rglob("*.json")}
    # A document that did not come through our renderer (a compromised bucket, a bug): the viewer alone must keep
    # it inert.
    base = max((d for k, d in docs.items() if k.startswith("deep-dives/")), key=lambda d: (d["article_count"], d["id"]))
    hostile = json.loads(json.dumps(base))
    hostile["id"], hostile["title"] = "hostile0", HOSTILE_TITLE
    hostile["labels"] = ['<b onmouseover="window.__pwned=3">Center</b>']
    hostile["sources"][0]["url"] = "javascript:window.__pwned=4"
    hostile["sections"][0]["paragraphs"][0]["url"] = "data:text/html,<script>window.__pwned=5</script>"
    (out / "deep-dives" / "hostile0.json").write_text(json.dumps(hostile), encoding="utf-8")
    server = make_server(out, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", docs
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.errors, page.dialogs = errors, dialogs
    yield page
    assert errors == [] and dialogs == []
    context.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("main [data-doc]", timeout=15_000)


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def _richest(docs: dict) -> dict:
    deep = [d for k, d in docs.items() if k.startswith("deep-dives/")]
    return max(deep, key=lambda d: (d["blindspot"] is not None, d["article_count"], d["id"]))


def test_deep_dive_shows_title_bar_labels_toc_and_related_cards_from_the_document(site, page):
    base, docs = site
    doc = _richest(docs)
    _open(page, f"{base}/#/deep-dives/{doc['id']}")
    assert page.inner_text("h1.story-title") == doc["title"]
    assert page.title() == f"{doc['title']} — newsdive"
    bias = doc["bias"]
    bar = f"L {bias['left']}% · C {bias['center']}% · R {bias['right']}%"
    assert page.inner_text(".bias-text strong") == bar
    segments = page.eval_on_selector_all(".story-head .bar .seg", "els => els.map(e => [e.dataset.side, "
                                         "Number(e.dataset.percent), e.getBoundingClientRect().width])")
    assert {side: pct for side, pct, _ in segments} == {k: bias[k] for k in ("left", "center", "right") if bias[k]}
    total = sum(width for *_, width in segments)
    for side, pct, width in segments:  # each segment's width is its share of the bar
        assert abs(width / total * 100 - pct) < 1.0, side
    assert page.eval_on_selector_all(".story-head .labels li", "els => els.map(e => e.textContent)") == doc["labels"]
    assert doc["blindspot"]["label"] in doc["labels"]
    assert page.inner_text(".story-head .label.blindspot") == doc["blindspot"]["label"]
    meta = page.inner_text(".meta")
    assert doc["category"].capitalize() in meta and f"{doc['read_time_minutes']} min read" in meta

    toc = page.eval_on_selector_all(".toc a", "els => els.map(e => [e.textContent, e.getAttribute('href')])")
    assert toc == [[t["title"], f"#/deep-dives/{doc['id']}/{t['id']}"] for t in doc["toc"]]
    for entry in doc["toc"]:
        assert page.inner_text(f"#section-{entry['id']} h2") == entry["title"]
    page.click(".toc a[data-section='timeline']")
    page.wait_for_function("() => location.hash.endsWith('/timeline')")
    page.wait_for_function(
        "() => Math.abs(document.getElementById('section-timeline').getBoundingClientRect().top) < 120")
    assert page.inner_text("#section-timeline li.first").count("(first report)") == 1

    cards = page.eval_on_selector_all(".related .card", "els => els.map(e => [e.dataset.id, "
                                      "e.querySelector('.card-title').textContent, e.getAttribute('href'), "
                                      "e.querySelector('.card-bias').textContent])")
    assert 3 <= len(cards) <= 6
    assert cards == [[c["id"], c["title"], f"#/deep-dives/{c['id']}",
                      f"L {c['bias']['left']}% · C {c['bias']['center']}% · R {c['bias']['right']}%"
                      if sum(c["bias"]["counts"].values()) else "No rated outlet"] for c in doc["related"]]
    sources = page.eval_on_selector_all(".sources .source-title", "els => els.map(e => e.getAttribute('href'))")
    assert sources == [s["url"] for s in doc["sources"]]
    page.evaluate("window.scrollTo(0, 0)")
    path = _shot(page, "viewer-deep-dive.png")
    print(f"screenshot: {path}")

    page.click(".related .card >> nth=0")
    page.wait_for_function(
        f"() => document.querySelector('[data-doc]')?.dataset.doc === 'deep-dives/{doc['related'][0]['id']}'")
    assert page.inner_text("h1.story-title") == doc["related"][0]["title"]


def test_index_pages_list_the_cards_newest_first_with_their_figures(site, page):
    base, docs = site
    latest = docs["index/latest.json"]
    _open(page, f"{base}/")
    assert page.inner_text("h1.page-title") == "Latest stories"
    ids = page.eval_on_selector_all(".cards .card", "els => els.map(e => e.dataset.id)")
    assert ids == [item["id"] for item in latest["items"]]
    first = latest["items"][0]
    card = page.locator(".cards .card").first
    assert card.locator(".card-title").inner_text() == first["title"]
    assert card.locator(".snippet").inner_text() == first["snippet"]
    meta = card.locator(".card-meta").inner_text()
    assert f"{first['read_time_minutes']} min read" in meta and f"{first['source_count']} source" in meta
    assert card.locator(".labels li").all_inner_texts() == first["labels"]
    _shot(page, "viewer-latest.png")

    blindspots = docs["index/blindspots.json"]
    page.click("nav.sections a[href='#/index/blindspots']")
    page.wait_for_function("() => document.querySelector('[data-doc]')?.dataset.doc === 'index/blindspots'")
    labels = page.eval_on_selector_all(".cards .card .label.blindspot", "els => els.map(e => e.textContent)")
    assert labels == [item["blindspot"]["label"] for item in blindspots["items"]] and labels


def test_a_hostile_document_renders_as_text_and_never_runs(site, page):
    base, _ = site
    _open(page, f"{base}/#/deep-dives/hostile0")
    title = page.locator("h1.story-title")
    assert title.inner_text() == HOSTILE_TITLE
    assert title.evaluate("e => e.children.length") == 0  # text only: no <img>, no <script> element
    assert page.title() == f"{HOSTILE_TITLE} — newsdive"
    assert page.locator(".story-head .labels li").all_inner_texts() == ['<b onmouseover="window.__pwned=3">Center</b>']
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript'], a[href^='data:'], img, script:not([src])").count() == 0
    first_source = page.locator(".sources .source").first
    assert first_source.locator("a").count() == 0  # its javascript: URL is shown as no link at all
    page.hover("h1.story-title")
    page.hover(".story-head .labels li")
    assert page.evaluate("window.__pwned") is None and page.dialogs == []
    _shot(page, "viewer-hostile.png")


def test_the_server_serves_only_the_viewer_and_the_documents(site):
    import urllib.error
    import urllib.request

    base, _ = site
    with urllib.request.urlopen(f"{base}/") as response:  # noqa: S310 - our loopback server
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(f"{base}/index/latest.json") as response:  # noqa: S310
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(response.read())["kind"] == "latest"
    for path in ("/deep-dives/", "/../pyproject.toml", "/%2e%2e/%2e%2e/etc/passwd"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}{path}")  # noqa: S310
        caught.value.close()
        assert caught.value.code == 404
