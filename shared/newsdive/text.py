"""Plain-text helpers shared by the stages: safe plain text, sentences, leads and snippets."""

from __future__ import annotations

import html
import re
import unicodedata

_SENTENCE_END = re.compile(r"([.!?…][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
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
    parts = _SENTENCE_END.sub("\\1\x00", text.replace("\x00", " ").strip()).split("\x00")
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
            n = len(sentence.split())
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


def word_count(text: str) -> int:
    return len(text.split())
