"""Render stories as published documents: the deep dive, the cards of the index feeds, RSS feeds and the sitemap.

Rendering is a pure function of the stored story records: no clock, no randomness, sorted keys, so the same
state always gives byte-identical documents (and unchanged documents are not rewritten). Story-level times are
published in UTC; a source entry keeps the time as its outlet published it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache

from newsdive.aggregate.bias import blindspot_label
from newsdive.aggregate.classify import regions as find_regions
from newsdive.aggregate.cluster.features import cosine
from newsdive.aggregate.sentiment import SentimentLabel
from newsdive.language.plaintext import WORDS_PER_MINUTE, plain, reading_minutes, safe_url, sentences, snippet  # noqa: F401 - WORDS_PER_MINUTE re-exported
from newsdive.model.documents import (
    ArticleSentiment,
    Blindspot,
    Card,
    DeepDive,
    IndexPage,
    KeyPlayer,
    Paragraph,
    Section,
    SideSentiment,
    SourceEntry,
    StorySentiment,
    TocEntry,
    schema_path,
)
from newsdive.model.sources import Side, side_of
from newsdive.model.story import Member, StoryRecord, story_language
from newsdive.publish.summarize import ExtractiveSummarizer, Summarizer, is_dateline, summary_paragraphs

PAGE_SIZE = 20
KEY_PLAYERS = 6
FEED_ITEMS = 50
_SIDE_NAMES = {Side.LEFT: "Left", Side.CENTER: "Center", Side.RIGHT: "Right"}
_SIDE_ADJ = {Side.LEFT: "left-leaning", Side.CENTER: "center", Side.RIGHT: "right-leaning"}
EXTRACTIVE = ExtractiveSummarizer()


_SLUG_WORDS = 10
_SLUG_CHARS = 120  # of the words part; a word of an unspaced script (Thai...) is cut at 40 characters


def _ascii_words(title: str) -> list[str]:
    """The title's words in ASCII: letters and digits of any script are transliterated (anyascii: Han by
    syllable, Hangul, kana, Cyrillic, Devanagari, Arabic, Greek, accented Latin by letter); everything else separates
    words. ASCII letters and digits are kept as they are, so an ASCII title's words are the same as before."""
    import unicodedata

    out: list[str] = []
    for ch in plain(title):
        if ch.isascii():
            out.append(ch.lower() if ch.isalnum() else " ")
            continue
        category = unicodedata.category(ch)
        if category[0] not in "LMN":  # punctuation, symbols (£, €, ™), spaces: a separator as before
            out.append(" ")
            continue
        from anyascii import anyascii  # per-block tables, loaded on first use

        latin = anyascii(ch)
        # A Han ideograph is one syllable of a text written without spaces: a word of its own.
        alone = unicodedata.name(ch, "").startswith("CJK ") and "IDEOGRAPH" in unicodedata.name(ch, "")
        latin = re.sub(r"[^a-z0-9]+", " " if alone else "", latin.lower())
        out.append(f" {latin} " if alone else latin)
    return [w[:40] for w in "".join(out).split()]


def slugify(title: str, story_id: str) -> str:
    """`words-of-the-title-<first 8 of the id>`: at most 10 words and 120 characters of [a-z0-9-], any script
    transliterated to Latin letters (see `_ascii_words`); the bare id when the title has no letter or digit."""
    words: list[str] = []
    for word in _ascii_words(title)[:_SLUG_WORDS]:
        if words and len("-".join([*words, word])) > _SLUG_CHARS:
            break
        words.append(word[:_SLUG_CHARS])
    return "-".join(words) + f"-{story_id[:8]}" if words else story_id


def deep_dive_path(story_id: str) -> str:
    return f"deep-dives/{story_id}.json"


def utc(when: datetime | None) -> datetime | None:
    return when.astimezone(UTC) if when is not None else None


def _instant(member: Member) -> tuple[float, str]:
    """Timeline order: by the real instant (offsets differ between outlets), undated last, then by id."""
    return (member.published_at.timestamp() if member.published_at else math.inf, member.article_id)


def _blindspot(story: StoryRecord) -> Blindspot | None:
    return Blindspot(side=story.blindspot, label=blindspot_label(story.blindspot)) if story.blindspot else None


def _tone(name: str, tone: SentimentLabel) -> str:
    """"Center Neutral", or "Center · tone unknown" when no method covers the articles' language."""
    return f"{name} · tone unknown" if tone == "unknown" else f"{name} {tone.capitalize()}"


def labels(story: StoryRecord) -> list[str]:
    """Short tags a reader sees at a glance: the dominant side and that side's tone (e.g. "Center Neutral"),
    "Balanced ..." when sides tie (overall tone), and the blindspot label. A tone no method could read is said
    to be unknown ("Left · tone unknown"), never guessed."""
    dist = story.bias
    if dist.rated:
        best = max(dist.share(s) for s in Side)
        leaders = [s for s in (Side.LEFT, Side.CENTER, Side.RIGHT) if dist.share(s) == best]
        if len(leaders) == 1:
            side = leaders[0]
            of_side = story.sentiment.sides.get(side)
            first = _tone(_SIDE_NAMES[side], of_side.label if of_side else "unknown")
        else:
            first = _tone("Balanced", story.sentiment.label)
    else:
        first = _tone("Unrated", story.sentiment.label)
    out = [first]
    if story.blindspot:
        out.append(blindspot_label(story.blindspot) or "")
    return out


