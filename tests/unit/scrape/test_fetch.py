"""The fetch function: SSRF guard, redirects, size cap, content types, status errors, timeouts, retries.

HTTP tests run against servers on 127.0.0.1:0 started here; nothing leaves the machine. URLs the guard must
refuse are refused before any connection, which the tests check through the servers' request logs and a
resolver that records its calls.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from newsdive.model.errors import (
    BlockedDestinationError,
    ConfigurationError,
    FetchError,
    FetchTimeoutError,
    HttpStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    UnexpectedContentTypeError,
    is_permanent,
)
from newsdive.scrape.fetch import Fetcher, FetchPolicy, blocked_reason, get_with_retries, parse_retry_after

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
HTML = b"<!doctype html><html><head><title>x</title></head><body><p>hello</p></body></html>"
BOMB = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB on the wire, 50 MB inflated


# --- servers ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is observable
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802, C901 - one router for the test server
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path
        self.server.log.append((path, dict(self.headers.items()), self.client_address[1]))
        if path == "/page":
            self._send(200, f"host={self.headers['Host']}".encode())
        elif path == "/echo":
            self._send(200, json.dumps(dict(self.headers.items())).encode(), "application/json")
        elif path == "/feed":
            self._send(200, RSS, "application/rss+xml")
        elif path == "/feed-as-plain":
            self._send(200, RSS, "text/plain")
        elif path == "/html-as-octets":
            self._send(200, HTML, "application/octet-stream")
        elif path == "/text":
            self._send(200, b"just words, no markup", "text/plain")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.7 ...", "application/pdf")
        elif path == "/redirect":
            self._send(int(query.get("code", ["302"])[0]), headers={"Location": query["to"][0]})
        elif path.startswith("/loop/"):
            n = int(path.rsplit("/", 1)[1])
            self._send(302, headers={"Location": f"/loop/{n + 1}"})
        elif path == "/big":
            self._send(200, b"x" * 2000)
        elif path == "/big-unannounced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"x" * 5000)
            self.close_connection = True
        elif path == "/lying-length":  # announces 10 MB and sends nothing: only an early refusal is quick
            self._send(200, b"", headers={"Content-Length": "10000000"})
        elif path == "/bomb":
            self._send(200, BOMB, headers={"Content-Encoding": "gzip"})
        elif path == "/gzip":
            self._send(200, gzip.compress(HTML), headers={"Content-Encoding": "gzip"})
        elif path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            headers = {"Retry-After": query["retry"][0]} if "retry" in query else {}
            self._send(status, b"no", headers=headers)
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, headers={"ETag": '"v1"'})
            else:
                self._send(200, RSS, "application/rss+xml", headers={"ETag": '"v1"'})
        elif path == "/flaky":
            self.server.counter += 1
            if self.server.counter <= int(query.get("fail", ["1"])[0]):
                headers = {"Retry-After": query["retry"][0]} if "retry" in query else {}
                self._send(int(query.get("code", ["503"])[0]), b"busy", headers=headers)
            else:
                self._send(200, HTML)
        else:
            self._send(404, b"not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log: list[tuple[str, dict[str, str], int]] = []
        self.counter = 0

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.hostport}{path}"

    @property
    def paths(self) -> list[str]:
        return [p for p, _, _ in self.log]


def _start(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    _start(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def other_server() -> Iterator[_Server]:
    srv = _Server()
    _start(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


class _RawServer:
    """A TCP server whose connections are handed to `behaviour` (to stall, drip or say nothing)."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.05)
        self.stop = threading.Event()
        self.behaviour = behaviour
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            threading.Thread(target=self.behaviour, args=(conn, self.stop), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.conns:
            conn.close()
        self.sock.close()


def _silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def _drip(conn: socket.socket, stop: threading.Event) -> None:
    try:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        while not stop.wait(0.05):
            conn.sendall(b"x")
    except OSError:
        return


@pytest.fixture
def silent_server() -> Iterator[_RawServer]:
    srv = _RawServer(_silent)
    yield srv
    srv.close()


@pytest.fixture
def drip_server() -> Iterator[_RawServer]:
    srv = _RawServer(_drip)
    yield srv
    srv.close()


class _Resolver:
    """An injected DNS: a fixed table, every call recorded."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown test host")
        return self.table[host]


@pytest.fixture
def make_fetcher() -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def make(resolver: _Resolver | None = None, **policy: object) -> Fetcher:
        fetcher = Fetcher(FetchPolicy(**policy), resolver=resolver or _Resolver())  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


# --- policy parsing ----------------------------------------------------------------------------------------


def test_policy_from_env_parses_allow_list_and_host_map() -> None:
    policy = FetchPolicy.from_env(
        allow_hosts=" Intranet.Example:8080, 127.0.0.1:9000,[::1]:80,",
        host_map="Daily.Example=127.0.0.1:8001, other.example=http://127.0.0.1:8002/,v6.example=[::1]:81",
        read_timeout=3.0,
    )
    assert policy.allow_hosts == {"intranet.example:8080", "127.0.0.1:9000", "[::1]:80"}
    assert dict(policy.host_map) == {"daily.example": "127.0.0.1:8001", "other.example": "127.0.0.1:8002",
                                     "v6.example": "[::1]:81"}
    assert policy.read_timeout == 3.0
    assert FetchPolicy.from_env() == FetchPolicy()


@pytest.mark.parametrize("allow, host_map", [("127.0.0.1", ""), ("", "daily.example=not-an-ip:80"),
                                             ("", "daily.example")])
def test_policy_rejects_malformed_settings(allow: str, host_map: str) -> None:
    with pytest.raises(ConfigurationError):
        FetchPolicy.from_env(allow_hosts=allow, host_map=host_map)


# --- the address guard -------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "0.0.0.0", "100.64.0.1",
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "224.0.0.1", "239.255.255.250", "240.0.0.1",
    "255.255.255.255", "198.18.0.1", "192.0.0.192",
    "::", "::1", "fd00::1", "fd00:ec2::254", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "::127.0.0.1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
    "2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:db8::1",
])
def test_special_purpose_addresses_are_blocked(address: str) -> None:
    assert blocked_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "2a00:1450:4001::200e",
                                     "2002:808:808::", "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_pass_the_guard(address: str) -> None:
    assert blocked_reason(address) is None


@pytest.mark.parametrize("url", [
    "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://0x7f000001/", "http://127.1/",
    "http://0/", "http://017700000001/",
    "http://127.0.0.1/", "http://127.000.000.001/",
    "http://0.0.0.0:8080/", "http://[::]/", "http://[::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/", "http://[fe80::1%25eth0]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/",
    "http://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/latest/api/token",
    "http://100.100.100.200/latest/meta-data/", "http://100.64.1.1/",
])
def test_private_and_numeric_trick_hosts_are_refused_before_connecting(make_fetcher, url: str) -> None:
    resolver = _Resolver()
    fetcher = make_fetcher(resolver)
    with pytest.raises(BlockedDestinationError) as caught:
        fetcher.get(url)
    assert is_permanent(caught.value)
    assert resolver.calls == []  # literal addresses are never looked up


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://files.example/x", "gopher://127.0.0.1:70/_x",
                                 "data:text/html,<p>x</p>", "javascript:alert(1)", "//no-scheme.example/",
                                 "HTTP-ish://a.example/"])
def test_non_http_schemes_are_refused(make_fetcher, url: str) -> None:
    with pytest.raises(BlockedDestinationError):
        make_fetcher().get(url)


def test_userinfo_urls_are_refused_even_to_an_allowed_server(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    for url in (f"http://user:pw@{server.hostport}/page", f"http://gazette.example@{server.hostport}/page",
                f"http://{server.hostport}\\@gazette.example/page"):
        with pytest.raises(BlockedDestinationError):
            fetcher.get(url)
    assert server.log == []


def test_fragment_with_at_sign_does_not_hide_the_real_host(make_fetcher) -> None:
    # urlsplit puts "@good.example" in the fragment: the host checked is 127.0.0.1, and refused.
    with pytest.raises(BlockedDestinationError, match="127.0.0.1"):
        make_fetcher().get("http://127.0.0.1#@good.example/")


def test_control_characters_in_urls_are_refused(make_fetcher) -> None:
    with pytest.raises(BlockedDestinationError):
        make_fetcher().get("http://good.example/a\r\nHost: 127.0.0.1")


def test_a_name_resolving_to_a_private_address_is_refused(make_fetcher) -> None:
    resolver = _Resolver({"intranet.test": ["10.0.0.7"], "mixed.test": ["93.184.215.14", "127.0.0.1"],
                          "v6.test": ["::ffff:192.168.0.1"]})
    fetcher = make_fetcher(resolver)
    for host in ("intranet.test", "mixed.test", "v6.test"):
        with pytest.raises(BlockedDestinationError):
            fetcher.get(f"http://{host}/")
    assert [h for h, _ in resolver.calls] == ["intranet.test", "mixed.test", "v6.test"]


def test_unresolvable_names_fail_as_their_own_retryable_error(make_fetcher) -> None:
    from newsdive.model.errors import NameResolutionError, is_permanent

    with pytest.raises(NameResolutionError, match="cannot resolve nowhere.test") as caught:
        make_fetcher().get("http://nowhere.test/")
    assert not isinstance(caught.value, FetchTimeoutError)  # not a timeout: the name is unknown
    assert not is_permanent(caught.value)  # a resolver outage on AWS may pass: the record is retried


def test_allow_list_lets_exactly_that_host_and_port_through(make_fetcher, server: _Server,
                                                             other_server: _Server) -> None:
    resolver = _Resolver({"intranet.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    allowed = frozenset({server.hostport, f"intranet.test:{other_server.port}"})
    fetcher = make_fetcher(resolver, allow_hosts=allowed)
    assert fetcher.get(server.url("/page")).status == 200
    assert fetcher.get(f"http://intranet.test:{other_server.port}/page").body == (
        f"host=intranet.test:{other_server.port}".encode())
    with pytest.raises(BlockedDestinationError):
        fetcher.get(other_server.url("/page"))  # same IP, port not listed
    with pytest.raises(BlockedDestinationError):
        fetcher.get(f"http://other.test:{other_server.port}/page")  # name not listed
    with pytest.raises(BlockedDestinationError):
        fetcher.get(f"http://2130706433:{server.port}/page")  # a numeric spelling of an allowed IP
    assert other_server.paths == ["/page"]


def test_redirect_from_an_allowed_host_to_a_private_one_is_refused(make_fetcher, server: _Server,
                                                                    other_server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    with pytest.raises(BlockedDestinationError):
        fetcher.get(server.url(f"/redirect?to={other_server.url('/page')}"))
    with pytest.raises(BlockedDestinationError):
        fetcher.get(server.url("/redirect?to=http://169.254.169.254/latest/meta-data/&code=307"))
    assert server.paths == ["/redirect", "/redirect"]
    assert other_server.log == []


def test_host_map_routes_a_fictional_name_with_its_host_header(make_fetcher, server: _Server) -> None:
    resolver = _Resolver()
    fetcher = make_fetcher(resolver, allow_hosts=frozenset({server.hostport}),
                           host_map={"gazette.example": server.hostport})
    response = fetcher.get("http://gazette.example/page", accept="html")
    assert response.body == b"host=gazette.example"
    assert response.url == "http://gazette.example/page"
    assert resolver.calls == []


def test_host_map_to_a_private_address_still_needs_the_allow_list(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(host_map={"gazette.example": server.hostport})
    with pytest.raises(BlockedDestinationError):
        fetcher.get("http://gazette.example/page")
    assert server.log == []


def test_connects_to_the_vetted_address_without_a_second_lookup(make_fetcher, server: _Server,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([["127.0.0.1"], ["10.9.9.9"], ["10.9.9.9"]])  # a rebinding DNS: public-ish first, then not

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    real_getaddrinfo = socket.getaddrinfo

    def no_name_lookups(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        assert host != "rebind.test", "the connection looked the name up again"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_name_lookups)
    fetcher = Fetcher(FetchPolicy(allow_hosts=frozenset({server.hostport})), resolver=rebinding)
    try:
        response = fetcher.get(f"http://rebind.test:{server.port}/page")
    finally:
        fetcher.close()
    assert response.body == f"host=rebind.test:{server.port}".encode()
    assert next(answers) == ["10.9.9.9"]  # exactly one answer was consumed


def test_https_sends_the_host_name_as_sni_and_checks_the_certificate_against_it(make_fetcher) -> None:
    pytest.importorskip("cryptography")
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secure.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("secure.example")]), critical=False)
            .sign(key, hashes.SHA256()))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        certfile, keyfile = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
    seen_sni: list[str | None] = []
    context.sni_callback = lambda sock, server_name, ctx: seen_sni.append(server_name)  # type: ignore[assignment]

    def tls(conn: socket.socket, stop: threading.Event) -> None:
        try:
            with context.wrap_socket(conn, server_side=True) as tls_conn:
                tls_conn.recv(1024)
        except (ssl.SSLError, OSError):
            return

    raw = _RawServer(tls)
    try:
        fetcher = make_fetcher(allow_hosts=frozenset({f"127.0.0.1:{raw.port}"}),
                               host_map={"secure.example": f"127.0.0.1:{raw.port}"})
        # The certificate is self-signed, so verification must fail: proof that it is checked at all.
        with pytest.raises(FetchError, match="TLS") as caught:
            fetcher.get("https://secure.example/")
        assert not isinstance(caught.value, FetchTimeoutError)
    finally:
        raw.close()
    assert seen_sni == ["secure.example"]


# --- responses -------------------------------------------------------------------------------------------


def test_successful_get_reports_type_charset_and_sends_policy_headers(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}), user_agent="newsdive-test/1 (+https://x.example)")
    response = fetcher.get(server.url("/echo"), headers={"If-None-Match": '"abc"', "Host": "evil.example"})
    sent = json.loads(response.body)
    assert response.status == 200 and response.content_type == "application/json" and response.charset is None
    assert sent["Host"] == server.hostport
    assert sent["User-Agent"] == "newsdive-test/1 (+https://x.example)"
    assert "gzip" in sent["Accept-Encoding"]
    assert sent["If-None-Match"] == '"abc"'
    page = fetcher.get(server.url("/page"), accept="html")
    assert page.content_type == "text/html" and page.charset == "utf-8"
    assert page.headers["content-length"] == str(len(page.body))


def test_fetcher_reuses_its_connection_across_gets(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    fetcher.get(server.url("/page"))
    fetcher.get(server.url("/feed"))
    assert server.log[0][2] == server.log[1][2]  # same client port: one kept-alive connection


def test_redirects_are_followed_and_relative_locations_resolved(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    response = fetcher.get(server.url("/redirect?to=page&code=301"), accept="html")
    assert response.url == server.url("/page")
    assert response.redirects == (server.url("/redirect?to=page&code=301"),)
    assert response.body == f"host={server.hostport}".encode()


def test_the_gate_sees_every_hop_before_it_is_requested_and_can_refuse_one(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    seen: list[str] = []
    fetcher.get(server.url("/redirect?to=page"), accept="html", gate=seen.append)
    assert seen == [server.url("/redirect?to=page"), server.url("/page")]

    def refuse_page(url: str) -> None:
        if url.endswith("/page"):
            raise FetchError(f"refused {url}")

    before = len(server.paths)
    with pytest.raises(FetchError, match="refused"):
        fetcher.get(server.url("/redirect?to=page"), accept="html", gate=refuse_page)
    assert server.paths[before:] == ["/redirect"]  # the refused hop never reached the server


def test_time_spent_in_the_gate_does_not_count_against_the_fetch_budget(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}), total_timeout=0.5)
    response = fetcher.get(server.url("/page"), accept="html", gate=lambda _url: time.sleep(0.6))
    assert response.status == 200


def test_credentials_do_not_follow_a_redirect_to_another_host(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}),
                           host_map={"other.example": server.hostport})
    response = fetcher.get(server.url("/redirect?to=http://other.example/echo"),
                           headers={"Cookie": "session=1", "Authorization": "Bearer x", "X-Keep": "1"})
    sent = json.loads(response.body)
    assert sent["Host"] == "other.example"
    assert "Cookie" not in sent and "Authorization" not in sent and sent["X-Keep"] == "1"


def test_a_malformed_redirect_location_is_refused_clearly(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    with pytest.raises(BlockedDestinationError, match="malformed redirect"):
        fetcher.get(server.url("/redirect?to=http://%5B::1/x"))  # Location: http://[::1/x (no closing bracket)


def test_redirect_limit(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}), max_redirects=3)
    with pytest.raises(TooManyRedirectsError):
        fetcher.get(server.url("/loop/0"))
    assert server.paths == ["/loop/0", "/loop/1", "/loop/2", "/loop/3"]


def test_size_cap_refuses_announced_and_unannounced_large_bodies(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}), max_bytes=1000, read_timeout=5.0)
    for path in ("/big", "/big-unannounced"):
        with pytest.raises(ResponseTooLargeError):
            fetcher.get(server.url(path))
    started = time.monotonic()
    with pytest.raises(ResponseTooLargeError):
        fetcher.get(server.url("/lying-length"))  # refused on Content-Length, before waiting for a body
    assert time.monotonic() - started < 2.0


def test_size_cap_applies_after_decompression(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}), max_bytes=1_000_000)
    assert len(BOMB) < 1_000_000
    with pytest.raises(ResponseTooLargeError):
        fetcher.get(server.url("/bomb"))
    assert fetcher.get(server.url("/gzip"), accept="html").body == HTML


@pytest.mark.parametrize("path, accept", [("/pdf", "html"), ("/page", "feed"), ("/text", "html"),
                                          ("/text", "feed"), ("/feed", "html")])
def test_unexpected_content_types_are_refused(make_fetcher, server: _Server, path: str, accept: str) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    with pytest.raises(UnexpectedContentTypeError):
        fetcher.get(server.url(path), accept=accept)  # type: ignore[arg-type]


def test_ambiguous_content_types_are_decided_by_the_body(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    assert fetcher.get(server.url("/feed-as-plain"), accept="feed").body == RSS
    assert fetcher.get(server.url("/html-as-octets"), accept="html").body == HTML
    assert fetcher.get(server.url("/feed"), accept="feed").content_type == "application/rss+xml"
    assert fetcher.get(server.url("/pdf"), accept="any").content_type == "application/pdf"


def test_status_errors_carry_retry_after(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    with pytest.raises(HttpStatusError) as caught:
        fetcher.get(server.url("/status/503?retry=7"))
    assert (caught.value.status, caught.value.retry_after, is_permanent(caught.value)) == (503, 7.0, False)
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    with pytest.raises(HttpStatusError) as caught:
        fetcher.get(server.url(f"/status/429?retry={later}"))
    assert caught.value.retry_after is not None and 110 <= caught.value.retry_after <= 121
    with pytest.raises(HttpStatusError) as caught:
        fetcher.get(server.url("/status/404"))
    assert caught.value.retry_after is None and is_permanent(caught.value)
    assert caught.value.url == server.url("/status/404")


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("²") is None and parse_retry_after("1e400") is None  # digits int() cannot read
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_not_modified_is_returned_for_conditional_gets(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    first = fetcher.get(server.url("/etag"), accept="feed")
    assert first.status == 200 and first.headers["etag"] == '"v1"'
    again = fetcher.get(server.url("/etag"), accept="feed", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status, again.body, again.headers["etag"]) == (304, b"", '"v1"')


def test_a_server_that_never_answers_times_out(make_fetcher, silent_server: _RawServer) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({f"127.0.0.1:{silent_server.port}"}), read_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetcher.get(f"http://127.0.0.1:{silent_server.port}/")
    assert time.monotonic() - started < 3.0


def test_a_slow_drip_is_cut_by_the_total_time_budget(make_fetcher, drip_server: _RawServer) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({f"127.0.0.1:{drip_server.port}"}), read_timeout=1.0,
                           total_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetcher.get(f"http://127.0.0.1:{drip_server.port}/")
    assert time.monotonic() - started < 3.0


def test_connection_refused_is_a_retryable_fetch_error(make_fetcher) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    fetcher = make_fetcher(allow_hosts=frozenset({f"127.0.0.1:{port}"}))
    with pytest.raises(FetchTimeoutError) as caught:
        fetcher.get(f"http://127.0.0.1:{port}/")
    assert not is_permanent(caught.value)


# --- retries ---------------------------------------------------------------------------------------------


def test_retries_back_off_with_jitter_and_honour_retry_after(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    sleeps: list[float] = []
    response = get_with_retries(fetcher, server.url("/flaky?fail=2"), attempts=3, sleep=sleeps.append,
                                rng=lambda: 0.5, base_delay=1.0, accept="html")
    assert response.status == 200
    assert sleeps == [0.5, 1.0]  # rng * base * 2**n
    server.counter = 0
    sleeps.clear()
    get_with_retries(fetcher, server.url("/flaky?fail=1&retry=4&code=429"), sleep=sleeps.append,
                     rng=lambda: 0.5)
    assert sleeps == [4.0]


def test_retries_give_up_on_permanent_errors_and_long_retry_after(make_fetcher, server: _Server) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({server.hostport}))
    sleeps: list[float] = []
    with pytest.raises(HttpStatusError):
        get_with_retries(fetcher, server.url("/status/404"), sleep=sleeps.append)
    with pytest.raises(HttpStatusError):
        get_with_retries(fetcher, server.url("/status/503?retry=3600"), sleep=sleeps.append,
                         max_retry_after=60)
    with pytest.raises(BlockedDestinationError):
        get_with_retries(fetcher, "http://10.0.0.1/", sleep=sleeps.append)
    assert sleeps == []
    assert server.paths == ["/status/404", "/status/503"]


def test_retries_stop_after_the_last_attempt(make_fetcher, silent_server: _RawServer) -> None:
    fetcher = make_fetcher(allow_hosts=frozenset({f"127.0.0.1:{silent_server.port}"}), read_timeout=0.2)
    sleeps: list[float] = []
    with pytest.raises(FetchTimeoutError):
        get_with_retries(fetcher, f"http://127.0.0.1:{silent_server.port}/", attempts=2, sleep=sleeps.append,
                         rng=lambda: 1.0)
    assert sleeps == [1.0]
