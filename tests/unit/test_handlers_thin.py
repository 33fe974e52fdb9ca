"""Every functions/*/handler.py stays thin (issue 18): at most 60 lines, the same decorator stack, and no module
state that outlives an invocation (a warm container serves many). The logic lives in newsdive.runtime.*_run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(ROOT.glob("functions/*/handler.py"))
MAX_LINES = 60
STACK = ["logger.inject_lambda_context", "metrics.log_metrics", "tracer.capture_lambda_handler"]
MUTABLE_CALLS = {"list", "dict", "set", "bytearray", "defaultdict", "deque", "Counter", "OrderedDict"}
# objects that hold one invocation's state: built inside the handler, never at import
PER_INVOCATION = ("BatchProcessor", "Batch", "Run")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def module_state(source: str) -> list[str]:
    """Module-level bindings of mutable or per-invocation values, and `global` statements anywhere."""
    tree = ast.parse(source)
    found = [f"line {n.lineno}: global {', '.join(n.names)}" for n in ast.walk(tree) if isinstance(n, ast.Global)]
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign) and stmt.value is not None:
            values = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
            for value in values:
                called = _name(value).rsplit(".", 1)[-1] if isinstance(value, ast.Call) else ""
                if (isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp)
                        or called in MUTABLE_CALLS or called.endswith(PER_INVOCATION)):
                    found.append(f"line {stmt.lineno}: {ast.unparse(stmt)[:80]}")
    return found


def decorators(source: str, function: str = "lambda_handler") -> list[str]:
    tree = ast.parse(source)
    [entry] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    return [_name(d) for d in entry.decorator_list]


ENV = {"AWS_DEFAULT_REGION": "us-east-1", "RAW_BUCKET": "raw", "STORIES_TABLE": "s", "INDEX_TABLE": "i",
       "IDEMPOTENCY_TABLE": "idem", "CRAWL_TABLE": "c", "AGGREGATE_QUEUE_URL": "q", "PUBLIC_BUCKET": "pub",
       "SOURCES_BUCKET": "src", "SCRAPE_QUEUE_URL": "q", "POWERTOOLS_METRICS_DISABLED": "true"}


def test_there_are_five_handlers():
    assert [p.parent.name for p in HANDLERS] == ["aggregate", "parse", "publish", "schedule", "scrape"]


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_a_handler_is_at_most_60_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.parent.name}/handler.py has {lines} lines: move logic to newsdive.runtime"


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_a_handler_carries_the_decorator_stack(path):
    assert decorators(path.read_text(encoding="utf-8"))[:3] == STACK


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_a_handler_keeps_no_module_state(path):
    assert module_state(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "SEEN = set()", "cache: dict = {}", "ids = [1, 2]", "a, b = 1, []", "counts = collections.Counter()",
    "processor = BatchProcessor(event_type=EventType.SQS)", "batch = FifoBatch(3)", "run = PublishRun(S, l, m)",
    "def f():\n    global n\n    n = 1",
])
def test_the_state_check_sees_module_state(source):
    assert module_state(source)


def test_the_state_check_allows_what_a_container_may_keep():
    """Settings (frozen), observability and the idempotency set-up are per container by design."""
    assert module_state('logger, metrics = get_logger("x"), get_metrics("x")\nSETTINGS = cfg.settings(S)\n'
                        'config, once = idempotency("[id]", table=T, hours=6, argument="m")\n'
                        'def h(event):\n    seen = set()\n    return seen') == []


def test_the_decorator_check_reads_the_stack_in_order():
    source = "@tracer.capture_lambda_handler\n@metrics.log_metrics\ndef lambda_handler(e, c):\n    pass"
    assert decorators(source) == ["tracer.capture_lambda_handler", "metrics.log_metrics"]
    assert decorators("@logger.inject_lambda_context(log_event=False)\ndef lambda_handler(e, c): ...") == [
        "logger.inject_lambda_context"]


@pytest.mark.parametrize("path", [p for p in HANDLERS if p.parent.name != "schedule"], ids=lambda p: p.parent.name)
def test_a_batch_handler_imports_powertools_batch_before_pydantic(path):
    """Powertools' batch module imports every parser model (Kafka, Kinesis, CloudWatch...) for its type hints when
    pydantic is already loaded: a first-party import of a model or of the settings before the run module costs
    each cold start that much (newsdive bench coldstart). Handlers import their run module first."""
    probe = ("import importlib.util, sys\n"
             f"spec = importlib.util.spec_from_file_location('handler', {str(path)!r})\n"
             "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
             "print('aws_lambda_powertools.utilities.parser.models.kafka' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], env=ENV, capture_output=True, text=True, timeout=120,
                            check=True)
    assert result.stdout.strip() == "False"