def representative(members: Sequence[Member], centroid: dict[str, float]) -> Member:
    return max(members, key=lambda m: (round(cosine(m.vector, centroid), 6), -len(m.article_id), m.article_id))


def _para(text: str, m: Member | None = None) -> Paragraph:
    if m is None:
        return Paragraph(text=text)
    return Paragraph(text=text, outlet_id=m.outlet_id, outlet=m.outlet, url=safe_url(m.url))


def _sides_paragraphs(story: StoryRecord, members: list[Member]) -> list[Paragraph]:
    out: list[Paragraph] = []
    for side in (Side.LEFT, Side.CENTER, Side.RIGHT):
        of_side = [m for m in members if side_of(m.bias) == side]
        if not of_side:
            out.append(_para(f"{_SIDE_NAMES[side]}: no {_SIDE_ADJ[side]} outlet among the sources covered this story."))
            continue
        m = representative(of_side, story.centroid)
        first = sentences(plain(m.lead), m.language)[:1]
        text = f"{_SIDE_NAMES[side]}: “{plain(m.title)}”" + (f" {first[0]}" if first else "")
        out.append(_para(text, m))
    unrated = [m for m in members if side_of(m.bias) is None]
    if unrated:
        names = ", ".join(sorted({plain(m.outlet) for m in unrated}))
        out.append(_para(f"Also covered by outlets without a bias rating: {names}."))
    return out


# -- key players ---------------------------------------------------------------------------------------------
# A capitalised-name counter over the members' titles and leads (no model), each text read with the rules of its
# member's language (`Member.language`, else a guess from the text):
# - covered: the languages wordfreq has frequencies for, written in a script with capital letters (see
#   `name_language`); a text in any other language or script (Chinese, Japanese, Korean, Arabic, Hindi, isiZulu...)
#   adds no key players: an empty list, not a guess;
# - a name is a run of capitalised words (with "of", "de", "van", "&" ... inside), split at punctuation;
# - a sentence's first word (after a colon, a dash or a quote too) counts only if the story capitalises it
#   elsewhere mid-sentence, or it is not an everyday word of the text's language (wordfreq Zipf < 3.5; < 4.5 when
#   more capitalised words follow it, so a first name stays), so "The", "Heavy", "Nach" or "Selon" opening a
#   sentence are not names;
# - German capitalises every noun: there a word that is everyday German (Zipf > 3) and used far more in German
#   than in English (2 Zipf points or more: names travel between languages, nouns do not), or a rare compound
#   ending in such a noun ("Impfdosen"), is a noun wherever it stands. Nouns are dropped from the start of a run
#   ("Bundeskanzler Olaf Scholz" -> "Olaf Scholz", "Präsident", "Manche Menschen"); a single word is a name only
#   when it is an acronym ("CDU"), rare in German and no compound of a noun ("Nadeschdin"), or named after a
#   first name in the story ("Annalena Baerbock" makes "Baerbock" a name; "Euro", "Panzer" are not names);
# - an all-caps dateline opening a text ("KATHMANDU, May 16 (Reuters) -", "BERLIN (dpa) –") and runs of two or
#   more all-caps words (a kicker: "FLUSHING MEADOWS") are not names;
# - an apostrophe suffix ends a name ("Halcyon Orbital’s", Turkish "Türkiye'de" -> "Türkiye"); an elided article
#   before a name is not part of it ("d'Israël" -> "Israël");
# - English only (these are English word lists): leading titles ("Mayor", "Dr.", "Regional Renewal Minister
#   Leopold Ashdown" -> "Leopold Ashdown"), function words, days and months, and single words named mostly right
#   after "in", "at", "near" ... (a town), names starting or ending with a place word ("Alder Valley");
# - countries and demonyms (`classify.regions`), the story's regions, outlets' own names are not players; in
#   other languages than English neither are the language's names of countries, territories and time-zone cities
#   (CLDR through babel: "Russie", "Стамбул", "Türkiye"), also inflected where Snowball stems them;
# - inflected forms count together where Snowball has a stemmer for the language ("Путин", "Путина"; English
#   names are not stemmed) and the form used most is shown; a shorter form joins the one longer name it starts or
#   ends ("Castellan" -> "Castellan Mobile");
# - headlines in Title Case are skipped (every word is capitalised there);
# - sentences that are datelines ("· 21 November 2026 ·") are skipped;
# - ranked by outlets naming it, then mentions; kept when named at least twice; a part of a name already listed
#   is not listed again; at most 6.
_TOKEN = re.compile(r"&|[^\W_][\w’'\-–.]*")
_POSSESSIVE = re.compile(r"(?:[’']s|(?<=s)[’'])$")
_SUFFIX = re.compile(r"[’'][^\W\d_]{1,5}$")  # an apostrophe suffix: "’s", Turkish case endings ("'de", "'nın")
_ELISION = re.compile(r"^[^\W\d_]{1,2}[’'](?=[^\W\d_])")  # "d'", "l'", "dell'" before a name
_LOCATIVE = frozenset({"in", "at", "near", "across", "outside", "around", "into", "towards", "toward", "through"})
_CONNECTORS = frozenset({"of", "for", "de", "del", "della", "da", "do", "dos", "van", "von", "der", "den", "la", "le",
                         "du", "al", "bin", "&"})
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "mayor",
                     "president", "prime", "minister", "senator", "sen", "rep", "representative", "gov",
                     "governor", "judge", "justice", "chief", "executive", "ceo", "chair", "chairman",
                     "chairwoman", "col", "lt", "captain", "capt", "coach", "king", "queen",
                     "prince", "princess", "pope", "father", "rev", "councillor", "councilor", "commissioner",
                     "secretary", "speaker", "leader", "majority", "minority", "opposition", "deputy", "engineer",
                     "grandmaster", "sens", "reps",
                     "auditor-general", "attorney-general", "inspector", "detective", "officer", "sergeant"})
