"""Sentiment that is true or says it does not know, and the language of articles, stories and feeds.

The texts are our own (tests/fixtures/multilingual/choir.json): one joyful event told in English, German, French,
Spanish, Chinese and Japanese.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from newsdive.aggregate.bias import BlindspotRule
from newsdive.aggregate.sentiment import COVERAGE, NOT_COVERED, Reading, language_of, method_for, mix, read
from newsdive.aggregate.stage import Aggregator, assign, member_of
from newsdive.model.article import Article, SourceRef, url_id
from newsdive.model.documents import json_schemas
from newsdive.model.sources import Bias, Side
from newsdive.model.story import StoryRecord, recompute, story_from_doc, story_language, story_sentiment
from newsdive.publish.render import card, deep_dive, labels, to_json
from newsdive.publish.syndication import feed_language, rss_feed
from newsdive.storage.memory import MemoryCandidateIndex, MemoryStoryRepository

from ..factories import T0

TEXTS = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "multilingual" / "choir.json")
                   .read_text(encoding="utf-8"))
LANGUAGES = ("en", "de", "fr", "es", "zh", "ja")
OTHERS = ("de", "fr", "es", "zh", "ja")


@pytest.fixture(autouse=True)
def _terms_without_jieba(monkeypatch):
    """Clustering terms are not under test here. On main, wordfreq's Chinese tokenizer needs jieba (not installed),
    which the i16 scripts work replaces; until then Chinese terms are weighed with English frequencies."""
    import newsdive.aggregate.stage as aggregate

    real = aggregate.term_vector

    def term_vector(title, body, *, language=None, **kw):
        try:
            return real(title, body, language=language, **kw)
        except ModuleNotFoundError:
            return real(title, body, language="en", **kw)

    monkeypatch.setattr(aggregate, "term_vector", term_vector)


def text(lang: str) -> str:
    return f"{TEXTS[lang]['title']}. {TEXTS[lang]['lead']}"


def choir(lang: str, *, outlet: str = "o", bias: Bias = Bias.CENTER, declared: str | None = "same",
          hours: float = 0) -> Article:
    """The choir story as an article of `outlet`, its page declaring `declared` ("same": its own language)."""
    url = f"https://{outlet}.example/{lang}/{hours}"
    return Article(
        id=url_id(url), url=url, title=TEXTS[lang]["title"], paragraphs=[TEXTS[lang]["lead"]],
        language=lang if declared == "same" else declared,
        source=SourceRef(id=outlet, name=outlet.title(), bias=bias, language=lang),
        published_at=T0 + timedelta(hours=hours), word_count=len(TEXTS[lang]["lead"].split()),
    )


# -- the method and its languages --------------------------------------------------------------------------


def test_vader_covers_english_only_and_names_itself():
    assert dict(COVERAGE) == {"vader": frozenset({"en"})}
    assert method_for("en") == method_for("en-GB") == method_for("EN_us") == "vader"
    assert all(method_for(lang) is None for lang in (*OTHERS, None, "", "mul", "english"))
    joyful = read(text("en"), "en")
    assert joyful.method == "vader" and joyful.score is not None and joyful.score > 0.05
    assert joyful.label == "positive"
    assert read("The fire destroyed the school and killed two people.", "en").label == "negative"


@pytest.mark.parametrize("lang", OTHERS)
def test_other_languages_get_no_score_and_an_unknown_label(lang):
    assert read(text(lang), lang) == NOT_COVERED == Reading(None, "unknown", None)


def test_an_english_lexicon_never_reads_german():
    # VADER alone reads German "die" as the English verb: this headline would score about -0.6.
    assert read("Der Präsident gewinnt die Wahl", "de").score is None
    assert read(text("de"), "de").label == "unknown"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_undeclared_language_is_guessed_from_the_text(lang):
    assert language_of(None, text(lang)) == lang
    assert language_of("pt-BR", text(lang)) == "pt-BR"  # the extracted language wins when known


def test_english_is_never_assumed_for_text_too_short_to_tell():
    assert language_of(None, "Great win tonight") is None
    assert read("Great win tonight", language_of(None, "Great win tonight")) == NOT_COVERED


def test_mixing_takes_the_mean_of_the_scored_readings_only():
    assert mix([Reading(0.5, "positive", "vader"), NOT_COVERED, Reading(-0.1, "negative", "vader")]) == Reading(
        0.2, "positive", "vader")
    assert mix([NOT_COVERED, NOT_COVERED]) == mix([]) == NOT_COVERED


# -- members and stories -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_member_carries_its_language_and_its_methods_reading(lang):
    member = member_of(choir(lang))
    assert member.language == lang
    if lang == "en":
        assert member.sentiment_method == "vader" and member.sentiment > 0.05
    else:
        assert member.sentiment is None and member.sentiment_method is None
        assert member.reading.label == "unknown"


def test_a_page_without_a_declared_language_is_judged_by_its_text():
    assert member_of(choir("en", declared=None)).sentiment_method == "vader"
    german = member_of(choir("de", declared=None))
    assert german.language == "de" and german.sentiment is None


def test_a_story_mixes_only_its_covered_members_and_says_so_per_side():
    members = [member_of(choir("en", outlet="a", bias=Bias.CENTER)),
               member_of(choir("de", outlet="b", bias=Bias.LEFT, hours=1)),
               member_of(choir("fr", outlet="c", bias=Bias.LEFT, hours=2))]
    s = story_sentiment(members)
    english = members[0].sentiment
    assert (s.score, s.label, s.method, s.scored) == (english, "positive", "vader", 1)
    assert s.by_side == {Side.CENTER: english}  # a side none of whose articles is scored has no number
    left = s.sides[Side.LEFT]
    assert (left.score, left.label, left.method, left.scored, left.articles) == (None, "unknown", None, 0, 2)
    assert s.sides[Side.CENTER].method == "vader"


def _story(*articles: Article) -> StoryRecord:
    members = {m.article_id: m for m in map(member_of, articles)}
    return recompute(StoryRecord(story_id=articles[0].id, members=members), BlindspotRule())


def test_the_tone_label_says_unknown_rather_than_guess():
    german_left = _story(choir("de", outlet="a", bias=Bias.LEFT), choir("de", outlet="b", bias=Bias.LEFT, hours=1),
                         choir("en", outlet="c", bias=Bias.CENTER, hours=2))
    assert labels(german_left)[0] == "Left · tone unknown"
    english_center = _story(choir("en", outlet="a", bias=Bias.CENTER), choir("ja", outlet="b", bias=Bias.LEFT))
    assert labels(english_center)[0] == "Balanced Positive"  # one outlet each: the overall tone, English only
    unrated = _story(choir("zh", outlet="a", bias=Bias.UNRATED))
    assert labels(unrated) == ["Unrated · tone unknown"]
    assert unrated.sentiment.score is None and unrated.sentiment.label == "unknown"


def test_the_storys_language_is_its_majority_language_else_mul_else_unknown():
    def members(*langs):
        return [member_of(choir(lang, outlet=f"o{i}", hours=i)) for i, lang in enumerate(langs)]

    assert story_language(members("de", "de", "en")) == "de"
    assert story_language(members("de", "en")) == "mul"
    assert story_language(members("de", "en", "fr")) == "mul"
    unknown = member_of(choir("en", declared=None)).model_copy(update={"language": None})
    assert story_language([unknown]) is None
    assert story_language([unknown, *members("es")]) == "es"
    assert story_language([m.model_copy(update={"language": "en-GB"}) for m in members("en", "en")]) == "en"


# -- records stored before methods were named --------------------------------------------------------------


def _legacy(story: StoryRecord) -> str:
    """The story as the previous version stored it: VADER's score on every member, no language, no method."""
    data = json.loads(story.model_dump_json())
    for m in data["members"].values():
        del m["language"], m["sentiment_method"]
        m["sentiment"] = -0.4295
    data["sentiment"] = {"score": -0.4295, "label": "negative", "by_side": {"center": -0.4295}}
    return json.dumps(data)


