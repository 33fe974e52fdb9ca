"""Body text: clean the DOM, score containers by text and link density, keep the article's paragraphs.

The scorer is readability's idea (paragraph scores flow to their ancestors, link-heavy containers lose) with
class/id hints, sibling merging, and a per-paragraph filter for what sits inside article containers anyway
(share bars, "read more" links, newsletter boxes, pull quotes that repeat the text).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lxml import etree

from ._text import drop, norm, text_of

# fmt: off
# Removed with their content before anything is scored.
DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "canvas",
    "video", "audio", "source", "track", "map", "button", "select", "input", "textarea", "option", "figure",
    "figcaption", "picture", "img", "head", "title", "link", "meta", "amp-ad", "amp-embed", "amp-analytics",
    "amp-sidebar", "amp-img", "amp-carousel", "amp-social-share",
)
# Page furniture, removed unless broken markup put the article inside it (an unclosed <aside>, a page-wide
# <form>).
STRUCTURAL_TAGS = frozenset(("nav", "aside", "footer", "header", "form", "menu", "dialog"))
INLINE = frozenset((
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q",
    "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
    "del", "ins", "strike", "tt", "big", "nobr", "acronym", "label", "o:p", "output", "meter", "progress",
))
_PARAGRAPH_TAGS = frozenset((
    "p", "li", "tr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "td", "th",
))
# fmt: on
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))

_B = r"(?:^|[\s_\-])"
_E = r"(?:$|[\s_\-])"
# Class/id words of boilerplate containers, matched on "class id" lowercased as whole words or word prefixes.
# Strong words name what is never article text; weak words name layout that might wrap it (a "rail" layout,
# a "hidden-xs" wrapper), so they need more evidence: the element must hold little of the page's text.
_STRONG_WORDS = (
    r"comment\w*|disqus\w*|respond|repl(?:y|ies)|taboola\w*|outbrain\w*|newsletter\w*|subscri\w*|signup|"
    r"sign-up|share\w*|sharing|social\w*|sociable|related\w*|recommend\w*|more-from|more-stories|morestories|"
    r"read-?more|read-?next|also-?read|see-?also|popular|trending|most-?read|most-?viewed|breadcrumbs?|"
    r"cookies?|consent|gdpr|advert\w*|ads?|adv|adslot\w*|adunit\w*|ad-?container|ad-?wrapper|dfp|gpt|"
    r"sponsor\w*|promo\w*|byline\w*|author-?bio|author-?info|about-?author|captions?|credits?|tags|tag-?list|"
    r"taglist|copyright|pullquote|pull-?quote|blockquote-?pull|inline-?related|app-?download|donate|donation"
)
_WEAK_WORDS = (
    r"sidebar\w*|widgets?|masthead|footer\w*|navbar|navigation|nav|menu\w*|toolbar|pagination|pager|sr-only|"
    r"screen-?reader\w*|visually-?hidden|visuallyhidden|hidden|hide|skip-?link|bio|keywords|rating|modal|popup|"
    r"overlay|login|table-?of-?contents|toc|gallery|slideshow|carousel|ticker|dateline|timestamp|kicker|"
    r"disclaimer|print-?only|lightbox|tooltip|teaser-?list|rail|tools|utility|follow|feedback|survey|poll|cta|"
    r"call-?to-?action|video-?player|player|embed\w*|banner\w*"
)
_NEGATIVE = re.compile(_B + "(?:" + _STRONG_WORDS + "|" + _WEAK_WORDS + ")" + _E)
_STRONG = re.compile(_B + "(?:" + _STRONG_WORDS + ")" + _E)
# Words that make a class/id a likely article container: they cancel a negative match on the same element.
_POSITIVE = re.compile(
    _B + r"(?:article\w*|body|content|entry|main|post|text|story|prose|rich-?text|blog|markdown|"
    r"paragraph|copy|news-?detail|detail)" + _E
)
_CONTAINER_POSITIVE = re.compile(
    r"article|body|content|entry|hentry|main|page|pagination|post|text|blog|story|prose|richtext|rich-text|"
    r"paragraph|copy|detail|news"
)
_CONTAINER_NEGATIVE = re.compile(
    r"hidden|banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|masthead|media|meta|outbrain|promo|"
    r"related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|recommend|"
    r"newsletter|social|teaser|rail|nav|menu|byline|caption|credit|subscribe|popular|trending|\bad\b|ads"
)
# Class tokens that describe a state, not a kind of content ("has-comments", "comments-open"): ignored.
# fmt: off
_STATE_PREFIXES = ("has-", "with-", "no-", "without-", "is-", "show-", "enable-", "enabled-", "single-",
                   "page-", "template-", "post-template-", "body-")
_STATE_SUFFIXES = ("-enabled", "-disabled", "-open", "-closed", "-on", "-off", "-active", "-allowed", "-count",
                   "-counts", "-number")
# fmt: on


def _words(attrs: str) -> str:
    """Class/id tokens that say what an element is: BEM blocks cut to their element, state tokens dropped."""
    out = []
    for token in attrs.split():
        if "__" in token:
            token = token.rsplit("__", 1)[1]  # BEM: "sidebar-grid__content" is content
        if token.startswith(_STATE_PREFIXES) or token.endswith(_STATE_SUFFIXES) or token.count("-") >= 4:
            continue  # a state, or a slug of a headline ("slide zendaya-promoted-dune-part-two")
        out.append(token)
    return " ".join(out)


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

_BOILERPLATE_LINE = re.compile(
    r"^(?:advertisement|advertising|anzeige|publicidad|publicité|pubblicità|reklama|реклама|sponsored|"
    r"read (?:more|next|also)|related(?: articles?| stories| content| coverage)?|see also|more from|more on|"
    r"also read|you may also like|you might also like|recommended|most (?:read|popular|viewed)|"
    r"follow us|share (?:this|on|via)|share$|sign up|subscribe|click here|download (?:the|our) app|"
    r"all rights reserved|copyright|©|photo:|image:|credit:|photograph:|illustration:|getty images|"
    r"loading|comments?$|leave a comment|join the conversation|skip (?:to|advert)|continue reading|"
    r"story continues|article continues|we (?:use|value) cookies|this (?:site|website) uses cookies|"
    r"weiterlesen|mehr zum thema|lesen sie auch|auch interessant|leia (?:mais|também)|lire aussi|"
    r"à lire aussi|leer más|lee también|te puede interesar|leggi anche|czytaj (?:też|także)|"
    r"читайте также|по теме|читайте також|дивіться також|"
    r"previous (?:post|article)|next (?:post|article)|older posts?|newer posts?|"
    r"you may also be interested|you may have missed|don'?t miss|posted (?:by|in)|filed under|tags?:|"
    r"publicado por|categor(?:y|ies):)\b",
    re.I,
)
_SHORT_JUNK = re.compile(
    r"^(?:[\W\d_]+|advertisement|advert|ad|ads|anzeige|werbung|реклама|фото:?|photo:?|\w+ \d{1,2}, \d{4}|"
    r"updated.*|published.*)$",
    re.I,
)
# WordPress shortcodes that leaked into the text: "[button link=...]Send us...[/button]".
_SHORTCODE = re.compile(r"^\[\w[\w-]*(?:\s[^\]]*)?\].*\[/\w[\w-]*\]$")
_SENTENCE_END = re.compile(r"[.!?。！？…\"”»]\s*$")


@dataclass(slots=True)
class Block:
    text: str
    links: int
    el: etree._Element


_ROW_BREAKERS = frozenset(
    (
        "p",
        "div",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "br",
        "dl",
        "form",
        "header",
        "footer",
    )
)


def _data_row(tr: etree._Element) -> bool:
    """A table row of short cells (data), not a layout row holding page sections."""
    for el in tr.iterdescendants():
        if el.tag in _ROW_BREAKERS:
            return False
    return len(text_of(tr)) < 400


class _Walker:
    """Turns a DOM subtree into text blocks: one per run of inline content between block-level boundaries."""

    __slots__ = ("blocks", "buf", "link_depth", "links", "owner", "pending_br")

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.link_depth = 0
        self.links = 0
        self.owner: etree._Element | None = None
        self.pending_br = False

    def add(self, text: str) -> None:
        self.buf.append(text)
        if self.link_depth:
            self.links += len(text.strip())
        if self.pending_br and text.strip():
            self.pending_br = False

    def flush(self) -> None:
        if self.buf:
            text = norm("".join(self.buf))
            if text and self.owner is not None:
                self.blocks.append(Block(text, min(self.links, len(text)), self.owner))
            self.buf = []
            self.links = 0
        self.pending_br = False

    def block(self, el: etree._Element) -> None:
        self.flush()
        previous, self.owner = self.owner, el
        if el.text:
            self.add(el.text)
        for child in el:
            self.node(child)
            if child.tail:
                self.add(child.tail)
        self.flush()
        self.owner = previous

    def inline(self, el: etree._Element) -> None:
        is_link = el.tag == "a"
        if is_link:
            self.link_depth += 1
        if el.text:
            self.add(el.text)
        for child in el:
            self.node(child)
            if child.tail:
                self.add(child.tail)
        if is_link:
            self.link_depth -= 1

    def node(self, el: etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag == "br":
            if self.pending_br:
                self.flush()
            else:
                self.buf.append(" ")
                self.pending_br = True
        elif tag in INLINE:
            self.inline(el)
        elif tag == "tr" and _data_row(el):
            # A data table row reads as one line ("3 Kevin Harvick 5033 4 6"), not as one block per cell.
            self.flush()
            previous, self.owner = self.owner, el
            for cell in el:
                if isinstance(cell.tag, str):
                    self.inline(cell)
                    self.add(" ")
            self.flush()
            self.owner = previous
        elif tag == "hr":
            self.flush()
        else:
            self.block(el)


def _attrs(el: etree._Element) -> str:
    cls = el.get("class")
    ident = el.get("id")
    if cls is None and ident is None:
        return ""
    return f"{cls or ''} {ident or ''}".lower()


_WS = re.compile(r"\s+")


def _text_len(el: etree._Element) -> int:
    text = text_of(el)
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")


def clean(body: etree._Element) -> None:
    """Drop boilerplate elements in place: by tag, by hidden state, by class/id words.

    An element that holds much of the page's text is not dropped for its tag or class words: on real pages
    broken markup nests the article in an <aside>, and a class like "sidebar-grid" can wrap everything.
    """
    etree.strip_elements(body, *DROP_TAGS, with_tail=False)
    etree.strip_elements(body, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    structural = list(body.iter(*STRUCTURAL_TAGS))
    if structural:
        total = _text_len(body) or 1
        for el in structural:
            if el.getparent() is not None and _text_len(el) < 0.4 * total:
                drop(el)
    total = 0
    doomed: list[etree._Element] = []
    for el in body.iter():
        tag = el.tag
        if not isinstance(tag, str) or tag in INLINE and tag != "span" or tag == "body":
            continue
        style = el.get("style")
        if (
            el.get("hidden") is not None
            or style
            and ("none" in style or "hidden" in style)
            and _HIDDEN_STYLE.search(style)
        ):
            if not total:
                total = _text_len(body) or 1
            # React streams server-rendered content in hidden <div>s that a script moves into place.
            if _text_len(el) < 0.4 * total:
                doomed.append(el)
            continue
        attrs = _attrs(el)
        if not attrs or not _NEGATIVE.search(attrs):
            continue
        words = _words(attrs)
        if not _NEGATIVE.search(words):
            continue
        strong = any(_STRONG.search(t) and not _POSITIVE.search(t) for t in words.split())
        if not strong and _POSITIVE.search(words) and not _STRONG.search(words):
            continue
        if not total:
            total = _text_len(body) or 1
        # "related-articles" or "entry-content-read-more" mix both kinds of word: only small ones go.
        if _text_len(el) > (0.6 if strong else 0.25) * total:
            continue  # the page's main text would go with it: the word is about something else
        doomed.append(el)
    for el in doomed:
        drop(el)


_COMMAS = re.compile("[,\uff0c\u3001\u060c\u061b]")


def _class_weight(el: etree._Element) -> int:
    weight = 0
    if el.get("itemprop") in ("articleBody", "text", "reviewBody"):
        weight += 30
    for value in (el.get("class"), el.get("id")):
        if not value:
            continue
        value = value.lower()
        if _CONTAINER_NEGATIVE.search(value):
            weight -= 25
        if _CONTAINER_POSITIVE.search(value):
            weight += 25
    return weight


_TAG_BASE = {
    "div": 5,
    "article": 10,
    "main": 5,
    "section": 3,
    "pre": 3,
    "td": 3,
    "blockquote": 3,
    "address": -3,
    "ol": -3,
    "ul": -3,
    "dl": -3,
    "dd": -3,
    "dt": -3,
    "li": -3,
    "form": -3,
    "h1": -5,
    "h2": -5,
    "h3": -5,
    "h4": -5,
    "h5": -5,
    "h6": -5,
    "th": -5,
}


# Complex on purpose: score, merge split containers, walk up, add siblings: one ranking.
def _select(blocks: list[Block], root: etree._Element) -> set[etree._Element]:  # noqa: C901
    """The containers that hold the article: the best-scoring one plus siblings that look like it."""
    scores: dict[etree._Element, float] = {}
    chars: dict[etree._Element, int] = {}
    links: dict[etree._Element, int] = {}
    prose: dict[etree._Element, int] = {}
    for b in blocks:
        n = len(b.text)
        long = n if n >= 100 and b.links < 0.2 * n else 0
        el: etree._Element | None = b.el
        while el is not None:
            chars[el] = chars.get(el, 0) + n
            links[el] = links.get(el, 0) + b.links
            if long:
                prose[el] = prose.get(el, 0) + long
            el = el.getparent()
    for b in blocks:
        n = len(b.text)
        if n < 25 or b.links > n * 0.5 or b.el.tag == "h1":
            continue
        score = 1 + len(_COMMAS.findall(b.text)) + min(n // 100, 3)
        el = b.el if b.el.tag not in _PARAGRAPH_TAGS else b.el.getparent()
        level = 0
        while el is not None and level < 5:
            if el not in scores:
                weight = _class_weight(el)
                if weight > 0 and prose.get(el, 0) < 200:
                    weight = 0  # "main_content" on a newsletter box: a good name needs some prose inside
                scores[el] = _TAG_BASE.get(el.tag, 0) + weight
            scores[el] += score / (1 if level == 0 else 2 if level == 1 else level * 3)
            el = el.getparent()
            level += 1
    if not scores:
        return set()

    def final(el: etree._Element) -> float:
        c = chars.get(el, 0)
        return scores[el] * (1 - (links.get(el, 0) / c if c else 0))

    ranked = sorted(scores, key=final, reverse=True)
    top = ranked[0]
    top_score = final(top)

    # Several near-best candidates under one ancestor: the ancestor is the article (split containers).
    close = [el for el in ranked[1:6] if final(el) >= top_score * 0.75]
    if len(close) >= 2:
        ancestors = list(top.iterancestors())
        for anc in ancestors:
            if anc.tag in ("html", "body"):
                break
            if sum(1 for el in close if anc in set(el.iterancestors())) >= 2:
                top = anc
                break

    # Walk up while the parent scores better (text split over nested wrappers).
    last = final(top) if top in scores else top_score
    threshold = last / 3
    parent = top.getparent()
    while parent is not None and parent.tag not in ("body", "html"):
        if parent not in scores:
            parent = parent.getparent()
            continue
        parent_score = final(parent)
        if parent_score < threshold:
            break
        if parent_score > last:
            top = parent
            break
        last = parent_score
        parent = parent.getparent()
    while (up := top.getparent()) is not None and up.tag not in ("body", "html") and len(up) == 1:
        top = up

    selected = {top}
    # An article split into chunks (between ad slots) repeats its container's class: take every chunk.
    top_class = top.get("class")
    if top_class:
        for el in scores:
            if (
                el is not top
                and el.tag == top.tag
                and el.get("class") == top_class
                and final(el) > 0
                and chars.get(el, 0)
                and links.get(el, 0) < 0.3 * chars[el]
            ):
                selected.add(el)
        # keep only the outermost of nested matches
        selected = {el for el in selected if not any(a in selected for a in el.iterancestors())}
    parent = top.getparent()
    if parent is None:
        return selected
    top_final = final(top) if top in scores else top_score
    sibling_threshold = max(10.0, top_final * 0.2)
    for sib in parent:
        if sib is top or not isinstance(sib.tag, str):
            continue
        bonus = top_final * 0.2 if top_class and sib.get("class") == top_class else 0
        if sib in scores and final(sib) + bonus >= sibling_threshold:
            # Teaser lists score too: a sibling joins only with real paragraphs of its own.
            if prose.get(sib, 0) >= 150 or final(sib) >= 0.5 * top_final:
                selected.add(sib)
        elif sib.tag == "p" or sib.tag in HEADINGS and sib.tag != "h1":
            c = chars.get(sib, 0)
            density = links.get(sib, 0) / c if c else 1
            text = text_of(sib)
            if (len(text) > 80 and density < 0.25) or (
                0 < len(text) <= 80 and density == 0 and _SENTENCE_END.search(text)
            ):
                selected.add(sib)
    return selected


def _inside(el: etree._Element | None, selected: set[etree._Element]) -> bool:
    while el is not None:
        if el in selected:
            return True
        el = el.getparent()
    return False


def _keep(block: Block) -> bool:
    text = block.text
    n = len(text)
    if block.el.tag == "h1":
        return False
    if block.links > 0.5 * n or block.el.tag == "li" and n < 150 and block.links > 0.3 * n:
        return False
    if n < 120 and _BOILERPLATE_LINE.match(text):
        return False
    if _SHORTCODE.match(text):
        return False
    return not (n < 40 and _SHORT_JUNK.match(text))


def extract_paragraphs(body: etree._Element) -> tuple[list[str], dict[str, int]]:
    """Clean body paragraphs, plus a few counts the caller uses to tell articles from index pages."""
    clean(body)
    walker = _Walker()
    walker.block(body)
    blocks = walker.blocks
    selected = _select(blocks, body)
    if not selected:
        return [], {"link_headings": 0}
    chosen = [b for b in blocks if _inside(b.el, selected)]
    link_headings = sum(1 for b in chosen if b.el.tag in HEADINGS and b.links > 0.5 * len(b.text))
    kept = [b for b in chosen if _keep(b)]

    # Sub-headings stay only when text follows them.
    out: list[Block] = []
    for i, b in enumerate(kept):
        if b.el.tag in HEADINGS:
            nxt = kept[i + 1] if i + 1 < len(kept) else None
            if nxt is None or nxt.el.tag in HEADINGS:
                continue
        out.append(b)

    # Duplicates and pull quotes repeating body text.
    keys = [b.text.casefold() for b in out]
    everything = "\n".join(keys)
    exact = Counter(keys)
    paragraphs: list[str] = []
    seen: set[str] = set()
    for b, key in zip(out, keys, strict=True):
        if key in seen:
            continue
        if len(key) < 400 and b.el.tag not in HEADINGS and everything.count(key) > exact[key]:
            continue  # repeats (part of) another paragraph: a pull quote or a teaser of the text
        seen.add(key)
        paragraphs.append(b.text)
    return paragraphs, {"link_headings": link_headings, "blocks": len(chosen)}
