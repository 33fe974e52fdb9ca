"""Title choice: the generic rules between JSON-LD, OpenGraph, twitter, <h1> and <title>, and per-outlet rules."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdive.parse.extract import extract_article
from newsdive.parse.extract._outlets import RULES_FILE, TITLE_SOURCES, load_rules, outlet_rules, rule_for
from newsdive_tools.bench import metadata as bench_metadata

BODY = (
    "<p>The harbour's floating pontoons reopened on Saturday morning after three years of repairs, and the first "
    "boats tied up before the harbour master had finished cutting the ribbon.</p>"
    "<p>Fishing crews said the new moorings were sturdier than the old ones, though several complained that the "
    "fees had gone up by a third since the works began.</p>"
)
SITE = "Shore Courier"

# One title per source, each distinct, so a test can tell which source won. og:title and <title> carry the
# outlet's name as a suffix, as they often do.
SOURCES = {
    "jsonld:headline": "Harbour pontoons reopen after a three-year wait for repairs",
    "og:title": f"Pontoons back in the harbour at last | {SITE}",
    "twitter:title": "Harbour moorings open again",
    "meta:title": "Harbour pontoons reopen to boats",
    "h1": "Boats return as harbour pontoons reopen",
    "title": f"Harbour pontoons reopen after a three-year wait - {SITE}",
}


def page(sources: dict[str, str]) -> bytes:
    head = f'<meta property="og:site_name" content="{SITE}">'
    if "title" in sources:
        head += f"<title>{sources['title']}</title>"
    if "og:title" in sources:
        head += f'<meta property="og:title" content="{sources["og:title"]}">'
    if "twitter:title" in sources:
        head += f'<meta name="twitter:title" content="{sources["twitter:title"]}">'
    if "meta:title" in sources:
        head += f'<meta name="title" content="{sources["meta:title"]}">'
    if "jsonld:headline" in sources:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": sources["jsonld:headline"]}
        head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    heading = f"<h1>{sources['h1']}</h1>" if "h1" in sources else ""
    html = f'<html lang="en"><head><meta charset="utf-8">{head}</head><body><article>{heading}{BODY}</article>'
    return (html + "</body></html>").encode()


def title(sources: dict[str, str], url: str = "https://news.example.org/harbour/pontoons") -> str:
    return extract_article(page(sources), url=url).title


# --- generic choice ---------------------------------------------------------------------------------------
def test_jsonld_headline_wins_when_only_a_social_title_differs():
    assert title(SOURCES) == SOURCES["jsonld:headline"]


def test_heading_and_og_title_agreeing_overrule_the_jsonld_headline():
    shown = "Boats return as harbour pontoons reopen"
    sources = {**SOURCES, "og:title": f"{shown} | {SITE}", "h1": shown}
    assert title(sources) == shown


def test_heading_agreeing_with_the_headline_keeps_it_against_og_and_twitter():
    social = "Harbour moorings open again"
    sources = {**SOURCES, "og:title": social, "twitter:title": social, "h1": SOURCES["jsonld:headline"]}
    assert title(sources) == SOURCES["jsonld:headline"]


def test_without_a_headline_the_title_most_sources_agree_on_wins():
    sources = {k: v for k, v in SOURCES.items() if k != "jsonld:headline"}
    sources["twitter:title"] = sources["h1"]
    assert title(sources) == sources["h1"]


def test_quote_style_follows_the_spelling_most_sources_use_and_the_html_title_on_a_tie():
    curly, straight = "Fishers call the new fees \u2018steep\u2019", "Fishers call the new fees 'steep'"
    base = {"jsonld:headline": curly, "h1": curly, "og:title": f"{straight} | {SITE}"}
    assert title({**base, "title": f"{straight} | {SITE}"}) == straight  # two against two: <title> decides
    assert title({**base, "title": "Shore Courier: harbour news"}) == curly  # two against one


def test_byline_after_the_outlet_suffix_is_cut_with_it():
    headline = "Harbour pontoons reopen after a three-year wait"
    assert title({"og:title": f"{headline} | {SITE} | by Mara Quill", "h1": "Latest"}) == headline


def test_a_by_phrase_that_is_part_of_the_headline_stays():
    headline = "The harbour choir's last concert | By the sea"
    assert title({"og:title": headline, "h1": headline}) == headline



# --- outlet names cut with any separator, in any language --------------------------------------------------
# (site name, <title>, expected title): our own pages in German, French, Spanish, Chinese and Japanese.
OUTLET_TITLES = [
    ("Der Talbote", "Der Talbote :: Neue Brücke über die Lahn eröffnet", "Neue Brücke über die Lahn eröffnet"),
    ("Der Talbote", "Neue Brücke über die Lahn eröffnet >> Der Talbote", "Neue Brücke über die Lahn eröffnet"),
    ("Le Courrier du Lac", "Le pont du lac rouvre enfin – Le Courrier du Lac", "Le pont du lac rouvre enfin"),
    ("Le Courrier du Lac", "Le Courrier du Lac: Le pont du lac rouvre enfin", "Le pont du lac rouvre enfin"),
    ("El Faro del Sur", "El puerto reabre tras tres años de obras ~ El Faro del Sur",
     "El puerto reabre tras tres años de obras"),
    ("东方晨报", "新大桥今日通车--东方晨报", "新大桥今日通车"),
    ("北浜新聞", "新しい橋が開通｜北浜新聞", "新しい橋が開通"),
    ("Shore Courier", "Shore Courier » Harbour pontoons reopen", "Harbour pontoons reopen"),
]


def _titled(site: str, html_title: str, lang: str) -> bytes:
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><meta property="og:site_name" content="{site}">'
        f"<title>{html_title}</title></head><body><article>{BODY}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(("site", "html_title", "expected"), OUTLET_TITLES, ids=[t[1] for t in OUTLET_TITLES])
def test_outlet_name_is_cut_from_a_title_with_any_separator(site: str, html_title: str, expected: str):
    assert extract_article(_titled(site, html_title, "de"), url="https://news.example.org/a/1").title == expected


def test_a_colon_prefix_stays_when_it_is_not_the_outlet_name():
    headline = "Brexit: what the new customs rules mean for harbour traders"
    assert extract_article(_titled("Shore Courier", headline, "en"), url="https://news.example.org/a").title == (
        headline
    )


def test_symbols_inside_a_title_are_not_separators():
    headline = "Salt & Pepper + friends open a harbour café"
    page = _titled("Pepper", headline, "en")
    assert extract_article(page, url="https://news.example.org/a").title == headline

# --- a section or outlet name joined to the title by a bare dash -------------------------------------------
def _sectioned(html_title: str, section: str, *, key: str = 'name="content_category"', lang: str = "ko",
               site: str = "바다일보", heading: str = "") -> bytes:
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><meta property="og:site_name" content="{site}">'
        f'<meta {key} content="{section}"><title>{html_title}</title></head>'
        f"<body><article>{f'<h1>{heading}</h1>' if heading else ''}{BODY}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(("html_title", "section", "expected"), [
    ("시의회, 버스 요금 동결안 통과-정치ㅣ바다일보", "정치", "시의회, 버스 요금 동결안 통과"),
    ("시의회, 버스 요금 동결안 통과-정치", "정치", "시의회, 버스 요금 동결안 통과"),
    ("Neue Brücke über die Lahn eröffnet-Politik | Der Talbote", "Politik", "Neue Brücke über die Lahn eröffnet"),
    ("시의회, 버스 요금 동결안 통과-바다일보", "정치", "시의회, 버스 요금 동결안 통과"),
], ids=["section-and-outlet", "section-only", "latin-section", "outlet-joined"])
def test_a_section_or_outlet_joined_by_a_bare_dash_is_cut(html_title: str, section: str, expected: str):
    site = "Der Talbote" if "Talbote" in html_title else "바다일보"
    assert extract_article(_sectioned(html_title, section, site=site), url="https://news.example.org/a/1").title == (
        expected
    )


@pytest.mark.parametrize("html_title", [
    "Kestrel Bay council argues over the sea-wall",  # a hyphenated word ends the title
    "Harbour cases fall for a third week: Covid-19",
    "The valley and the rise of fake-news",  # "news" is the domain's first label, not a name the page gives itself
])
def test_a_title_ending_in_a_hyphenated_word_is_not_cut(html_title: str):
    page = _sectioned(html_title, "Politics", key='property="article:section"', lang="en", site="Shore Courier")
    assert extract_article(page, url="https://news.example.org/a/1").title == html_title


def test_a_dash_suffix_the_visible_heading_carries_stays():
    shown = "Ten years of Kestrel Bay-Politics"
    page = _sectioned(shown, "Politics", key='property="article:section"', lang="en", site="Shore Courier",
                      heading=shown)
    assert extract_article(page, url="https://news.example.org/a/1").title == shown


# --- outlet rules -----------------------------------------------------------------------------------------
RULES = load_rules()


def test_rules_file_names_only_known_sources_each_with_a_reason():
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    assert data["outlets"], "no rules"
    for domain, rule in data["outlets"].items():
        assert domain == domain.lower() and not domain.startswith("www.") and "." in domain
        assert rule["title"]["sources"] and set(rule["title"]["sources"]) <= TITLE_SOURCES, domain
        assert len(rule["title"]["why"]) > 20, domain
    assert set(RULES) == set(data["outlets"])  # none dropped by the loader


@pytest.mark.parametrize("domain", sorted(RULES))
def test_outlet_rule_takes_the_title_from_its_source_with_the_suffix_cut(domain: str):
    first = RULES[domain]["title"]["sources"][0]
    url = f"https://www.{domain}/news/2024/harbour-pontoons"
    expected = SOURCES[first].removesuffix(f" | {SITE}").removesuffix(f" - {SITE}")
    assert title(SOURCES, url) == expected
    with outlet_rules(False):
        assert title(SOURCES, url) == SOURCES["jsonld:headline"]  # the generic choice on the same page


def test_outlet_rule_falls_back_to_its_next_source_then_to_the_generic_choice():
    domain = next(d for d, r in RULES.items() if len(r["title"]["sources"]) > 1)
    first, second = RULES[domain]["title"]["sources"][:2]
    url = f"https://{domain}/a/1"
    without_first = {k: v for k, v in SOURCES.items() if k != first}
    assert title(without_first, url) == SOURCES[second].removesuffix(f" | {SITE}").removesuffix(f" - {SITE}")
    bare = {k: v for k, v in SOURCES.items() if k not in RULES[domain]["title"]["sources"]}
    with outlet_rules(False):
        generic = title(bare, url)
    assert title(bare, url) == generic


def test_outlet_rule_skips_a_source_that_holds_only_the_outlet_name():
    domain = next(d for d, r in RULES.items() if r["title"]["sources"] == ["og:title"])
    sources = {**SOURCES, "og:title": SITE}
    with outlet_rules(False):
        generic = title(sources, f"https://{domain}/x")
    assert title(sources, f"https://{domain}/x") == generic == SOURCES["jsonld:headline"]


def test_rules_match_subdomains_and_the_canonical_url_but_not_lookalike_domains():
    domain = sorted(RULES)[0]
    assert rule_for(f"https://edition.{domain}/x") is RULES[domain]
    assert rule_for(None, f"https://{domain}/x") is RULES[domain]
    assert rule_for(f"https://not{domain}/x") is None
    assert rule_for(f"https://{domain}.example.net/x") is None
    with outlet_rules(False):
        assert rule_for(f"https://{domain}/x") is None


# --- bench -------------------------------------------------------------------------------------------------
def test_metadata_bench_reports_title_with_and_without_outlet_rules(tmp_path: Path, capsys):
    domain = next(d for d, r in RULES.items() if r["title"]["sources"][0] == "og:title")
    url = f"https://www.{domain}/news/harbour"
    (tmp_path / "uk").mkdir()
    (tmp_path / "uk" / "Shore_2024_05_02.html.gz").write_bytes(gzip.compress(page(SOURCES)))
    truth = {"V1": {"title": "Pontoons back in the harbour at last"}}
    (tmp_path / "uk" / "Shore.json").write_text(json.dumps(truth))
    manifest = [
        {
            "country": "uk",
            "publisher": "Shore",
            "html": "uk/Shore_2024_05_02.html.gz",
            "expected": "uk/Shore.json",
            "version_key": "V1",
            "url": url,
        }
    ]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert bench_metadata.main(["--dataset", str(tmp_path), "--json", "--tools", "newsdive"]) == 0
    scores = json.loads(capsys.readouterr().out)["tools"]["newsdive"]
    assert scores["title"] == 1.0
    assert scores["title_without_outlet_rules"] == 0.0
