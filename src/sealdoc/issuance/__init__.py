"""Batch issuance: thousands of sealed documents from one profile and one manifest.

    from sealdoc.issuance import issue_batch, load_profile

    profile = load_profile(Path("issuer.toml"))            # [seal], [twoddoc], [notice]
    summary = issue_batch(profile, Path("notices.jsonl"), Path("out"), jobs=4)
    if not summary.all_sealed: ...                         # details in out/ledger.sqlite

* :mod:`.profile`: the issuer profile (TOML) and its pydantic models;
* :mod:`.manifest`: manifest rows (JSON Lines or CSV), read as a stream;
* :mod:`.notice`: the built-in A4 notice template (PDF/A-2b, or PDF/A-3b with a 2D-Doc);
* :mod:`.runner`: the batch coordinator; :mod:`.pool` and :mod:`.work`: worker processes;
* :mod:`.ledger`: the SQLite issuance ledger; :mod:`.outputs`: atomic output files;
* :mod:`.sealing`: the batch sealing fast path (CMS template, direct incremental update).

The command line is ``sealdoc issue --profile P --manifest M --out DIR [--jobs N]``; the
formats are documented in ``docs/issuing.md``.
"""

from sealdoc.issuance.ledger import LEDGER_NAME, DocumentRecord, Ledger
from sealdoc.issuance.manifest import ManifestRow, NoticeFields, TwoDDocRequest, read_manifest
from sealdoc.issuance.notice import render_notice
from sealdoc.issuance.profile import IssuerProfile, load_profile
from sealdoc.issuance.runner import BatchSummary, Failure, issue_batch

__all__ = [
    "LEDGER_NAME",
    "BatchSummary",
    "DocumentRecord",
    "Failure",
    "IssuerProfile",
    "Ledger",
    "ManifestRow",
    "NoticeFields",
    "TwoDDocRequest",
    "issue_batch",
    "load_profile",
    "read_manifest",
    "render_notice",
]
