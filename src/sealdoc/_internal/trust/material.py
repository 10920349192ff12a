"""Everything a verifier may trust, gathered once: anchors, a verified trust list, a directory of
certificates and CRLs, an optional fetcher, and the revocation policy enum."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, cast

from cryptography import x509

from sealdoc._internal.trust.certificates import (
    MAX_FILE_BYTES,
    dedupe,
    load_certificate_directory,
    load_certificate_file,
)
from sealdoc._internal.trust.fetch import Fetcher
from sealdoc._internal.trust.tsl import TrustList
from sealdoc._internal.trust.tsl_signature import load_trust_list
from sealdoc.errors import TrustError

__all__ = ["RevocationPolicy", "TrustMaterial"]

_T = TypeVar("_T")
#: Results a :class:`TrustMaterial` remembers (least recently used ones are forgotten first).
MEMO_SIZE = 1024


class RevocationPolicy(StrEnum):
    """What to conclude when no revocation information can be obtained.

    ``hard-fail``: the revocation check is INDETERMINATE (TRY_LATER). ``soft-fail``: it is
    skipped, with a message saying revocation is unknown. ``off``: revocation is not checked.
    A certificate found revoked is never accepted, whatever the policy (except ``off``).
    """

    HARD_FAIL = "hard-fail"
    SOFT_FAIL = "soft-fail"
    OFF = "off"


class _Memo:
    """A bounded, thread-safe memo (LRU). Copies and pickles empty: it is a cache, not data."""

    def __init__(self, maxsize: int = MEMO_SIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return cast(_T, self._entries[key])
        value = compute()  # outside the lock: two threads may both compute, the results agree
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return type(self), (self.maxsize,)


@dataclass(frozen=True)
class TrustMaterial:
    """Trust anchors and the material to find and check certificates with.

    * ``anchors``: certificates trusted as given (``--trust-cert``). A CA anchor trusts what it
      directly issued; an end-entity anchor (a participant certificate) is trusted itself.
    * ``trust_list``: a TSL whose signature was verified against a pinned signer.
    * ``certificates`` / ``crls``: an offline pool to find participant certificates and CRLs in
      (``--certs DIR``); nothing in it is trusted by being there.
    * ``fetcher``: used for certificate stores and CRL distribution points. ``None`` (the
      default) means no network access at all.
    """

    anchors: tuple[x509.Certificate, ...] = ()
    trust_list: TrustList | None = None
    certificates: tuple[x509.Certificate, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    fetcher: Fetcher | None = None
    #: Notes from loading (files skipped in the directory, TSL entries ignored), for display.
    notes: tuple[str, ...] = field(default=())
    _memo: _Memo = field(default_factory=_Memo, init=False, repr=False, compare=False)

    def memoize(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, computed once per ``key`` for this material and then remembered (the
        last :data:`MEMO_SIZE` keys, thread-safe).

        Only for results that depend on nothing but this material and ``key``: evaluations that
        may use the :attr:`fetcher` (the network) are not memoized. The result is shared between
        callers, so it must be immutable.
        """
        return self._memo.get_or_compute(key, compute)

    @classmethod
    def load(
        cls,
        *,
        trust_certs: Sequence[Path] = (),
        tsl: Path | None = None,
        tsl_signers: Sequence[Path] = (),
        certs_dir: Path | None = None,
        fetcher: Fetcher | None = None,
    ) -> TrustMaterial:
        """Read trust material from files, as the CLI's options name them.

        ``trust_certs``: PEM/DER files of anchors (``--trust-cert``); ``tsl``: a trust list
        (``--tsl``), only accepted if signed by one of ``tsl_signers`` (``--tsl-signer``);
        ``certs_dir``: certificates and CRLs, any file names (``--certs``). Raises
        :class:`TrustError` if a file is unreadable or the TSL's signature is not trusted.
        """
        anchors = [cert for path in trust_certs for cert in _anchor_certificates(path)]
        notes: list[str] = []
        trust_list = None
        if tsl is not None:
            signers = [cert for path in tsl_signers for cert in load_certificate_file(path)]
            trust_list = load_trust_list(_read_file(tsl), signers=signers, source=str(tsl))
            notes.extend(f"{tsl}: {problem}" for problem in trust_list.problems)
        elif tsl_signers:
            raise TrustError("a TSL signer was given without a trust list (--tsl)")
        certificates: tuple[x509.Certificate, ...] = ()
        crls: tuple[x509.CertificateRevocationList, ...] = ()
        if certs_dir is not None:
            directory = load_certificate_directory(certs_dir)
            certificates, crls = directory.certificates, directory.crls
            notes.extend(f"{path}: skipped ({reason})" for path, reason in directory.skipped)
        return cls(
            anchors=dedupe(anchors),
            trust_list=trust_list,
            certificates=certificates,
            crls=crls,
            fetcher=fetcher,
            notes=tuple(notes),
        )


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > 2 * MAX_FILE_BYTES:
            raise TrustError(f"{path}: file of {size} bytes is too large for a trust list")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TrustError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise TrustError(f"{path}: is a directory, not a file") from exc
    except OSError as exc:
        raise TrustError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _anchor_certificates(path: Path) -> list[x509.Certificate]:
    """The anchors in a certificate file, or every certificate of a directory of them."""
    if path.is_dir():
        return list(load_certificate_directory(path).certificates)
    return load_certificate_file(path)
