"""Test material for batch issuance: profiles, manifests, and an independent output check.

No pytest in here: tests, scripts and benchmarks can use it.

    material = TestPki().write_seal_material("seal-ecdsa", tmp_path / "keys")
    profile = write_profile(tmp_path, material)                  # B-B, [twoddoc], [notice]
    manifest = write_manifest(tmp_path / "m.jsonl", [notice_row(i) for i in range(5)])
    summary = issue_batch(load_profile(profile), manifest, tmp_path / "out", clock=pinned())
    assert_valid_seal(tmp_path / "out" / "N00001.pdf", root=TestPki().root)

:func:`assert_valid_seal` checks a sealed PDF with tools that share no code with sealdoc's
sealer: pyHanko's own validator and poppler's ``pdfsig``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from tests.support.pki_services import PKI_TIME, SealMaterial

__all__ = [
    "PDFSIG",
    "assert_valid_seal",
    "notice_row",
    "object_stream_pdf",
    "pdf_row",
    "pinned",
    "write_manifest",
    "write_profile",
]

PDFSIG = shutil.which("pdfsig")

TWODDOC_FIELDS = {"22": "12 RUE DES LILAS", "24": "75012", "25": "PARIS", "26": "FR"}


def pinned(at: dt.datetime = PKI_TIME) -> Callable[[], dt.datetime]:
    """A clock that always says ``at`` (sealdoc never reads the real clock in tests)."""
    return lambda: at


def write_profile(
    folder: Path,
    material: SealMaterial | None = None,
    *,
    level: str = "B-B",
    tsa: str | None = None,
    twoddoc: bool = True,
    check_revocation: bool = False,
    seal_lines: Iterable[str] = (),
    extra: str = "",
    name: str = "issuer.toml",
) -> Path:
    """An issuer profile next to ``material`` (paths written relative to ``folder``)."""
    lines = ["[seal]"]
    if material is not None:
        lines += [
            f'key = "{_relative(material.key, folder)}"',
            f'cert = "{_relative(material.cert, folder)}"',
            "chain = [" + ", ".join(f'"{_relative(c, folder)}"' for c in material.chain) + "]",
        ]
    lines += [
        *seal_lines,
        f'level = "{level}"',
        f"check_revocation = {str(check_revocation).lower()}",
    ]
    if tsa is not None:
        lines.append(f'tsa = "{tsa}"')
    if twoddoc:
        lines += ["", "[twoddoc]", 'ca_id = "FR00"', 'cert_id = "0001"']
    lines += [
        "",
        "[notice]",
        'issuer = ["Agence de test", "Service des notices", "1 rue de la Paix", "75002 Paris"]',
        'place = "Paris"',
        'signatory = ["Le chef de service"]',
    ]
    path = folder / name
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def notice_row(i: int, *, twoddoc: bool = True, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"N{i:05d}",
        "template": "notice",
        "fields": {
            "recipient": [f"Madame Test {i}", "12 rue des Lilas", "75012 PARIS"],
            "subject": "Attestation de situation",
            "body": "Madame,\n\nNous attestons de votre situation au 2 mars 2026.",
            "date": "2026-03-02",
            "lines": [["Montant", f"{100 + i} €"]],
        },
    }
    if twoddoc:
        row["twoddoc"] = {"type": "01", "fields": {"10": f"MME TEST {i}", **TWODDOC_FIELDS}}
    row.update(overrides)
    return row


def pdf_row(doc_id: str, pdf: str, **extra: Any) -> dict[str, Any]:
    return {"id": doc_id, "pdf": pdf, **extra}


def write_manifest(path: Path, rows: Iterable[Mapping[str, Any] | str]) -> Path:
    """JSON Lines; a ``str`` row is written as is (to test malformed lines)."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def object_stream_pdf() -> bytes:
    """Catalog, pages and page in an object stream; a PNG-predicted cross-reference stream."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] >>",
    ]
    offsets, data = [], b""
    for body in bodies:
        offsets.append(len(data))
        data += body + b" "
    header = b" ".join(b"%d %d" % (i + 1, off) for i, off in enumerate(offsets)) + b" "
    packed = zlib.compress(header + data)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    objstm_at = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\n" % (
        len(header),
        len(packed),
    )
    out += b"stream\n" + packed + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [(0, 0, 255), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, objstm_at, 0), (1, xref_at, 0)]
    raw, previous = b"", bytes(4)
    for kind, a, b in rows:
        row = bytes([kind]) + a.to_bytes(2, "big") + bytes([b])
        raw += b"\x02" + bytes((x - y) & 0xFF for x, y in zip(row, previous, strict=True))
        previous = row
    packed_rows = zlib.compress(raw)
    out += (
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Filter /FlateDecode "
        b"/DecodeParms << /Predictor 12 /Columns 4 >> /Length %d >>\nstream\n" % len(packed_rows)
    )
    out += packed_rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def assert_valid_seal(
    path: Path,
    *,
    root: x509.Certificate,
    at: dt.datetime | None = PKI_TIME,
    timestamped: bool = False,
    whole_file: bool = True,
    pdfsig: bool = True,
) -> None:
    """pyHanko validates the (last) signature: intact, valid, trusted, covering the whole
    file (``whole_file=False``: its revision, for B-LT's later validation data), and its
    time-stamp if ``timestamped``; ``pdfsig`` agrees it is valid. ``at=None``: validate now
    (for documents sealed by the command, which reads the real clock)."""
    data = path.read_bytes()
    reader = PdfFileReader(io.BytesIO(data))
    signatures = reader.embedded_signatures
    assert signatures, f"{path.name}: no signature"
    context = ValidationContext(
        trust_roots=[_asn1(root)], allow_fetching=False, revocation_mode="soft-fail", moment=at
    )
    regular = [s for s in signatures if s.sig_object.get("/Type") != "/DocTimeStamp"]
    status = validate_pdf_signature(regular[-1], context)
    assert status.intact, f"{path.name}: digest mismatch"
    assert status.valid, f"{path.name}: signature invalid"
    assert status.trusted, f"{path.name}: signer not trusted: {status.summary()}"
    expected = (
        SignatureCoverageLevel.ENTIRE_FILE if whole_file else SignatureCoverageLevel.ENTIRE_REVISION
    )
    assert status.coverage >= expected, status.coverage
    if timestamped:
        assert status.timestamp_validity is not None, f"{path.name}: no signature time-stamp"
        assert status.timestamp_validity.intact
        assert status.timestamp_validity.valid
        assert status.timestamp_validity.trusted
    for timestamp in [s for s in signatures if s.sig_object.get("/Type") == "/DocTimeStamp"]:
        ts_status = validate_pdf_timestamp(timestamp, context)
        assert ts_status.intact
        assert ts_status.valid
    if pdfsig and PDFSIG is not None:
        result = subprocess.run(
            [PDFSIG, str(path)], capture_output=True, text=True, check=False, timeout=60
        )
        assert result.stdout.count("Signature is Valid") == len(signatures), result.stdout
