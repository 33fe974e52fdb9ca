"""Lambda event record models (Powertools parser models), one per trigger.

The S3 notification model accepts what S3 really sends and what moto sends (moto omits several fields that
Powertools' strict S3Model requires), and the `s3:TestEvent` that arrives when notifications are configured.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json
from pydantic import BaseModel, ConfigDict, Field

from newsdive.model.messages import ArticleStored, ScrapeRequest


class ScrapeRecord(SqsRecordModel):
    body: Json[ScrapeRequest]


class ArticleRecord(SqsRecordModel):
    body: Json[ArticleStored]


class _S3Bucket(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


class _S3Object(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    size: int | None = None
    eTag: str | None = None  # noqa: N815 - AWS's field name
    sequencer: str | None = None

    @property
    def decoded_key(self) -> str:
        """S3 URL-encodes keys in notifications (spaces as '+')."""
        return unquote_plus(self.key)


class _S3Entity(BaseModel):
    model_config = ConfigDict(extra="allow")
    bucket: _S3Bucket
    object: _S3Object


class S3NotificationRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    eventSource: str = "aws:s3"  # noqa: N815
    eventName: str  # noqa: N815
    s3: _S3Entity


class S3Notification(BaseModel):
    """An S3 event notification as delivered in an SQS message body."""

    model_config = ConfigDict(extra="allow")
    Records: list[S3NotificationRecord] = Field(default_factory=list)  # noqa: N815
    Event: str | None = None  # "s3:TestEvent" when notifications are first configured

    @property
    def is_test_event(self) -> bool:
        return self.Event == "s3:TestEvent"

    def created_keys(self) -> list[tuple[str, str]]:
        return [
            (r.s3.bucket.name, r.s3.object.decoded_key)
            for r in self.Records
            if r.eventName.startswith("ObjectCreated")
        ]


class S3NotificationRecordSqs(SqsRecordModel):
    body: Json[S3Notification]
