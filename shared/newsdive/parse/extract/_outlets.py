"""Per-outlet extraction rules (``newsdive/data/outlet_rules.json``): facts about one outlet's markup.

The generic choice covers most pages; an outlet whose markup puts its headline somewhere the generic choice does
not prefer gets a rule here, as data with its reason. Loaded on first use (not at cold start), and switchable
off per context so the benchmark can report the generic figure beside the one with rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

RULES_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "outlet_rules.json"

# Where a rule may say an outlet's title is: the names extract_metadata gives its title candidates.
TITLE_SOURCES = frozenset({"jsonld:headline", "og:title", "twitter:title", "meta:title", "h1", "title"})

_ENABLED: ContextVar[bool] = ContextVar("newsdive_outlet_rules", default=True)


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> dict[str, dict]:
    """Domain -> rule; rules naming an unknown title source are dropped (the unit tests reject them)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    rules: dict[str, dict] = {}
    for domain, rule in (data.get("outlets") or {}).items():
        title = rule.get("title") if isinstance(rule, dict) else None
        if isinstance(title, dict) and title.get("sources") and set(title["sources"]) <= TITLE_SOURCES:
            rules[domain.lower().removeprefix("www.")] = rule
    return rules


def rule_for(*urls: str | None) -> dict | None:
    """The rule of the first URL whose host (or a parent domain of it) has one; None when rules are off."""
    if not _ENABLED.get():
        return None
    rules = load_rules()
    for url in urls:
        if not url:
            continue
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:
            continue
        while "." in host:
            if host in rules:
                return rules[host]
            host = host.split(".", 1)[1]
    return None


@contextmanager
def outlet_rules(enabled: bool) -> Iterator[None]:
    """Turn the outlet rules on or off for extractions in this context (the benchmark's generic figure)."""
    token = _ENABLED.set(enabled)
    try:
        yield
    finally:
        _ENABLED.reset(token)