_NOT_NAMES = frozenset({"the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we",
                        "i", "you", "his", "her", "their", "our", "but", "and", "or", "so", "yet", "in", "on",
                        "at", "for", "to", "from", "with", "by", "of", "after", "before", "as", "if", "when",
                        "while", "why", "how", "what", "who", "where", "monday", "tuesday", "wednesday",
                        "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may",
                        "june", "july", "august", "september", "october", "november", "december", "am", "pm",
                        "utc", "gmt", "est", "edt", "pst", "pdt", "cet", "bst", "breaking", "live", "update",
                        "exclusive", "analysis", "opinion", "editorial", "published", "updated"})
_PLACE_WORDS = frozenset({"bay", "valley", "river", "street", "road", "avenue", "square", "island", "islands",
                          "lake", "mount", "mountains", "county", "city", "town", "village", "harbour", "harbor",
                          "park", "coast", "beach", "district", "province", "state", "region", "heights", "hill",
                          "hills", "point", "falls", "springs", "peninsula", "strait", "gulf", "sea", "ocean", "bridge",
                          "airport", "station", "port"})
_NOUNS_CAPITALISED = frozenset({"de"})  # an orthographic fact: German capitalises every noun
_EVERYDAY = 3.5  # Zipf: an everyday word of the language
_VERY_COMMON = 4.5  # opening a longer run, only a very common word is dropped (not a first name: "Boris")
_EMPTY: frozenset[str] = frozenset()
# ISO 639-1 code -> snowballstemmer algorithm, for the languages of both wordfreq and Snowball (not English: its
# names do not inflect, and stems would merge distinct names).
_SNOWBALL = {"ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "es": "spanish",
             "fi": "finnish", "fr": "french", "hu": "hungarian", "id": "indonesian", "it": "italian",
             "lt": "lithuanian", "nb": "norwegian", "nl": "dutch", "pl": "polish", "pt": "portuguese",
             "ro": "romanian", "ru": "russian", "sh": "serbian", "sv": "swedish", "tr": "turkish"}


@lru_cache(maxsize=64)
def name_language(language: str | None) -> str | None:
    """The language whose rules read names in a text declared as `language` (its primary subtag), or None when
    the key-player method does not cover it: wordfreq has no frequencies for it (wordfreq would silently answer
    with English ones), or its script has no capital letters. A text mostly in a script without capitals is
    refused too (see `_cased`)."""
    code = (language or "").split("-")[0].lower()
    if not code:
        return None
    from wordfreq import available_languages, top_n_list

    if code not in available_languages():
        return None
    # The language's own most frequent words tell whether its script has capital letters (not Chinese, Japanese,
    # Korean, Arabic, Hindi...: whatever Latin names their texts carry are not read with rules made for others).
    return code if _cased(" ".join(top_n_list(code, 100, wordlist="small"))) else None


def _cased(text: str) -> bool:
    """Most letters are of a script with capital letters (Latin, Cyrillic, Greek...): capitals can mark names."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.lower() != ch.upper() for ch in letters) * 2 > len(letters)


@lru_cache(maxsize=8)
def _stemmer(language: str):  # noqa: ANN202 - snowballstemmer has no type hints
    import snowballstemmer

    name = _SNOWBALL.get(language)
    return snowballstemmer.stemmer(name) if name else None


@lru_cache(maxsize=16384)
def _zipf(word: str, language: str, wordlist: str = "small") -> float:
    """wordfreq's Zipf frequency. The small lists (exact above Zipf 3, 0 below; about 0.1 s and a few MB to load
    a language) serve every threshold here; only English frequencies below 3, for the German noun test, need the
    large list (about 1 s and 60 MB on first use)."""
    from wordfreq import zipf_frequency  # loaded on first use only

    return zipf_frequency(word, language, wordlist=wordlist)


def _bare(word: str) -> str:
    return _SUFFIX.sub("", word).lower()


def _common_word(word: str, language: str = "en", threshold: float = _EVERYDAY) -> bool:
    """An everyday word of the language ("Shares", "Heavy", "Sixteen-year-old", "Nach"), not a name."""
    word = _bare(word)
    if "-" in word or "–" in word:
        return any(_zipf(part, language) >= threshold for part in re.split(r"[-–]", word) if part)
    return _zipf(word, language) >= threshold


def _german_noun(word: str, language: str) -> bool:
    """A common noun (or other everyday word) of a language that capitalises nouns: everyday there (Zipf above 3)
    and far more used there than in English ("Regierung", "Unterschriften", "Nach"; not "Scholz", "Putin", "Fed"),
    or a rarer compound whose tail is one ("Impfdosen", "Beweisaufnahme"); a rare word that is no such compound
    may be a name ("Annalena", "Nadeschdin"). Hyphenated words are judged by their last part."""
    word = re.split(r"[-–]", _bare(word))[-1]
    if len(word) < 2:
        return False

    def noun(w: str) -> bool:
        z = _zipf(w, language)
        return z > 3.0 and z - _zipf(w, "en", "large") >= 2.0

    if noun(word):
        return True
    # A rarer word is a noun as a compound ending in one ("Impfdosen"); else it may be a name ("Annalena").
    return _zipf(word, language) < 3.0 and any(noun(word[i:]) for i in range(3, len(word) - 3))


def _after_nouns(run: list[str], language: str) -> list[str]:
    """A run without the nouns and connectors that open it ("Umweltministerin Anne Spiegel" -> "Anne Spiegel")."""
    i = 0
    while i < len(run) and (_german_noun(run[i], language) or run[i].lower() in _CONNECTORS):
        i += 1
    return run[i:]


@lru_cache(maxsize=16)
def _places(language: str) -> frozenset[str]:
    """Country and territory names and the exemplar cities of time zones in the language (CLDR through babel),
    lower-cased, with their Snowball stems: a name that is one is a place, not a player ("Russie", "Стамбул",
    "Türkiye", "Ryssland")."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return frozenset()
    names = {n for code, n in locale.territories.items() if code not in {"EU", "UN"}}  # unions: organisations
    names |= {zone["city"] for zone in locale.time_zones.values() if zone.get("city")}
    out = {n.lower() for n in names}
    stemmer = _stemmer(language)
    if stemmer is not None:
        out |= {stemmer.stemWord(n) for n in out if " " not in n}
    return frozenset(out)


