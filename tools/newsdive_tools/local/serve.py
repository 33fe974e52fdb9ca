"""`newsdive serve`: the reference viewer (viewer/) and the published documents (--out) on one local origin.

Standard library only (http.server). Loopback by default; no directory listings; paths cannot leave the two
folders; every response says nosniff, and the viewer's pages get a Content-Security-Policy that allows its own
script and style only (the viewer inserts document text as text; the policy is a second line of defence).
"""

from __future__ import annotations

import posixpath
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def viewer_dir() -> Path:
    from newsdive_tools.paths import project_root

    return project_root() / "viewer"


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class's attribute, replaced
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".xml": "application/xml; charset=utf-8",
        ".png": "image/png",
        ".svg": "image/svg+xml",
        "": "application/octet-stream",
    }

    def __init__(self, *args, viewer: Path, out: Path, quiet: bool, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.viewer, self.out, self.quiet = viewer, out, quiet
        super().__init__(*args, directory=str(out), **kwargs)

    def translate_path(self, path: str) -> str:
        """Viewer files at the root (/, /app.js, /style.css); everything else from the documents folder."""
        clean = posixpath.normpath(unquote(urlsplit(path).path))
        name = clean.lstrip("/") or "index.html"
        self.directory = str(self.viewer if "/" not in name and (self.viewer / name).is_file() else self.out)
        return super().translate_path(path)

    def list_directory(self, path):  # noqa: ANN001, ANN201 - no listings
        self.send_error(404, "Not found")
        return None

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Referrer-Policy", "no-referrer")
        if self.directory == str(self.viewer):
            self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)


def make_server(out: Path, *, host: str = "127.0.0.1", port: int = 8000, viewer: Path | None = None,
                quiet: bool = False) -> ThreadingHTTPServer:
    """A server (not yet serving) for the viewer and the documents in `out`; port 0 picks a free port."""
    viewer = (viewer or viewer_dir()).resolve()
    out = Path(out).resolve()
    if not (viewer / "index.html").is_file():
        raise FileNotFoundError(f"no viewer at {viewer}")
    if not out.is_dir():
        raise FileNotFoundError(f"no documents folder {out}: run `newsdive demo` first")
    handler = partial(_Handler, viewer=viewer, out=out, quiet=quiet)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
