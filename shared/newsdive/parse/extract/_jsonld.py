"""JSON-LD: the script blocks read leniently (comments, trailing commas), their nodes walked, names and
images read from what publishers write."""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

# --- JSON-LD ---------------------------------------------------------------------------------------
_JSONLD_COMMENT = re.compile(r"^\s*(?:<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(?:-->|\]\]>|//\s*\]\]>)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load_json(text: str) -> Any:
    text = _JSONLD_COMMENT.sub("", text.strip())
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        pass
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except (ValueError, RecursionError):
        return None


def types(node: dict) -> set[str]:
    t = node.get("@type")
    if isinstance(t, str):
        return {t.rsplit("/", 1)[-1].lower()}
    if isinstance(t, list):
        return {x.rsplit("/", 1)[-1].lower() for x in t if isinstance(x, str)}
    return set()


def _walk_nodes(data: Any, out: list[dict], depth: int = 0) -> None:
    if depth > 6 or len(out) > 200:
        return
    if isinstance(data, list):
        for item in data[:100]:
            _walk_nodes(item, out, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            out.append(data)
        for key in ("@graph", "mainEntity", "itemListElement", "hasPart"):
            if key in data:
                _walk_nodes(data[key], out, depth + 1)


def jsonld_nodes(tree: etree._Element) -> list[dict]:
    nodes: list[dict] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        data = _load_json(script.text or "")
        if data is not None:
            _walk_nodes(data, nodes)
    return nodes


def _first(value: Any, keys: tuple[str, ...], *, numbers: bool) -> str:
    """The first non-empty string in a JSON-LD value: the value itself, the first of a list, or a node's first
    string under `keys` (in that order of preference)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            s = _first(item, keys, numbers=numbers)
            if s:
                return s
    if isinstance(value, dict):
        for key in keys:
            if isinstance(value.get(key), str):
                return value[key]
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def first_str(value: Any) -> str:
    """A text value: a node stands for its name (else its value, URL or id); a number for its digits."""
    return _first(value, ("name", "@value", "url", "@id", "contentUrl"), numbers=True)


def image_url(value: Any) -> str:
    """An image's address: an ImageObject stands for its URL, never for its name."""
    return _first(value, ("url", "contentUrl", "@id"), numbers=False)


def _names(value: Any, depth: int = 0) -> list[tuple[str, bool]]:
    """(name, is_organization) pairs of a JSON-LD author value."""
    if depth > 3:
        return []
    if isinstance(value, str):
        return [(value, False)]
    if isinstance(value, list):
        out: list[tuple[str, bool]] = []
        for item in value[:30]:
            out.extend(_names(item, depth + 1))
        return out
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(x for x in name if isinstance(x, str))
        if not isinstance(name, str) or not name.strip():
            given, family = value.get("givenName"), value.get("familyName")
            name = " ".join(x for x in (given, family) if isinstance(x, str))
        org = bool(types(value) & {"organization", "newsmediaorganization", "corporation", "organisation"})
        return [(name, org)] if name.strip() else []
    return []
