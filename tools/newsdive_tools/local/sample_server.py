"""A local HTTP server for a folder of sites: sites/<host>/<path>, chosen by the Host header.

It stands in for the web in the local run: the fetch function resolves the fictional `.example` outlets to it
through the host map, so URLs, canonical links and article ids are the same on every run, whatever the port.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

_TYPES = {".html": "text/html", ".xml": "application/xml", ".rss": "application/rss+xml",
          ".atom": "application/atom+xml", ".json": "application/json", ".txt": "text/plain; charset=utf-8"}


def _resolve(root: Path, host: str, path: str) -> Path | None:
    site = (root / host).resolve()
    if not site.is_dir() or site.parent != root.resolve():
        return None
    relative = unquote(path).lstrip("/")
    candidates = [site / relative, site / f"{relative}.html", site / relative / "index.html"]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and site in resolved.parents:
            return resolved
    return None


@dataclass(frozen=True)
class Request:
    at: float  # time.monotonic()
    host: str
    path: str
    headers: dict[str, str]
    status: int


class SampleWebServer:
    """Serves sites/<host>/<path>; answers conditional GETs (ETag from the bytes, Last-Modified from the file's
    mtime) like a real server, and logs every request (`requests`) so tests can check what was fetched when."""

    def __init__(self, sites: Path) -> None:
        self.sites = Path(sites)
        self.requests: list[Request] = []
        root = self.sites
        log = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                path = urlsplit(self.path).path
                target = _resolve(root, host, path)
                at = time.monotonic()
                if target is None:
                    log.append(Request(at, host, path, dict(self.headers.items()), 404))
                    self.send_error(404, "Not Found")
                    return
                body = target.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                modified = formatdate(int(target.stat().st_mtime), usegmt=True)
                since = self.headers.get("If-Modified-Since")
                if self.headers.get("If-None-Match") == etag or (
                        since and not self.headers.get("If-None-Match") and since == modified):
                    log.append(Request(at, host, path, dict(self.headers.items()), 304))
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                log.append(Request(at, host, path, dict(self.headers.items()), 200))
                ctype = _types(target)
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="sample-web")

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def hosts(self) -> list[str]:
        return sorted(p.name for p in self.sites.iterdir() if p.is_dir())

    def host_map(self) -> str:
        """The FETCH_HOST_MAP value routing every site of the folder to this server."""
        return ",".join(f"{host}={self.address}" for host in self.hosts())

    def __enter__(self) -> SampleWebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _types(path: Path) -> str:
    if path.suffix in _TYPES:
        if path.suffix == ".xml" and "atom" in path.name:
            return "application/atom+xml"
        if path.suffix == ".xml" and ("rss" in path.name or "feed" in path.name):
            return "application/rss+xml"
        return _TYPES[path.suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "text/html; charset=utf-8"