_MORE_SENTENCES = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+(?=[\"'“‘„«»”(\[]?([^\W\d_]))")


def _sentences(text: str) -> list[str]:
    """`text.sentences`, also split before a capital letter outside ASCII ("... сохранялась. Впрочем", "Şarj")."""
    out: list[str] = []
    for sentence in sentences(text):
        start = 0
        for m in _MORE_SENTENCES.finditer(sentence):
            if m.group(1).isupper():
                out.append(sentence[start:m.start()].strip())
                start = m.end()
        out.append(sentence[start:].strip())
    return [s for s in out if s]


def _single_name(word: str, language: str, surnames: set[str]) -> bool:
    """Whether one capitalised word alone is a name where every noun is capitalised: an acronym ("SVB", "CDU"),
    a word the story names after a first name ("Baerbock" after "Annalena Baerbock"), or a word rare in the
    language that is no compound of a noun ("Nadeschdin", "Temu"; not "Euro", "Panzer", "Impfdosen")."""
    bare = _bare(word)
    if bare in surnames or _shouting(word):
        return True
    return _zipf(bare, language) < 3.0 and not _german_noun(word, language)


def _dateline_cut(text: str) -> str:
    """The text without an all-caps dateline opening it ("KATHMANDU, May 16 (Reuters) - ", "BERLIN (dpa) – ")."""
    tokens = text.split()
    n = 0
    while n < len(tokens) and len(re.sub(r"\W", "", tokens[n])) >= 2 and tokens[n].isupper():
        n += 1
        if tokens[n - 1][-1] in ",:":
            break
    if not n:
        return text
    rest = tokens[n:]
    if not (tokens[n - 1][-1] in ",:" or (rest and rest[0][:1] in "(–—-")):
        return text
    dash = next((i for i, t in enumerate(rest[:8]) if t in {"-", "–", "—"}), None)
    if dash is not None:  # "KATHMANDU, May 16 (Reuters) - "
        return " ".join(rest[dash + 1:])
    while rest and rest[0][:1] == "(":  # "(dpa)", "(Reuters)"
        close = next((i for i, t in enumerate(rest) if t.endswith(")")), len(rest) - 1)
        rest = rest[close + 1:]
    if rest and rest[0] in {"-", "–", "—"}:
        rest = rest[1:]
    return " ".join(rest)


def _is_title_case(title: str, language: str = "en") -> bool:
    if language in _NOUNS_CAPITALISED:  # German headlines are written in sentence case (with capitalised nouns)
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", title) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _shouting(word: str) -> bool:
    letters = re.sub(r"[\W\d_]", "", word)
    return len(letters) >= 2 and letters.isupper()


def _opens(before: str) -> bool:
    """Whether a word after `before` opens a sentence: nothing but quotes, dashes or brackets before it, or a
    colon ("Russland-Wahl: Nadeschdin", "– Det var", "« Nous")."""
    before = before.rstrip(" “\"‘'(„«»–—-")
    return not before or before[-1] in ":"


def _runs(sentence: str) -> Iterable[tuple[list[str], bool, str]]:
    """Runs of capitalised words of one sentence, whether the run opens the sentence, and the word before it.
    A possessive or an apostrophe suffix ends a run ("Halcyon Orbital’s Petrel" names Halcyon Orbital); two or
    more all-caps words in a row are a kicker or a dateline, not a name."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]
    run: list[str] = []
    run_opens, before = False, ""

    def done(words: list[str]) -> list[str]:
        if sum(_shouting(w) for w in words) >= 2:
            words = [w for w in words if not _shouting(w)]
        return _trim(words)

    for i, (token, start, _end) in enumerate(tokens):
        word = token.rstrip(".") or token
        elided = _ELISION.match(word)
        if elided and word[elided.end():][:1].isupper():
            word = word[elided.end():]
        joined = (bool(run) and not sentence[tokens[i - 1][2]:start].strip() and not _SUFFIX.search(run[-1])
                  and not _POSSESSIVE.search(run[-1]))
        if word[:1].isupper() and (joined or not run):
            if not run:
                run_opens = _opens(sentence[:start])
                before = tokens[i - 1][0].lower() if i else ""
            run.append(word)
            continue
        if joined and word.lower() in _CONNECTORS:  # "of", "de la", "von der" between two capitalised words
            j = i + 1
            while (j < len(tokens) and tokens[j][0].lower() in _CONNECTORS
                   and not sentence[tokens[j - 1][2]:tokens[j][1]].strip()):
                j += 1
            if (j < len(tokens) and tokens[j][0][:1].isupper()
                    and not sentence[tokens[j - 1][2]:tokens[j][1]].strip()):
                run.append(word)
                continue
        if run:
            yield done(run), run_opens, before
        run = [word] if word[:1].isupper() else []
        run_opens = _opens(sentence[:start])
        before = tokens[i - 1][0].lower() if i else ""
    if run:
        yield done(run), run_opens, before


def _trim(run: list[str]) -> list[str]:
    while run and run[-1].lower() in _CONNECTORS:
        run = run[:-1]
    return run


def _key(name: str) -> str:
    return _POSSESSIVE.sub("", name).lower()


def _name_key(name: str, language: str) -> str:
    """What counts a name's mentions together: its lowercase form without a suffix, its words stemmed where
    Snowball covers the language (not English)."""
    words = [_bare(w) for w in name.split()]
    stemmer = _stemmer(language)
    if stemmer is not None:
        words = ["-".join(stemmer.stemWord(p) for p in re.split(r"[-–]", w)) for w in words]
    return " ".join(words)


def _member_language(m: Member) -> str | None:
    if m.language:
        return name_language(m.language)
    # Stored before members carried their language: guess it from the text (scripts, function words).
    from newsdive.language.guess import guess_language

    return name_language(guess_language(f"{plain(m.title)}. {plain(m.lead)}", min_share=0.04))


def key_players(story: StoryRecord, members: Sequence[Member], limit: int = KEY_PLAYERS) -> list[KeyPlayer]:
    """People and organisations the reports name most (see the rules above)."""
    texts: list[tuple[Member, str, str]] = []
    for m in members:
        language = _member_language(m)
        title, lead = plain(m.title), plain(m.lead)
        if language is None or not _cased(f"{title} {lead}"):
            continue  # a language or script the method does not cover: no key players from it
        if title and not _is_title_case(title, language):
            texts.append((m, language, _dateline_cut(title)))
        texts.extend((m, language, s) for s in _sentences(_dateline_cut(lead)) if not is_dateline(s))
    runs = [(m, lang, run, start, before) for m, lang, text in texts for run, start, before in _runs(text) if run]
    mid_sentence = {_key(w) for _, _, run, start, _ in runs for w in (run[1:] if start else run)}
    # Words the story itself names after a first name ("Annalena Baerbock"): names, even where nouns are capitalised.
    surnames = {_bare(name[-1]) for _, lang, run, _, _ in runs if lang in _NOUNS_CAPITALISED
                for name in [_after_nouns(run, lang)] if len(name) >= 2 and _zipf(_bare(name[-1]), lang) < 6}
    outlets = {_key(re.sub(r"^The\s+", "", plain(m.outlet))) for m in members}
    outlets |= {_key(plain(m.outlet)) for m in members}
    places = {r.lower() for r in story.regions}
    mentions: Counter[str] = Counter()
    located: Counter[str] = Counter()  # mentions right after "in", "at", "near" ...: a place, not a player
    named_by: dict[str, set[str]] = {}
    surfaces: dict[str, Counter[str]] = {}
    for m, lang, run, start, before in runs:
        english = lang == "en"
        words = [_SUFFIX.sub("", w) if not english else w for w in run]
        if (start and _key(words[0]) not in mid_sentence and _common_word(words[0], lang)
                and (len(words) == 1 or _common_word(words[0], lang, _VERY_COMMON))):
            words = words[1:]  # "Heavy", "The Fair Trading Commission"; not "Boris" in "Boris Nadeschdin"
        if lang in _NOUNS_CAPITALISED:
            while words and ((_german_noun(words[0], lang) and _bare(words[0]) not in surnames)
                             or words[0].lower() in _CONNECTORS):
                words = words[1:]
            if len(words) == 1 and not _single_name(words[0], lang, surnames):
                continue
        not_names = _NOT_NAMES if english else _EMPTY
        if not english:  # a place opening a longer run: "России Владимир Путин" -> "Владимир Путин"
            while len(words) > 1 and (_bare(words[0]) in _places(lang)
                                      or _name_key(words[0], lang) in _places(lang)):
                words = words[1:]
        if english:
            titled = [i for i, w in enumerate(words[:-1]) if w.lower() in _TITLES]
            if titled:  # "Regional Renewal Minister Leopold Ashdown" -> "Leopold Ashdown"
                words = words[titled[-1] + 1:]
        while words and (words[0].lower() in _CONNECTORS or (len(words) > 1 and words[0].lower() in not_names)):
            words = words[1:]
        while words and words[-1].lower() in not_names:  # "Nathaniel Osgood November" (a byline's date)
            words = words[:-1]
        words = _trim(words)
        if not words:
            continue
        name = " ".join(words)
        key = _key(name) if english else _name_key(name, lang)
        if (key in not_names or (english and key in _TITLES) or words[0].lower() in not_names
                or _key(name) in outlets or _key(name) in places
                or (not english and (name.lower() in _places(lang) or key in _places(lang)))
                or (english and {words[0].lower(), _key(words[-1])} & _PLACE_WORDS)
                or (len(words) == 1 and (find_regions(name) or len(name) < 3
                                         or (not english and find_regions(key.capitalize()))))):
            continue  # (a single word's stem can be a country: Polish "Pakistanie" -> "pakistan")
        mentions[key] += 1
        located[key] += english and before in _LOCATIVE
        named_by.setdefault(key, set()).add(m.outlet_id)
        surfaces.setdefault(key, Counter())[name] += 1
    for key in [k for k in mentions if " " not in k and located[k] * 2 >= mentions[k] and located[k]]:
        del mentions[key]
    # A shorter form joins the one longer name it starts or ends ("Castellan" -> "Castellan Mobile"), longest
    # forms first ("Hollis–Marr" -> "Hollis–Marr Homes Act", then "Hollis" -> the same).
    def parts(k: str) -> list[str]:
        return re.split(r"[\s\-–]+", k)

    for key in sorted(mentions, key=lambda k: (-len(parts(k)), k)):
        words = parts(key)
        longer = [k for k in mentions if len(parts(k)) > len(words)
                  and (parts(k)[:len(words)] == words or parts(k)[-len(words):] == words)]
        if len(longer) == 1:
            mentions[longer[0]] += mentions.pop(key)
            named_by[longer[0]] |= named_by.pop(key)
            surfaces[longer[0]].update(surfaces.pop(key))
    ranked = sorted((k for k, n in mentions.items() if n >= 2), key=lambda k: (-len(named_by[k]), -mentions[k], k))
    out: list[KeyPlayer] = []
    chosen: list[list[str]] = []
    for key in ranked:
        words = parts(key)
        if any(words == c[i:i + len(words)] for c in chosen for i in range(len(c) - len(words) + 1)):
            continue  # a part of a name already listed ("Hollis" after "Hollis–Marr Homes Act")
        if len(out) == limit:
            break
        chosen.append(words)
        forms = surfaces[key]
        # The longest form, then the one used most, then the shortest spelling (an inflected form is longer).
        display = max(sorted(forms), key=lambda f: (len(f.split()), forms[f], -len(f)))
        out.append(KeyPlayer(name=_POSSESSIVE.sub("", display), mentions=mentions[key],
                             outlet_ids=sorted(named_by[key])))
    return out


def _key_player_paragraphs(players: Sequence[KeyPlayer], members: Sequence[Member]) -> list[Paragraph]:
    if not players:
        return [_para("No person or organisation is named more than once in the reports.")]
    names = {m.outlet_id: plain(m.outlet) for m in members}
    out = []
    for p in players:
        by = ", ".join(sorted(names.get(o, o) for o in p.outlet_ids))
        times = "once" if p.mentions == 1 else f"{p.mentions} times"
        out.append(_para(f"{p.name}: named {times}, by {by}."))
    return out


def _timeline_paragraphs(members: list[Member]) -> list[Paragraph]:
    out = []
    for i, m in enumerate(sorted(members, key=_instant)):
        when = utc(m.published_at).strftime("%Y-%m-%d %H:%M UTC") if m.published_at else "undated"
        first = " (first report)" if i == 0 and m.published_at else ""
        out.append(_para(f"{when}{first}: {plain(m.outlet)}: {plain(m.title)}", m))
    return out


def _sources_paragraphs(members: list[Member]) -> list[Paragraph]:
    return [
        _para(f"{plain(m.outlet)} ({m.bias.value}): {plain(m.title)}", m)
        for m in sorted(members, key=lambda m: (plain(m.outlet).lower(), m.article_id))
    ]


def sections(story: StoryRecord, *, analysis: Sequence[Section] | None = None,
             players: Sequence[KeyPlayer] | None = None) -> list[Section]:
    """The deep dive's sections in their fixed order: the analysis (Summary, plus a labelled generated Overview
    before it when a generative summarizer is on), How each side covers it, Key players, Timeline, Sources."""
    members = sorted(story.members.values(), key=_instant)
    if analysis is None:
        analysis = [Section(id="summary", title="Summary", paragraphs=summary_paragraphs(story, members))]
    if players is None:
        players = key_players(story, members)
    return [
        *analysis,
        Section(id="how-each-side-covers-it", title="How each side covers it",
                paragraphs=_sides_paragraphs(story, members)),
        Section(id="key-players", title="Key players", paragraphs=_key_player_paragraphs(players, members)),
        Section(id="timeline", title="Timeline", paragraphs=_timeline_paragraphs(members)),
        Section(id="sources", title="Sources", paragraphs=_sources_paragraphs(members)),
    ]


def read_time(title: str, summary: str, secs: Sequence[Section], *, skip: Iterable[str] = ()) -> int:
    """Minutes to read the document's own text (at least 1): words at 265 per minute, characters of scripts
    written without spaces at their script's rate (newsdive.language.plaintext.reading_minutes). Generated sections are
    not counted, so a card and its deep dive always agree."""
    skipped = set(skip)
    texts = [title, summary]
    texts += [t for s in secs if s.id not in skipped for t in (s.title, *(p.text for p in s.paragraphs))]
    return max(1, math.ceil(round(reading_minutes(texts), 9)))


def _summary_text(secs: Sequence[Section]) -> str:
    first = next((s for s in secs if s.id == "summary"), None)
    text = " ".join(p.text for p in first.paragraphs) if first else ""
    return snippet(text, 300)


_CARDS: dict[bytes, Card] = {}  # story digest -> card (see `card`)
_CARDS_MAX = 4096


def card(story: StoryRecord) -> Card:
    """A story as a list item; its figures are those of its deep dive.

    Memoised on a digest of the whole story: every index feed lists up to 200 stories and re-renders them at every
    publish invocation, while most of them have not changed since the last one (a warm container keeps the cache).
    """
    key = hashlib.blake2b(story.model_dump_json().encode(), digest_size=16).digest()
    cached = _CARDS.get(key)
    if cached is None:
        if len(_CARDS) >= _CARDS_MAX:
            _CARDS.pop(next(iter(_CARDS)))  # the oldest entry: insertion order
        cached = _CARDS[key] = _card(story)
    return cached.model_copy(deep=True)


def _card(story: StoryRecord) -> Card:
    secs = sections(story)
    summary = _summary_text(secs)
    return Card(
        id=story.story_id,
        slug=slugify(story.title, story.story_id),
        title=plain(story.title),
        category=story.category,
        regions=story.regions,
        bias=story.bias,
        blindspot=_blindspot(story),
        snippet=snippet(summary or story.title, 160),
        published_at=utc(story.published_at),
        updated_at=utc(story.updated_at),
        read_time_minutes=read_time(plain(story.title), summary, secs),
        source_count=len(story.outlets()),
        article_count=len(story.members),
        labels=labels(story),
        url=f"/{deep_dive_path(story.story_id)}",
        language=story_language(story.members.values()),
    )


def deep_dive(story: StoryRecord, related: Sequence[StoryRecord], *, summarizer: Summarizer = EXTRACTIVE,
              previous: DeepDive | None = None) -> DeepDive:
    members = sorted(story.members.values(), key=_instant)
    analysis = summarizer.analyse(story, members, previous=previous)
    players = key_players(story, members)
    secs = sections(story, analysis=analysis.sections, players=players)
    summary = _summary_text(secs)
    return DeepDive(
        schema_url=schema_path("deep-dive"),
        id=story.story_id,
        slug=slugify(story.title, story.story_id),
        url=f"/{deep_dive_path(story.story_id)}",
        title=plain(story.title),
        summary=summary,
        category=story.category,
        regions=story.regions,
        published_at=utc(story.published_at),
        updated_at=utc(story.updated_at),
        read_time_minutes=read_time(plain(story.title), summary, secs, skip=analysis.generation.sections),
        source_count=len(story.outlets()),
        article_count=len(members),
        bias=story.bias,
        blindspot=_blindspot(story),
        sentiment=_sentiment(story),
        labels=labels(story),
        toc=[TocEntry(id=s.id, title=s.title) for s in secs],
        sections=secs,
        sources=[
            SourceEntry(
                article_id=m.article_id,
                outlet_id=m.outlet_id,
                outlet=m.outlet,
                bias=m.bias,
                side=side_of(m.bias),
                title=m.title,
                url=safe_url(m.url),
                published_at=m.published_at,
                flags=m.flags,
                language=language_code(m.language),
                sentiment=ArticleSentiment(score=m.sentiment, label=m.reading.label, method=m.sentiment_method),
            )
            for m in members
        ],
        related=[card(r) for r in related if r.story_id != story.story_id][:6],
        generation=analysis.generation,
        key_players=players,
        language=story_language(members),
    )


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$")


def language_code(language: str | None) -> str | None:
    """A stored language as published: a BCP-47-ish code, or null for anything else."""
    return language if language and len(language) <= 35 and _LANGUAGE.match(language) else None


def _sentiment(story: StoryRecord) -> StorySentiment:
    s = story.sentiment
    return StorySentiment(
        score=s.score, label=s.label, method=s.method, scored=s.scored, by_side=s.by_side,
        sides={side: SideSentiment(score=v.score, label=v.label, method=v.method, scored=v.scored,
                                   articles=v.articles) for side, v in s.sides.items()},
    )


def newest_first(stories: Iterable[StoryRecord]) -> list[StoryRecord]:
    """By the real instant of the last update (offsets differ between outlets), newest first; ties by id, higher
    first (the order of the story indexes' sort key)."""
    return sorted(stories, key=lambda s: (s.updated_at.timestamp() if s.updated_at else -math.inf, s.story_id),
                  reverse=True)


def index_pages(kind: str, stories: Sequence[StoryRecord], *, category: str | None = None,
                page_size: int = PAGE_SIZE) -> dict[str, IndexPage]:
    """An index feed split into pages: the first at its well-known key, the next ones beside it."""
    base = {"latest": "index/latest", "blindspots": "index/blindspots"}.get(kind) or f"index/categories/{category}"
    cards = [card(s) for s in newest_first(stories)]
    chunks = [cards[i : i + page_size] for i in range(0, len(cards), page_size)] or [[]]
    pages: dict[str, IndexPage] = {}
    for number, items in enumerate(chunks, start=1):
        key = f"{base}.json" if number == 1 else f"{base}/page-{number}.json"
        nxt = f"/{base}/page-{number + 1}.json" if number < len(chunks) else None
        times = [c.updated_at for c in items if c.updated_at]
        pages[key] = IndexPage(
            schema_url=schema_path("index-page"), kind=kind, category=category, page=number,
            page_size=page_size, items=items, next=nxt, updated_at=max(times) if times else None,
        )
    return pages


def to_json(document: DeepDive | IndexPage | dict) -> bytes:
    """Canonical JSON bytes: sorted keys, UTF-8, stable separators, newline at the end."""
    data = document if isinstance(document, dict) else document.model_dump(mode="json", by_alias=True)
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# -- RSS 2.0 and sitemap -------------------------------------------------------------------------------------


def story_link(story_id: str, slug: str, *, base_url: str, page_url: str = "") -> str:
    """Where a reader goes for a story: `page_url` (a template with {id} and {slug}: your frontend's page) or,
    when that is empty, the deep dive document under `base_url`."""
    if page_url:
        return page_url.replace("{id}", story_id).replace("{slug}", slug)
    return f"{base_url.rstrip('/')}/{deep_dive_path(story_id)}"


def _xml(root) -> bytes:  # noqa: ANN001
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def rss_feed(name: str, stories: Sequence[StoryRecord], *, base_url: str, page_url: str = "",
             feed_path: str, limit: int = FEED_ITEMS) -> bytes:
    """RSS 2.0 of the newest stories (a category's or all): title, link, guid, date, snippet, category.
    Every text is plain and escaped by the XML serializer; dates come from the stories, never the clock."""
    from lxml import etree

    atom = "http://www.w3.org/2005/Atom"
    base = base_url.rstrip("/")
    rss = etree.Element("rss", version="2.0", nsmap={"atom": atom})
    channel = etree.SubElement(rss, "channel")
    title = "newsdive: latest stories" if name == "latest" else f"newsdive: {name.capitalize()}"
    etree.SubElement(channel, "title").text = title
    etree.SubElement(channel, "link").text = f"{base}/" if base else "/"
    etree.SubElement(channel, "description").text = (
        f"Stories grouped across outlets with their Left/Center/Right coverage ({name})."
    )
    chosen = newest_first(stories)[:limit]
    language = feed_language(chosen)
    if language:
        etree.SubElement(channel, "language").text = language
    etree.SubElement(channel, "generator").text = "newsdive"
    etree.SubElement(channel, f"{{{atom}}}link", href=f"{base}/{feed_path}", rel="self",
                     type="application/rss+xml")
    times = [s.updated_at for s in chosen if s.updated_at]
    if times:
        etree.SubElement(channel, "lastBuildDate").text = format_datetime(utc(max(times)), usegmt=True)
    for story in chosen:
        c = card(story)
        item = etree.SubElement(channel, "item")
        etree.SubElement(item, "title").text = c.title
        etree.SubElement(item, "link").text = story_link(c.id, c.slug, base_url=base, page_url=page_url)
        etree.SubElement(item, "guid", isPermaLink="false").text = f"newsdive:{c.id}"
        bar = f"L {c.bias.left}% · C {c.bias.center}% · R {c.bias.right}%"
        count = f"{c.source_count} source" + ("" if c.source_count == 1 else "s")
        etree.SubElement(item, "description").text = f"{c.snippet} ({bar}; {count})"
        etree.SubElement(item, "category").text = c.category
        if c.published_at:
            etree.SubElement(item, "pubDate").text = format_datetime(c.published_at, usegmt=True)
    return _xml(rss)


def feed_language(stories: Iterable[StoryRecord]) -> str | None:
    """The feed's `<language>`: the one language of all its stories whose language is known; none (the element
    is left out, as RSS 2.0 allows) when they are in several languages or none is known."""
    found = {story_language(s.members.values()) for s in stories} - {None}
    return found.pop() if len(found) == 1 and "mul" not in found else None


def sitemap(stories: Sequence[StoryRecord], *, base_url: str, page_url: str = "",
            index_paths: Sequence[str] = ()) -> bytes:
    """sitemap.xml: each story's page with its last update, then the first page of each index feed."""
    from lxml import etree

    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    base = base_url.rstrip("/")
    urlset = etree.Element(f"{{{ns}}}urlset", nsmap={None: ns})
    for story in newest_first(stories):
        url = etree.SubElement(urlset, f"{{{ns}}}url")
        link = story_link(story.story_id, slugify(story.title, story.story_id), base_url=base, page_url=page_url)
        etree.SubElement(url, f"{{{ns}}}loc").text = link
        if story.updated_at:
            etree.SubElement(url, f"{{{ns}}}lastmod").text = utc(story.updated_at).isoformat().replace("+00:00", "Z")
    for path in sorted(index_paths):
        url = etree.SubElement(urlset, f"{{{ns}}}url")
        etree.SubElement(url, f"{{{ns}}}loc").text = f"{base}/{path}"
    return _xml(urlset)
