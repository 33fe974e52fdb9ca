"""Every script: terms that fit it, IDF that never raises, word counts and reading time where words have no spaces.

Texts are our own sentences (see tests/fixtures/scripts for whole pages in Chinese, Japanese, Korean and Thai).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdive.aggregate.cluster import features
from newsdive.aggregate.cluster.features import FLAT_IDF, cosine, idf, ngrams, stem, term_vector, tokens
from newsdive.language.plaintext import (
    CHARACTERS_PER_MINUTE,
    WORDS_PER_MINUTE,
    leading_words,
    reading_minutes,
    sentences,
    word_count,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scripts"


def _terms(text: str, language: str) -> list[str]:
    return [t for t, _ in tokens(text, language)]


def test_chinese_runs_become_character_bigrams():
    assert _terms("大桥重新通车", "zh") == ["大桥", "桥重", "重新", "新通", "通车"]


def test_traditional_chinese_gives_the_same_terms_as_simplified():
    assert _terms("臺灣國際新聞", "zh") == _terms("台湾国际新闻", "zh")


def test_a_lone_han_or_hangul_character_is_a_term_but_a_lone_hiragana_or_thai_one_is_not():
    assert ngrams("美") == ["美"]
    assert ngrams("국") == ["국"]
    assert ngrams("は") == []
    assert ngrams("ก") == []


def test_japanese_runs_are_cut_where_the_script_changes():
    # 東京 (Han) | で (Hiragana) | サミット (Katakana, with the prolonged sound mark) | が | 開幕 (Han)
    assert _terms("東京でサミットが開幕", "ja") == ["東京", "サミ", "ミッ", "ット", "開幕"]


def test_korean_words_give_bigrams_so_a_word_with_two_particles_shares_its_stem_pair():
    with_i, with_eun = set(_terms("대통령이", "ko")), set(_terms("대통령은", "ko"))
    assert {"대통", "통령"} <= with_i & with_eun


def test_thai_bigrams_are_of_grapheme_clusters_so_no_term_starts_with_a_combining_mark():
    terms = _terms("น้ำท่วมหนัก", "th")
    assert terms and all(not ("\u0e31" <= t[0] <= "\u0e3a" or "\u0e47" <= t[0] <= "\u0e4e") for t in terms)
    assert "น้ำท่" in terms  # น้ำ and ท่ are clusters: a base letter with its marks


def test_latin_words_and_numbers_glued_to_a_han_run_are_kept():
    terms = _terms("G7峰会在2026年举行", "zh")
    assert "g7" in terms and "峰会" in terms and "2026" in terms


def test_devanagari_words_keep_their_vowel_signs():
    assert _terms("सरकार ने बैठक की", "hi") == ["सरकार", "ने", "बैठक", "की"]


def test_english_stop_words_apply_to_english_only():
    assert _terms("the will", "en") == []
    assert _terms("die Regierung will", "de") == ["die", "regierung", "will"]


def test_english_tokens_are_what_they_were():
    # The `regex` word pattern changed nothing for English (the cluster bench figures are the check at scale).
    assert _terms("The U.S. economy grew 1.1% in the first quarter, officials said Friday.", "en") == [
        "u.s", "economy", "grew", "1.1", "quarter", "officials"]
    assert _terms("held for 9½ minutes", "en") == ["held", "9½", "minutes"]  # a vulgar fraction is a digit, as before


def test_an_accent_written_as_a_combining_mark_is_the_same_word_as_the_precomposed_letter():
    assert _terms("Guillain-Barre\u0301 syndrome", "en") == _terms("Guillain-Barré syndrome", "en")


def test_stems_are_snowballs_for_its_languages_and_nothing_for_others():
    assert stem("tapering", "en") == "taper"
    assert stem("regierungen", "de") == stem("regierung", "de")
    assert stem("tapering", "zu") == "tapering"  # no Snowball stemmer for isiZulu: never English's
    assert stem("tapering", "vi") == "tapering"
    assert stem("ukuthi", "xx") == "ukuthi"
    assert stem("桥重", "zh") == "桥重"


@pytest.mark.parametrize("language", [
    "en", "de", "zh", "zh-Hant-TW", "ja", "ko", "th", "zu", "hi", "ar", "vi", "sr", "no", "xx", "x-klingon", "12",
    "", "-", "und", "mul"])
def test_idf_never_raises_and_is_positive(language):
    for term in ("大桥", "東京", "서울", "น้ำท่", "economy", "2026", "g7", "美"):
        value = idf(term, language)
        assert math.isfinite(value) and value > 0


def test_a_language_without_a_list_gets_a_flat_idf_not_englishs():
    assert idf("economy", "zu") == idf("abantu", "zu") == FLAT_IDF  # wordfreq alone would answer with English
    assert idf("นายก", "th") == FLAT_IDF
    assert idf("economy", "en") < idf("abantu", "en")


def test_chinese_japanese_and_korean_idf_needs_no_segmenter(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_segmenters(name, *args, **kwargs):
        if name.split(".")[0] in ("jieba", "MeCab", "mecab", "fugashi"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    features.idf.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_segmenters)
    try:
        common, rare = idf("我们", "zh"), idf("斜拉", "zh")
        assert common < rare
        assert idf("した", "ja") < idf("路面", "ja")
        assert idf("에서", "ko") < idf("풍력", "ko")
    finally:
        features.idf.cache_clear()


def test_a_pair_no_listed_word_contains_backs_off_to_its_rarer_character():
    # 京举 spans two words (东京 | 举行): it must not outweigh the words themselves as an unseen term would.
    assert idf("京举", "zh") < idf("京举", "xx") + 10  # finite
    assert idf("京举", "zh") < 7.5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["en", "zh", "ja", "ko", "th", "hi", "ar", "zu", "xx", None]))
def test_term_vector_never_raises_on_any_text_in_any_language(text, language):
    vector = term_vector(text[:40], text, language=language)
    assert all(math.isfinite(w) for w in vector.values())
    if vector:
        assert abs(math.sqrt(sum(w * w for w in vector.values())) - 1) < 1e-3


def test_chinese_headlines_of_one_event_match_and_of_another_do_not():
    a = term_vector("青石港跨海大桥重新通车", "大桥修复后重新向公众开放。", language="zh")
    b = term_vector("跨海大桥今天重新通车", "青石港大桥经过加固施工后通车。", language="zh")
    c = term_vector("南川市遭遇罕见暴雨", "三千多名居民紧急转移。", language="zh")
    assert cosine(a, b) > 0.3 > cosine(a, c)


def test_word_count_counts_characters_where_words_have_no_spaces():
    assert word_count("The bridge reopened on Monday") == 5
    assert word_count("大桥重新通车") == 6
    assert word_count("G7峰会 hello") == 4  # 峰, 会, G7, hello
    assert word_count("น้ำท่วม") == 5  # น ำ ท ว ม: the tone marks (combining) are not counted
    assert word_count("대통령이 서울에서 발언했다") == 3  # Korean has spaces: words


def test_reading_time_uses_the_rate_of_each_script():
    assert reading_minutes(["word " * WORDS_PER_MINUTE]) == pytest.approx(1.0)
    assert reading_minutes(["国" * CHARACTERS_PER_MINUTE["zh"]]) == pytest.approx(1.0)
    assert reading_minutes(["国の" * (CHARACTERS_PER_MINUTE["ja"] // 2)]) == pytest.approx(1.0, rel=0.01)
    assert reading_minutes(["กา" * (CHARACTERS_PER_MINUTE["other"] // 2)]) == pytest.approx(1.0, rel=0.01)


def test_leading_words_cuts_an_unspaced_run_by_characters():
    assert leading_words("one two three", 2) == "one two"
    assert leading_words("ab 大桥重新通车", 4) == "ab 大桥重"
    assert leading_words("x " * 500, 400) == " ".join(["x"] * 400)


def test_chinese_and_japanese_full_stops_end_sentences():
    expected = ["大桥重新通车。", "居民说「很好」。", "记者问：为什么？"]
    assert sentences("".join(expected)) == expected
    assert sentences("He left. She stayed.") == ["He left.", "She stayed."]


def test_every_fixture_page_goes_through_every_stage():
    """Our own pages in Chinese, Japanese, Korean, Thai and English: extraction, aggregate's compact form and a
    rendered deep dive, without an exception; read times in minutes that fit the script."""
    from newsdive_tools.bench.scripts import load_fixtures, run_stages

    pages = load_fixtures(FIXTURES)
    report, docs = run_stages(pages)
    assert report.errors == []
    assert [p.split("/")[-1] for p in report.no_article] == ["election-night-results.html"]  # the poison page
    assert {"Han", "Hangul", "Thai", "Latin"} <= set(report.by_script)
    assert {d.language for d in docs} == {"zh", "ja", "ko", "th"}
    for doc in docs:
        words = sum(word_count(p) for p in doc.paragraphs)
        if doc.language != "ko":  # Korean has spaces: its words are counted as words
            assert words > 100, doc.name  # characters counted, not one "word" per paragraph
