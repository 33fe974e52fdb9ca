"""One-off: move shared/newsdive into packages that name the stages, and the local tools out of the layer (issue 18).

Run from the repository root on a clean checkout of the flat layout:

    python scripts/reorganise.py            # git mv, splits, import and path rewrites, then `ruff check --fix`

What it does, in order:
1. `git mv` every module to its place (MOVES); a module this plan does not name stops the run (add it to MOVES).
2. Splits two modules by symbol (SPLITS): the runtime half of dlq.py and health.py stays in the layer, the
   command-line half goes to the tools package; the article-quality flags of health.py go to parse/.
3. Moves the unit tests so that they mirror the tree (TEST_MOVES); unknown test files stay and are listed.
4. Rewrites every reference in one pass per file (old names are new names' prefixes, so never twice):
   `from newsdive import wiring`-style imports and relative imports through the AST, dotted module paths and
   file paths (shared/newsdive/x.py) by regex in code, strings, docstrings, docs, the Makefile and the template.
   The event sources "newsdive.settle" and "newsdive.recluster" are names on the wire, not module paths: kept.
5. Fixes `Path(__file__)...parents[N]` depths of moved files, writes the new packages' __init__.py, and points
   pyproject.toml (packages, console script, ruff src) and the Makefile's lint at the two packages.

Delete this script once the move is merged.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path.cwd()
PKG = "shared/newsdive"
TOOLS = "tools/newsdive_tools"

# old path (relative to shared/newsdive) -> new path (relative to the repository). Directories move whole.
MOVES: dict[str, str] = {
    # model: what the stages hand each other and what is published
    "article.py": f"{PKG}/model/article.py",
    "catalog.py": f"{PKG}/model/catalog.py",
    "messages.py": f"{PKG}/model/messages.py",
    "story.py": f"{PKG}/model/story.py",
    "documents.py": f"{PKG}/model/documents.py",
    "errors.py": f"{PKG}/model/errors.py",
    # language: text helpers every stage uses
    "text.py": f"{PKG}/language/plaintext.py",
    "extract/_lang.py": f"{PKG}/language/guess.py",
    # scrape (and the schedule that feeds it)
    "scrape.py": f"{PKG}/scrape/stage.py",
    "schedule.py": f"{PKG}/scrape/schedule.py",
    "fetch.py": f"{PKG}/scrape/fetch.py",
    "robots.py": f"{PKG}/scrape/robots.py",
    "feeds.py": f"{PKG}/scrape/feeds.py",
    "urls.py": f"{PKG}/scrape/urls.py",
    # parse
    "parse.py": f"{PKG}/parse/stage.py",
    "extract": f"{PKG}/parse/extract",
    # aggregate
    "aggregate.py": f"{PKG}/aggregate/stage.py",
    "cluster": f"{PKG}/aggregate/cluster",
    "recluster.py": f"{PKG}/aggregate/recluster.py",
    "classify.py": f"{PKG}/aggregate/classify.py",
    "bias.py": f"{PKG}/aggregate/bias.py",
    "sentiment.py": f"{PKG}/aggregate/sentiment.py",
    "fifo.py": f"{PKG}/runtime/fifo.py",
    # publish
    "publish.py": f"{PKG}/publish/stage.py",
    "render.py": f"{PKG}/publish/render.py",
    "settle.py": f"{PKG}/publish/settle.py",
    "summarize.py": f"{PKG}/publish/summarize.py",
    # runtime: what every function needs around its stage
    "settings.py": f"{PKG}/runtime/settings.py",
    "wiring.py": f"{PKG}/runtime/wiring.py",
    "observability.py": f"{PKG}/runtime/observability.py",
    "events.py": f"{PKG}/runtime/records.py",
    "scheduled.py": f"{PKG}/runtime/maintenance.py",
    # storage stays where it is (ports, memory, aws, clients, crawl, crawl_dynamo)
    "storage": f"{PKG}/storage",
    "data": f"{PKG}/data",
    "__init__.py": f"{PKG}/__init__.py",
    # tools: never in the Lambda layer
    "cli.py": f"{TOOLS}/cli.py",
    "sources_cli.py": f"{TOOLS}/sources_cli.py",
    "paths.py": f"{TOOLS}/paths.py",
    "local": f"{TOOLS}/local",
    "local/events.py": f"{TOOLS}/local/event_shapes.py",
    "bench": f"{TOOLS}/bench",
}

# Modules split by symbol: old module -> (default destination, {symbol: destination}). Destinations are paths.
# A statement goes where its names are listed, else where its section header (a comment) says, else to the default.
SPLITS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "dlq.py": (f"{TOOLS}/dlq.py", dict.fromkeys(("FAILED", "RECORD_KEYS"), f"{PKG}/runtime/batch.py"),
               {r"# --- inside the functions": f"{PKG}/runtime/batch.py", r"# --- reading reasons": f"{TOOLS}/dlq.py"}),
    "sources.py": (f"{PKG}/model/sources.py", {"load_sources": f"{TOOLS}/sources_file.py"}, {}),
    "health.py": (f"{PKG}/health/sources.py", {
        "Flag": f"{PKG}/parse/flags.py",
        # the parse verdicts and losses a stage records are source health, though written in the article section
        **dict.fromkeys(("parse_verdict", "day_of", "record_parse", "STAGES", "NOT_ARTICLES", "record_stage_failure",
                         "record_parse_failure"), f"{PKG}/health/sources.py"),
    }, {r"# --- article quality": f"{PKG}/parse/flags.py", r"# --- source health": f"{PKG}/health/sources.py",
        r"# --- command line": f"{TOOLS}/health.py"}),
}
# The order split parts are written in: a later part may import from an earlier one, never the reverse.
SPLIT_DOCS: dict[str, str] = {
    f"{PKG}/runtime/batch.py": '''"""The end of every batch: one "record failed" line per failed record, the reason a dead letter is shown with.

