"""Article quality: flag pages that are not articles instead of publishing their notice text as one.

A paywalled, script-rendered or truncated page is flagged (`paywall`, `script-rendered`, `truncated`); the parse
stage stores what it can of it and counts it against its source's parse quality (`newsdive.health.sources`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from newsdive.language.plaintext import word_count

if TYPE_CHECKING:
    from newsdive.model.article import ExtractedArticle
    from newsdive.model.messages import RawPageMeta


Flag = Literal["paywall", "script-rendered", "truncated"]

# --- article quality -----------------------------------------------------------------------------------------

# Notices, in the language of the page (a page whose language is unknown is read with every language's). Kinds:
# - "paywall": a subscription notice; it counts only with a body too short to be the article (links to other
#   subscriber articles carry the same words);
# - "cut": the page says the rest of this article is for subscribers ("Il vous reste 57% de cet article à lire"):
#   the body is a teaser however long it is;
# - "script": a notice that the page needs JavaScript or a newer browser.
# Each language's phrases are matched on text of that language only.
_NOTICES: dict[str, dict[str, str]] = {
    "en": {
        "paywall": r"(?:subscribe|subscription|sign[ -]?in|log[ -]?in|register|become a (?:member|subscriber))\b"
                   r"[^.!?]{0,60}?\bto (?:continue|keep) reading"
                   r"|\bto (?:continue|keep) reading\b[^.!?]{0,40}?\b(?:subscribe|sign[ -]?in|log[ -]?in|register)"
                   r"|(?:article|story|content|page) is (?:only )?(?:available )?(?:for|to) (?:paying )?"
                   r"(?:subscribers|members)"
                   r"|(?:for|to) subscribers only|subscribers[- ]only|already a (?:subscriber|member)\?"
                   r"|you(?:'ve| have) (?:reached|used) (?:your|the|all) (?:limit|maximum|free articles)"
                   r"|free articles? (?:left|remaining)|to read (?:the full|this|the rest of this) (?:article|story)\b"
                   r"[^.!?]{0,30}(?:subscribe|sign in|log in)",
        "cut": r"the rest of this (?:article|story) is (?:only )?(?:available )?(?:for|to) (?:subscribers|members)"
               r"|\d[\d.,]*\s?% of (?:this|the) (?:article|story) (?:remains|is left) to read",
        "script": r"(?:enable|turn on|activate|allow) javascript"
                  r"|javascript (?:is )?(?:required|disabled|must be enabled)"
                  r"|requires? javascript|browser (?:does not|doesn't) support javascript"
                  r"|your (?:web )?browser is (?:no longer|not) supported",
    },
    "de": {
        "paywall": r"(?:nur|exklusiv) für (?:\w+-)?(?:abonnenten|abonnentinnen|abonnent\*innen)"
                   r"|(?:jetzt|gleich) (?:abonnieren|abo abschließen) und weiterlesen|bereits abonnent(?:in)?\?"
                   r"|sie haben bereits ein (?:digital-)?abo\?|um (?:den|diesen) (?:ganzen |vollständigen )?artikel"
                   r" (?:weiter|zu ende )?zu lesen",
        "cut": r"(?:der rest|der vollständige text) (?:des|dieses) artikels ist (?:nur )?für abonnenten",
        "script": r"javascript (?:aktivieren|einschalten)|aktivieren sie javascript"
                  r"|ihr browser wird nicht (?:mehr )?unterstützt",
    },
    "fr": {
        "paywall": r"réservée? (?:aux|à nos) abonnés|déjà abonné(?:e)?\s?\?|abonnez-vous pour (?:lire|continuer)"
                   r"|pour lire la suite",
        "cut": r"il vous reste \d[\d.,]*\s?% de (?:cet|l’|l')\s?article à lire"
               r"|la suite est réservée (?:aux|à nos) abonnés",
        "script": r"(?:activer|activez) (?:le )?javascript"
                  r"|votre navigateur n(?:’|')est plus (?:pris en charge|supporté)",
    },
    "es": {
        "paywall": r"(?:exclusiv[oa]|solo|sólo) para (?:suscriptores|socios|abonados)|¿ya eres suscriptor"
                   r"|suscríbete para (?:seguir|continuar) leyendo|para seguir leyendo",
        "cut": r"(?:el resto de|la continuación de) (?:este|la) (?:artículo|noticia) es (?:exclusiv[oa] )?"
               r"(?:para|solo para) suscriptores",
        "script": r"(?:habilita|habilitar|activa|activar) (?:el )?javascript"
                  r"|tu navegador (?:ya )?no es compatible",
    },
    "it": {
        "paywall": r"riservat[oa] (?:agli|ai) abbonati|sei già abbonato\?|abbonati per (?:continuare a )?leggere",
        "cut": r"il resto dell(?:’|')articolo è riservato agli abbonati",
        "script": r"(?:abilita|attiva) javascript",
    },
    "pt": {
        "paywall": r"exclusiv[oa] para assinantes|já é assinante\?|assine para continuar (?:lendo|a ler)",
        "cut": r"o resto (?:deste|do) artigo é exclusivo para assinantes",
        "script": r"(?:ative|habilite) o javascript",
    },
    "sv": {"paywall": r"för (?:våra )?prenumeranter|redan prenumerant\?",
           "script": r"aktivera javascript"},
    "pl": {"paywall": r"dla (?:prenumeratorów|subskrybentów)|masz już prenumeratę\?",
           "script": r"włącz javascript"},
    "ja": {
        "paywall": r"有料会員(?:限定|登録)|会員限定記事|この記事は有料記事です|続きを読むには",
        "cut": r"残り\d+文字|この記事の続きは(?:有料)?会員",
        "script": r"javascriptを有効",
    },
    "zh": {
        "paywall": r"付费(?:内容|阅读|会员)|会员专享|订阅(?:后|即可)(?:阅读|查看)",
        "cut": r"剩余\d+%|订阅后阅读全文|付费阅读全文",
        "script": r"(?:启用|开启)\s?javascript",
    },
    "ko": {"paywall": r"유료 회원|구독자 전용|프리미엄 회원", "cut": r"나머지 기사는 구독",
           "script": r"자바스크립트를 활성화"},
    "ru": {
        "paywall": r"только для подписчиков|доступ(?:ен|но) (?:только )?подписчикам|оформите подписку",
        "script": r"включите javascript",
    },
}
_NOTICE_CACHE: dict[tuple[str, str], re.Pattern[str]] = {}


def _notice(kind: str, language: str | None) -> re.Pattern[str]:
    """The notice pattern of a kind for a language ("" or unknown: every language's)."""
    lang = (language or "").split("-")[0].lower()
    if lang not in _NOTICES:
        lang = ""
    key = (kind, lang)
    if key not in _NOTICE_CACHE:
        phrases = [n[kind] for code, n in _NOTICES.items() if kind in n and code == (lang or code)]
        _NOTICE_CACHE[key] = re.compile("|".join(f"(?:{p})" for p in phrases) or "(?!)", re.I)
    return _NOTICE_CACHE[key]


def notice_languages() -> list[str]:
    """The languages whose paywall and script notices are recognised."""
    return sorted(_NOTICES)


_PAYWALL_MARKUP = re.compile(
    r"paywall|subscriber-only|subscribers-only|premium-(?:content|article|story)|regwall|registration-wall"
    r"|meter(?:ed)?-(?:wall|content)|article-locked|locked-content|piano-(?:offer|template)|tp-modal",
    re.I,
)
_SITE_CHROME = re.compile(r"login|log-in|sign|user|account|header|nav|menu|footer|profile", re.I)
_APP_ROOTS = ("root", "app", "__next", "__nuxt", "svelte", "ember-app", "main-app")
_STATE_SCRIPTS = re.compile(r"__NEXT_DATA__|__NUXT__|__INITIAL_STATE__|__PRELOADED_STATE__|__APOLLO_STATE__")
FULL_ARTICLE_WORDS = 250  # a body this long is an article whatever notices surround it
TEASER_WORDS = 150
SHELL_WORDS = 50


def _not_free(html: bytes) -> bool:
    """Google's paywall markup: JSON-LD "isAccessibleForFree": false (or "False")."""
    return re.search(rb'"isAccessibleForFree"\s*:\s*"?(?:false|False)"?', html) is not None


def _page_signals(html: bytes) -> dict[str, object]:
    import lxml.etree
    import lxml.html

    doc: Any  # an HtmlElement tree: lxml-stubs type it, and what iter() yields, as plain _Element (no text_content)
    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return {"text": "", "markup": False, "noscript": "", "shell": False, "script_bytes": 0, "lang": None}
    script_bytes = sum(len(s.text or "") for s in doc.iter("script"))
    noscript = " ".join(n.text_content() for n in doc.iter("noscript"))
    markup = False
    for el in doc.iter():
        if not isinstance(el.tag, str) or not (el.get("class") or el.get("id")):
            continue
        names = f"{el.get('class', '')} {el.get('id', '')}"
        # a paywall box says something; login buttons and account menus in the site's header do not count
        if _PAYWALL_MARKUP.search(names) and not _SITE_CHROME.search(names) \
                and word_count(el.text_content()) >= 5:
            markup = True
            break
    shell = False
    for el in doc.iter("div", "main", "section"):
        if el.get("id") in _APP_ROOTS or el.get("data-reactroot") is not None:
            shell = word_count(el.text_content()) < SHELL_WORDS
            break
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    body = doc.find("body")
    text = " ".join((body if body is not None else doc).text_content().split())
    return {"text": text, "markup": markup, "noscript": noscript, "shell": shell, "script_bytes": script_bytes,
            "lang": doc.get("lang")}


def page_flags(html: bytes, *, words: int | None, feed_words: int = 0, language: str | None = None) -> list[Flag]:
    """Flags of a fetched page, given the extracted body's word count (None when extraction found no article),
    the word count of the feed's description of the item (0 when there was none) and the page's language (else
    its `lang` attribute; notices are read in that language, see `_NOTICES`).

    - paywall: the page says so (JSON-LD isAccessibleForFree false) and the body is short of a full article,
      or a subscription notice or paywall markup comes with a body too short to be the article;
    - script-rendered: almost no text, and an app shell, JavaScript notice or page state shipped as script;
    - truncated: the body is much shorter than the feed's own description, or a teaser behind a paywall (short,
      or of any length when the page says the rest of the article is for subscribers).
    """
    body_words = words or 0
    not_free = _not_free(html)
    if body_words >= FULL_ARTICLE_WORDS and body_words * 2 >= feed_words and not not_free:
        return []  # the common case costs no second parse
    signals = _page_signals(html)
    text = str(signals["text"])
    lang = language or (str(signals["lang"]) if signals["lang"] else None)
    flags: list[Flag] = []
    short = body_words < TEASER_WORDS
    cut = _notice("cut", lang).search(text) is not None
    # A page marked not free whose full text came through anyway (a metered paywall, a subscriber's copy) is not
    # flagged: the flag is about what we got, not about the outlet's business model.
    if (not_free and (body_words < FULL_ARTICLE_WORDS or cut)) or (
            short and (_notice("paywall", lang).search(text) or signals["markup"])):
        flags.append("paywall")
    script_heavy = int(signals["script_bytes"]) > 10 * max(len(text), 1)  # type: ignore[call-overload]
    if body_words < SHELL_WORDS and (
        signals["shell"] or _notice("script", lang).search(f"{signals['noscript']} {text}") or _STATE_SCRIPTS.search(
            html.decode("utf-8", "ignore")) or (script_heavy and word_count(text) < SHELL_WORDS)):
        flags.append("script-rendered")
    if words is not None and (
        (feed_words >= 40 and body_words * 2 < feed_words) or ("paywall" in flags and (short or cut))
    ):
        flags.append("truncated")
    return flags


def flagged_stub(html: bytes, meta: RawPageMeta) -> tuple[ExtractedArticle, list[Flag]] | None:
    """For a page the extractor found no article in: when it is a paywall or a script-rendered shell, the
    article's headline and description without its notice text (the outlet still covers the story), with the
    flags; else None."""
    flags = page_flags(html, words=None, feed_words=meta.feed_words)
    if not flags:
        return None
    from newsdive.model.errors import ExtractionError
    from newsdive.parse.extract import page_metadata

    try:  # the page's own metadata: section, times, authors, canonical URL, language (what the story needs)
        found = page_metadata(html, url=meta.final_url, content_type=meta.content_type or None,
                              country=meta.source_ref.country)
    except ExtractionError:
        return None
    title = meta.feed_title or found.title
    if not title:
        return None
    stub = found.model_copy(update={"title": title, "paragraphs": []})
    return stub, flags
