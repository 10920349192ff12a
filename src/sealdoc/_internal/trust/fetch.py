"""Fetchers: the only way trust code reaches the network, and only when the caller passes one."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol, runtime_checkable

from sealdoc.errors import TrustError

__all__ = ["FetchError", "Fetcher", "HttpFetcher", "fetch_quietly"]


class FetchError(TrustError):
    """A URL could not be fetched (unreachable, HTTP error, too large, scheme refused)."""


@runtime_checkable
class Fetcher(Protocol):
    """Gets the bytes at a URL (a certificate store, a CRL distribution point).

    Implementations raise :class:`FetchError` when the URL cannot be fetched. Verification never
    touches the network unless a fetcher is passed in.
    """

    def fetch(self, url: str) -> bytes: ...


def fetch_quietly(fetcher: Fetcher, url: str) -> tuple[bytes | None, str | None]:
    """``(data, None)``, or ``(None, reason)`` if the fetcher could not get ``url``."""
    try:
        return fetcher.fetch(url), None
    except FetchError as exc:
        return None, exc.message
    except OSError as exc:  # a fetcher that let a socket error through
        return None, f"{url}: {exc}"


class HttpFetcher:
    """Fetch ``http``/``https`` URLs with the standard library: no other scheme, no redirect to
    another scheme, a timeout and a size limit."""

    def __init__(self, *, timeout: float = 10.0, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        opener = urllib.request.OpenerDirector()
        for handler in (
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(),
            urllib.request.HTTPRedirectHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            urllib.request.HTTPErrorProcessor(),
        ):
            opener.add_handler(handler)
        self._opener = opener

    def fetch(self, url: str) -> bytes:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"{url}: only http and https URLs are fetched")
        request = urllib.request.Request(url, headers={"User-Agent": "sealdoc"})  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                data: bytes = response.read(self.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise FetchError(f"{url}: {exc.reason}") from exc
        except (OSError, ValueError) as exc:
            raise FetchError(f"{url}: {exc}") from exc
        if len(data) > self.max_bytes:
            raise FetchError(f"{url}: response exceeds {self.max_bytes} bytes")
        return data
