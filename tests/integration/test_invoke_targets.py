"""`newsdive invoke` where the data is: a stack kept by a local run (--endpoint-url), a deployed one (--stack)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import boto3
from botocore.response import StreamingBody
from botocore.stub import Stubber

from newsdive_tools import cli
from newsdive_tools.local.remote import invoke_deployed
from newsdive_tools.local.runner import RunOptions, run

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "tests" / "fixtures" / "site"


def test_invoke_with_endpoint_url_runs_against_the_kept_stacks_data(tmp_path, monkeypatch, capsys):
    """A run's stories are there for a maintenance run by hand: re-clustering the kept stack sees them (a fresh
    stack would report stories_before 0)."""
    import newsdive_tools.local.runner as runner

    stack_file = tmp_path / "kept-stack.json"
    monkeypatch.setattr(runner, "KEPT_STACK_FILE", stack_file)
    monkeypatch.setattr(runner, "_wait_for_interrupt", lambda stack, summary, quiet: _invoke_kept(stack, stack_file))
    summary = run(RunOptions(sources=SITE / "sources.json", sites=SITE, out=tmp_path / "out", log_file=None,
                             quiet=True, keep=True, host_interval=0.0))
    assert summary.stories == 1
    result = _RESULTS.pop()
    assert result["stories_before"] >= 1, result


_RESULTS: list[dict] = []


def _invoke_kept(stack, stack_file: Path) -> None:
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["invoke", "aggregate", "--event", str(ROOT / "events" / "aggregate_recluster.json"),
                         "--endpoint-url", stack.endpoint_url, "--stack-file", str(stack_file)])
    assert code == 0
    _RESULTS.append(json.loads(out.getvalue()))


def test_invoke_with_endpoint_url_needs_the_kept_stacks_description(tmp_path, capsys):
    code = cli.main(["invoke", "aggregate", "--event", str(ROOT / "events" / "aggregate_recluster.json"),
                     "--endpoint-url", "http://127.0.0.1:1", "--stack-file", str(tmp_path / "none.json")])
    assert code == 1
    assert "newsdive demo --keep" in capsys.readouterr().err


def test_invoke_with_stack_calls_the_deployed_function_through_the_lambda_api():
    session = boto3.session.Session(region_name="eu-west-1")
    cfn, lam = session.client("cloudformation"), session.client("lambda")
    event = json.loads((ROOT / "events" / "publish_settle.json").read_text())
    with Stubber(cfn) as cfn_stub, Stubber(lam) as lam_stub:
        cfn_stub.add_response("list_stack_resources", {"StackResourceSummaries": [
            _resource("AggregateFunction", "newsdive-AggregateFunction-1"),
            _resource("PublishFunction", "newsdive-PublishFunction-2")]}, {"StackName": "newsdive"})
        body = json.dumps({"settled": 3}).encode()
        lam_stub.add_response("invoke", {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))},
                              {"FunctionName": "newsdive-PublishFunction-2", "InvocationType": "RequestResponse",
                               "Payload": json.dumps(event).encode()})
        fake = _Session({"cloudformation": cfn, "lambda": lam})
        assert invoke_deployed("newsdive", "publish", event, region="eu-west-1", session=fake) == {"settled": 3}


def _resource(logical: str, physical: str) -> dict:
    return {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": "AWS::Lambda::Function",
            "LastUpdatedTimestamp": "2026-01-01T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"}


class _Session:
    def __init__(self, clients: dict) -> None:
        self.clients = clients

    def client(self, name: str, **_kwargs) -> object:
        return self.clients[name]
