"""Plain-text helpers shared by the stages: safe plain text, sentences, leads and snippets, word counts and
reading time.

Words are counted where the script has them: whitespace-separated words, except that each character of a script
written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar; combining marks not
counted) counts as one word, as word processors count Chinese and Japanese. Reading time follows the same split:
words at `WORDS_PER_MINUTE`, those characters at `CHARACTERS_PER_MINUTE` of their script (see the README for the
sources of the rates).
"""

from __future__ import annotations

import html
import re
import unicodedata

# A sentence ends at . ! ? … (and the Devanagari, Arabic and Urdu stops) before whitespace and a word that may
# start a sentence, or at a full-width 。！？ with or without a space after it; closing quotes and brackets stay
# with the sentence they close.
_SENTENCE_END = re.compile(r"[.!?…।॥؟۔][\"'”’»)\]」』）]*\s+|[。！？][\"'”’»)\]」』）]*\s*")
_OPENERS = "\"'“‘„«‹([¿¡「『（"
_WORD_BEFORE = re.compile(r"(\w+)\W*$")
# English abbreviations: applied to English text (and text of unknown language) only.
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gov|Sen|Rep|Gen|Col|Lt|Prof|Inc|Ltd|Co|No|vs|U\.S|e\.g|i\.e)\.$"
)
# Languages that write ordinals as a number and a full stop ("in der 2. Runde", "3. října", "2. kerroksessa"):
# there a stop after a number of up to three digits is not a sentence end.
ORDINAL_STOP_LANGUAGES = frozenset(
    ("de", "da", "nb", "nn", "no", "is", "fo", "fi", "et", "lv", "cs", "sk", "sl", "hr", "bs", "sr", "hu", "tr", "pl")
)
_CONTROL = {c: None for c in range(0x20) if c not in (0x09, 0x0A)} | {0x7F: None}
_TAB_NEWLINE = {0x09: None, 0x0A: None}
# A tag starts with a letter, "/", "!" or "?" right after "<": "5 < 6 > 4" stays text, "<img ...>" does not.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")  # an unclosed tag: drop its "<" so nothing can complete it later
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


def plain(text: str | None) -> str:
    """Text safe to show anywhere: markup stripped, entities decoded, control and format characters removed,
    whitespace collapsed. Whatever a hostile source sends ends up inert text."""
    if not text:
        return ""
    value = _drop_control(text)  # first, so "<\x1f?" cannot hide a tag opener from the patterns below
    for _ in range(4):  # decoded entities can spell a tag ("&lt;script&gt;"): strip again until nothing changes
        if "<" not in value and "&" not in value:
            break
        stripped = html.unescape(_TAG.sub(" ", value))
        if stripped == value:
            break
        value = stripped
    value = _TAG_OPEN.sub("", _TAG.sub(" ", _drop_control(value)))  # decoded entities may add control chars
    return " ".join(value.split())


def _drop_control(value: str) -> str:
    value = value.translate(_CONTROL)
    # Nearly all text has nothing to drop: a printable string (no character of a C or Z category but the space)
    # is returned whole, at C speed; the per-character test is for the rest. Half of a card's rendering time went
    # to this function before.
    if value.isprintable() or value.translate(_TAB_NEWLINE).isprintable():
        return value
    return _drop_control_by_character(value)


