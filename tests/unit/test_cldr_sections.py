"""The Lambda layer keeps only the sections of babel's CLDR data the code reads (shared/trim_cldr.py, issue 19):
the code reads exactly the sections `classify.CLDR_SECTIONS` declares, and its place names from trimmed data are
the ones from babel's full data. tests/integration/test_layer_build.py checks the built layer for every language.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel import localedata

from newsdive.aggregate import classify
from newsdive.publish import key_players

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "de", "uk", "ko", "zh", "ar", "fr", "ja")


def _trim_module():  # noqa: ANN202 - a module
    spec = importlib.util.spec_from_file_location("trim_cldr", ROOT / "shared" / "trim_cldr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


trim_cldr = _trim_module()


def _clear_caches() -> None:
    localedata.clear_caches()
    localedata.exists.cache_clear()
    localedata.locale_identifiers.cache_clear()
    for cached in (classify._english_labels, classify._place_names, classify._place_matcher, key_players._places):
        cached.cache_clear()


@contextmanager
def babel_data(directory: Path) -> Iterator[None]:
    """babel reading its per-locale data from `directory` (global.dat stays babel's own)."""
    original = localedata._dirname
    _clear_caches()
    localedata._dirname = str(directory)
    try:
        yield
    finally:
        localedata._dirname = original
        _clear_caches()


def _outputs(languages: tuple[str, ...] = LANGUAGES) -> dict[str, object]:
    """What the code makes of CLDR: region labels, and per language its place names (classify) and places that
    are not key players (key_players)."""
    out: dict[str, object] = {"labels": dict(classify._english_labels())}
    for language in languages:
        out[language] = (classify._place_names(language), key_players._places(language))
    return out


@pytest.fixture(scope="module")
def trimmed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of babel's data for LANGUAGES (and their regional variants and root), trimmed as the layer is."""
    source = Path(localedata._dirname)
    directory = tmp_path_factory.mktemp("locale-data")
    for path in source.glob("*.dat"):
        stem = path.stem
        if stem == "root" or stem.split("_")[0] in LANGUAGES:
            shutil.copyfile(path, directory / path.name)  # a copy: trimming must never reach babel's own files
    trim_cldr.trim(directory, trim_cldr.declared_sections())
    return directory


def test_the_build_script_reads_the_declared_sections():
    assert trim_cldr.declared_sections() == classify.CLDR_SECTIONS
    assert len(set(classify.CLDR_SECTIONS)) == len(classify.CLDR_SECTIONS)


def test_the_code_reads_exactly_the_declared_sections(monkeypatch):
    read: set[str] = set()

    class Recording(localedata.LocaleDataDict):
        def __getitem__(self, key: str) -> object:
            read.add(key)
            return super().__getitem__(key)

    _clear_caches()
    monkeypatch.setattr(localedata, "get_locale_data", lambda name: Recording(localedata.load(name)))
    try:
        _outputs()
        classify.regions("Talks in Berlin and Kyiv", language="en")
    finally:
        _clear_caches()
    assert read == set(classify.CLDR_SECTIONS)


def test_trimmed_files_hold_only_the_declared_sections(trimmed):
    files = list(trimmed.glob("*.dat"))
    assert len(files) > 20
    for path in files:
        assert set(pickle.loads(path.read_bytes())) <= set(classify.CLDR_SECTIONS), path.name
    english = pickle.loads((trimmed / "en.dat").read_bytes())
    assert set(english) == set(classify.CLDR_SECTIONS)


def test_place_names_from_trimmed_data_equal_babels(trimmed):
    _clear_caches()
    full = _outputs()
    with babel_data(trimmed):
        cut = _outputs()
        assert classify.regions("Gespräche in Moskau und Kiew über die Ukraine", language="de")  # used, not empty
    assert cut == full
    assert "Russland" in full["de"][0] and "Росія" in full["uk"][0] and "러시아" in full["ko"][0]


def test_trimming_replaces_files_and_never_writes_through_a_hard_link(tmp_path):
    """uv installs the layer's packages as hard links into its cache: trimming in place would trim the cache."""
    original = tmp_path / "original"
    original.mkdir()
    shutil.copyfile(Path(localedata._dirname) / "root.dat", original / "root.dat")
    shutil.copyfile(Path(localedata._dirname) / "de.dat", original / "de.dat")
    layer = tmp_path / "layer"
    layer.mkdir()
    for path in original.iterdir():
        os.link(path, layer / path.name)
    before = {p.name: p.read_bytes() for p in original.iterdir()}
    trim_cldr.trim(layer, classify.CLDR_SECTIONS)
    assert {p.name: p.read_bytes() for p in original.iterdir()} == before
    assert set(pickle.loads((layer / "de.dat").read_bytes())) == set(classify.CLDR_SECTIONS)


def test_trimming_fails_on_a_section_no_locale_has(tmp_path):
    shutil.copyfile(Path(localedata._dirname) / "root.dat", tmp_path / "root.dat")
    before = (tmp_path / "root.dat").read_bytes()
    with pytest.raises(SystemExit, match="territory_names"):
        trim_cldr.trim(tmp_path, ("territories", "territory_names"))
    assert (tmp_path / "root.dat").read_bytes() == before
