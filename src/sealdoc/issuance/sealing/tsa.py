"""Signature time-stamps for many documents at once: the requests run concurrently.

A time-stamp costs a network round trip and the TSA's own signature; one after the other, they
would set the pace of a B-T batch. :meth:`TimestampClient.tokens` sends up to ``concurrency``
requests at a time (pyHanko's RFC 3161 client checks each response: status, nonce, imprint).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

import aiohttp
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from sealdoc.errors import SealingError

__all__ = ["TimestampClient"]


class TimestampClient:
    """RFC 3161 client for the signature time-stamps of a batch."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, concurrency: int = 8) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.concurrency = max(1, concurrency)

    def tokens(self, signatures: Sequence[bytes], md_algorithm: str) -> list[bytes | SealingError]:
        """One DER time-stamp token per signature value (or the error for that one)."""
        if not signatures:
            return []
        return asyncio.run(self._all(signatures, md_algorithm))

    async def _all(
        self, signatures: Sequence[bytes], md_algorithm: str
    ) -> list[bytes | SealingError]:
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            stamper = HTTPTimeStamper(self.url, timeout=self.timeout_s, session=session)

            async def one(signature: bytes) -> bytes | SealingError:
                imprint = hashlib.new(md_algorithm, signature).digest()
                try:
                    token = await stamper.async_timestamp(imprint, md_algorithm)
                except (TimestampRequestError, aiohttp.ClientError, OSError, ValueError) as exc:
                    return SealingError(
                        f"the time-stamping authority {self.url} did not answer properly: {exc}"
                    )
                return bytes(token.dump())

            return list(await asyncio.gather(*(one(s) for s in signatures)))
