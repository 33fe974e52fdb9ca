"""RSS 2.0 feeds and the sitemap: the published stories for feed readers and search engines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from email.utils import format_datetime

from newsdive.model.story import StoryRecord, story_language
from newsdive.publish.render import card, deep_dive_path, newest_first, story_slug, utc

FEED_ITEMS = 50


# -- RSS 2.0 and sitemap -------------------------------------------------------------------------------------


def story_link(story_id: str, slug: str, *, base_url: str, page_url: str = "") -> str:
    """Where a reader goes for a story: `page_url` (a template with {id} and {slug}: your frontend's page) or,
    when that is empty, the deep dive document under `base_url`."""
    if page_url:
        return page_url.replace("{id}", story_id).replace("{slug}", slug)
    return f"{base_url.rstrip('/')}/{deep_dive_path(story_id)}"


def _xml(root) -> bytes:  # noqa: ANN001
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def rss_feed(name: str, stories: Sequence[StoryRecord], *, base_url: str, page_url: str = "",
             feed_path: str, limit: int = FEED_ITEMS) -> bytes:
    """RSS 2.0 of the newest stories (a category's or all): title, link, guid, date, snippet, category.
    Every text is plain and escaped by the XML serializer; dates come from the stories, never the clock."""
    from lxml import etree

    atom = "http://www.w3.org/2005/Atom"
    base = base_url.rstrip("/")
    rss = etree.Element("rss", version="2.0", nsmap={"atom": atom})
    channel = etree.SubElement(rss, "channel")
    title = "newsdive: latest stories" if name == "latest" else f"newsdive: {name.capitalize()}"
    etree.SubElement(channel, "title").text = title
    etree.SubElement(channel, "link").text = f"{base}/" if base else "/"
    etree.SubElement(channel, "description").text = (
        f"Stories grouped across outlets with their Left/Center/Right coverage ({name})."
    )
    chosen = newest_first(stories)[:limit]
    language = feed_language(chosen)
    if language:
        etree.SubElement(channel, "language").text = language
    etree.SubElement(channel, "generator").text = "newsdive"
    etree.SubElement(channel, f"{{{atom}}}link", href=f"{base}/{feed_path}", rel="self",
                     type="application/rss+xml")
    times = [s.updated_at for s in chosen if s.updated_at]
    if times:
        etree.SubElement(channel, "lastBuildDate").text = format_datetime(utc(max(times)), usegmt=True)
    for story in chosen:
        c = card(story)
        item = etree.SubElement(channel, "item")
        etree.SubElement(item, "title").text = c.title
        etree.SubElement(item, "link").text = story_link(c.id, c.slug, base_url=base, page_url=page_url)
        etree.SubElement(item, "guid", isPermaLink="false").text = f"newsdive:{c.id}"
        bar = f"L {c.bias.left}% · C {c.bias.center}% · R {c.bias.right}%"
        count = f"{c.source_count} source" + ("" if c.source_count == 1 else "s")
        etree.SubElement(item, "description").text = f"{c.snippet} ({bar}; {count})"
        etree.SubElement(item, "category").text = c.category
        if c.published_at:
            etree.SubElement(item, "pubDate").text = format_datetime(c.published_at, usegmt=True)
    return _xml(rss)


def feed_language(stories: Iterable[StoryRecord]) -> str | None:
    """The feed's `<language>`: the one language of all its stories whose language is known; none (the element
    is left out, as RSS 2.0 allows) when they are in several languages or none is known."""
    found = {story_language(s.members.values()) for s in stories} - {None}
    return found.pop() if len(found) == 1 and "mul" not in found else None


def sitemap(stories: Sequence[StoryRecord], *, base_url: str, page_url: str = "",
            index_paths: Sequence[str] = ()) -> bytes:
    """sitemap.xml: each story's page with its last update, then the first page of each index feed."""
    from lxml import etree

    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    base = base_url.rstrip("/")
    urlset = etree.Element(f"{{{ns}}}urlset", nsmap={None: ns})  # type: ignore[dict-item]  # stubs: None prefix
    for story in newest_first(stories):
        url = etree.SubElement(urlset, f"{{{ns}}}url")
        link = story_link(story.story_id, story_slug(story), base_url=base, page_url=page_url)
        etree.SubElement(url, f"{{{ns}}}loc").text = link
        if story.updated_at:
            etree.SubElement(url, f"{{{ns}}}lastmod").text = utc(story.updated_at).isoformat().replace("+00:00", "Z")
    for path in sorted(index_paths):
        url = etree.SubElement(urlset, f"{{{ns}}}url")
        etree.SubElement(url, f"{{{ns}}}loc").text = f"{base}/{path}"
    return _xml(urlset)