def test_old_stored_stories_load_and_keep_a_legacy_score_only_for_english_text():
    story = _story(choir("de", outlet="a"), choir("en", outlet="b", hours=1))
    old = story_from_doc(_legacy(story))
    by_outlet = {m.outlet_id: m for m in old.members.values()}
    assert by_outlet["a"].sentiment is None and by_outlet["a"].language == "de"
    assert by_outlet["b"].sentiment == -0.4295 and by_outlet["b"].sentiment_method == "vader"
    # The story's tone is recomputed from the checked members, not taken from the old record.
    assert (old.sentiment.score, old.sentiment.method, old.sentiment.scored) == (-0.4295, "vader", 1)
    assert old.sentiment.sides[Side.CENTER].articles == 2
    # Loaded again after a save, nothing changes.
    assert story_from_doc(old.model_dump_json()) == old


# -- published documents and feeds -------------------------------------------------------------------------


@pytest.fixture
def stories():
    # One store per language: the versions of one event may rightly join one story (Chinese and Japanese share
    # Han terms), and each language's document is what is checked here.
    out = {}
    for i, lang in enumerate(LANGUAGES):
        repo, index = MemoryStoryRepository(), MemoryCandidateIndex()
        agg = Aggregator(stories=repo, index=index, sleep=lambda _s: None)
        out[lang] = repo.get(assign(choir(lang, outlet=f"news-{lang}", hours=i), agg).story_id)
    return out


