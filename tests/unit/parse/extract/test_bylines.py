"""Authors from bylines shown on the page when no markup names them, in the page's language (our own pages)."""

from __future__ import annotations

import pytest

from newsdive.parse.extract import extract_article

BODY = {
    "de": "<p>Die neue Brücke über den Fluss ist am Freitag nach drei Jahren Bauzeit für den Verkehr freigegeben "
    "worden. Hunderte Anwohner kamen zur Eröffnung und feierten bis in den Abend.</p><p>Der Bürgermeister dankte "
    "den Arbeitern, die trotz zweier harter Winter pünktlich fertig geworden waren.</p>",
    "fr": "<p>Le nouveau pont sur la rivière a été ouvert à la circulation vendredi après trois ans de travaux. Des "
    "centaines d’habitants sont venus à l’inauguration.</p><p>Le maire a remercié les ouvriers, qui ont tenu les "
    "délais malgré deux hivers rudes.</p>",
    "es": "<p>El nuevo puente sobre el río se abrió al tráfico el viernes tras tres años de obras. Cientos de vecinos "
    "acudieron a la inauguración.</p><p>El alcalde agradeció a los obreros, que terminaron a tiempo pese a dos "
    "inviernos duros.</p>",
    "zh": "<p>河上的新桥经过三年施工，于周五正式通车。数百名居民前来参加通车仪式，一直庆祝到晚上。</p>"
    "<p>市长感谢了工人们，他们克服了两个寒冬按时完工，市长还承诺修建一条自行车道。</p>",
    "ja": "<p>川に架かる新しい橋が三年の工事を経て金曜日に開通した。数百人の住民が開通式に集まり、夜まで祝った。</p>"
    "<p>市長は二度の厳しい冬にもかかわらず期日通りに工事を終えた作業員に感謝し、自転車道の整備を約束した。</p>",
}

BYLINES = [
    ("en", '<p class="byline">By Anna Keller and Tom Reyes</p>', ["Anna Keller", "Tom Reyes"]),
    ("en", "<p>By Anna Keller and Tom Reyes</p>", ["Anna Keller", "Tom Reyes"]),
    ("de", "<p>Von Anna Keller und Tom Reyes</p>", ["Anna Keller", "Tom Reyes"]),
    ("fr", '<div class="auteur">Par Élise Martin et Hugo Bernard</div>', ["Élise Martin", "Hugo Bernard"]),
    ("fr", "<p>Par Élise Martin et Hugo Bernard</p>", ["Élise Martin", "Hugo Bernard"]),
    ("es", "<p>Por María López y Juan Pérez</p>", ["María López", "Juan Pérez"]),
    ("ja", '<span class="author">山田太郎</span>', ["山田太郎"]),
    ("zh", '<div class="author">张伟、李娜</div>', ["张伟", "李娜"]),
]
BODY["en"] = (
    "<p>The new bridge over the river opened to traffic on Friday after three years of works. Hundreds of "
    "residents came to the opening and celebrated into the evening.</p><p>The mayor thanked the workers, who "
    "finished on time despite two hard winters, and promised a cycle lane.</p>"
)


def page(language: str, byline: str) -> bytes:
    return (
        f'<html lang="{language}"><head><meta charset="utf-8"><title>Bridge</title></head><body><article>'
        f"<h1>Headline</h1>{byline}{BODY[language]}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(("language", "byline", "expected"), BYLINES, ids=[b[1] for b in BYLINES])
def test_a_shown_byline_names_the_authors(language: str, byline: str, expected: list[str]):
    assert extract_article(page(language, byline), url="https://news.example.org/a").authors == expected


def test_another_languages_by_word_is_not_a_byline():
    assert extract_article(page("fr", "<p>Von Anna Keller und Tom Reyes</p>"), url="https://x.example/a").authors == []
    assert extract_article(page("de", "<p>Por María López y Juan Pérez</p>"), url="https://x.example/a").authors == []


def test_a_sentence_opening_with_by_is_not_a_byline():
    assert extract_article(page("en", "<p>By Friday the Harbour Board had met twice.</p>"),
                           url="https://x.example/a").authors == []
    notice = page("fr", "<p>Par ailleurs, Le Conseil a voté.</p>")
    assert extract_article(notice, url="https://x.example/a").authors == []


def test_markup_authors_win_over_a_shown_byline():
    marked = '<meta name="author" content="Mara Quill"><p>By Anna Keller and Tom Reyes</p>'
    assert extract_article(page("en", marked), url="https://x.example/a").authors == ["Mara Quill"]
