"""Our reading of wordfreq's lists gives wordfreq's own answers, to the last bit, and never imports it when it
need not (decisions/0021)."""

import subprocess
import sys
import unicodedata

import langcodes
import pytest
import regex
import wordfreq
from hypothesis import given, settings
from hypothesis import strategies as st
from wordfreq.language_info import get_language_info

from newsdive.aggregate.cluster.features import LANGUAGE_DISTANCE, frequency_language
from newsdive.language import word_frequencies as ours

PARITY_LANGUAGES = ("en", "de", "fr", "ru", "uk", "el", "pl")
CJK = ("ja", "zh")


def same(word: str, lang: str, wordlist: str = "small") -> None:
    assert repr(ours.zipf_frequency(word, lang, wordlist)) == repr(wordfreq.zipf_frequency(word, lang, wordlist)), word


def test_plain_languages_are_those_wordfreq_only_normalises_and_case_folds():
    plain = {"tokenizer": "regex", "normal_form": "NFC", "remove_marks": False, "dotless_i": False,
             "diacritics_under": None, "transliteration": None, "lookup_transliteration": None}
    found = {lang for lang in wordfreq.available_languages()
             if {k: v for k, v in get_language_info(lang).items() if k != "script"} == plain}
    assert found == ours.PLAIN_LANGUAGES


@pytest.mark.parametrize("wordlist", ["small", "large", "best"])
def test_available_languages_are_wordfreqs(wordlist):
    mine, theirs = ours.available_languages(wordlist), wordfreq.available_languages(wordlist)
    assert mine == theirs and list(mine) == list(theirs)  # the order langcodes is given them in


@pytest.mark.parametrize("lang", PARITY_LANGUAGES + CJK + ("tr", "ar"))
def test_frequency_dict_is_wordfreqs_in_the_same_order(lang):
    mine, theirs = ours.frequency_dict(lang, "small"), wordfreq.get_frequency_dict(lang, "small")
    assert mine == theirs and list(mine) == list(theirs)


def test_top_n_lists_are_wordfreqs():
    for lang in wordfreq.available_languages("small"):
        assert ours.top_n_list(lang, 100, "small") == wordfreq.top_n_list(lang, 100, "small"), lang
    assert ours.top_n_list("en", 5000, "large") == wordfreq.top_n_list("en", 5000, "large")


@pytest.mark.parametrize("lang", PARITY_LANGUAGES)
def test_every_listed_word_and_its_capitalised_forms_get_wordfreqs_zipf(lang):
    words = list(wordfreq.get_frequency_dict(lang, "small"))
    taken = sum(ours.lookup_tokens(word, lang) is not None for word in words)
    assert taken > 0.9 * len(words)  # the list, not the fallback, answers nearly all of them
    for i, word in enumerate(words):
        same(word, lang)
        same(word.title(), lang)
        if i % 7 == 0:
            same(word.upper(), lang)


def test_every_large_list_frequency_band_converts_as_wordfreq_does():
    seen: set[float] = set()
    for word, freq in wordfreq.get_frequency_dict("en", "large").items():
        if freq not in seen:
            seen.add(freq)
            same(word, "en", "large")
    assert len(seen) > 500


@pytest.mark.parametrize("word", [
    # case folding and normalisation
    "Straße", "STRASSE", "ẞ", "tschüß", "Größe", "nai\u0308ve", "ﬁnance", "ΛΈΞΙΣ", "λέξις", "Ὀδυσσεύς", "ǅ", "µ",
    "ＡＢＣ", "İstanbul", "ı", "I", "Ё", "и\u0306", "ΐ",
    # apostrophes, elisions, points, commas, hyphens, underscores
    "don't", "It’s", "i'm", "l'homme", "l’homme", "qu'il", "aujourd'hui", "d'alene", "y'all", "o'brien", "l'",
    "L'OTAN", "d'un", "qu'une", "l'étendue", "L'Élysée", "l’avana", "qu'il's", "l'a'b", "12'a", "ab'e'c",
    "rock'n'roll", "U.S.", "u.s.a", "e.g.", "a.5", "guinea-bissau", "Port-au-Prince", "antiguan,barbudan",
    "rt_com", "--", "'", "",
    # digits
    "2024", "1990s", "1.5", "10,000", "1,000,000", "3.14.15", "007", "G20", "2nd", "covid-19", "mp3", "1'000",
    "٢٠٢٤", "½", "x²",
    # other scripts, several words
    "日本", "two words", "ho\u00a0use", "\u00adhouse", "tod@s",
])
@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru", "el", "tr", "ro", "sh"])
def test_tricky_inputs_get_wordfreqs_answer(word, lang):
    same(word, lang)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="aehiouylmtqsß09éèÉ1дёAÄ'’.,- ", max_size=10), st.sampled_from(["en", "fr", "de"]))
def test_strings_of_letters_digits_and_marks_get_wordfreqs_answer(word, lang):
    same(word, lang)


def test_the_letters_taken_whole_are_unicode_aletters():
    """The rules `lookup_tokens` follows hold for Word_Break=ALetter characters: every letter it accepts is one."""
    aletter = regex.compile(r"\p{Word_Break=ALetter}")
    letters = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isalpha() and ours._letter(chr(c))]
    assert len(letters) > 1500
    assert [ch for ch in letters if not aletter.fullmatch(ch)] == []
    text = "".join(ch for ch in letters if ch.casefold() == ch == unicodedata.normalize("NFC", ch))
    assert wordfreq.tokenize(text, "en") == [text]


@pytest.mark.parametrize("lang", CJK + ("ko", "tr", "ro", "sh", "ar", "he", "hi"))
def test_languages_with_more_preprocessing_always_ask_wordfreq(lang):
    assert ours.lookup_tokens("word", lang) is None


def test_a_listed_language_serves_itself_as_langcodes_would_choose():
    available = list(wordfreq.available_languages())
    for lang in available:
        assert frequency_language(lang) == lang
        assert langcodes.closest_supported_match(lang, available, max_distance=LANGUAGE_DISTANCE) == lang


def test_the_common_path_does_not_import_wordfreq():
    probe = (
        "import sys\n"
        "from newsdive.language.word_frequencies import available_languages, top_n_list, zipf_frequency\n"
        "from newsdive.aggregate.cluster.features import idf\n"
        "assert 'en' in available_languages()\n"
        "top_n_list('de', 100, 'small')\n"
        "for word in ('house', \"don't\", 'U.S.', 'guinea-bissau', '2024', 'Straße'):\n"
        "    zipf_frequency(word, 'en', 'large')\n"
        "idf('house', 'en'), idf('maison', 'fr')\n"
        "loaded = sorted(m for m in ('wordfreq', 'ftfy', 'langcodes') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
