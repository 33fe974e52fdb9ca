"""Typed exceptions of newsdive, in one place.

`Permanent` errors are about the input (a broken page, a bad message): retrying cannot help, so the record
fails alone and ends in its queue's DLQ. Other errors (throttling, timeouts) are worth a retry.
"""

from __future__ import annotations


class NewsdiveError(Exception):
    """Base of every error newsdive raises on purpose."""


class Permanent(NewsdiveError):
    """Mixin-like base: the input itself is bad; retries will fail the same way."""


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


class FetchTimeoutError(FetchError):
    """Connect or read timeout, or the connection failed."""


class NameResolutionError(FetchError):
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
    """An AWS storage call failed (translated from botocore's ClientError)."""


class NotFoundError(StorageError, Permanent):
    """The object or item does not exist."""


class VersionConflictError(StorageError):
    """An optimistic-locking write lost the race: re-read and retry."""


def is_permanent(exc: BaseException) -> bool:
    """True when retrying the same input cannot succeed."""
    if isinstance(exc, HttpStatusError):
        return exc.permanent
    return isinstance(exc, Permanent)
