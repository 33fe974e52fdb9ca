"""Plain-text helpers shared by the stages: safe plain text, sentences, leads and snippets."""

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
                from newsdive.extract._lang import guess_language  # lazy: only when a number ends a sentence

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
        from newsdive.extract._lang import guess_language  # stdlib only; the text decides the sentence rules

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


def _lead_words(text: str) -> int:
    if text.isascii():
        return len(text.split())
    total = 0
    for token in text.split():
        dense = sum(1 for ch in token if "\u3040" <= ch <= "\u9fff")
        total += max(1, (dense + 1) // 2 + (1 if dense < len(token) // 2 else 0)) if dense else 1
    return total


def snippet(text: str, limit: int = 160) -> str:
    """At most `limit` characters, cut at a word boundary and ending with an ellipsis when cut."""
    text = plain(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def word_count(text: str) -> int:
    """Words of a text in any script: Han and kana, written without spaces, count a word per two characters (a
    word of Chinese or Japanese is one to two characters long); Korean separates its words with spaces."""
    return _lead_words(text)
