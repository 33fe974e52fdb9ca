"""Trim babel's per-locale CLDR data in a built layer to the sections newsdive reads (issue 19: the layer's size).

    python3.12 trim_cldr.py SITE

SITE is the layer's python/ folder with babel installed in it (shared/Makefile runs this after the install step).
Each SITE/babel/locale-data/*.dat (a pickled dict of CLDR sections: territories, languages, unit_patterns,
meta_zones...) is rewritten with only the sections in `CLDR_SECTIONS` of newsdive/aggregate/classify.py, read from
that file's source (the layer's Python has none of newsdive's dependencies, and this runs before the package is
copied). Every locale file stays, so `Locale.parse` and the parent chain (de_AT -> de -> root) work as before;
babel/global.dat (likely subtags, parent locales, territory_zones) is not touched.

Each file is replaced, not written into: the layer's files are hard links into uv's cache. Fails, leaving the
files as they were, when a declared section is in no file (a typo, or babel renamed it), or when
a kept section holds babel objects (an alias into another section would then point at nothing).
"""

from __future__ import annotations

import ast
import os
import pickle
import sys
from pathlib import Path
from typing import Any

DECLARED_IN = Path(__file__).resolve().parent / "newsdive" / "aggregate" / "classify.py"
# babel writes protocol 2; 5 (Python 3.8 and newer read it) stores the same data in 30% fewer bytes
PROTOCOL = 5


def declared_sections(path: Path = DECLARED_IN) -> tuple[str, ...]:
    """The literal tuple assigned to CLDR_SECTIONS at the top level of `path`."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "CLDR_SECTIONS" for t in targets):
            sections = ast.literal_eval(value)
            if not (isinstance(sections, tuple) and sections and all(isinstance(s, str) for s in sections)):
                raise SystemExit(f"{path}: CLDR_SECTIONS must be a literal tuple of section names")
            return sections
    raise SystemExit(f"{path}: no CLDR_SECTIONS")


class _Other:
    """What a babel object (DateTimePattern, NumberPattern, PluralRule, Alias) unpickles as here: the sections
    dropped hold them; a kept section holding one is an error. Loading them as stand-ins needs no babel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - whatever the pickle passes
        pass

    def __setstate__(self, state: Any) -> None:  # noqa: ANN401
        pass


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:  # noqa: ANN401
        if module.split(".")[0] == "babel":
            return _Other
        return super().find_class(module, name)


def _holds_other(value: Any) -> bool:  # noqa: ANN401
    if isinstance(value, _Other):
        return True
    if isinstance(value, dict):
        return any(_holds_other(k) or _holds_other(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_other(v) for v in value)
    return False


def trim(locale_data: Path, sections: tuple[str, ...]) -> tuple[int, int, int]:
    """Rewrite every .dat in `locale_data` with only `sections`: (files, bytes before, bytes after)."""
    files = sorted(locale_data.glob("*.dat"))
    if not (locale_data / "root.dat").is_file():
        raise SystemExit(f"{locale_data}: no root.dat, not babel's locale data")
    trimmed: dict[Path, bytes] = {}
    found: set[str] = set()
    for path in files:
        with path.open("rb") as handle:
            data = _Unpickler(handle).load()
        kept = {name: data[name] for name in sections if name in data}
        for name, value in kept.items():
            if _holds_other(value):
                raise SystemExit(f"{path.name}: section {name} holds babel objects (aliases?): cannot trim alone")
        found |= kept.keys()
        trimmed[path] = pickle.dumps(kept, protocol=PROTOCOL)
    missing = [name for name in sections if name not in found]
    if missing:
        raise SystemExit(f"{locale_data}: no locale has the section(s) {', '.join(missing)}")
    before = sum(path.stat().st_size for path in files)
    for path, raw in trimmed.items():
        # a new file in the old one's place, never a write into it: uv installs by hard-linking its cache's files,
        # and writing through the link would trim the cache's babel for every later install
        fresh = path.with_name(path.name + ".trimmed")
        fresh.write_bytes(raw)
        os.replace(fresh, path)
    return len(files), before, sum(len(raw) for raw in trimmed.values())


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: trim_cldr.py SITE (the layer's python/ folder)", file=sys.stderr)
        return 2
    sections = declared_sections()
    files, before, after = trim(Path(argv[1]) / "babel" / "locale-data", sections)
    print(f"babel locale data: {files} files trimmed to {', '.join(sections)}: "
          f"{before / 2**20:.1f} MB -> {after / 2**20:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
