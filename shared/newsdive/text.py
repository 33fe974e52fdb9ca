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

_SENTENCE_END = re.compile(r"([.!?…][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# A full stop, exclamation or question mark of Chinese and Japanese ends a sentence with no space after it.
_FULLWIDTH_END = re.compile("([\u3002\uff01\uff1f][\u300d\u300f\u201d\uff09)]*)\\s*(?=\\S)")
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gov|Sen|Rep|Gen|Col|Lt|Prof|Inc|Ltd|Co|No|vs|U\.S|e\.g|i\.e)\.$"
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


def sentences(text: str) -> list[str]:
    """Split prose into sentences; common abbreviations do not end a sentence."""
    parts = _SENTENCE_END.sub("\\1\x00", text.replace("\x00", " ").strip())
    parts = _FULLWIDTH_END.sub("\\1\x00", parts).split("\x00")
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and _ABBREVIATIONS.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def lead(paragraphs: list[str], *, max_words: int = 70) -> str:
    """The opening sentences of an article, whole sentences only, about `max_words` long."""
    picked: list[str] = []
    words = 0
    for paragraph in paragraphs:
        for sentence in sentences(plain(paragraph)):
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
