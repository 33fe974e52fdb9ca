from hypothesis import given
from hypothesis import strategies as st

from newsdive.language.plaintext import lead, plain, sentences, snippet


def test_plain_strips_markup_entities_and_control_characters():
    hostile = '<script>alert(1)</script><img src=x onerror="steal()">Fish &amp; chips\x00\x1b[31m\u200b'
    text = plain(hostile)
    assert "<" not in text and ">" not in text
    assert "\x00" not in text and "\x1b" not in text and "\u200b" not in text
    assert "Fish & chips" in text


@given(st.text(max_size=300) | st.text(st.sampled_from("ab \t\n\x00\x1f\x7f\x85\xa0\u00ad\u200b\u2028\u2029"
                                                       "\u3000\ue000\U000f0000\ufeffé€字"), max_size=60))
def test_the_printable_fast_path_drops_exactly_what_the_character_test_drops(text):
    from newsdive.language.plaintext import _drop_control, _drop_control_by_character

    control = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A)) + "\x7f"
    assert _drop_control(text) == _drop_control_by_character(text.translate(dict.fromkeys(map(ord, control))))


def test_sentences_keep_abbreviations_and_closing_quotes():
    assert sentences('Dr. Reyes spoke first. She said "no." Then 12 people left!') == [
        "Dr. Reyes spoke first.", 'She said "no."', "Then 12 people left!",
    ]


def test_lead_takes_whole_sentences_up_to_the_word_budget():
    paragraphs = ["One two three four five. Six seven eight nine ten.", "Eleven twelve."]
    assert lead(paragraphs, max_words=6) == "One two three four five."
    assert lead(paragraphs, max_words=100) == "One two three four five. Six seven eight nine ten. Eleven twelve."


def test_snippet_cuts_at_a_word_and_ends_with_an_ellipsis():
    text = "alpha " * 60
    cut = snippet(text, 160)
    assert len(cut) <= 160 and cut.endswith("…") and not cut.endswith(" …")
    assert snippet("short text", 160) == "short text"


@given(st.text(max_size=400))
def test_snippet_never_exceeds_its_limit(text):
    assert len(snippet(text, 160)) <= 160


# --- sentences and leads in other languages (our own sentences) ------------------------------------------------
def test_a_german_ordinal_does_not_end_a_sentence():
    text = "Der Verein spielt seit dem Sommer in der 2. Bundesliga. Am 3. Oktober empfängt er den Tabellenführer."
    assert sentences(text, "de") == [
        "Der Verein spielt seit dem Sommer in der 2. Bundesliga.",
        "Am 3. Oktober empfängt er den Tabellenführer.",
    ]


def test_a_score_or_a_time_before_a_full_stop_still_ends_a_german_sentence():
    assert sentences("Heller trifft zum 2:1. Trainerin Vogel jubelt.", "de") == ["Heller trifft zum 2:1.",
                                                                                 "Trainerin Vogel jubelt."]
    assert sentences("Das Spiel begann um 14.30. Danach regnete es.", "de") == ["Das Spiel begann um 14.30.",
                                                                                "Danach regnete es."]


def test_the_ordinal_rule_follows_the_guessed_language_when_none_is_given():
    german = (
        "Die Mannschaft aus dem Tal ist mit einem Sieg in die Saison gestartet und steht nach dem 2. Spieltag auf "
        "dem ersten Platz der Tabelle. Der Trainer ist mit der Leistung seiner Spieler sehr zufrieden."
    )
    assert len(sentences(german)) == 2
    english = "The club lost 3-2. It was the 2. Then the coach resigned after the match on Sunday."
    assert sentences(english, "en") == ["The club lost 3-2.", "It was the 2.", "Then the coach resigned after the "
                                                                             "match on Sunday."]


def test_initials_and_short_abbreviations_do_not_end_a_sentence_in_any_language():
    assert sentences("Laut Sprecher gilt das z. B. für Nr. 5 der Liste. Sie kam später.", "de") == [
        "Laut Sprecher gilt das z. B. für Nr. 5 der Liste.", "Sie kam später."]
    assert sentences("El Sr. García llegó el lunes. ¿Quién lo esperaba? Nadie.", "es") == [
        "El Sr. García llegó el lunes.", "¿Quién lo esperaba?", "Nadie."]
    assert sentences("M. Dupont a répondu. « Je viens », a-t-il dit. Élise est partie.", "fr") == [
        "M. Dupont a répondu.", "« Je viens », a-t-il dit.", "Élise est partie."]


def test_full_width_stops_end_sentences_without_a_space():
    assert sentences("新大桥今天通车了。市民们很高兴！明天会下雨吗？", "zh") == [
        "新大桥今天通车了。", "市民们很高兴！", "明天会下雨吗？"]
    assert sentences("新しい橋が開通した。「うれしい」と市長は話した。", "ja") == [
        "新しい橋が開通した。", "「うれしい」と市長は話した。"]


def test_sentences_in_caseless_and_other_cased_scripts():
    assert sentences("Мост открыли в пятницу. Жители довольны.", "ru") == [
        "Мост открыли в пятницу.", "Жители довольны."]
    assert sentences("पुल खुल गया। लोग खुश हैं।", "hi") == ["पुल खुल गया।", "लोग खुश हैं।"]
    assert sentences("افتتح الجسر اليوم. السكان سعداء.", "ar") == ["افتتح الجسر اليوم.", "السكان سعداء."]


def test_lead_skips_notices_datelines_and_headings_that_are_not_prose():
    paragraphs = [
        "Article réservé aux abonnés",
        "Uppdaterad 15.59 | Publicerad 14.14",
        "2min",
        "1 day ago Duncan Walker",
        "Le pont du lac a rouvert vendredi après trois ans de travaux. Les riverains étaient nombreux.",
    ]
    assert lead(paragraphs, language="fr") == (
        "Le pont du lac a rouvert vendredi après trois ans de travaux. Les riverains étaient nombreux.")
    assert lead(["Only a heading", "Another heading"]) == "Only a heading Another heading"  # nothing else to take


def test_lead_budget_counts_han_and_kana_text():
    paragraph = "新しい橋が開通した。" * 30
    assert len(lead([paragraph], max_words=20, language="ja")) < len(paragraph) // 2


_MIXED_SCRIPTS = "ab 1\u0301\u0e19\u0e49\u5927\u6865\u306e\uac00\u00a0\n"


@given(st.text(max_size=200) | st.text(st.sampled_from(_MIXED_SCRIPTS), max_size=60))
def test_word_counts_take_the_fast_path_only_where_it_answers_the_same(text):
    from newsdive.language.plaintext import (
        _split_counts,
        _split_counts_by_character,
        _word_set_by_character,
        word_set,
    )

    assert _split_counts(text) == _split_counts_by_character(text)
    assert word_set(text) == _word_set_by_character(text)
