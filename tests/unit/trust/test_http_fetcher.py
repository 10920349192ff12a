"""HttpFetcher: http(s) only, with errors as FetchError (tested against a server on 127.0.0.1)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from sealdoc.trust import FetchError, HttpFetcher

PAYLOAD = b"\x30\x03\x02\x01\x01"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/crl":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path == "/big":
            body = b"x" * 5000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_fetches_bytes(server: str) -> None:
    assert HttpFetcher().fetch(f"{server}/crl") == PAYLOAD


def test_http_error_raises_fetch_error(server: str) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        HttpFetcher().fetch(f"{server}/missing")


def test_response_over_the_limit_raises_fetch_error(server: str) -> None:
    with pytest.raises(FetchError, match="exceeds"):
        HttpFetcher(max_bytes=1000).fetch(f"{server}/big")


def test_redirect_to_a_file_url_is_refused(server: str) -> None:
    with pytest.raises(FetchError):
        HttpFetcher().fetch(f"{server}/to-file")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "ldap://x/y"])
def test_non_http_scheme_is_refused(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        HttpFetcher().fetch(url)


def test_connection_refused_raises_fetch_error() -> None:
    with pytest.raises(FetchError):
        HttpFetcher(timeout=2).fetch("http://127.0.0.1:9/crl")
