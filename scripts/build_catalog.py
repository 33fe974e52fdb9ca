#!/usr/bin/env python3
"""Build shared/newsdive/data/catalog.json (our own format, facts only) from public outlet ratings.

    .venv/bin/python scripts/build_catalog.py --data ../shared/data/media-bias-ratings           # write it
    .venv/bin/python scripts/build_catalog.py --data ../shared/data/media-bias-ratings --check   # compare

Inputs (see that folder's SOURCE.md; they stay outside the repository):
- AllSides ratings, `allsides/allsides_outlets_normalized.csv` (derived there from AllSides' own export,
  bulk content 2025-02, last changed 2025-09): outlet, domain, section path, rating. Only `News Media` rows.
- MBFC ratings, `mbfc/mbfc_raw.csv` (Idiap's scrape of mediabiasfactcheck.com, 2024-10): domain, country, bias,
  media type, traffic.

Both go onto one 7-point scale (-3 far left .. +3 far right; AllSides' Left/Lean Left/Center/Lean Right/Right are
-2/-1/0/+1/+2; MBFC's extreme/far left, left, left-center, least biased or pro-science, right-center, right,
extreme/far right are -3/-2/-1/0/+1/+2/+3; a "conspiracy-pseudoscience" label keeps only its direction, and is
dropped without one; AllSides' "Mixed" is no rating). An outlet rated by both gets the mean, rounded half toward
the center (`newsdive.model.catalog.combine`). A rater listing one site twice contributes the mean of its rows.

Outlets: every AllSides News Media outlet with a rating (its section entries, such as cnn.com/opinions, become
their own path-scoped outlets, rated by AllSides alone) plus every MBFC-rated news outlet (newspaper, TV, radio,
news agency, magazine or website) with high traffic that AllSides does not list.

Prominent outlets (`prominent: true`), the ones a user is most likely to pick: rated by both AllSides and MBFC (two
independent raters found the outlet worth rating) and reported by MBFC as high traffic. Feed URLs come from
`scripts/data/outlet_feeds.csv` (domain, feed URL, where it was found), a facts file in this repository, so the
build stays reproducible; tests/unit/test_catalog.py checks that at least 200 prominent outlets have feeds.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from newsdive.model.catalog import FORMAT, SCALE, CatalogOutlet, combine  # noqa: E402
from newsdive.model.sources import Bias  # noqa: E402

OUT = ROOT / "shared" / "newsdive" / "data" / "catalog.json"
ALLSIDES = Path("allsides") / "allsides_outlets_normalized.csv"
MBFC = Path("mbfc") / "mbfc_raw.csv"

ALLSIDES_SCALE = {"left": -2, "lean left": -1, "center": 0, "lean right": 1, "right": 2}
MBFC_SCALE = {
    "extreme left": -3, "far left": -3, "extreme-left": -3, "far-left": -3, "left": -2,
    "left-center": -1, "left center": -1, "least biased": 0, "pro-science": 0, "right-center": 1,
    "right center": 1, "right": 2, "far right": 3, "extreme right": 3, "far-right": 3, "extreme-right": 3,
}
MBFC_NEWS_TYPES = {"newspaper", "tv station", "tv station/website", "news agency", "magazine", "radio station",
                   "website"}
# Sites whose whole domain is a platform, not an outlet: only a path-scoped entry may claim part of them.
PLATFORMS = {"youtube.com", "x.com", "twitter.com", "facebook.com", "instagram.com", "tiktok.com", "apple.com",
             "google.com", "bing.com", "substack.com", "medium.com", "spotify.com", "podcasts.apple.com",
             "linkedin.com", "reddit.com", "msn.com", "yahoo.com", "rumble.com"}
COUNTRIES = {
    "usa": "US", "united states": "US", "canada": "CA", "united kingdom": "GB", "australia": "AU", "india": "IN",
    "france": "FR", "germany": "DE", "russia": "RU", "switzerland": "CH", "israel": "IL", "netherlands": "NL",
    "ireland": "IE", "china": "CN", "south africa": "ZA", "italy": "IT", "japan": "JP", "sweden": "SE",
    "ukraine": "UA", "philippines": "PH", "belgium": "BE", "turkey": "TR", "romania": "RO", "cyprus": "CY",
    "united arab emirates": "AE", "indonesia": "ID", "egypt": "EG", "spain": "ES", "malaysia": "MY",
    "south korea": "KR", "hong kong": "HK", "finland": "FI", "taiwan": "TW", "kenya": "KE", "pakistan": "PK",
    "new zealand": "NZ", "qatar": "QA", "singapore": "SG", "nigeria": "NG", "mexico": "MX", "brazil": "BR",
    "argentina": "AR", "poland": "PL", "austria": "AT", "norway": "NO", "denmark": "DK", "greece": "GR",
    "portugal": "PT", "saudi arabia": "SA", "iran": "IR", "lebanon": "LB", "jordan": "JO", "thailand": "TH",
    "vietnam": "VN", "bangladesh": "BD", "sri lanka": "LK", "ghana": "GH", "uganda": "UG", "czech republic": "CZ",
    "hungary": "HU", "slovakia": "SK", "serbia": "RS", "croatia": "HR", "bulgaria": "BG", "latvia": "LV",
    "lithuania": "LT", "estonia": "EE", "iceland": "IS", "luxembourg": "LU", "malta": "MT", "jamaica": "JM",
}
# Public feed URLs per outlet domain, with where each was found (facts only; see the file's header).
FEEDS_FILE = ROOT / "scripts" / "data" / "outlet_feeds.csv"
_INDEX_PAGE = re.compile(r"/(index|home|default)\.[a-z]+$")


def _scope(path: str) -> str:
    """A section path as a URL prefix: a trailing index page or file extension says nothing about the section."""
    path = _INDEX_PAGE.sub("", path.strip())
    path = re.sub(r"\.(html?|aspx?|shtml|php)$", "", path)
    return path.rstrip("/")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-") or "outlet"


def _mbfc_value(label: str) -> int | None:
    label = " ".join(label.lower().replace("-", " - ").split()).replace(" - ", "-")
    if label in MBFC_SCALE:
        return MBFC_SCALE[label]
    if "conspiracy" in label or "pseudoscience" in label:
        words = label.replace("-", " ").split()
        side = -1 if "left" in words else 1 if "right" in words else 0
        extreme = any(w in words for w in ("far", "extreme"))
        return side * (3 if extreme else 2) if side else None
    return None


def read_allsides(data: Path) -> dict[tuple[str, str], dict]:
    rows: dict[tuple[str, str], dict] = {}
    with (data / ALLSIDES).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            value = ALLSIDES_SCALE.get(row["allsides_rating"].strip().lower())
            domain = row["domain"].strip().lower().removeprefix("www.")
            if row["source_type"] != "News Media" or value is None or not domain:
                continue
            scope = _scope(row["url_path_scope"])
            if not scope and domain in PLATFORMS:
                continue
            entry = rows.setdefault((domain, scope), {"names": [], "values": [], "homepage": row["source_url"]})
            entry["names"].append(row["source_name"].strip())
            entry["values"].append(value)
    return rows


def read_mbfc(data: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    with (data / MBFC).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            domain = row["source"].strip().lower().removeprefix("www.")
            value = _mbfc_value(row["bias"])
            if not domain or value is None or domain in PLATFORMS:
                continue
            entry = rows.setdefault(domain, {"values": [], "types": set(), "traffic": set(), "country": None})
            entry["values"].append(value)
            entry["types"].add(row["media_type"].strip().lower())
            entry["traffic"].add(row["popularity"].strip().lower().replace(" ", ""))
            country = row["country"].split("(")[0].strip().lower()
            entry["country"] = entry["country"] or COUNTRIES.get(country)
    return rows


def read_feeds(path: Path = FEEDS_FILE) -> dict[str, list[str]]:
    """domain -> feed URLs, in file order, from the facts file (lines starting with # are comments)."""
    feeds: dict[str, list[str]] = defaultdict(list)
    if not path.is_file():
        return feeds
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            domain, url = row["domain"].strip().lower(), row["feed"].strip()
            if not row["source"].strip():
                raise ValueError(f"{path}: {domain} {url}: no source note")
            if url not in feeds[domain]:
                feeds[domain].append(url)
    return feeds


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def build(data: Path, feeds_file: Path = FEEDS_FILE) -> dict:
    allsides, mbfc, known_feeds = read_allsides(data), read_mbfc(data), read_feeds(feeds_file)
    outlets: list[CatalogOutlet] = []
    used_ids: set[str] = set()

    def add(name: str, homepage: str, domain: str, scope: str, ratings: dict[str, float], country: str | None,
            prominent: bool = False) -> None:
        base = _slug(name)
        outlet_id = base if base not in used_ids else f"{base}-{_slug(domain + scope)}"[:63].strip("-")
        n = 2
        while outlet_id in used_ids:
            outlet_id, n = f"{base[:58]}-{n}", n + 1
        used_ids.add(outlet_id)
        if not homepage.startswith(("http://", "https://")):
            homepage = f"https://{domain}{scope or '/'}"
        outlets.append(CatalogOutlet(
            id=outlet_id, name=name, homepage=homepage, domains=[domain], paths=[scope] if scope else [],
            feeds=[] if scope else known_feeds.get(domain, []), country=country, prominent=prominent,
            bias=combine(ratings.values()), ratings={k: round(v) if float(v).is_integer() else v
                                                     for k, v in ratings.items()},
        ))

    for (domain, scope), entry in sorted(allsides.items()):
        ratings: dict[str, float] = {"allsides": _mean(entry["values"])}
        country, prominent = None, False
        if not scope and domain in mbfc:
            ratings["mbfc"] = _mean(mbfc[domain]["values"])
            country = mbfc[domain]["country"]
            prominent = "hightraffic" in mbfc[domain]["traffic"]
        add(sorted(entry["names"])[0], entry["homepage"], domain, scope, ratings, country, prominent)
    listed = {domain for domain, scope in allsides if not scope}
    for domain, entry in sorted(mbfc.items()):
        if domain in listed or not entry["types"] & MBFC_NEWS_TYPES or "hightraffic" not in entry["traffic"]:
            continue
        add(domain, "", domain, "", {"mbfc": _mean(entry["values"])}, entry["country"])
    outlets.sort(key=lambda o: o.id)
    return {
        "format": FORMAT,
        "about": "Outlets with their domains, section path scopes, known feeds and bias rating on the 7-point scale "
                 f"{', '.join(f'{b.value} {v:+d}' for b, v in SCALE.items())}. Built by scripts/build_catalog.py.",
        "raters": {
            "allsides": "AllSides Media Bias Ratings (allsides.com, CC BY-NC 4.0), export of 2025-02 "
                        "(last changed 2025-09) via github.com/msm0504/media-bubbles",
            "mbfc": "Media Bias/Fact Check (mediabiasfactcheck.com), as scraped by Idiap, 2024-10, "
                    "github.com/idiap/Factual-Reporting-and-Political-Bias-Web-Interactions",
        },
        "outlets": [o.model_dump(mode="json", exclude_defaults=True) for o in outlets],
    }


def render(catalog: dict) -> str:
    """One outlet per line: small diffs when a rating changes."""
    head = {k: v for k, v in catalog.items() if k != "outlets"}
    lines = [json.dumps(o, ensure_ascii=False, sort_keys=True) for o in catalog["outlets"]]
    body = json.dumps(head, ensure_ascii=False, indent=1, sort_keys=True)[:-2]
    return body + ',\n "outlets": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the media-bias-ratings folder")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from a fresh build")
    args = ap.parse_args(argv)
    if not (args.data / ALLSIDES).is_file() or not (args.data / MBFC).is_file():
        print(f"build_catalog: ratings not found under {args.data}; nothing built.")
        return 0
    catalog = build(args.data)
    text = render(catalog)
    json.loads(text)  # the hand-made layout must still be JSON
    counts: dict[str, int] = defaultdict(int)
    for outlet in catalog["outlets"]:
        counts[outlet["bias"]] += 1
    summary = ", ".join(f"{b.value} {counts[b.value]}" for b in Bias if counts[b.value])
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        state = "up to date" if same else "differs from a fresh build"
        print(f"{args.out}: {state} ({len(catalog['outlets'])} outlets)")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(catalog['outlets'])} outlets ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