def _drop_control_by_character(value: str) -> str:
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") or ch in "\t\n")


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with a host and nothing a browser could reinterpret
    (whitespace, quotes, angle brackets, control characters); else None. `javascript:`, `data:` and relative
    URLs never pass. The scheme is lower-cased."""
    if not url or len(url) > 2048:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or _URL_FORBIDDEN.search(url):
        return None
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if not host or host.startswith(":"):
        return None
    return f"{scheme.lower()}://{rest}"


def sentences(text: str, language: str | None = None) -> list[str]:
    """Split prose into sentences, in any script.

    A full stop does not end a sentence after a single letter (initials, "z. B."), a two-letter title-case
    abbreviation ("Dr.", "Nr.", "Sr."), an ordinal in a language that writes "2." for "second" (German, the
    Nordic and most Central European languages), or one of the common English abbreviations in English text.
    `language` is a BCP 47 tag; without one the language is guessed from the text when a number ends a sentence.
    """
    text = text.replace("\x00", " ").strip()
    primary = (language or "").split("-")[0].lower() or None
    guessed: list[str | None] = []
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if end >= len(text):
            break
        if not _ends_sentence(text, m, primary, guessed):
            continue
        out.append(text[start:end].strip())
        start = end
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [part for part in out if part]


def _ends_sentence(text: str, m: re.Match[str], language: str | None, guessed: list[str | None]) -> bool:
    stop = text[m.start()]
    if stop in "。！？":
        return True
    following = text[m.end():].lstrip(_OPENERS + " \u00a0\u202f")
    if not following:
        return False
    first = following[0]
    if not (first.isdigit() or first.isalpha() and not first.islower()):
        return False  # "e.g. a", "Nov. 3 and 4": a lower-case word goes on the same sentence
    if stop != ".":
        return True
    before = text[: m.start() + 1]
    word = _WORD_BEFORE.search(before[:-1])
    token = word.group(1) if word and word.end() == len(before) - 1 else ""
    if len(token) == 1 and token.isalpha():
        return False  # an initial or a one-letter abbreviation
    if len(token) == 2 and token[0].isupper() and token[1].islower():
        return False  # "Dr.", "Nr.", "Sr.", "St."
    if language in (None, "en") and _ABBREVIATIONS.search(before):
        return False
    whole = before[:-1].rsplit(None, 1)[-1].lstrip(_OPENERS) if before[:-1].strip() else ""
    if whole.isdigit() and len(whole) <= 3:  # "in der 2." (not "zum 2:1." or "um 14.30.")
        if language is None:
            if not guessed:
                from newsdive.language.guess import guess_language  # lazy: only when a number ends a sentence

                guessed.append(guess_language(text))
            language = guessed[0]
        if language in ORDINAL_STOP_LANGUAGES:
            return False
    return True


def is_prose(paragraph: str) -> bool:
    """A paragraph that ends like a sentence (in any script): not a heading, a dateline, a byline, a reading
    time or a notice such as "Article réservé aux abonnés" or "Uppdaterad 15.59 | Publicerad 14.14"."""
    return bool(_PROSE_END.search(paragraph))


_PROSE_END = re.compile(r"[.!?…।॥؟۔。！？][\"'”’»)\]」』）]*\s*$")


def lead(paragraphs: list[str], *, max_words: int = 70, language: str | None = None) -> str:
    """The opening sentences of an article, whole sentences only, about `max_words` long, from the paragraphs
    that read as prose (see `is_prose`; all paragraphs when none does)."""
    texts = [plain(p) for p in paragraphs]
    prose = [t for t in texts if is_prose(t)] or texts
    if language is None and prose:
        from newsdive.language.guess import guess_language  # stdlib only; the text decides the sentence rules

        language = guess_language(" ".join(prose[:10]))
    picked: list[str] = []
    words = 0
    for paragraph in prose:
        for sentence in sentences(paragraph, language):
            n = word_count(sentence)
            if picked and words + n > max_words:
                return " ".join(picked)
            picked.append(sentence)
            words += n
    return " ".join(picked)


def snippet(text: str, limit: int = 160) -> str:
    """At most `limit` characters, cut at a word boundary and ending with an ellipsis when cut."""
    text = plain(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


# Characters of the scripts written without spaces (ranges of the Unicode blocks; marks are excluded below).
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3005\u3007\u3041-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)
_KANA = re.compile("[\u3041-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile("[\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
WORDS_PER_MINUTE = 265  # silent reading of spaced scripts (see the README)
CHARACTERS_PER_MINUTE = {"zh": 255, "ja": 357, "other": 863}  # IReST (Trauzettel-Klosinski & Dietz 2012)


def _unspaced(ch: str) -> bool:
    return bool(_UNSPACED.match(ch)) and not unicodedata.category(ch).startswith("M")


def _split_counts(text: str) -> tuple[int, int]:
    """(whitespace-separated words with no unspaced-script character, unspaced-script characters)."""
    if not _UNSPACED.search(text):  # most text: no character to look at one by one
        return len(text.split()), 0
    return _split_counts_by_character(text)


def _split_counts_by_character(text: str) -> tuple[int, int]:
    words = chars = 0
    for chunk in text.split():
        n = sum(1 for ch in chunk if _unspaced(ch))
        if n == 0:
            words += 1
        else:
            chars += n
            rest = "".join(" " if _unspaced(ch) else ch for ch in chunk)  # "G7峰会" has a word besides
            words += sum(1 for part in rest.split() if any(c.isalnum() for c in part))
    return words, chars


_WORDS = re.compile(r"\w+")


def word_set(text: str) -> set[str]:
    """The distinct words of the text, lower-cased, each character of an unspaced script counted as a word (for
    word-overlap measures such as near-duplicate sentences)."""
    if not _UNSPACED.search(text):
        return set(_WORDS.findall(text.lower()))
    return _word_set_by_character(text)


def _word_set_by_character(text: str) -> set[str]:
    out: set[str] = set()
    for word in _WORDS.findall(text.lower()):
        if any(_unspaced(ch) for ch in word):
            out.update(ch for ch in word if _unspaced(ch))
            out.update(part for part in "".join(" " if _unspaced(ch) else ch for ch in word).split())
        else:
            out.add(word)
    return out


def word_count(text: str) -> int:
    """Words of the text: whitespace-separated words, and each character of a script without spaces."""
    words, chars = _split_counts(text)
    return words + chars


def reading_minutes(texts: list[str] | tuple[str, ...]) -> float:
    """Minutes to read the texts: words at WORDS_PER_MINUTE, characters of unspaced scripts at their rate
    (Japanese when the text has kana, Chinese when Han alone, the all-language mean for Thai and its neighbours)."""
    minutes = 0.0
    for text in texts:
        words, chars = _split_counts(text)
        minutes += words / WORDS_PER_MINUTE
        if chars:
            if _KANA.search(text):
                rate = CHARACTERS_PER_MINUTE["ja"]
            elif _HAN.search(text):
                rate = CHARACTERS_PER_MINUTE["zh"]
            else:
                rate = CHARACTERS_PER_MINUTE["other"]
            minutes += chars / rate
    return minutes


def leading_words(text: str, n: int) -> str:
    """The text's opening, about `n` words long as `word_count` counts them (whitespace collapsed)."""
    out: list[str] = []
    count = 0
    for chunk in text.split():
        size = word_count(chunk) or 1
        if count + size > n:
            if count < n and size > 1:  # a long unspaced run: keep its first characters
                out.append(_first_words(chunk, n - count))
            break
        out.append(chunk)
        count += size
    return " ".join(out)


def _first_words(chunk: str, n: int) -> str:
    kept = 0
    for i, ch in enumerate(chunk):
        if _unspaced(ch):
            if kept == n:
                return chunk[:i]
            kept += 1
    return chunk
