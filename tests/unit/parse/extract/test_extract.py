"""Behaviour of extract_article beyond the golden pages: errors, encodings, boilerplate, metadata rules."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import pytest

from newsdive.model.article import ExtractedArticle
from newsdive.model.errors import NoArticleError, NotHtmlError, PageTooLargeError
from newsdive.parse.extract import extract_article

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "extract"

BODY = (
    "<p>The town council met on Tuesday to discuss the future of the old swimming pool, which has been "
    "closed since a crack appeared in its floor two summers ago.</p>"
    "<p>Engineers told the meeting that a repair would cost less than a new building, but warned that the "
    "pumps and filters were also near the end of their working life.</p>"
    "<p>A decision is expected next month, after a public consultation that opens on Friday.</p>"
)


def page(body: str = BODY, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Pool</title>{head}</head>'
        f"<body><article>{body}</article></body></html>"
    )


# --- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        gzip.compress(page().encode()),
        b'{"title": "not a page", "body": "<p>json</p>"}',
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title></channel></rss>',
        b"just some plain words without any markup at all, no tags anywhere",
        b"",
        bytes(range(256)) * 4,
    ],
    ids=["pdf", "png", "jpeg", "gzip", "json", "rss", "plain-text", "empty", "binary"],
)
def test_non_html_bytes_raise_not_html(data: bytes):
    with pytest.raises(NotHtmlError):
        extract_article(data)


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "application/json", "text/css"])
def test_non_html_content_type_raises_not_html_even_for_html_bytes(content_type: str):
    with pytest.raises(NotHtmlError):
        extract_article(page().encode(), content_type=content_type)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/html", "TEXT/HTML; charset=UTF-8", "application/xhtml+xml", "application/octet-stream"],
)
def test_html_content_types_are_accepted(content_type: str | None):
    assert extract_article(page().encode(), content_type=content_type).paragraphs


def test_page_over_the_size_cap_raises_page_too_large():
    data = page().encode()
    with pytest.raises(PageTooLargeError):
        extract_article(data, max_bytes=len(data) - 1)
    assert extract_article(data, max_bytes=len(data)).paragraphs


def test_page_with_too_little_text_raises_no_article():
    with pytest.raises(NoArticleError):
        extract_article(page("<p>Coming soon.</p>").encode())


def test_gallery_of_captions_raises_no_article():
    figures = "".join(
        f'<figure><img src="/{i}.jpg"><figcaption>Photo {i} of the parade</figcaption></figure>' for i in range(20)
    )
    with pytest.raises(NoArticleError):
        extract_article(page(figures).encode())


def test_markup_without_body_text_raises_no_article():
    with pytest.raises(NoArticleError):
        extract_article(b"<html><head><title>x</title></head><body><div></div></body></html>")


# --- encodings -------------------------------------------------------------------------------------------
TEXT = (
    "Die Bürgerinnen und Bürger der Gemeinde können ab Montag über den Entwurf für den neuen Marktplatz "
    "abstimmen. Größere Änderungen gegenüber dem ersten Plan gibt es bei den Bäumen und den Sitzbänken, "
    "die nun entlang der Südseite stehen sollen, wo es nachmittags Schatten gibt."
)


def encoded_page(encoding: str, meta: str = "", text: str = TEXT, lang: str = "de") -> bytes:
    html = (
        f'<html lang="{lang}"><head>{meta}<title>t</title></head><body><div class="article-body">'
        f"<p>{text}</p><p>{text}</p></div></body></html>"
    )
    return html.encode(encoding)


def test_utf8_bom_wins_over_a_wrong_meta_charset():
    data = b"\xef\xbb\xbf" + encoded_page("utf-8", '<meta charset="iso-8859-1">')
    assert TEXT in extract_article(data).text


def test_utf16_with_bom_is_decoded():
    data = "\ufeff".encode("utf-16-le") + encoded_page("utf-16-le")
    assert TEXT in extract_article(data).text


def test_http_header_charset_is_used_when_the_page_declares_none():
    data = encoded_page("latin-1")
    assert TEXT in extract_article(data, content_type="text/html; charset=ISO-8859-1").text


def test_meta_http_equiv_charset_is_used():
    data = encoded_page("cp1252", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
    assert TEXT in extract_article(data).text


def test_latin1_label_decodes_windows_1252_punctuation():
    text = TEXT + " Sie sagte: \u201eEs ist gut so\u201c \u2013 und ging."
    data = encoded_page("cp1252", '<meta charset="ISO-8859-1">', text)
    assert "\u201eEs ist gut so\u201c \u2013" in extract_article(data).text


@pytest.mark.parametrize(
    ("encoding", "label", "text", "lang"),
    [
        (
            "gb18030",
            "gb2312",
            "市政府今天宣布，明年将在城市东部新建两所小学和一座公共图书馆，以满足不断增长的人口需求。" * 3,
            "zh",
        ),
        (
            "big5",
            "big5",
            "市政府今天宣布，明年將在城市東部新建兩所小學和一座公共圖書館，以滿足不斷增長的人口需求。" * 3,
            "zh",
        ),
        (
            "euc-kr",
            "euc-kr",
            "시청은 오늘 내년에 도시 동쪽에 초등학교 두 곳과 공공 도서관 한 곳을 새로 짓겠다고 발표했다. " * 2
            + "새 학교는 2년 안에 완공될 예정이다.",
            "ko",
        ),
        (
            "euc-jp",
            "euc-jp",
            "市は今日、来年に市の東部に小学校二校と公共図書館を新設すると発表した。人口の増加に対応するためだ。" * 3,
            "ja",
        ),
    ],
)
def test_legacy_cjk_encodings_declared_in_meta(encoding: str, label: str, text: str, lang: str):
    data = encoded_page(encoding, f'<meta charset="{label}">', text, lang)
    assert text in extract_article(data).text


def test_undeclared_legacy_encoding_is_detected():
    text = (
        "市政府今天宣布，明年将在城市东部新建两所小学和一座公共图书馆，以满足不断增长的人口需求。"
        "新学校预计在两年内完工，届时可以容纳大约三千名学生。图书馆将全天开放，并提供免费的网络服务。"
    ) * 3
    data = encoded_page("gb18030", "", text, "zh")
    assert text in extract_article(data).text


def test_undeclared_windows_1252_is_detected():
    text = (
        "Le conseil municipal a voté mardi la rénovation complète de l\u2019école élémentaire, fermée "
        "depuis l\u2019été dernier. Les travaux coûteront près de 3 millions d\u2019euros."
    ) * 2
    data = encoded_page("cp1252", "", text, "fr")
    assert text in extract_article(data).text


def test_wrong_utf8_declaration_on_windows_1252_bytes_still_reads_the_text():
    text = TEXT + " Caf\u00e9 \u00fcber alles \u2013 na ja."
    data = encoded_page("cp1252", '<meta charset="utf-8">', text)
    assert "Caf\u00e9 \u00fcber alles \u2013 na ja." in extract_article(data).text


def test_truncated_page_keeps_the_text_before_the_cut():
    data = encoded_page("utf-8")[:-60] + "ä".encode()[:1]
    article = extract_article(data)
    assert TEXT in article.text


# --- body ------------------------------------------------------------------------------------------------
def test_boilerplate_inside_the_article_is_dropped():
    body = (
        '<div class="share-bar"><a href="#">Share on Facebook</a><a href="#">Tweet</a></div>'
        + BODY
        + '<div class="newsletter-box"><p>Sign up to our weekly newsletter with the best of local news.</p>'
        + "</div>"
        + '<div class="related-links"><h3>Related</h3><ul><li><a href="/1">The pool opened in 1968 with '
        "great fanfare and a brass band</a></li></ul></div>"
        + '<div id="comments"><p>I learned to swim in that pool as a boy, and it would be a shame to lose it '
        "for good.</p></div>"
    )
    article = extract_article(page(body).encode())
    assert article.text.startswith("The town council met on Tuesday")
    assert (
        article.paragraphs[-1] == "A decision is expected next month, after a public consultation that opens on Friday."
    )
    for noise in ("Share on", "newsletter", "1968", "learned to swim"):
        assert noise not in article.text


def test_a_ukrainian_read_also_line_is_dropped():
    body = (
        "<p>Міська рада Тихоріччя у вівторок обговорила долю старого басейну, закритого відтоді, як два роки тому "
        "в його дні з'явилася тріщина.</p>"
        "<p>Читайте також: Мер пообіцяв відремонтувати парк до літа</p>"
        "<p>Інженери сказали, що ремонт коштуватиме менше за нову будівлю, але насоси й фільтри теж доведеться "
        "міняти найближчими роками.</p>"
        "<p>Рішення ухвалять наступного місяця, після громадського обговорення, яке почнеться в п'ятницю.</p>"
    )
    article = extract_article(page(body, lang="uk").encode())
    assert article.text.startswith("Міська рада Тихоріччя") and "Читайте також" not in article.text
    assert "Інженери сказали" in article.text


def test_pull_quote_repeating_body_text_is_dropped_and_whitespace_is_normalised():
    body = BODY.replace(
        "<p>A decision",
        "<blockquote><p>a repair would cost less than a new\n building</p></blockquote><p>A   decision\n\t",
    )
    article = extract_article(page(body).encode())
    assert "A decision is expected next month, after a public consultation that opens on Friday." in article.paragraphs
    assert not any(p.startswith("a repair would") for p in article.paragraphs)


def test_index_page_of_link_headlines_raises_no_article():
    cards = "".join(
        f'<div class="card"><h2><a href="/s/{i}">Headline number {i} about something that happened today in '
        f"the region</a></h2><p>A one-line summary of story {i}, written to make you click on it.</p></div>"
        for i in range(8)
    )
    head = '<head><meta property="og:type" content="website"></head>'
    html = f"<html>{head}<body><main>{cards}</main></body></html>"
    with pytest.raises(NoArticleError):
        extract_article(html.encode())


# --- metadata --------------------------------------------------------------------------------------------
def test_naive_published_time_takes_the_offset_of_another_page_date():
    head = (
        '<meta property="article:published_time" content="2024-03-01T09:30:00">'
        '<meta property="article:modified_time" content="2024-03-01T11:00:00+01:00">'
    )
    article = extract_article(page(head=head).encode())
    assert article.published_at is not None and article.published_at.utcoffset() == timedelta(hours=1)
    assert article.published_at.hour == 9


def test_naive_published_time_without_any_offset_is_left_empty():
    head = '<meta property="article:published_time" content="2024-03-01T09:30:00">'
    assert extract_article(page(head=head).encode()).published_at is None


def test_authors_are_person_names_without_by_roles_or_outlets():
    head = (
        '<meta property="og:site_name" content="Valley Gazette">'
        '<meta name="author" content="By ANNA KOWALSKI, Staff Writer and Valley Gazette">'
    )
    assert extract_article(page(head=head).encode()).authors == ["ANNA KOWALSKI"]


def test_relative_canonical_and_image_are_resolved_against_the_page_url():
    head = '<link rel="canonical" href="/news/pool"><meta property="og:image" content="//cdn.example.com/p.jpg">'
    article = extract_article(page(head=head).encode(), url="https://town.example.com/news/pool?ref=rss")
    assert article.canonical_url == "https://town.example.com/news/pool"
    assert article.image == "https://cdn.example.com/p.jpg"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("en_US", "en-US"), ("DE-de", "de-DE"), ("zh-hans-cn", "zh-Hans-CN"), ("pt-BR", "pt-BR")],
)
def test_language_is_normalised_to_bcp47(declared: str, expected: str):
    assert extract_article(page(lang=declared).encode()).language == expected


def test_language_is_guessed_from_the_text_when_nothing_declares_it():
    html = page().replace(' lang="en"', "")
    assert extract_article(html.encode()).language == "en"


@pytest.mark.parametrize(("head", "expected"), [
    ('<meta name="content_category" content="정치">', "정치"),
    ('<meta property="og:section" content="Sport">', "Sport"),
    ('<meta name="prism.section" content="Wissenschaft">', "Wissenschaft"),
    ('<meta name="mrf:sections" content="Economía;Empresas">', "Economía"),
    ('<meta name="category" content="Politique">', "Politique"),
    ('<meta name="content_category" content="정치"><meta property="article:section" content="사회">', "사회"),
    ('<meta name="category" content="Politique"><script type="application/ld+json">'
     '{"@type": "NewsArticle", "headline": "Pool", "articleSection": "Société"}</script>', "Société"),
], ids=["content_category", "og:section", "prism.section", "mrf:sections-list", "category",
        "article:section-first", "jsonld-articleSection-first"])
def test_section_is_read_from_fallback_tags_after_the_usual_ones(head: str, expected: str):
    assert extract_article(page(head=head).encode(), url="https://news.example.org/a/1").section == expected


def test_title_drops_the_outlet_suffix_of_the_html_title():
    head = '<meta property="og:site_name" content="Valley Gazette">'
    html = page(head=head).replace("<title>Pool</title>", "<title>Pool repairs weighed | Valley Gazette</title>")
    assert extract_article(html.encode()).title == "Pool repairs weighed"


def test_result_is_an_extracted_article_with_every_paragraph_stripped():
    article = extract_article(page().encode())
    assert isinstance(article, ExtractedArticle)
    assert all(p == p.strip() and "  " not in p for p in article.paragraphs)


# --- structures seen on real pages -----------------------------------------------------------------------
PARAS = [
    "The harbour master said the new pontoons would be ready before the summer season, weather permitting.",
    "Fishing crews, who have waited three years for the repairs, said they would believe it when they saw it.",
    "The council has set aside money for a second phase that would add a slipway for small boats and kayaks.",
    "Local businesses expect the work to bring more visitors, especially on weekends when the market is open.",
]


def test_article_split_into_chunks_with_the_same_class_is_read_whole():
    chunks = "".join(
        f'<div class="grid"><div class="body__chunk"><p>{p}</p><p>{p[::-1]}</p></div></div>'
        f'<div class="grid"><div class="ad-slot">Advertisement</div></div>'
        for p in PARAS
    )
    article = extract_article(f"<html><body><main>{chunks}</main></body></html>".encode())
    for p in PARAS:
        assert p in article.paragraphs


def test_data_table_rows_read_as_lines():
    rows = "".join(f"<tr><td>{i}</td><td>Team {i}</td><td>{30 - i}</td></tr>" for i in range(1, 6))
    body = BODY + f"<table><tr><th>Pos</th><th>Team</th><th>Points</th></tr>{rows}</table>"
    article = extract_article(page(body).encode())
    assert "Pos Team Points" in article.paragraphs
    assert "3 Team 3 27" in article.paragraphs


def test_article_nested_in_an_unclosed_aside_or_a_page_wide_form_is_kept():
    for wrapper in ('<aside class="hidden-xs">', '<form id="aspnetForm">'):
        html = f"<html><body><nav><a href='/'>Home</a></nav>{wrapper}<div>{BODY}</div></body></html>"
        assert extract_article(html.encode()).text.startswith("The town council met on Tuesday")


def test_layout_class_words_do_not_remove_the_article_container():
    body = f'<div class="sidebar-grid"><div class="sidebar-grid__content">{BODY}</div></div>'
    html = f'<html><body><div class="page-rail-layout comments-enabled">{body}</div></body></html>'
    assert extract_article(html.encode()).text.startswith("The town council met on Tuesday")


def test_jsonld_author_references_are_resolved_through_the_graph():
    ld = (
        '{"@context":"https://schema.org","@graph":[{"@type":"Article","headline":"Pool",'
        '"author":{"@id":"https://x.example/#/person/1"}},'
        '{"@type":"Person","@id":"https://x.example/#/person/1","name":"Dana Whitfield"}]}'
    )
    head = f'<script type="application/ld+json">{ld}</script>'
    assert extract_article(page(head=head).encode()).authors == ["Dana Whitfield"]


def test_news_agencies_and_image_credits_are_not_authors():
    head = '<meta name="author" content="(Image: Getty Images)"><meta name="author" content="Lena Park with AFP">'
    assert extract_article(page(head=head).encode()).authors == ["Lena Park"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fri Apr 28 19:20:36 CEST 2023", "2023-04-28T19:20:36+02:00"),
        ("2023-04-28T19:20+0200", "2023-04-28T19:20:00+02:00"),
        ("Fri, 28 Apr 2023 17:20:36 GMT", "2023-04-28T17:20:36+00:00"),
    ],
)
def test_published_time_formats_keep_their_offset(value: str, expected: str):
    head = f'<meta property="article:published_time" content="{value}">'
    assert extract_article(page(head=head).encode()).published_at.isoformat() == expected


def test_valid_utf8_wins_over_a_stale_legacy_charset_declaration():
    data = encoded_page("utf-8", '<meta charset="iso-8859-15">')
    assert TEXT in extract_article(data).text


def test_a_declared_english_language_is_overruled_by_clearly_other_text():
    html = f'<html lang="en"><body><article><p>{TEXT}</p><p>{TEXT[::-1]}</p><p>{TEXT}' + (
        " Und die Stadt sagt, dass sie mit den Bürgern reden will, bevor sie etwas tut.</p></article></body></html>"
    )
    assert extract_article(html.encode()).language == "de"


def _ld_body(text: str) -> str:
    import json

    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbour", "articleBody": text}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_short_paragraphs_missing_from_a_complete_jsonld_body_are_dropped():
    promo = "<p>Our podcast is back for a new season: listen wherever you get yours.</p>"
    body = "".join(f"<p>{p} {p}</p>" for p in PARAS[:3]) + promo + f"<p>{PARAS[3]} {PARAS[3]}</p>"
    ld = _ld_body("\n".join(f"{p} {p}" for p in PARAS))
    article = extract_article(page(body, head=ld).encode())
    assert len(article.paragraphs) == 4
    assert "podcast" not in article.text


def test_a_truncated_jsonld_body_confirms_nothing():
    promo = "<p>A short note on the harbour's opening hours during the works.</p>"
    body = "".join(f"<p>{p} {p}</p>" for p in PARAS) + promo
    ld = _ld_body(f"{PARAS[0]} {PARAS[0]} " * 3)
    article = extract_article(page(body, head=ld).encode())
    assert "opening hours" in article.text
