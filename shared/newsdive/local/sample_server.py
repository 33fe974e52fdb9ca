"""A local HTTP server for a folder of sites: sites/<host>/<path>, chosen by the Host header.

It stands in for the web in the local run: the fetch function resolves the fictional `.example` outlets to it
through the host map, so URLs, canonical links and article ids are the same on every run, whatever the port.
"""

from __future__ import annotations

import mimetypes
import threading
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


class SampleWebServer:
    def __init__(self, sites: Path) -> None:
        self.sites = Path(sites)
        root = self.sites

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                target = _resolve(root, host, urlsplit(self.path).path)
                if target is None:
                    self.send_error(404, "Not Found")
                    return
                body = target.read_bytes()
                ctype = _types(target)
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
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
