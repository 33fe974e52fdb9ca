"""A deployed local stack (moto server + infra/template.yaml) and the test site, per test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"


@dataclass
class Local:
    stack: Any
    session: Any
    web: Any
    pump: Any

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.stack.endpoint_url, region_name=self.stack.region)

    def env(self, function: str, name: str) -> str:
        return self.stack.functions[function].environment[name]

    def upload_sources(self, path: Path = SITE / "sources.json") -> None:
        self.client("s3").put_object(Bucket=self.env("schedule", "SOURCES_BUCKET"),
                                     Key=self.env("schedule", "SOURCES_KEY"), Body=path.read_bytes())

    def public_objects(self) -> dict[str, bytes]:
        s3 = self.client("s3")
        bucket = self.env("publish", "PUBLIC_BUCKET")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in sorted(keys)}

    def dlq_bodies(self, owner: str) -> list[str]:
        sqs = self.client("sqs")
        url = self.stack.dead_letter_queues[owner]
        out: list[str] = []
        while True:
            response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
            messages = response.get("Messages", [])
            if not messages:
                return out
            out.extend(m["Body"] for m in messages)


@pytest.fixture
def local():
    from newsdive_tools.local.pump import EventPump
    from newsdive_tools.local.runner import local_stack
    from newsdive_tools.local.sample_server import SampleWebServer

    with SampleWebServer(SITE) as web, local_stack(
        # the test site is local: no per-host pacing (tests/integration/test_scrape_politeness.py covers it)
        env_overrides={"FETCH_ALLOW_HOSTS": web.address, "FETCH_HOST_MAP": web.host_map(),
                       "FETCH_HOST_INTERVAL_SECONDS": "0"}
    ) as (stack, session):
        yield Local(stack=stack, session=session, web=web, pump=EventPump(stack, session=session))