def test_deep_dive_publishes_languages_and_methods_and_validates(stories):
    validator = jsonschema.Draft202012Validator(json_schemas()["deep-dive.schema.json"])
    for lang, story in stories.items():
        doc = json.loads(to_json(deep_dive(story, [])))
        validator.validate(doc)
        assert doc["language"] == lang and all(s["language"] == lang for s in doc["sources"])
        assert card(story).language == lang
        if lang == "en":
            assert doc["sentiment"]["method"] == "vader" and doc["sentiment"]["label"] == "positive"
            assert doc["sources"][0]["sentiment"]["method"] == "vader"
        else:
            assert doc["sentiment"]["score"] is None and doc["sentiment"]["label"] == "unknown"
            assert doc["sentiment"]["method"] is None and doc["sentiment"]["scored"] == 0
            assert doc["sources"][0]["sentiment"] == {"score": None, "label": "unknown", "method": None}
            assert "tone unknown" in doc["labels"][0]


def test_rss_language_follows_the_stories_it_serves(stories):
    from lxml import etree

    def language(records):
        body = rss_feed("latest", records, base_url="https://news.example", feed_path="feeds/latest.xml")
        element = etree.fromstring(body).find("channel/language")
        return None if element is None else element.text

    assert language([stories["de"]]) == "de" == feed_language([stories["de"]])
    assert language([stories["en"]]) == "en"
    assert language([stories["de"], stories["fr"]]) is None  # several languages: no single <language>
    assert language([]) is None


def test_a_run_on_paragraph_is_scored_in_bounded_work(monkeypatch):
    """VADER's cost grows with the square of a sentence's length (a 450 KB run-on paragraph takes minutes): the
    scorer only ever sees bounded sentences, so a page that is one giant sentence cannot time out the function."""
    from newsdive.aggregate import sentiment

    seen: list[str] = []
    real = sentiment._analyzer()

    class Recording:
        def polarity_scores(self, text):
            seen.append(text)
            return real.polarity_scores(text)

    monkeypatch.setattr(sentiment, "_analyzer", lambda: Recording())
    text = " ".join(["the committee approved the wonderful plan and the people cheered"] * 4000)  # ~40,000 words
    assert sentiment.compound(text) > 0
    assert seen and max(len(t.split()) for t in seen) <= sentiment.MAX_SENTENCE_WORDS
    many = ". ".join(f"Sentence {i} is fine" for i in range(500)) + "."
    seen.clear()
    sentiment.compound(many)
    assert len(seen) == sentiment.MAX_SENTENCES
