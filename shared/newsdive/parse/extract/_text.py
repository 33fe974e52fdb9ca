"""Small text helpers shared by the metadata and body extractors."""

from __future__ import annotations

import html
import re

from lxml import etree

# Zero-width characters, soft hyphens and BOMs carry no text but break tokens apart.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def norm(text: str | None) -> str:
    """Collapse all whitespace runs to one space and drop invisible characters."""
    if not text:
        return ""
    return " ".join(text.translate(_INVISIBLE).split())


def unescape(text: str | None) -> str:
    """Entities left in metadata (double-escaped JSON-LD, og tags) decoded, then normalised."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    if "<" in text and ">" in text:
        text = re.sub(r"<[^>]{0,200}>", " ", text)
    return norm(text)


def elements(el: etree._Element, path: str) -> list[etree._Element]:
    """The elements an XPath selects (xpath() is typed as any XPath result: strings, numbers, booleans too)."""
    result = el.xpath(path)
    return [found for found in result if isinstance(found, etree._Element)] if isinstance(result, list) else []


def text_of(el: etree._Element) -> str:
    """All text inside an element (not its tail), at C speed."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def drop(el: etree._Element) -> None:
    """Remove an element with its content, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        try:
            if prev is not None:
                prev.tail = (prev.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        except ValueError:
            pass  # text lxml will not store (a stray U+FFFF): lose that bit of tail, not the page
    parent.remove(el)
