"""Dates shown on a page whose markup states none, read in the page's language (our own pages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsdive.parse.extract import extract_article
from newsdive.parse.extract._dates import in_country, visible_datetime

BODY = {
    "de": "<p>Die neue Brücke über den Fluss ist am Freitag nach drei Jahren Bauzeit für den Verkehr freigegeben "
    "worden. Hunderte Anwohner kamen zur Eröffnung und feierten bis in den Abend.</p><p>Der Bürgermeister dankte "
    "den Arbeitern, die trotz zweier harter Winter pünktlich fertig geworden waren, und versprach einen Radweg.</p>",
    "fr": "<p>Le nouveau pont sur la rivière a été ouvert à la circulation vendredi après trois ans de travaux. Des "
    "centaines d’habitants sont venus à l’inauguration et ont fait la fête jusqu’au soir.</p><p>Le maire a remercié "
    "les ouvriers, qui ont tenu les délais malgré deux hivers rudes, et a promis une piste cyclable.</p>",
    "es": "<p>El nuevo puente sobre el río se abrió al tráfico el viernes tras tres años de obras. Cientos de vecinos "
    "acudieron a la inauguración y celebraron hasta la noche.</p><p>El alcalde agradeció a los obreros, que "
    "terminaron a tiempo pese a dos inviernos duros, y prometió un carril bici.</p>",
    "zh": "<p>河上的新桥经过三年施工，于周五正式通车。数百名居民前来参加通车仪式，一直庆祝到晚上。</p>"
    "<p>市长感谢了工人们，他们克服了两个寒冬按时完工，市长还承诺修建一条自行车道。</p>",
    "ja": "<p>川に架かる新しい橋が三年の工事を経て金曜日に開通した。数百人の住民が開通式に集まり、夜まで祝った。</p>"
    "<p>市長は二度の厳しい冬にもかかわらず期日通りに工事を終えた作業員に感謝し、自転車道の整備を約束した。</p>",
}


def page(language: str, dateline: str, *, extra: str = "") -> bytes:
    return (
        f'<html lang="{language}"><head><meta charset="utf-8"><title>Brücke</title></head><body>'
        f"<footer>© 2019–2026</footer><article><h1>Headline</h1><div class='meta'>{dateline}</div>{extra}"
        f"{BODY[language]}</article></body></html>"
    ).encode()


CEST = timezone(timedelta(hours=2))
CST = timezone(timedelta(hours=8))
SHOWN = [
    ("de", "Veröffentlicht am 24. April 2024, 13:45 Uhr", "DE", datetime(2024, 4, 24, 13, 45, tzinfo=CEST)),
    ("de", "Stand: 05.04.2025, 09:30 Uhr", "DE", datetime(2025, 4, 5, 9, 30, tzinfo=CEST)),
    ("fr", "Publié le 24 avril 2024 à 14h52", "FR", datetime(2024, 4, 24, 14, 52, tzinfo=CEST)),
    ("es", "Publicado el 28 de abril de 2024 a las 10:15 CEST", None, datetime(2024, 4, 28, 10, 15, tzinfo=CEST)),
    ("ja", "2024年4月24日 23時52分", "JP", datetime(2024, 4, 24, 23, 52, tzinfo=timezone(timedelta(hours=9)))),
    ("zh", "2024年04月24日23:52 | 来源：新华社", "TW", datetime(2024, 4, 24, 23, 52, tzinfo=CST)),
]


@pytest.mark.parametrize(("language", "dateline", "country", "expected"), SHOWN, ids=[s[1] for s in SHOWN])
def test_a_shown_date_and_time_is_read_in_the_pages_language(language, dateline, country, expected):
    art = extract_article(page(language, dateline), url="https://news.example.org/a", country=country)
    assert art.published_at == expected
    assert art.published_at.utcoffset() == expected.utcoffset()


def test_a_shown_time_without_an_offset_needs_the_outlets_country():
    art = extract_article(page("de", "24.04.2024, 13:45 Uhr"), url="https://news.example.org/a")
    assert art.published_at is None  # no offset on the page, no country: not placed
    spanning = extract_article(page("de", "24.04.2024, 13:45 Uhr"), url="https://news.example.org/a", country="US")
    assert spanning.published_at is None  # a country of several time zones cannot place it either


def test_a_bare_date_cannot_be_placed_to_the_minute():
    art = extract_article(page("de", "05.04.2025"), url="https://news.example.org/a", country="DE")
    assert art.published_at is None


def test_markup_dates_win_over_shown_ones():
    marked = '<time datetime="2024-04-20T08:00:00+02:00">20.04.2024</time>'
    art = extract_article(page("de", "24.04.2024, 13:45 Uhr", extra=marked), url="https://news.example.org/a",
                          country="DE")
    assert art.published_at == datetime(2024, 4, 20, 6, 0, tzinfo=UTC)


def test_a_naive_markup_time_is_placed_in_the_outlets_country_with_its_summer_time():
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-01-15T10:00:00"}</script>'
    art = extract_article(page("fr", "", extra=ld), url="https://news.example.org/a", country="FR")
    assert art.published_at == datetime(2024, 1, 15, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def test_no_other_languages_formats_are_tried():
    assert visible_datetime(["Published 12:20pm Jan 7, 2024"], "en") == datetime(2024, 1, 7, 12, 20)
    assert visible_datetime(["Veröffentlicht am 24. April 2024, 13:45 Uhr"], "fr") is None
    assert visible_datetime(["24. April 2024, 13:45 Uhr"], None) is None
    assert visible_datetime(["NZZ-Redaktion 18.07.2024, 11.08 Uhr 7 min"], "de") == datetime(2024, 7, 18, 11, 8)


def test_in_country_uses_the_offset_the_countrys_zones_agree_on():
    summer = datetime(2024, 7, 1, 12, 0)
    assert in_country(summer, "ES").utcoffset() == timedelta(hours=2)  # Madrid and Ceuta outvote the Canaries
    assert in_country(summer, "JP").utcoffset() == timedelta(hours=9)
    assert in_country(summer, "US") is None and in_country(summer, None) is None
