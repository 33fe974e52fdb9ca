"""Key players of a story: the names its outlets use, read with the rules of each text's language."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from newsdive.aggregate.classify import regions as find_regions
from newsdive.language.plaintext import plain, sentences
from newsdive.model.documents import (
    KeyPlayer,
)
from newsdive.model.story import Member, StoryRecord
from newsdive.publish.summarize import is_dateline

KEY_PLAYERS = 6


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
    from newsdive.language.word_frequencies import available_languages, top_n_list

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
    from newsdive.language.word_frequencies import zipf_frequency

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
    "Türkiye", "Ryssland"). The CLDR sections read here are declared in classify.CLDR_SECTIONS: the layer keeps
    no other."""
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


# Complex on purpose: each trim of a capitalised run reads the one before.
def key_players(story: StoryRecord, members: Sequence[Member], limit: int = KEY_PLAYERS) -> list[KeyPlayer]:  # noqa: C901
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
