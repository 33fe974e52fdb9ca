"""The real-web bench's own logic, on a tiny dataset of our own pages in the fundus-news-pages layout: the local
web it builds, how it reads each page's journey from the log, the dead letters and the deep dives, the label
table, the goals, and one whole run on moto."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from newsdive.model.catalog import parse_catalog
from newsdive_tools.bench import realweb

HARBOUR = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>Island ferry adds dawn crossings for summer - Harbour Courier</title>
<meta property="article:published_time" content="2026-05-02T07:30:00+01:00"></head><body><article>
<h1>Island ferry adds dawn crossings for summer</h1>
<p>The island ferry will run two extra crossings on summer weekends, the operator Tidewater Lines said on Saturday,
after queues at the harbour grew longer every weekend of last season.</p>
<p>The first boat will leave Port Merrow at six in the morning, an hour earlier than it does now, and the last will
return shortly before midnight, giving day visitors four more hours on the island.</p>
<p>Harbour master Elin Varga said the quay could take the extra sailings without new moorings, although the car
park would be reorganised so that foot passengers board first.</p>
<p>Shop owners on the island welcomed the change and said the late return would let restaurants stay open longer
through July and August.</p></article></body></html>"""

QUAY = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Tidewater Lines to run earlier and later island sailings</title>
<meta property="article:published_time" content="2026-05-02T09:10:00+01:00"></head><body><article>
<h1>Tidewater Lines to run earlier and later island sailings</h1>
<p>Tidewater Lines will add a dawn sailing and a late return to the island ferry timetable on summer weekends, the
company announced on Saturday at Port Merrow.</p>
<p>The operator said the island ferry had turned away foot passengers on busy weekends last season and that the extra
crossings would add room for about nine hundred people a day.</p>
<p>Harbour master Elin Varga told the Quay Gazette that the quay needs no new moorings for the added sailings, only a
new order for boarding the car park queue.</p>
<p>Island restaurants expect to stay open later on weekends once the late ferry runs from July.</p></article>
</body></html>"""

NORDBOTE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Stadtrat beschließt neue Radwege am Hafen</title>
<meta property="article:published_time" content="2026-05-03T11:00:00+02:00"></head><body><article>
<h1>Stadtrat beschließt neue Radwege am Hafen</h1>
<p>Der Stadtrat von Nordhafen hat am Sonntag mit großer Mehrheit beschlossen, entlang der Hafenstraße zwei neue
Radwege anzulegen, die im kommenden Frühjahr fertig sein sollen.</p>
<p>Die Bauarbeiten beginnen nach Angaben der Verwaltung im Herbst und sollen den Verkehr auf der Hauptstraße nur an
wenigen Tagen einschränken, weil die meisten Arbeiten nachts stattfinden.</p>
<p>Anwohner hatten sich seit Jahren über gefährliche Kreuzungen beschwert und begrüßten den Beschluss in der
Sitzung, die bis spät in den Abend dauerte.</p></article></body></html>"""

