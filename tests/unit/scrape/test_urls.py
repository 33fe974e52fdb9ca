"""URL canonicalisation: one spelling per article, so re-linked copies of a page count once."""

from __future__ import annotations

import pytest

from newsdive.scrape.urls import TRACKING_PARAMS, canonicalize_url, host_of, is_tracking_param


@pytest.mark.parametrize("url, canonical", [
    # scheme and host case, default ports, fragments
    ("HTTPS://News.Example.COM/Politics/Story.html", "https://news.example.com/Politics/Story.html"),
    ("http://news.example:80/a", "http://news.example/a"),
    ("https://news.example:443/a", "https://news.example/a"),
    ("https://news.example:8443/a", "https://news.example:8443/a"),
    ("https://news.example/a#section-2", "https://news.example/a"),
    ("https://news.example.", "https://news.example/"),
    ("https://news.example", "https://news.example/"),
    # tracking parameters, of any case, and the empty query
    ("https://news.example/a?utm_source=tw&UTM_Medium=social&Utm_Campaign=x", "https://news.example/a"),
    ("https://news.example/a?fbclid=1&gclid=2&dclid=3&msclkid=4&mc_cid=5&mc_eid=6&igshid=7&_ga=8&yclid=9"
     "&ref_src=twsrc&cmpid=10&ocid=11&smid=12&id=42", "https://news.example/a?id=42"),
    ("https://news.example/a?CMP=share_btn_tw&page=2", "https://news.example/a?page=2"),
    ("https://news.example/a?", "https://news.example/a"),
    ("https://news.example/a?&&", "https://news.example/a"),
    # remaining parameters sorted by name, stably (repeated names keep their order), blanks kept
    ("https://news.example/s?q=b&a=1&q=a&empty=", "https://news.example/s?a=1&empty=&q=b&q=a"),
    # percent-encoding: unreserved escapes decoded, others upper-cased, unsafe characters encoded
    ("https://news.example/%7euser/%41rticle%2fpart", "https://news.example/~user/Article%2Fpart"),
    ("https://news.example/caf\u00e9 story?q=a b", "https://news.example/caf%C3%A9%20story?q=a%20b"),
    ("https://news.example/search?q=a%26b&x=1", "https://news.example/search?q=a%26b&x=1"),
    ("https://news.example/100%", "https://news.example/100%25"),
    # dot segments, while path case and trailing slashes stay
    ("https://news.example/a/./b/../c/", "https://news.example/a/c/"),
    ("https://news.example/Index.HTML", "https://news.example/Index.HTML"),
    ("https://news.example/section/", "https://news.example/section/"),
    # international host names as IDNA, IPv6 literals compressed, userinfo dropped
    ("https://B\u00fccher.Example/neu", "https://xn--bcher-kva.example/neu"),
    ("http://[2001:DB8:0:0::1]:8080/x", "http://[2001:db8::1]:8080/x"),
    ("https://reader@news.example/a", "https://news.example/a"),
])
def test_canonical_form(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical


def test_canonical_form_is_idempotent() -> None:
    url = "HTTPS://News.Example:443/a/../b/%7ex?utm_source=x&z=1&a=%2f#top"
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize("relative, canonical", [
    ("story.html?utm_source=rss", "https://news.example/world/story.html"),
    ("/local/story", "https://news.example/local/story"),
    ("//cdn.example/x", "https://cdn.example/x"),
    ("../up", "https://news.example/up"),
    ("https://other.example/abs", "https://other.example/abs"),
])
def test_relative_urls_resolve_against_base(relative: str, canonical: str) -> None:
    assert canonicalize_url(relative, base="https://news.example/world/index.html") == canonical


@pytest.mark.parametrize("url", ["ftp://news.example/a", "mailto:desk@news.example", "javascript:alert(1)",
                                 "file:///etc/passwd", "data:text/plain,hi", "https:///no-host",
                                 "/only/a/path", "", "http://news.example:99999/",
                                 "http://bad host.example/"])
def test_non_http_or_hostless_urls_raise(url: str) -> None:
    with pytest.raises(ValueError):
        canonicalize_url(url)


def test_host_of() -> None:
    assert host_of("https://User@WWW.News.Example:8080/x?y#z") == "www.news.example"
    assert host_of("http://[::1]:81/") == "::1"
    with pytest.raises(ValueError):
        host_of("mailto:x@news.example")


def test_tracking_list_is_documented_and_matched_case_insensitively() -> None:
    assert {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "yclid", "ref_src",
            "cmpid", "ocid", "smid"} <= TRACKING_PARAMS
    assert is_tracking_param("FBCLID") and is_tracking_param("utm_anything")
    assert not is_tracking_param("id") and not is_tracking_param("page") and not is_tracking_param("q")


def test_the_suffix_rules_are_the_librarys_own():
    """`SuffixRules` reads the bundled list faster than publicsuffixlist (IDN rules encoded on the first punycode
    lookup only): the same rules, and the same registered domains."""
    from publicsuffixlist import PSLFILE, PublicSuffixList

    from newsdive.scrape.urls import SuffixRules, _public_suffixes

    library = PublicSuffixList()
    with open(PSLFILE, encoding="utf-8") as f:
        rules = SuffixRules(f.read())
    assert rules.rules | rules.encoded == library._publicsuffix and rules.max_labels == library._maxlabel
    assert all(rule in rules for rule in library._publicsuffix)
    assert "xn--p1ai" in rules and "рф" in rules and "*.xn--p1ai" not in rules and "example.com" not in rules
    hosts = ["ww2.namibian.com.na", "a.github.io", "city.kobe.jp", "x.y.kawasaki.jp", "www.ck", "a.b.c.d.e.f.co.uk",
             "bbc.co.uk", "example.xn--p1ai", "пример.рф", "co.uk", "localhost.localdomain", "a.b.unknown-tld",
             "www.xn--80ak6aa92e.com", "x.xn--85x722f.xn--55qx5d.cn", "city.kawasaki.jp"]
    fresh = _public_suffixes.__wrapped__()  # before any punycode lookup
    assert "encoded" not in vars(fresh._publicsuffix)
    assert [fresh.privatesuffix(h) for h in hosts] == [library.privatesuffix(h) for h in hosts]
