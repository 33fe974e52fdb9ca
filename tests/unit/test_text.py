from hypothesis import given
from hypothesis import strategies as st

from newsdive.text import lead, plain, sentences, snippet


def test_plain_strips_markup_entities_and_control_characters():
    hostile = '<script>alert(1)</script><img src=x onerror="steal()">Fish &amp; chips\x00\x1b[31m\u200b'
    text = plain(hostile)
    assert "<" not in text and ">" not in text
    assert "\x00" not in text and "\x1b" not in text and "\u200b" not in text
    assert "Fish & chips" in text


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