GALLERY = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Bilder des Tages</title></head>
<body><h1>Bilder des Tages</h1><figure><img src="/hafen.jpg" alt=""><figcaption>Der Hafen am Morgen.</figcaption>
</figure></body></html>"""


def write_dataset(root: Path) -> Path:
    """Four pages of our own in the layout of the real set (manifest.json, gzipped HTML, expected JSON)."""
    pages = [
        ("uk", "HarbourCourier", "2026_05_02", "V1", HARBOUR,
         "https://www.harbour-courier.example/2026/05/02/island-ferry-dawn-crossings",
         {"title": "Island ferry adds dawn crossings for summer", "publishing_date": "2026-05-02 07:30:00+01:00"}),
        ("uk", "QuayGazette", "2026_05_02", "V1", QUAY, "https://quay-gazette.example/news/ferry-sailings?ref=rss",
         {"title": "Tidewater Lines to run earlier and later island sailings",
          "publishing_date": "2026-05-02 09:10:00+01:00"}),
        ("de", "Nordbote", "2026_05_03", "V1", NORDBOTE, "https://www.nordbote.example/politik/radwege-am-hafen/",
         {"title": "Stadtrat beschließt neue Radwege am Hafen", "publishing_date": "2026-05-03 11:00:00+02:00"}),
        ("de", "Nordbote", "2026_05_04", "V1_1", GALLERY, "https://www.nordbote.example/bilder/tages-%C3%BCbersicht",
         {"title": "Bilder des Tages", "publishing_date": "2026-05-04 08:00:00+02:00"}),
    ]
    manifest, expected = [], {}
    for country, publisher, date, version, html, url, fields in pages:
        (root / country).mkdir(parents=True, exist_ok=True)
        (root / country / f"{publisher}_{date}.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
        paragraphs = [p for p in html.split("<p>")[1:]]
        expected.setdefault((country, publisher), {})[version] = {
            **fields, "body": {"summary": [], "sections": [{"headline": [], "paragraphs": paragraphs}]}}
        manifest.append({"country": country, "publisher": publisher, "html": f"{country}/{publisher}_{date}.html.gz",
                         "expected": f"{country}/{publisher}.json", "version_key": version, "url": url,
                         "crawl_date": f"{date.replace('_', '-')} 12:00:00.000000", "title_found_in_html": True})
    for (country, publisher), versions in expected.items():
        (root / country / f"{publisher}.json").write_text(json.dumps(versions), encoding="utf-8")
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


CATALOG = parse_catalog({"format": 1, "outlets": [
    {"id": "harbour-courier", "name": "Harbour Courier", "homepage": "https://www.harbour-courier.example/",
     "domains": ["harbour-courier.example"], "bias": "lean-left"}]})


def test_a_missing_dataset_is_reported_and_not_an_error(tmp_path, capsys):
    assert realweb.main(["--dataset", str(tmp_path / "absent")]) == 0
    assert "dataset not found" in capsys.readouterr().out


def test_pages_are_read_with_their_language_and_expected_fields(tmp_path):
    pages = realweb.load_pages(write_dataset(tmp_path / "set"))
    assert [(p.publisher, p.language) for p in pages] == [
        ("HarbourCourier", "en"), ("QuayGazette", "en"), ("Nordbote", "de"), ("Nordbote", "de")]
    assert pages[0].title == "Island ferry adds dawn crossings for summer"
    assert pages[0].expected_chars > 300 and pages[0].served_url.startswith("http://www.harbour-courier.example/")
    assert pages[1].served_url == "http://quay-gazette.example/news/ferry-sailings?ref=rss"


def test_the_web_serves_each_page_at_its_host_and_path_with_one_feed_and_source_per_publisher(tmp_path):
    pages = realweb.load_pages(write_dataset(tmp_path / "set"))
    sites, sources_file = realweb.build_web(pages, tmp_path / "web", catalog=CATALOG)
    assert (sites / "www.harbour-courier.example/2026/05/02/island-ferry-dawn-crossings/index.html").read_bytes() \
        == HARBOUR.encode()
    assert (sites / "www.nordbote.example/bilder/tages-übersicht/index.html").is_file()  # percent-decoded, as served
    assert (sites / "www.nordbote.example/politik/radwege-am-hafen/index.html").is_file()
    feed = (sites / "www.nordbote.example" / realweb.FEED_NAME).read_text(encoding="utf-8")
    assert feed.count("<item>") == 2 and "<title>Stadtrat beschließt neue Radwege am Hafen</title>" in feed
    assert "<link>http://www.nordbote.example/politik/radwege-am-hafen/</link>" in feed
    assert "<pubDate>Sun, 03 May 2026 11:00:00 +0200</pubDate>" in feed
    sources = {s["id"]: s for s in json.loads(sources_file.read_text(encoding="utf-8"))}
    assert sources["harbourcourier"] == {
        "id": "harbourcourier", "name": "HarbourCourier", "homepage": "http://www.harbour-courier.example/",
        "bias": "lean-left", "feeds": [f"http://www.harbour-courier.example/{realweb.FEED_NAME}"],
        "country": "GB", "language": "en"}
    assert (sources["nordbote"]["bias"], sources["nordbote"]["country"], sources["nordbote"]["language"]) == (
        "unrated", "DE", "de")
    from newsdive_tools.sources_file import load_sources

    assert len(load_sources(sources_file)) == 3  # a valid sources file


def _log(tmp_path: Path, entries: list[dict]) -> Path:
    log = tmp_path / "run.log"
    log.write_text("\n".join(json.dumps(e) for e in entries) + "\nnot json\n", encoding="utf-8")
    return log


def test_each_pages_journey_is_read_from_the_log_dead_letters_and_deep_dives(tmp_path):
    from newsdive.model.article import url_id
    from newsdive.scrape.urls import canonicalize_url

    pages = realweb.load_pages(write_dataset(tmp_path / "set"))
    ids = [url_id(canonicalize_url(p.served_url)) for p in pages]
    canonical_id = "c" * 32  # parse named the first page's article by its canonical URL
    log = _log(tmp_path, [
        *({"message": "page stored", "service": "scrape", "article_id": i, "function_request_id": "s1"}
          for i in ids),
        {"message": "article parsed", "service": "parse", "article_id": canonical_id, "key": f"raw/{ids[0]}.html",
         "function_request_id": "p1"},
        {"message": "article parsed", "service": "parse", "article_id": ids[2], "key": f"raw/{ids[2]}.html",
         "function_request_id": "p1"},
        {"message": "record failed", "service": "parse", "error": "NoArticleError", "raw_key": f"raw/{ids[3]}.html",
         "article_id": ids[3], "reason": f"raw/{ids[3]}.html: 12 characters of body text", "message_id": "m-3",
         "function_request_id": "p1"},
        {"message": "article assigned", "service": "aggregate", "article_id": canonical_id, "story_id": "s-a",
         "function_request_id": "a1"},
        {"message": "record failed", "service": "aggregate", "error": "ModuleNotFoundError", "article_id": ids[2],
         "reason": "No module named 'MeCab'", "message_id": "m-2", "function_request_id": "a1"},
        {"message": "story published", "service": "publish", "story_id": "s-a", "function_request_id": "u1"},
        # held on every receive of a FIFO queue: in its DLQ, where a look cannot reach it (the log tells)
        *({"message": "record failed", "service": "aggregate", "error": "OrderHeldError", "article_id": ids[1],
           "reason": f"held behind an earlier article of the batch: {ids[2]}", "message_id": "m-1",
           "receive_count": n, "function_request_id": "a1"} for n in (1, 2, 3)),
        {"message": "record failed", "service": "aggregate", "error": "OrderHeldError", "article_id": ids[0],
         "reason": "held", "message_id": "m-0", "receive_count": 1, "function_request_id": "a0"},  # then passed
    ])
    out = tmp_path / "out"
    (out / "deep-dives").mkdir(parents=True)
    (out / "deep-dives" / "s-a.json").write_text(json.dumps(
        {"id": "s-a", "sources": [{"article_id": canonical_id, "url": "https://www.harbour-courier.example/x"}]}))
    dead = {"parse": [{"message_id": "m-3", "subject": f"raw page raw/{ids[3]}.html", "error": "NoArticleError",
                       "reason": "too short"}],
            "aggregate": [{"message_id": "m-2", "subject": "body 'x'", "error": "ModuleNotFoundError",
                           "reason": "No module named 'MeCab'"},
                          {"message_id": "m-9", "subject": "stream records 1..2", "error": None, "reason": None}]}
    seconds = {"s1": 4.0, "p1": 3.0, "a1": 2.0, "u1": 1.0, "schedule-1": 0.5}
    outcomes, rest = realweb.page_outcomes(pages, out, log, dead, seconds, receives={"aggregate": 3})

    assert [(o.stored, o.parsed, o.published) for o in outcomes] == [
        (True, True, True), (True, False, False), (True, True, False), (True, False, False)]
    assert outcomes[3].no_article and not outcomes[2].no_article
    assert outcomes[2].reasons() == ["aggregate: ModuleNotFoundError: No module named 'MeCab'"]
    assert outcomes[3].reasons() == ["parse: NoArticleError: raw/<id>.html: 12 characters of body text"]
    assert outcomes[1].reasons() == ["aggregate: OrderHeldError: held behind an earlier article of the batch: <id>"]
    assert [d["error"] for d in outcomes[2].dead_letters] == ["ModuleNotFoundError"]  # tied by its message id
    assert [d["error"] for d in outcomes[3].dead_letters] == ["NoArticleError"]  # tied by its raw key
    assert [(d["queue"], d["from_log"], d["receive_count"]) for d in outcomes[1].dead_letters] == [
        ("aggregate", True, 3)]
    assert outcomes[0].dead_letters == []  # failed once, then published: no dead letter
    assert rest["dead_letters"] == [{"queue": "aggregate", "from_log": False, "subject": "stream records 1..2",
                                     "error": None, "reason": None, "receive_count": None}]
    # each invocation's seconds shared among the pages its log lines name; the rest belongs to no page
    assert round(outcomes[0].seconds, 3) == round(1 + 1 + 2 / 3 + 1, 3)  # s1/4 + p1/3 + a1/3 + u1 (its story)
    assert rest["shared_seconds"] == 0.5

    table = realweb.pipeline_table(pages, outcomes)
    assert list(table) == ["de", "en"]  # most pages first, then by name
    assert {k: table["de"][k] for k in ("pages", "stored", "parsed", "published", "no_article", "failed",
                                        "dead_letters", "stories")} == {
        "pages": 2, "stored": 2, "parsed": 1, "published": 0, "no_article": 1, "failed": 2, "dead_letters": 2,
        "stories": 0}
    assert table["de"]["countries"] == {"de": 2} and table["en"]["countries"] == {"uk": 2}
    assert table["de"]["dead_letter_errors"] == {"aggregate: ModuleNotFoundError": 1, "parse: NoArticleError": 1}
    assert table["en"]["dead_letter_errors"] == {"aggregate: OrderHeldError": 1}
    goals = realweb.goals(table, {}, rest["dead_letters"])
    assert goals["every_page_with_an_article_published"] == {"met": False, "published": 1, "pages_with_an_article": 3}
    assert goals["no_dead_letters_but_no_article_pages"] == {"met": False, "other_dead_letters": 3}
    no_article_only = {"de": {**table["de"], "published": 1, "dead_letter_errors": {"parse: NoArticleError": 1}},
                       "en": {**table["en"], "published": 2, "dead_letter_errors": {}}}
    assert all(g["met"] for g in realweb.goals(no_article_only, {}, []).values())
    assert not realweb.goals(no_article_only, {}, [], unread_dead_letters=1)["no_dead_letters_but_no_article_pages"][
        "met"]


def test_a_failed_scrape_counts_against_the_sources_unstored_pages_and_a_failed_publish_against_its_story(tmp_path):
    from newsdive.model.article import url_id
    from newsdive.scrape.urls import canonicalize_url

    pages = realweb.load_pages(write_dataset(tmp_path / "set"))
    ids = [url_id(canonicalize_url(p.served_url)) for p in pages]
    log = _log(tmp_path, [
        {"message": "record failed", "service": "scrape", "error": "FeedParseError", "reason": "not a feed",
         "source_id": "harbourcourier", "message_id": "m-s"},
        {"message": "source scraped", "service": "scrape", "source_id": "quaygazette", "errors": ["http://q/f.xml"],
         "stored": 0},
        {"message": "page stored", "service": "scrape", "article_id": ids[2]},
        {"message": "article assigned", "service": "aggregate", "article_id": ids[2], "story_id": "s-n"},
        {"message": "record failed", "service": "publish", "error": "ValidationError", "reason": "bad title",
         "story_id": "s-n", "sequence_number": "7"},
    ])
    (tmp_path / "out").mkdir()
    outcomes, _ = realweb.page_outcomes(pages, tmp_path / "out", log, {})
    assert outcomes[0].reasons() == ["scrape: FeedParseError: not a feed"]
    assert outcomes[1].reasons() == ["scrape: feed not read: http://q/f.xml"]
    assert outcomes[2].reasons() == ["publish: ValidationError: bad title"]
    assert outcomes[3].reasons() == ["not stored, in no published story; no failure logged"]


def test_slugs_are_readable_only_with_letters_and_no_word_cut_at_a_dropped_letter():
    assert realweb.slug_readable("wie-gefahrlich-ist-das-abc12345", "abc12345ffff", "Wie gefährlich ist das")
    assert realweb.slug_readable("wie-gefährlich-ist-das-abc12345", "abc12345ffff", "Wie gefährlich ist das")
    assert not realweb.slug_readable("wie-gef-hrlich-ist-das-abc12345", "abc12345ffff", "Wie gefährlich ist das")
    assert not realweb.slug_readable("abc12345ffff", "abc12345ffff", "Путин выиграл выборы")
    assert not realweb.slug_readable("2026-abc12345", "abc12345ffff", "2026 год")
    assert realweb.slug_readable("putin-vyigral-vybory-abc12345", "abc12345ffff", "Путин выиграл выборы")


def test_english_methods_count_only_on_other_languages_and_an_unnamed_score_is_vaders():
    assert realweb.english_method_on_other_text("de", {"method": "vader", "score": -0.6, "label": "negative"})
    assert realweb.english_method_on_other_text("de", {"score": -0.6, "label": "negative"})  # before `method`
    assert not realweb.english_method_on_other_text("de", {"method": None, "score": None, "label": "unknown"})
    assert not realweb.english_method_on_other_text("de", {"method": "xlm-sentiment", "score": 0.2})
    assert not realweb.english_method_on_other_text("en", {"method": "vader", "score": 0.2})


def test_the_label_table_and_its_goals(tmp_path):
    pages = [realweb.Page("A", "de", f"https://a.example/{i}", b"", language="de") for i in range(4)]
    pages.append(realweb.Page("B", "uk", "https://b.example/1", b"", language="en"))
    outcomes = [realweb.Outcome(stories={f"s{i}"}) for i in range(4)] + [realweb.Outcome(stories={"e1"})]
    out = tmp_path / "out"
    (out / "deep-dives").mkdir(parents=True)
    docs = [
        {"id": "s0ffffffff", "slug": "rat-beschliesst-radwege-s0ffffff", "title": "Rat beschließt Radwege",
         "category": "general", "regions": ["Germany"], "sentiment": {"score": -0.6, "label": "negative"},
         "key_players": [{"name": "Elin Varga"}, {"name": "Beweisaufnahme"}]},
        {"id": "s1ffffffff", "slug": "s1ffffffff", "title": "Über Öl", "category": "politics", "regions": [],
         "sentiment": {"method": None, "score": None, "label": "unknown"}, "key_players": []},
        {"id": "s2ffffffff", "slug": "neue-br-cke-s2ffffff", "title": "Neue Brücke", "category": "local",
         "regions": [], "sentiment": {"method": "vader", "score": 0.1, "label": "neutral"}},
        {"id": "s3ffffffff", "slug": "wahl-s3ffffff", "title": "Wahl", "category": "politics", "language": "de-AT",
         "regions": ["Austria"], "sentiment": {"method": "lexicon-de", "score": 0.3, "label": "positive"}},
        {"id": "e1ffffffff", "slug": "ferry-e1ffffff", "title": "Ferry", "category": "general", "regions": [],
         "sentiment": {"method": "vader", "score": 0.3, "label": "positive"}},
    ]
    for doc, name in zip(docs, ["s0", "s1", "s2", "s3", "e1"], strict=True):
        (out / "deep-dives" / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    outcomes = [realweb.Outcome(stories={d["id"]}) for d in docs]
    labels_file = tmp_path / "players.json"
    labels_file.write_text(json.dumps({"de": {"Elin Varga": "person", "Beweisaufnahme": "other"}}))
    table = realweb.label_table(pages, outcomes, out, realweb.load_player_labels(labels_file))
    de, en = table["de"], table["en"]
    assert (de["stories"], de["general"], de["general_share"]) == (4, 1, 0.25)
    assert de["methods"] == {"n/a": 1, "none": 1, "vader": 1, "lexicon-de": 1}  # no field / no method applied
    assert de["english_method_on_other_text"] == 2  # the unnamed score and the named VADER
    assert (de["with_regions"], de["regions"]) == (2, {"Germany": 1, "Austria": 1})
    assert (de["readable_slugs"], de["unreadable_slugs"]) == (2, ["s1ffffffff", "neue-br-cke-s2ffffff"])
    assert (de["players_judged"], de["players_names"], de["players_name_share"]) == (2, 1, 0.5)
    assert en["stories"] == 1 and en["english_method_on_other_text"] == 0
    goals = realweb.goals({}, table, [])
    assert goals["general_at_most_10_percent"] == {"met": False, "languages_over": ["de"]}  # en has < 3 stories
    assert goals["no_english_method_on_other_text"] == {"met": False, "stories": 2}
    assert goals["every_slug_readable"] == {"met": False, "readable": 3, "stories": 5}


def test_a_whole_run_on_our_own_pages(tmp_path, capsys):
    """The bench end to end on moto: the three pages with an article are published (the two English reports
    of one ferry story together), the photo page is the pipeline's "no article" and excused."""
    dataset = write_dataset(tmp_path / "set")
    assert realweb.main(["--dataset", str(dataset), "--workdir", str(tmp_path / "work"), "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result == json.loads((tmp_path / "work" / "figures.json").read_text(encoding="utf-8"))
    en, de = result["languages"]["en"], result["languages"]["de"]
    assert (en["pages"], en["stored"], en["parsed"], en["published"], en["failed"]) == (2, 2, 2, 2, 0)
    assert (de["pages"], de["published"], de["no_article"], de["failed"]) == (2, 1, 1, 1)
    assert list(de["reasons"]) == ["parse: NoArticleError: " + next(iter(de["reasons"])).split(": ", 2)[2]]
    assert de["dead_letter_errors"] == {"parse: NoArticleError": 1}
    assert en["stories"] == 1 and de["stories"] == 1 and en["seconds"] > 0
    assert result["goals"]["every_page_with_an_article_published"]["met"]
    assert result["goals"]["no_dead_letters_but_no_article_pages"]["met"]
    assert set(result["labels"]) == {"en", "de"}


def test_the_labelled_key_player_sample_kept_with_the_fixtures_loads_with_known_kinds():
    """tests/fixtures/realweb/key-players.json: names the real pages' stories gave as key players, labelled by
    hand (person, organisation, place, other), for `newsdive bench realweb --players`."""
    path = Path(__file__).resolve().parents[3] / "fixtures" / "realweb" / "key-players.json"
    labels = realweb.load_player_labels(path)
    assert labels is not None and len(labels) >= 60
    assert set(labels.values()) <= {"person", "organisation", "place", "other"}
    assert labels["beweisaufnahme"] == "other" and labels["keir starmer"] == "person"  # case-insensitive
