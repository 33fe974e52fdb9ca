"""The parse stage's domain logic: a stored raw page becomes an Article, stored and handed to aggregate."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from newsdive.model.article import Article, content_hash, url_id
from newsdive.model.messages import ArticleStored, RawPageMeta
from newsdive.storage.ports import MessageQueue, ObjectStore


@dataclass
class Parser:
    raw: ObjectStore
    aggregate_queue: MessageQueue
    max_bytes: int = 5_000_000


def article_key(article_id: str) -> str:
    return f"articles/{article_id}.json"


def canonical_identity(item_url: str, page_canonical: str | None, final_url: str | None = None) -> str:
    """The URL that names the article: the page's own canonical URL when it stays on the site the item linked
    to or redirected to (feed proxies redirect to the publisher), else the (already canonicalised) feed item URL.
    A site is a registered domain (`ww2.namibian.com.na` is `www.namibian.com.na`'s site:
    newsdive.scrape.urls.same_site); canonicals pointing to any other site are not trusted with identity."""
    if page_canonical:
        from newsdive.scrape.urls import canonicalize_url, same_site

        try:
            candidate = canonicalize_url(page_canonical)
        except ValueError:
            return item_url
        host = urlsplit(candidate).hostname
        if any(same_site(host, urlsplit(u).hostname) for u in (item_url, final_url) if u):
            return candidate
    return item_url


def parse(key: str, deps: Parser) -> Article:
    """Extract the article of the raw page at `key`, store it (if it changed) and notify aggregate.

    The notification is sent every time, even when the stored article is unchanged: aggregate is idempotent, and
    this way a crash between the two writes cannot lose the article.
    """
    from newsdive.parse.extract import extract_article

    stored = deps.raw.get(key)
    meta = RawPageMeta.from_s3(dict(stored.metadata))
    html = gzip.decompress(stored.body) if stored.body[:2] == b"\x1f\x8b" else stored.body
    from newsdive.model.errors import NoArticleError
    from newsdive.parse.flags import flagged_stub, page_flags

    try:
        extracted = extract_article(html, url=meta.final_url, content_type=meta.content_type or None,
                                    max_bytes=deps.max_bytes, country=meta.source_ref.country)
        flags: list[str] = list(page_flags(html, words=extracted.count_words(), feed_words=meta.feed_words,
                                           language=extracted.language))
    except NoArticleError:
        stub = flagged_stub(html, meta)  # a paywall or a script-only page: kept, flagged, without its notice text
        if stub is None:
            raise
        extracted, flags = stub[0], list(stub[1])
    identity = canonical_identity(meta.url, extracted.canonical_url, meta.final_url)
    article = Article(
        **extracted.model_dump(),
        id=url_id(identity),
        url=identity,
        source=meta.source_ref,
        fetched_at=datetime.fromisoformat(meta.fetched_at),
        feed_title=meta.feed_title or None,
        feed_published_at=meta.feed_time,
        word_count=extracted.count_words(),
        content_hash=content_hash(extracted),
        flags=flags,
    )
    target = article_key(article.id)
    existing = deps.raw.head(target)
    if existing is None or existing.get("content-hash") != article.content_hash:
        deps.raw.put(target, article.model_dump_json().encode("utf-8"), content_type="application/json",
                     metadata={"content-hash": article.content_hash, "source-id": article.source.id})
    message = ArticleStored(article_id=article.id, key=target, content_hash=article.content_hash,
                            source_id=article.source.id, published_at=article.best_time)
    deps.aggregate_queue.send([message.model_dump_json()])
    return article


def load_article(raw: ObjectStore, key: str) -> Article:
    return Article.model_validate(json.loads(raw.get(key).body))