A dead letter keeps its original body and message id (SQS redrive moves the message as it is), so its reason
cannot travel with it. Instead every queue- and stream-fed function logs one "record failed" line per failed
record at the end of its batch (`log_batch_failures`), keyed by the SQS message id or the stream record's
sequence number; the DLQ tooling (`newsdive dlq`, in the tools package) joins each dead letter with the last such
line. No extra write on the failure path, and the reason is the exception the function really saw.

Runs inside the Lambda functions: this module imports nothing heavy at import time.
"""''',
    f"{TOOLS}/dlq.py": '''"""The operator's `newsdive dlq list|show|redrive QUEUE`: dead letters and why they ended in a DLQ.

Each dead letter is joined with the last "record failed" line its function logged for it
(`newsdive.runtime.batch.log_batch_failures`): from the run's log file for a local stack, from the function's
CloudWatch log group for a deployed one.
"""''',
    f"{PKG}/parse/flags.py": '''"""Article quality: flag pages that are not articles instead of publishing their notice text as one.

A paywalled, script-rendered or truncated page is flagged (`paywall`, `script-rendered`, `truncated`); the parse
stage stores what it can of it and counts it against its source's parse quality (`newsdive.health.sources`).
"""''',
    f"{PKG}/health/sources.py": None,  # keeps health.py's docstring
    f"{PKG}/model/sources.py": None,
    f"{TOOLS}/sources_file.py": '''"""Sources files on disk, JSON or YAML, for the command line and the local run (the functions read JSON from
S3 with `newsdive.model.sources.parse_sources`)."""''',
    f"{TOOLS}/health.py": '''"""`newsdive sources health` and the health line of a local run: source health read from a crawl table."""''',
}

PACKAGE_DOCS: dict[str, str] = {
    f"{PKG}/model": "What the stages hand each other and what is published: articles, sources, messages, stories, "
                    "documents, errors.",
    f"{PKG}/language": "Text helpers every stage uses: safe plain text, sentences, leads, and a light language "
                       "guess.",
    f"{PKG}/scrape": "The scrape stage and the schedule that feeds it: which sources are due, polite fetching, "
                     "feeds\nand sitemaps, URLs.",
    f"{PKG}/parse": "The parse stage: a stored raw page becomes an Article (extraction, article-quality flags).",
    f"{PKG}/aggregate": "The aggregate stage: articles join stories (clustering, re-clustering), with category, "
                        "bias and sentiment.",
    f"{PKG}/publish": "The publish stage: stories rendered as the published documents, feeds and sitemap; the "
                      "published state settled.",
    f"{PKG}/health": "Source health: notice when a source breaks, and publish every source's status.",
    f"{PKG}/runtime": "What every function needs around its stage: settings, wiring, observability, Lambda event "
                      "models, batch helpers.",
    TOOLS: "newsdive's tools, never shipped to Lambda: the command line, the local run on moto, chaos and the "
           "benchmarks.\n\nInstalled with the dev extra; the Lambda layer (shared/newsdive) never imports this "
           "package.",
}

# tests/unit file (relative) -> new folder under tests/unit. Files not named here stay and are listed.
TEST_DIRS: dict[str, list[str]] = {
    "model": ["test_catalog.py", "test_documents_compat.py", "test_documents_safety.py", "test_schemas.py",
              "test_sources.py", "test_story_doc.py", "test_story_time_order.py", "test_errors.py"],
    "language": ["test_text.py"],
    "scrape": ["test_feeds.py", "test_fetch.py", "test_robots.py", "test_scrape.py", "test_scrape_dedup.py",
               "test_scrape_discovery.py", "test_scrape_incremental.py", "test_urls.py"],
    "parse": ["extract"],
    "aggregate": ["test_aggregate.py", "test_bias.py", "test_classify.py", "test_cluster.py", "test_recluster.py",
                  "test_sentiment.py", "test_weekdays.py", "test_scripts.py"],
    "publish": ["test_documents_delivery.py", "test_names.py", "test_render.py", "test_summarize.py"],
    "health": ["test_health.py"],
    "runtime": ["test_events.py", "test_dependencies.py", "test_layer_lock.py"],
    "tools/bench": ["test_category_bench.py", "test_cluster_bench.py", "test_pipeline_bench.py",
                    "test_realweb_bench.py", "test_sentiment_bench.py", "test_coldstart_probe.py"],
    "tools/local": ["test_index_writes.py", "test_local_moto_speed.py", "test_pump_chaos.py", "test_pump_dlq.py",
                    "test_pump_settle.py", "test_sample_web.py", "test_local_parameters.py", "test_sites.py"],
    "tools": ["test_sources_cli.py", "test_python312_finder.py"],
}
# Files that move within their new folder (the extract bench test tests the tools package).
TEST_RENAMES = {"extract/test_bench.py": "tools/bench/test_extract_bench.py"}
TEST_STAY = {"__init__.py", "factories.py"}

EVENT_SOURCES = {"newsdive.settle", "newsdive.recluster"}  # wire names, not module paths
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".rst", ".sh", ".txt", ".ini"}
SKIP_PREFIXES = ("sample-web/", "schemas/", "viewer/", f"{PKG}/data/", "events/")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def module_of(path: str) -> str:
    """Dotted module of a repository path under shared/ or tools/."""
    rel = path.removeprefix("shared/").removeprefix("tools/").removesuffix(".py")
    return rel.replace("/", ".").removesuffix(".__init__")


# --- planning ---------------------------------------------------------------------------------------------------

def plan() -> tuple[dict[str, str], dict[str, str]]:
    """file moves (old repo path -> new repo path) for every .py and data file in the package."""
    files = [f for f in git("ls-files", PKG).splitlines() if "__pycache__" not in f]
    moves: dict[str, str] = {}
    unplanned = []
    for path in files:
        rel = path.removeprefix(PKG + "/")
        if rel in SPLITS:
            continue
        target = None
        for old in sorted(MOVES, key=len, reverse=True):  # the most specific rule wins
            if rel == old or rel.startswith(old + "/"):
                target = MOVES[old] + rel[len(old):]
                break
        if target is None:
            unplanned.append(rel)
        else:
            moves[path] = target
    if unplanned:
        sys.exit("not in the plan (add them to MOVES): " + ", ".join(unplanned))
    tests: dict[str, str] = {}
    left = []
    for path in git("ls-files", "tests/unit").splitlines():
        rel = path.removeprefix("tests/unit/")
        if rel in TEST_RENAMES:
            tests[path] = "tests/unit/" + TEST_RENAMES[rel]
            continue
        for folder, names in TEST_DIRS.items():
            hit = next((n for n in names if rel == n or rel.startswith(n + "/")), None)
            if hit:
                tests[path] = f"tests/unit/{folder}/{rel}"
                break
        else:
            if rel not in TEST_STAY:
                left.append(rel)
    if left:
        print("tests left in tests/unit (not in TEST_DIRS):", ", ".join(left))
    return moves, tests


def module_map(moves: dict[str, str]) -> dict[str, str]:
    """old dotted module -> new dotted module, packages included."""
    mapping: dict[str, str] = {}
    for old, new in moves.items():
        if old.endswith(".py"):
            mapping[module_of(old)] = module_of(new)
    for old, new in MOVES.items():  # directories that move whole are modules too (packages)
        if not old.endswith(".py") and old != "data":
            mapping[module_of(f"{PKG}/{old}")] = module_of(new)
    for old, (default, *_) in SPLITS.items():
        mapping[module_of(f"{PKG}/{old}")] = module_of(default)
    mapping["newsdive"] = "newsdive"
    return mapping


def symbol_map(split_parts: dict[str, tuple[str, tuple]]) -> dict[tuple[str, str], str]:
    """(old module, name) -> new module, for every name a split module defined."""
    out = {}
    for dest, (old, (*_, names)) in split_parts.items():
        for name in names:
            out[(module_of(old), name)] = module_of(dest)
    return out


DOC, EXTRA = "# reorganise: docstring", "# reorganise: imports"


# --- splitting --------------------------------------------------------------------------------------------------

def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    names: set[str] = set()
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    for target in targets:
        if target is not None:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def split_module(path: str, default: str, symbols: dict[str, str], sections: dict | None = None,
                 docs: dict[str, str | None] | None = None,
                 float_assignments: bool = False) -> dict[str, tuple[str, str, str, list[str]]]:
    """Cut a module into parts by top-level statement: {destination path: (source, docstring, imports, names)}.

    The source holds two placeholder lines, DOC and EXTRA, filled in after the rewrite: they already name the
    new modules and must not be rewritten again. A statement goes where its names are listed in `symbols`, else
    where the last section header before it (a comment line matching a key of `sections`; a value may be
    (destination, last name of the section)) says, else to `default`. With `float_assignments`, a constant
    nobody listed goes to the one part that uses it. `__all__` stays with the default part, holding only the
    names that part defines."""
    docs = SPLIT_DOCS if docs is None else docs
    sections = sections or {}
    source = (ROOT / path).read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    body = tree.body
    doc = ast.get_docstring(tree) is not None
    start = 1 if doc else 0
    i = start
    while i < len(body) and (isinstance(body[i], ast.Import | ast.ImportFrom)
                             or (isinstance(body[i], ast.If) and "TYPE_CHECKING" in ast.unparse(body[i].test))):
        i += 1
    header_end = body[i - 1].end_lineno if i > start else (body[0].end_lineno if doc else 0)
    imports = "".join(lines[(body[start].lineno - 1 if i > start else header_end):header_end])
    docstring = "".join(lines[: body[0].end_lineno]) if doc else ""
    # (text, names defined, names used, destination, listed or a def/class)
    statements: list[list] = []
    prev_end = header_end
    section, until = default, None
    all_node = None
    for node in body[i:]:
        for comment in lines[prev_end:node.lineno - 1]:
            for pattern, target in sections.items():
                if comment.lstrip().startswith("#") and re.search(pattern, comment):
                    section, until = (target, None) if isinstance(target, str) else target
        text = "".join(lines[prev_end:node.end_lineno])
        prev_end = node.end_lineno
        names = _defined(node)
        if names == {"__all__"}:
            all_node = node
            statements.append(["# reorganise: __all__\n", set(), set(), default, True])
            continue
        dests = {symbols.get(n, section) for n in names} or {section}
        if len(dests) > 1:
            sys.exit(f"{path}: one statement defines names for two parts: {names}")
        fixed = any(n in symbols for n in names) or not isinstance(node, ast.Assign | ast.AnnAssign)
        uses = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - names
        statements.append([text, names, uses, dests.pop(), fixed])
        if until and until in names:
            section, until = default, None
    for _ in range(5 if float_assignments else 0):
        for st in statements:
            if st[4] or not st[1]:
                continue
            users = {other[3] for other in statements if other is not st and other[2] & st[1]}
            if len(users) == 1:
                st[3] = users.pop()
    parts: dict[str, list[str]] = {}
    defined: dict[str, set[str]] = {}
    used: dict[str, set[str]] = {}
    for text, names, uses, dest, _ in statements:
        parts.setdefault(dest, []).append(text)
        defined.setdefault(dest, set()).update(names)
        used.setdefault(dest, set()).update(uses)
    out: dict[str, tuple[str, str, str, list[str]]] = {}
    order = list(parts)
    for dest in order:
        needs = _needs_of(dest, order, used, defined)
        for other in needs:
            if dest in _needs_of(other, order, used, defined):
                sys.exit(f"{path}: {dest} and {other} would import each other "
                         f"({needs[other]} / {_needs_of(other, order, used, defined)[dest]}): move symbols")
        own_doc = docs.get(dest)
        head = DOC if own_doc else docstring.rstrip("\n")
        part_imports = imports if dest == default else re.sub(r"  # noqa: F401[^\n]*", "", imports)
        extra = "".join(f"from {module_of(o)} import {', '.join(n)}\n" for o, n in needs.items())
        body_text = "".join(parts[dest]).lstrip("\n")
        if all_node is not None and dest == default:
            kept = [e for e in ast.literal_eval(all_node.value)
                    if e in defined[dest] or re.search(rf"\b{e}\b", imports)]
            listed = ",\n".join(f'    "{e}"' for e in kept)
            body_text = body_text.replace("# reorganise: __all__\n", f"__all__ = [\n{listed},\n]\n")
        out[dest] = (f"{head}\n\n{part_imports.rstrip()}\n{EXTRA}\n\n\n{body_text}", own_doc or "", extra,
                     sorted(defined[dest]))
    return out


def _needs_of(dest: str, order: list[str], used: dict, defined: dict) -> dict[str, list[str]]:
    return {o: sorted((used[dest] & defined[o]) - defined[dest]) for o in order
            if o != dest and (used[dest] & defined[o]) - defined[dest]}


# --- rewriting --------------------------------------------------------------------------------------------------

DOTTED = re.compile(r"(?<![\w.])newsdive(?:_tools)?(?:\.[A-Za-z_]\w*)+")
PATHS = re.compile(r"(?<![\w/.-])(?:shared/)?newsdive(?:/[\w]+)+(?:\.py)?/?")


class Rewriter:
    def __init__(self, moves: dict[str, str], tests: dict[str, str], symbols: dict[tuple[str, str], str],
                 modules: dict[str, str] | None = None) -> None:
        self.modules = module_map(moves) if modules is None else modules
        self.symbols = symbols
        self.paths: dict[str, str] = {}
        self.tests = tests
        if modules is not None:
            return  # the split step: every file stays where it is
        for old, new in moves.items():
            self.paths[old] = new
            self.paths[old.removeprefix("shared/")] = new.removeprefix("shared/").removeprefix("tools/")
        for old, new in MOVES.items():
            if not old.endswith(".py"):
                self.paths[f"{PKG}/{old}"] = new
                self.paths[f"newsdive/{old}"] = new.removeprefix("shared/").removeprefix("tools/")
        for old, (default, *_) in SPLITS.items():
            self.paths[f"{PKG}/{old}"] = default
            self.paths[f"newsdive/{old}"] = default.removeprefix("shared/").removeprefix("tools/")
        self.tests = tests

    def module(self, dotted: str, symbol: str | None = None) -> str:
        """The new name of an old dotted module (longest known prefix; a split module's symbol decides)."""
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            head = ".".join(parts[:n])
            if head in self.modules:
                rest = parts[n:]
                if rest and (head, rest[0]) in self.symbols:
                    return ".".join([self.symbols[(head, rest[0])], *rest])
                if not rest and symbol and (head, symbol) in self.symbols:
                    return self.symbols[(head, symbol)]
                return ".".join([self.modules[head], *rest])
        return dotted

    def dotted(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            name = m.group(0)
            before = text[m.start() - 1: m.start()] if m.start() else ""
            after = text[m.end(): m.end() + 1]
            if name in EVENT_SOURCES and before in "\"'" and before and after == before:
                return name
            return self.module(name)

        return DOTTED.sub(sub, text)

    def path(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            raw = m.group(0)
            slash = raw.endswith("/")
            key = raw.rstrip("/")
            for candidate in (key, key + ".py") if not key.endswith(".py") else (key,):
                if candidate in self.paths:
                    new = self.paths[candidate]
                    if candidate != key:
                        new = new.removesuffix(".py")
                    return new + ("/" if slash else "")
            # a path below a directory that moved
            for old in sorted(self.paths, key=len, reverse=True):
                if key.startswith(old + "/"):
                    return self.paths[old] + key[len(old):] + ("/" if slash else "")
            return raw

        return PATHS.sub(sub, text)

    def plain(self, text: str) -> str:
        return self.path(self.dotted(text))

    # imports through the AST: `from newsdive import x`, relative imports, split modules' symbols
    def python(self, text: str, old_path: str, new_path: str) -> str:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return self.plain(text)
        lines = text.splitlines(keepends=True)
        old_mod, new_mod = self._dotted_path(old_path), self._dotted_path(new_path)
        old_is_pkg = old_path.endswith("__init__.py")
        new_is_pkg = new_path.endswith("__init__.py")
        edits: list[tuple[int, int, str]] = []  # (first line, last line, replacement) 1-based inclusive
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            absolute = self._resolve(node, old_mod, old_is_pkg)
            if absolute is None or not (absolute == "newsdive" or absolute.startswith(("newsdive.", "newsdive_tools.", "tests."))):
                continue
            groups: dict[str, list[str]] = {}
            for alias in node.names:
                full = f"{absolute}.{alias.name}"
                if self._is_module(full):
                    new_full = self._map_any(full)
                    parent, _, name = new_full.rpartition(".")
                    asname = alias.asname or (alias.name if name != alias.name else None)
                else:
                    parent = self._map_any(absolute, alias.name)
                    name, asname = alias.name, alias.asname
                groups.setdefault(parent, []).append(f"{name} as {asname}" if asname else name)
            indent = " " * node.col_offset
            first_line = lines[node.lineno - 1]
            last_line = lines[node.end_lineno - 1]
            tail = last_line[node.end_col_offset:].rstrip("\n")
            statements = []
            for parent, names in groups.items():
                target = self._relative(parent, new_mod, new_is_pkg) if node.level else parent
                statements.append(f"from {target} import {', '.join(names)}")
            original = ast.unparse(node)
            rebuilt = [s for s in statements]
            if len(rebuilt) == 1 and rebuilt[0] == original:
                continue
            first_prefix = first_line[: node.col_offset]
            out = "\n".join((first_prefix if k == 0 else indent) + s for k, s in enumerate(rebuilt))
            edits.append((node.lineno, node.end_lineno, out + tail + "\n"))
        edits.sort()
        result: list[str] = []
        line_no = 1
        chunk: list[str] = []
        for first, last, replacement in edits:
            chunk = lines[line_no - 1: first - 1]
            result.append(self.plain("".join(chunk)))
            result.append(replacement)
            line_no = last + 1
        result.append(self.plain("".join(lines[line_no - 1:])))
        return "".join(result)

    def _dotted_path(self, path: str) -> str:
        if path.startswith(("shared/", "tools/")):
            return module_of(path)
        return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")

    @staticmethod
    def _resolve(node: ast.ImportFrom, module: str, is_pkg: bool) -> str | None:
        if not node.level:
            return node.module
        base = module.split(".")
        if not is_pkg:
            base = base[:-1]
        if node.level > 1:
            base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def _is_module(self, dotted: str) -> bool:
        if dotted.startswith("tests."):
            return (ROOT / (dotted.replace(".", "/") + ".py")).exists() or any(
                module_of_test(old) == dotted for old in self.tests)
        return dotted in self.modules

    def _map_any(self, dotted: str, symbol: str | None = None) -> str:
        if dotted.startswith("tests."):
            for old, new in self.tests.items():
                if module_of_test(old) == dotted:
                    return module_of_test(new)
            if dotted.rpartition(".")[0] and self._is_module(dotted):
                return dotted
            return dotted
        return self.module(dotted, symbol)

    @staticmethod
    def _relative(target: str, module: str, is_pkg: bool) -> str:
        """`target` written relative to `module` (both dotted)."""
        here = module.split(".") if is_pkg else module.split(".")[:-1]
        there = target.split(".")
        common = 0
        while common < min(len(here), len(there)) and here[common] == there[common]:
            common += 1
        if common == 0 or (target.startswith("newsdive") and common < len(here)):
            return target  # outside the importing package: absolute, as the rest of the code base writes them
        ups = len(here) - common
        return "." * (ups + 1) + ".".join(there[common:])


def module_of_test(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


FILE_DEPTH = re.compile(r"(Path\(__file__\)\.resolve\(\))((?:\.parent\b)+|\.parents\[(\d+)\])")


def fix_depth(text: str, delta: int) -> str:
    if not delta:
        return text

    def sub(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            return f"{m.group(1)}.parents[{int(m.group(3)) + delta}]"
        count = m.group(2).count(".parent") + delta
        return m.group(1) + ".parent" * count

    return FILE_DEPTH.sub(sub, text)


def depth(path: str) -> int:
    return path.count("/")


LIMIT = 120  # ruff's line-length
QUOTES = ('"' * 3, "'" * 3)


def wrap_long_lines(text: str, original: str) -> str:
    """Lines the longer names pushed past the limit, broken where Python and prose allow: prose inside a
    triple-quoted string at a space, a string literal in brackets into two, a comment onto its own line, code at a
    token inside brackets. Lines that were long before (with their noqa) are left alone, and so are imports
    (ruff's isort wraps those)."""
    skip = set(original.splitlines())
    for _ in range(200):
        lines = text.splitlines(keepends=True)
        long = next((n for n, line in enumerate(lines, 1)
                     if len(line.rstrip("\n")) > LIMIT and line.rstrip("\n") not in skip and "noqa" not in line),
                    None)
        if long is None:
            return text
        fixed = None
        if not lines[long - 1].lstrip().startswith(("from ", "import ")):
            fixed = _wrap_one(text, lines, long)
            if fixed is None:
                print(f"cannot wrap line {long}: {lines[long - 1].strip()[:80]}...")
        if fixed is None:
            skip.add(lines[long - 1].rstrip("\n"))
        else:
            text = fixed
    return text


def _wrap_one(text: str, lines: list[str], n: int) -> str | None:
    line = lines[n - 1].rstrip("\n")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    opens: list[int] = []
    candidates = []
    for tok in tokens:
        (srow, scol), (erow, ecol) = tok.start, tok.end
        triple = tok.type == tokenize.STRING and tok.string.lstrip("rRbBuUfF")[:3] in QUOTES
        if triple and srow <= n <= erow and (srow != erow or ecol > LIMIT):  # prose in a triple-quoted string
            indent = line[: len(line) - len(line.lstrip())] if srow != n else " " * scol
            cut = line.rfind(" ", len(indent) + 4, LIMIT + 1)
            if cut <= len(indent):
                return None
            head, rest = line[:cut].rstrip(), line[cut + 1:]
            nxt = lines[n].rstrip("\n") if n < len(lines) else ""
            if (n < erow and nxt.strip() and not any(q in rest for q in QUOTES)
                    and len(indent + rest + " " + nxt.strip()) <= LIMIT):
                return "".join([*lines[: n - 1], head + "\n", indent + rest + " " + nxt.strip() + "\n", *lines[n + 1:]])
            return "".join([*lines[: n - 1], head + "\n", indent + rest + "\n", *lines[n:]])
        if (tok.type == tokenize.STRING and not triple and srow == erow == n and opens and ecol > LIMIT
                and scol < LIMIT - 20):  # a string literal in brackets: two literals, concatenated
            prefix = tok.string[: len(tok.string) - len(tok.string.lstrip("rRbBuUfF"))]
            quote = tok.string[len(prefix)]
            cut = line.rfind(" ", scol + len(prefix) + 1, LIMIT - 1)
            if cut <= scol or ("f" in prefix.lower() and line.count("{", scol, cut) != line.count("}", scol, cut)):
                return None
            return "".join([*lines[: n - 1], line[: cut + 1] + quote + "\n",
                            " " * scol + prefix + quote + line[cut + 1:] + "\n", *lines[n:]])
        if tok.type == tokenize.COMMENT and srow == n:
            code = line[:scol].rstrip()
            indent = line[: len(line) - len(line.lstrip())]
            if code:  # a trailing comment goes above its line
                return "".join([*lines[: n - 1], indent + tok.string + "\n", code + "\n", *lines[n:]])
            cut = line.rfind(" ", len(indent) + 2, LIMIT + 1)
            if cut < 0:
                return None
            return "".join([*lines[: n - 1], line[:cut] + "\n", indent + "# " + line[cut + 1:] + "\n", *lines[n:]])
        if (srow == n and opens and 0 < scol <= LIMIT and line[scol - 1] == " " and line[scol:].strip()
                and tok.type in (tokenize.NAME, tokenize.OP, tokenize.STRING, tokenize.NUMBER)):
            candidates.append((line[:scol].rstrip().endswith(","), scol, opens[-1]))
        if tok.type == tokenize.OP and tok.string in "([{":
            opens.append(ecol)
        elif tok.type == tokenize.OP and tok.string in ")]}":
            opens.pop()
    indent = len(line) - len(line.lstrip())
    # a break after a comma first, then the rightmost one whose second line fits too
    fitting = [c for c in candidates if c[1] > indent + 1 and c[2] + len(line) - c[1] <= LIMIT]
    if not fitting:
        return None
    _, col, open_col = max(fitting)
    return "".join([*lines[: n - 1], line[:col].rstrip() + "\n", " " * open_col + line[col:] + "\n", *lines[n:]])


def edit_config() -> None:
    pyproject = ROOT / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace('[tool.setuptools]\npackage-dir = { "" = "shared" }\n',
                        '[tool.setuptools]\n# Two packages: newsdive (shared/, the Lambda layer) and newsdive_tools (tools/, the command line, the\n'
                        '# local run and the benchmarks; never in the layer).\n'
                        'package-dir = { "newsdive" = "shared/newsdive", "newsdive_tools" = "tools/newsdive_tools" }\n')
    text = text.replace('where = ["shared"]\ninclude = ["newsdive*"]', 'where = ["shared", "tools"]\ninclude = ["newsdive*"]')
    text = text.replace('src = ["shared", "tests"]', 'src = ["shared", "tools", "tests"]')
    pyproject.write_text(text, encoding="utf-8")
    makefile = ROOT / "Makefile"
    text = makefile.read_text(encoding="utf-8")
    text = text.replace("ruff check shared functions tests", "ruff check shared tools functions tests")
    makefile.write_text(text, encoding="utf-8")


# --- the second step: one job per module (run with --splits on the moved tree, its own commit) ---------------------

_TITLE = ("_TITLE_SEPARATORS", "_PREFIX_COLON", "_QUOTES", "_title_key", "_BYLINE_PART", "_strip_site", "_VOTERS",
          "_spelling", "choose_title", "title_by_rule", "_domain_names")
_BYLINES = ("_dom_authors", "BYLINE_WORDS", "_BYLINE_CLASS", "_NOT_BYLINE_CLASS", "_BYLINE_TAGS", "_shown_bylines",
            "_NAME_PARTICLES", "_looks_like_names")
STAGE_SPLITS: dict[str, tuple[str, dict[str, str], dict]] = {
    f"{TOOLS}/local/stack.py": (f"{TOOLS}/local/stack.py", {}, {
        r"^# Template loading": f"{TOOLS}/local/template.py",
        r"^# Intrinsic functions": f"{TOOLS}/local/intrinsics.py",
        r"^# Deploy": f"{TOOLS}/local/deploy.py",
        r"^# Helpers: CloudFormation property shapes": f"{TOOLS}/local/api_shapes.py",
    }),
    f"{TOOLS}/local/pump.py": (f"{TOOLS}/local/pump.py", dict.fromkeys(
        ("speed_up_moto", "_FAST_DYNAMODB", "_refuse", "_fast_dynamodb_results"), f"{TOOLS}/local/moto_speed.py"), {}),
    f"{TOOLS}/local/chaos.py": (f"{TOOLS}/local/chaos.py", dict.fromkeys(
        ("TableIndexes", "IndexWrites", "_index_entries", "_units_of", "Requests", "_size", "capacity_units"),
        f"{TOOLS}/local/metering.py"), {}),
    f"{PKG}/publish/render.py": (f"{PKG}/publish/render.py", {}, {
        r"^# -- key players": (f"{PKG}/publish/key_players.py", "key_players"),
        r"^# -- RSS 2.0 and sitemap": f"{PKG}/publish/syndication.py",
    }),
    f"{PKG}/parse/extract/_meta.py": (f"{PKG}/parse/extract/_meta.py", {
        **dict.fromkeys(_TITLE, f"{PKG}/parse/extract/_title.py"),
        **dict.fromkeys(_BYLINES, f"{PKG}/parse/extract/_authors.py"),
    }, {
        r"^# --- JSON-LD": f"{PKG}/parse/extract/_jsonld.py",
        r"^# --- authors": f"{PKG}/parse/extract/_authors.py",
        r"^# --- (language|helpers|main)": f"{PKG}/parse/extract/_meta.py",
    }),
}
STAGE_DOCS: dict[str, str | None] = {
    f"{TOOLS}/local/template.py": '"""infra/template.yaml loaded (with its intrinsic-function tags) and translated by '
                                  'the SAM translator, as `sam\npackage` would, with each function\'s code located."""',
    f"{TOOLS}/local/intrinsics.py": '"""CloudFormation intrinsic functions (Ref, GetAtt, Sub, Join, If...) resolved '
                                    'against the stack deployed on moto."""',
    f"{TOOLS}/local/deploy.py": '"""The translated template deployed into a moto server: what moto\'s CloudFormation '
                                'skips is applied through the\nAPIs, placeholders are filled once their resources '
                                'exist, and the result is a LocalStack."""',
    f"{TOOLS}/local/api_shapes.py": '"""CloudFormation property shapes turned into the API shapes the services take '
                                    '(CORS, lifecycle, notifications,\ndistributions), and function code zipped."""',
    f"{TOOLS}/local/moto_speed.py": '"""Speed-ups of the moto server for the local run, that change no answer it '
                                    'gives: see `speed_up_moto`."""',
    f"{TOOLS}/local/metering.py": '"""Capacity metering for the local run: read and write units per DynamoDB call, '
                                  'the writes each table index\ntakes, and request counts, as DynamoDB would bill '
                                  'them."""',
    f"{PKG}/publish/key_players.py": '"""Key players of a story: the names its outlets use, read with the rules of '
                                     'each text\'s language."""',
    f"{PKG}/publish/syndication.py": '"""RSS 2.0 feeds and the sitemap: the published stories for feed readers and '
                                     'search engines."""',
    f"{PKG}/parse/extract/_jsonld.py": '"""JSON-LD: the script blocks read leniently (comments, trailing commas), '
                                       'their nodes walked, names and\nimages read from what publishers write."""',
    f"{PKG}/parse/extract/_authors.py": '"""Authors: names cleaned of roles, handles and credits, from structured data '
                                        'and from the byline the page\nshows, in the page\'s language."""',
    f"{PKG}/parse/extract/_title.py": '"""The title: candidates from structured data, meta tags and the page, the '
                                      'outlet\'s name cut off, one chosen\nby votes."""',
}


def public_names(split_parts: dict[str, tuple[str, tuple]]) -> dict[tuple[str, str], str]:
    """Private names a split part now imports from another part -> their public spelling (leading "_" dropped),
    unless that spelling is taken in the module: a module does not import another's private names."""
    taken: dict[str, set[str]] = {}
    for _dest, (old, (source, *_)) in split_parts.items():
        taken.setdefault(old, set()).update(re.findall(r"\b[A-Za-z_]\w*\b", source))
    out = {}
    for _dest, (old, (_, _, extra, _)) in split_parts.items():
        for line in extra.splitlines():
            module, _, names = line.removeprefix("from ").partition(" import ")
            for name in names.split(", "):
                public = name.lstrip("_")
                if name.startswith("_") and not name.startswith("__") and public and public not in taken[old]:
                    out[(module_of(old), name)] = public
    return out


def rename_names(text: str, names: dict[str, str]) -> str:
    """Identifiers (NAME tokens, never strings or comments) renamed."""
    if not names:
        return text
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    lines = text.splitlines(keepends=True)
    for tok in reversed(tokens):
        if tok.type == tokenize.NAME and tok.string in names:
            (row, col), (_, end) = tok.start, tok.end
            line = lines[row - 1]
            lines[row - 1] = line[:col] + names[tok.string] + line[end:]
    return "".join(lines)


def importers_renames(text: str, renames: dict[tuple[str, str], str], path: str) -> dict[str, str]:
    """The renamed private names this file imports (from the modules they were split from, or the new ones)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    wanted = {}
    module = path.removesuffix(".py").replace("/", ".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                for (old, name), public in renames.items():
                    if alias.name == name and (node.module == old or node.module.startswith(old.rpartition(".")[0])):
                        wanted[name] = public
    del module
    return wanted


def split_stages() -> int:
    """Cut the modules of STAGE_SPLITS (on the moved tree) and point every import at the new modules."""
    if not (ROOT / TOOLS).is_dir():
        sys.exit("run the move first: tools/newsdive_tools is missing")
    if git("status", "--porcelain", "--untracked-files=no").strip():
        sys.exit("the work tree has changes: commit or stash them first")
    tracked = [f for f in git("ls-files").splitlines()
               if (Path(f).suffix in TEXT_SUFFIXES or Path(f).name == "Makefile") and not f.startswith(SKIP_PREFIXES)
               and not (f.startswith("tests/fixtures/") and not f.endswith(".py")) and f != "scripts/reorganise.py"]
    texts = {f: (ROOT / f).read_text(encoding="utf-8") for f in tracked}
    split_parts: dict[str, tuple[str, tuple[str, str, str, list[str]]]] = {}
    for path, (default, symbols, sections) in STAGE_SPLITS.items():
        for dest, part in split_module(path, default, symbols, sections, STAGE_DOCS, float_assignments=True).items():
            split_parts[dest] = (path, part)
        texts.pop(path, None)
    modules = {module_of(f): module_of(f) for f in git("ls-files", "shared", "tools").splitlines() if f.endswith(".py")}
    rewriter = Rewriter({}, {}, symbol_map(split_parts), modules=modules)
    renames = public_names(split_parts)
    own = {}  # per split module: its private names that became public
    for (module, name), public in renames.items():
        own.setdefault(module, {})[name] = public
    for path, text in texts.items():
        out = rewriter.python(text, path, path) if path.endswith(".py") else rewriter.plain(text)
        if path.endswith(".py"):
            out = rename_names(out, importers_renames(text, renames, path))
        if out != text:
            if path.endswith(".py"):
                out = wrap_long_lines(out, text)
            (ROOT / path).write_text(out, encoding="utf-8")
    for dest, (old, (source, doc, extra, _)) in split_parts.items():
        out = rewriter.python(source, old, dest)
        out = out.replace(EXTRA + "\n", extra)
        out = rename_names(out, own.get(module_of(old), {}))
        out = wrap_long_lines(out.replace(DOC, doc), source)
        (ROOT / dest).write_text(out, encoding="utf-8")
        git("add", dest)
    ruff = [sys.executable, "-m", "ruff", "check", "--fix", "--select", "I,F401", "--quiet",
            "shared", "tools", "functions", "tests"]
    subprocess.run(ruff, cwd=ROOT, check=False)
    print("split", ", ".join(STAGE_SPLITS))
    return 0


def main() -> int:
    if sys.argv[1:] == ["--splits"]:
        return split_stages()
    if not (ROOT / PKG / "scrape.py").exists():
        sys.exit("shared/newsdive/scrape.py is missing: the tree is not the flat layout (already reorganised?)")
    if git("status", "--porcelain", "--untracked-files=no").strip():
        sys.exit("the work tree has changes: commit or stash them first")
    moves, tests = plan()
    # every text file, read before anything moves (old path -> text)
    tracked = [f for f in git("ls-files").splitlines()
               if (Path(f).suffix in TEXT_SUFFIXES or Path(f).name == "Makefile") and not f.startswith(SKIP_PREFIXES)
               and not (f.startswith("tests/fixtures/") and not f.endswith(".py"))
               and f != "scripts/reorganise.py"]
    texts = {f: (ROOT / f).read_text(encoding="utf-8") for f in tracked}
    where = {f: f for f in tracked} | moves | tests
    # 1. splits: write parts (from the old text), remove the old module
    split_parts: dict[str, tuple[str, tuple[str, str, str, list[str]]]] = {}
    for old, (default, symbols, sections) in SPLITS.items():
        path = f"{PKG}/{old}"
        if not (ROOT / path).exists():
            sys.exit(f"{path} is missing")
        for dest, source in split_module(path, default, symbols, sections).items():
            split_parts[dest] = (path, source)
        git("rm", "-q", path)
        texts.pop(path, None)
    rewriter = Rewriter(moves, tests, symbol_map(split_parts))
    # 2. moves
    for old, new in {**moves, **tests}.items():
        if old == new:
            continue
        (ROOT / new).parent.mkdir(parents=True, exist_ok=True)
        git("mv", old, new)
    # 3. rewrite every text file at its new place
    for old, text in texts.items():
        new = where[old]
        if new.endswith(".py"):
            out = rewriter.python(text, old, new)
            if old in moves or old in tests:
                out = fix_depth(out, depth(new) - depth(old))
            if out != text:
                out = wrap_long_lines(out, text)
        else:
            out = rewriter.plain(text)
        if out != text:
            (ROOT / new).write_text(out, encoding="utf-8")
    for dest, (old, (source, doc, extra, _)) in split_parts.items():
        out = rewriter.python(source, old, dest)
        out = fix_depth(out, depth(dest) - depth(old))
        out = wrap_long_lines(out.replace(DOC, doc).replace(EXTRA + "\n", extra), source)
        (ROOT / dest).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / dest).write_text(out, encoding="utf-8")
        git("add", dest)
    # 4. packages
    for folder, doc in PACKAGE_DOCS.items():
        init = ROOT / folder / "__init__.py"
        if not init.exists():
            init.parent.mkdir(parents=True, exist_ok=True)
            init.write_text(f'"""{doc}"""\n', encoding="utf-8")
            git("add", str(init.relative_to(ROOT)))
    for new in tests.values():
        folder = ROOT / Path(new).parent
        while folder != ROOT / "tests" / "unit":
            init = folder / "__init__.py"
            if not init.exists():
                init.write_text("", encoding="utf-8")
                git("add", str(init.relative_to(ROOT)))
            folder = folder.parent
    emptied = {str(Path(old).parent) for old in {**moves, **tests}} | {f"{PKG}/{old}" for old in SPLITS}
    for folder in sorted(emptied, reverse=True):
        path = ROOT / folder
        if path.is_dir() and path != ROOT / PKG and not git("ls-files", folder).strip():
            shutil.rmtree(path)  # what is left is __pycache__: it would import as a namespace package
    edit_config()
    # 5. imports sorted and unused ones (left by the splits) dropped
    ruff = [sys.executable, "-m", "ruff", "check", "--fix", "--select", "I,F401", "--quiet",
            "shared", "tools", "functions", "tests"]
    subprocess.run(ruff, cwd=ROOT, check=False)
    print("moved", len(moves) + len(tests), "files; split", ", ".join(SPLITS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
