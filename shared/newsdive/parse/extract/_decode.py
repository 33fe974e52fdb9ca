"""Bytes to text: sniff non-HTML content, honour BOM / HTTP / meta charsets, detect the rest.

Follows the WHATWG encoding rules where they matter on news pages (latin-1 means windows-1252, GB2312 means
GB18030 ...). Truncated multi-byte sequences at the end of a cut-off page are dropped, not fatal.
"""

from __future__ import annotations

import codecs
import re

from newsdive.model.errors import NotHtmlError

_HTML_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "application/vnd.wap.xhtml+xml",
    "application/xml",
    "text/xml",
}
# Types that servers put on HTML by mistake: the bytes decide.
_SNIFF_TYPES = {
    "",
    "text/plain",
    "application/octet-stream",
    "binary/octet-stream",
    "application/x-unknown",
    "unknown/unknown",
    "text/x-html",
}

_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"ID3",
    b"OggS",
    b"\x00\x00\x01\x00",
    b"%!PS",
    b"\x7fELF",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
    b"wOFF",
    b"wOF2",
    b"\x00\x01\x00\x00\x00",
    b"OTTO",
    b"fLaC",
    b"\x1aE\xdf\xa3",
    b"II*\x00",
    b"MM\x00*",
    b"{\\rtf",
    b"\xd0\xcf\x11\xe0",
    b"\x00asm",
    b"\xca\xfe\xba\xbe",
)
_MP4 = re.compile(rb"^....ftyp", re.S)

# WHATWG label mapping for the labels that matter; everything else goes through Python's codec lookup.
_ALIASES = {
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "chinese": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "windows-949": "cp949",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]{1,40})""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.\-]{1,40})["']""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]{1,40})""", re.I)
_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|p|div|span|a|article|section|main|br|h[1-6]"
    r"|table|script|link|style|header|nav|ul|li|img)[\s>/]",
    re.I,
)
_XML_ROOT = re.compile(
    r"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*|<!(?!doctype\s+html)[^>]*>\s*)*<([a-zA-Z][\w:.-]*)", re.I | re.S
)
_NOT_HTML_ROOTS = {"rss", "feed", "rdf:rdf", "svg", "urlset", "sitemapindex", "opml", "kml", "gpx", "plist"}
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def mime_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def codec_name(label: str | bytes | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    if name in {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}:
        return None  # a UTF-16 label in an ASCII-readable place is wrong by construction (WHATWG: use UTF-8)
    return _ALIASES.get(name, name)


def check_content_type(content_type: str | None) -> None:
    mime = mime_of(content_type)
    if mime and mime not in _HTML_TYPES and mime not in _SNIFF_TYPES:
        raise NotHtmlError(f"content type {mime!r} is not HTML")


def _decode_with(data: bytes, codec: str) -> str:
    """Strict decode that tolerates an incomplete multi-byte sequence at the very end (a truncated page)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    return decoder.decode(data, final=False)


def _detect(data: bytes) -> str:
    """Charset detection for pages that declare nothing and are not UTF-8 (charset-normalizer, imported lazily;
    without it, windows-1252, the most common legacy encoding on the web)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a layer built without the optional detector
        return data.decode("cp1252", "replace")
    best = from_bytes(data[:200_000], cp_isolation=None, steps=5, chunk_size=512, threshold=0.3).best()
    if best is not None:
        codec = codec_name(best.encoding)
        if codec is not None:
            try:
                return _decode_with(data, codec)
            except (UnicodeDecodeError, LookupError):
                pass
    return data.decode("cp1252", "replace")


def _decode_lenient(data: bytes, codec: str) -> str | None:
    """The declared codec with replacement characters, if only a few bytes are bad (else: detect)."""
    text = data.decode(codec, "replace")
    return text if text.count("\ufffd") <= max(3, len(text) // 2000) else None


# Complex on purpose: BOM, declarations, UTF-8, lenient, detected: one cascade.
def decode(data: bytes, content_type: str | None = None) -> str:  # noqa: C901
    """Decode an HTML page; raise NotHtmlError for bytes that are clearly something else."""
    head = data[:16].lstrip()
    if head.startswith(_MAGIC) or _MP4.match(data[:12]):
        raise NotHtmlError("binary content (file signature)")

    text: str | None = None
    for bom, bom_codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            text = data[len(bom) :].decode(bom_codec, "replace")
            break
    if text is None:
        declared: list[str] = []
        match = _HEADER_CHARSET.search(content_type or "")
        for label in (match.group(1) if match else None,):
            codec = codec_name(label)
            if codec:
                declared.append(codec)
        prefix = data[:4096]
        for rx in (_XML_DECL, _META_CHARSET):
            m = rx.search(prefix)
            codec = codec_name(m.group(1)) if m else None
            if codec and codec not in declared:
                declared.append(codec)
        if any(codec != "utf-8" for codec in declared) and not data.isascii():
            # Bytes that are valid UTF-8 are UTF-8 whatever a stale declaration says: multi-byte sequences
            # almost never come out valid by chance from a legacy encoding.
            try:
                text = _decode_with(data, "utf-8")
            except UnicodeDecodeError:
                text = None
        for codec in declared if text is None else ():
            try:
                text = _decode_with(data, codec)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            try:
                text = _decode_with(data, "utf-8")
            except UnicodeDecodeError:
                text = _decode_lenient(data, declared[0]) if declared else None
                if text is None:
                    text = _detect(data)

    sample = text[:8192]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise NotHtmlError("binary content (control characters)")
    stripped = sample.lstrip()
    if stripped[:1] in ("{", "["):
        raise NotHtmlError("JSON, not HTML")
    root = _XML_ROOT.match(sample)
    if root and root.group(1).lower() in _NOT_HTML_ROOTS:
        raise NotHtmlError(f"XML document <{root.group(1)}>, not HTML")
    if not _TAG.search(text[:200_000]):
        raise NotHtmlError("no HTML markup")
    return text
