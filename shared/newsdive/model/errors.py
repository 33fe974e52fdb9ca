"""Typed exceptions of newsdive, and which failures a retry can fix.

A failure is transient only when retrying the same input can succeed: throttling, a timeout, a 5xx answer, a
dropped connection, a lost optimistic-locking race, another invocation holding the same idempotency key
(`is_transient`). Everything else is permanent (`is_permanent`): bad input (`Permanent` subclasses), and just as
much a missing module, a bug, a KeyError in our code: retrying runs the same code on the same input and fails the
same way. A permanent failure fails its record alone, and the record reaches its queue's DLQ with its reason;
only a transient one is retried for its own sake, and only a transient one holds back the rest of an ordered
(FIFO) batch (newsdive.runtime.fifo).
"""

from __future__ import annotations

import sys


class NewsdiveError(Exception):
    """Base of every error newsdive raises on purpose."""


class Permanent(NewsdiveError):
    """Mixin-like base: the input itself is bad; retries will fail the same way."""


class Transient(NewsdiveError):
    """Mixin-like base: a condition of the moment (a race, a timeout, a service that kept refusing); a later
    delivery of the same input can succeed."""


# --- configuration -------------------------------------------------------------------------------
class ConfigurationError(NewsdiveError):
    """Settings or a sources file that cannot be used."""


# --- messages -------------------------------------------------------------------------------------
class InvalidMessageError(Permanent):
    """A queue message or event record that does not match its model."""


# --- fetching -------------------------------------------------------------------------------------
class FetchError(NewsdiveError):
    """An HTTP fetch that did not produce a usable response."""


class BlockedDestinationError(FetchError, Permanent):
    """The SSRF guard refused the URL: bad scheme, or a private/loopback/link-local/metadata address."""


class TooManyRedirectsError(FetchError, Permanent):
    """More redirects than the fetch policy allows."""


class ResponseTooLargeError(FetchError, Permanent):
    """The body is larger than the fetch policy's size cap."""


class UnexpectedContentTypeError(FetchError, Permanent):
    """The server answered with a content type we do not process (e.g. a PDF where HTML was expected)."""


class HttpStatusError(FetchError):
    """A non-success HTTP status. 4xx (except 408/429) are permanent, 5xx/408/429 are retryable."""

    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.url = url
        self.status = status
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        return 400 <= self.status < 500 and self.status not in (408, 425, 429)


class FetchTimeoutError(FetchError, Transient):
    """Connect or read timeout, or the connection failed."""


class NameResolutionError(FetchError, Transient):
    """The host name does not resolve (no DNS answer, or no address for it).

    Its own error, not a timeout: on a local run it almost always means the host is not routed (`newsdive run
    --sites/--resolve`), and on AWS a retry may still help (a resolver outage), so it is not `Permanent`."""


# --- feeds ----------------------------------------------------------------------------------------
class FeedParseError(Permanent):
    """A feed document that yields no usable items and is not well-formed."""


# --- extraction -----------------------------------------------------------------------------------
class ExtractionError(Permanent):
    """A page the extractor cannot turn into an Article."""


class NotHtmlError(ExtractionError):
    """The bytes are not an HTML document (binary, PDF, image, JSON ...)."""


class PageTooLargeError(ExtractionError):
    """The page exceeds the extractor's size cap."""


class NoArticleError(ExtractionError):
    """The page is HTML but carries no article (an index, a gallery, a login wall)."""


# --- storage --------------------------------------------------------------------------------------
class StorageError(NewsdiveError):
    """An AWS storage call failed (translated from botocore's ClientError, raised `from` it). Transient when the
    call failed the way the SDK itself retries (throttling, 5xx, timeouts: the SDK's retries ran out), or when a
    batch call left work unprocessed after our own retries (raised without a cause); permanent otherwise
    (access denied, a validation error: a bug or bad data)."""


class NotFoundError(StorageError, Permanent):
    """The object or item does not exist."""


class StorageRejectedError(StorageError, Permanent):
    """The service refused a request as malformed (a sender fault in a batch answer): a retry sends it again."""


class VersionConflictError(StorageError, Transient):
    """An optimistic-locking write lost the race: re-read and retry."""


_MAX_CAUSES = 8  # how far down a chain of `raise ... from ...` the classification looks


def is_transient(exc: BaseException) -> bool:
    """True only when a retry of the same input can succeed (see the module doc); False for everything else.
    A wrapper (a StorageError raised from botocore's error, Powertools' persistence error) is what it wraps."""
    current: BaseException | None = exc
    for _ in range(_MAX_CAUSES):
        if current is None:
            return False
        verdict = _classify(current)
        if verdict is not None:
            return verdict
        current = current.__cause__
    return False


def is_permanent(exc: BaseException) -> bool:
    """True when retrying the same input cannot succeed: `not is_transient(exc)`."""
    return not is_transient(exc)


def _classify(exc: BaseException) -> bool | None:
    """True/False when `exc` itself says whether a retry can help; None for a wrapper whose cause decides."""
    if isinstance(exc, Permanent):
        return False
    if isinstance(exc, HttpStatusError):
        return not exc.permanent
    if isinstance(exc, Transient):
        return True
    if isinstance(exc, StorageError):
        return True if exc.__cause__ is None else None  # unprocessed batch work, or: the ClientError decides
    if isinstance(exc, (TimeoutError, ConnectionError)):  # builtins (socket timeouts, resets, refusals)
        return True
    botocore = sys.modules.get("botocore.exceptions")  # not imported: the exception cannot be botocore's
    if botocore is not None:
        if isinstance(exc, botocore.ClientError):
            return _client_error_is_transient(exc)
        if isinstance(exc, (botocore.ConnectionError, botocore.HTTPClientError)):
            return True  # connect/read timeouts, closed connections: what botocore's retries count as transient
    urllib3 = sys.modules.get("urllib3.exceptions")
    if urllib3 is not None:
        if isinstance(exc, urllib3.MaxRetryError):
            return exc.reason is not None and is_transient(exc.reason)
        if isinstance(exc, (urllib3.TimeoutError, urllib3.ProtocolError, urllib3.IncompleteRead)):
            return True
    powertools = sys.modules.get("aws_lambda_powertools.utilities.idempotency.exceptions")
    if powertools is not None:
        if isinstance(exc, (powertools.IdempotencyAlreadyInProgressError,
                            powertools.IdempotencyInconsistentStateError,
                            powertools.IdempotencyPersistenceConnectionError,
                            powertools.IdempotencyPersistenceConsistencyError)):
            return True  # another invocation holds the key, or the store was briefly out of step: retry
        if isinstance(exc, powertools.IdempotencyPersistenceLayerError):
            return None  # raised from the store's own error: that decides
    return False


def _client_error_is_transient(exc: BaseException) -> bool:
    """botocore's own retry conditions (standard mode): throttling codes, transient codes and 5xx statuses, 429."""
    from types import SimpleNamespace

    from botocore.retries.standard import RetryContext, ThrottledRetryableChecker, TransientRetryableChecker

    response = getattr(exc, "response", None) or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    context = RetryContext(attempt_number=1, parsed_response=response,
                           http_response=SimpleNamespace(status_code=status) if status is not None else None)
    return (status == 429 or ThrottledRetryableChecker().is_retryable(context)
            or TransientRetryableChecker().is_retryable(context))
