"""Security checks in `make test`: checkov on the template (every skip justified inline), no wildcard or
inverted grants in the translated template's IAM policies, bandit on the code (every finding acknowledged on its
line), and the SSRF guard against the known bypasses that tests/unit/test_fetch.py does not spell out already.

checkov and bandit live in .venv-tools/security (the Makefile's tools stamp installs them: their pins clash with
the app's and with aws-sam-cli's).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from newsdive.model.errors import BlockedDestinationError, is_permanent
from newsdive.scrape.fetch import Fetcher, FetchPolicy

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
SECURITY_BIN = ROOT / ".venv-tools" / "security" / "bin"


def _tool(name: str) -> Path:
    path = SECURITY_BIN / name
    if not path.is_file():
        pytest.skip(f"{name} is not installed in {SECURITY_BIN}: `make test` installs it (tools stamp)")
    return path


# --- checkov ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    result = subprocess.run(
        [str(_tool("checkov")), "-f", str(TEMPLATE), "--framework", "cloudformation", "--skip-download",
         "--quiet", "-o", "json"],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


def test_checkov_finds_nothing_that_is_not_explained(checkov_report):
    failed = [f"{f['check_id']} {f['resource']}: {f['check_name']}" for f in checkov_report["results"]["failed_checks"]]
    assert failed == []
    assert checkov_report["summary"]["parsing_errors"] == 0
    assert checkov_report["summary"]["passed"] > 30


def test_every_checkov_skip_says_why_in_the_template():
    from newsdive_tools.local.template import load_template

    skips = 0
    for logical_id, resource in load_template(TEMPLATE)["Resources"].items():
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip", []):
            assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]), logical_id
            assert len(skip.get("comment", "").split()) >= 8, f"{logical_id} {skip['id']}: say why"
            skips += 1
    assert skips > 0


# --- IAM --------------------------------------------------------------------------------------------------
def _statements(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "Statement" in node and isinstance(node["Statement"], list | dict):
            statements = node["Statement"] if isinstance(node["Statement"], list) else [node["Statement"]]
            for statement in statements:
                if isinstance(statement, dict):
                    yield where, statement
        for key, value in node.items():
            yield from _statements(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _statements(value, f"{where}[{i}]")


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    from newsdive_tools.local.template import translate_template

    return translate_template(TEMPLATE)


def test_no_policy_grants_by_exclusion_or_to_anyone(translated):
    statements = list(_statements(translated["Resources"]))
    assert len(statements) > 10
    for where, statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        assert "NotAction" not in statement and "NotResource" not in statement, where
        assert "NotPrincipal" not in statement, where
        assert statement.get("Principal") not in ("*", {"AWS": "*"}), where  # readers come through CloudFront
        actions = statement.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            assert not (isinstance(action, str) and action.startswith("iam:")), f"{where}: {action}"


# --- bandit -----------------------------------------------------------------------------------------------
def _ruff_ignored() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["ruff"]["lint"].get("ignore", []))


def test_bandit_findings_are_each_fixed_or_acknowledged_on_their_line():
    result = subprocess.run(
        [str(_tool("bandit")), "-r", "shared/newsdive", "functions", "-f", "json", "-q"],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )
    findings = json.loads(result.stdout)["results"]
    project_wide = {f"B{code[1:]}" for code in _ruff_ignored() if code.startswith("S")}  # e.g. S101 -> B101
    unexplained = []
    for finding in findings:
        code = finding["test_id"]
        lines = Path(finding["filename"]).read_text(encoding="utf-8").splitlines()
        span = range(finding["line_range"][0] - 1, finding["line_range"][-1])
        text = " ".join(lines[i] for i in span if i < len(lines))
        acknowledged = "# nosec" in text or re.search(rf"noqa:[^#]*\bS{code[1:]}\b", text)
        if code not in project_wide and not acknowledged:
            unexplained.append(f"{finding['filename']}:{finding['line_number']} {code} {finding['issue_text']}")
    assert unexplained == []
    assert not [f for f in findings if f["issue_severity"] == "HIGH" and "# nosec" not in f.get("code", "")]


# --- SSRF guard: the bypasses test_fetch.py leaves out -------------------------------------------------------
class _Resolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown test host")
        return self.table[host]


NAMES = {"localhost": ["127.0.0.1"], "169.254.169.254.nip.io": ["169.254.169.254"],
         "metadata.google.internal": ["169.254.169.254"], "instance-data": ["169.254.169.254"],
         "rebound.example": ["10.1.2.3"]}


@pytest.mark.parametrize("url", [
    "http://0x7f.0x0.0x0.0x1/",  # hex per octet
    "http://0177.0.0.01/",  # octal per octet
    "http://00000000177.0.0.1/",  # zero-padded octal
    "http://0x7f000001:8080/",  # one hex number, with a port
    "http://127.0.0.1./",  # trailing dot
    "http://LOCALHOST/", "http://localhost./",  # a name for loopback, any case, with a trailing dot
    "http://%31%32%37.0.0.1/",  # percent-encoded host
    "http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/",  # full-width digits and dots (IDNA maps them)
    "http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3/",  # circled letters spelling localhost
    "http://[0:0:0:0:0:ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/",
    "http://[0000::1]/", "http://[::]:80/",
    "http://good.example%40127.0.0.1/", "http://127.0.0.1%2f@good.example/", "http://127.0.0.1:80\\@good.example/",
    "http://169.254.169.254.nip.io/", "http://metadata.google.internal/", "http://instance-data/",
    "http://rebound.example/",  # a public-looking name that resolves to a private address
])
def test_known_ssrf_bypasses_are_refused_before_any_connection(url: str) -> None:
    fetcher = Fetcher(FetchPolicy(), resolver=_Resolver(NAMES))  # type: ignore[arg-type]
    try:
        with pytest.raises(BlockedDestinationError) as caught:
            fetcher.get(url)
    finally:
        fetcher.close()
    assert is_permanent(caught.value)


class _Redirector(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.server.hits.append(unquote(self.path))  # type: ignore[attr-defined]
        self.send_response(302)
        self.send_header("Location", unquote(self.path[len("/to/"):]))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def redirector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("target", [
    "http://0x7f.1/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://[::]/", "http://0.0.0.0/",
    "http://127.0.0.1:{other}/", "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/", "http://user@{host}/", "file:///etc/passwd",
])
def test_redirects_to_private_or_tricky_destinations_are_refused(redirector, target: str) -> None:
    port = redirector.server_address[1]
    hostport = f"127.0.0.1:{port}"
    location = target.format(port=port, other=port + 1 if port < 65535 else port - 1, host=hostport)
    fetcher = Fetcher(FetchPolicy(allow_hosts=frozenset({hostport})), resolver=_Resolver(NAMES))  # type: ignore[arg-type]
    try:
        with pytest.raises(BlockedDestinationError):
            fetcher.get(f"http://{hostport}/to/{location}")
    finally:
        fetcher.close()
    assert redirector.hits == [f"/to/{location}"]  # the allowed server was asked once; the target never
