"""What a worker does with a chunk of manifest rows: read or render, 2D-Doc, seal, write.

A :class:`Worker` lives in one process (the coordinator's with ``--jobs 1``, a worker
process otherwise) and loads its own keys there. :meth:`Worker.process` turns
:class:`Task` objects into :class:`Outcome` objects; a problem with one document is that
document's outcome, never the chunk's. Outputs are written through an
:class:`~sealdoc.issuance.outputs.OutputGroup`: an outcome says ``sealed`` only once its
file is durably in place.

**Exactly once.** Before sealing a document whose output file already exists (a previous run
was killed after writing it but before the ledger said so), the worker checks that file: if
it is this input followed by a valid seal of this batch's certificate covering the whole
file, it is *adopted* (outcome ``recovered``) instead of being sealed a second time; anything
else there is left alone and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sealdoc.errors import InputError, PdfError, SealdocError, StorageError
from sealdoc.issuance.manifest import ManifestRow
from sealdoc.issuance.outputs import OutputGroup
from sealdoc.issuance.profile import IssuerProfile
from sealdoc.issuance.sealing.sealer import DocumentSealer, SealInput, SealOutput, SealPlan
from sealdoc.issuance.sealing.update import StampImage
from sealdoc.keys import SigningKey

__all__ = ["MAX_INPUT_BYTES", "Outcome", "Task", "Worker", "output_name", "twoddoc_id"]

#: Largest input PDF a batch accepts (an administrative notice is a few hundred kB at most).
MAX_INPUT_BYTES = 64 * 1024 * 1024

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Task:
    line: int
    row: ManifestRow


@dataclass(frozen=True)
class Outcome:
    id: str
    line: int
    status: Literal["sealed", "recovered", "failed"]
    input_sha256: str | None = None
    output_path: str | None = None
    output_sha256: str | None = None
    twoddoc_id: str | None = None
    sealed_at: str | None = None
    error: str | None = None
    path: Literal["fast", "pyhanko", "adopted"] | None = None


def output_name(doc_id: str) -> str:
    return f"{doc_id}.pdf"


def twoddoc_id(code: str) -> str:
    """The ledger's id of a 2D-Doc: SHA-256 (hex) of its bytes, as a scanner reads them."""
    return hashlib.sha256(code.encode("latin-1")).hexdigest()


@dataclass
class _Job:
    task: Task
    data: bytes
    input_sha256: str
    at: dt.datetime
    code: str | None = None
    stamp: StampImage | None = None


class Worker:
    """Seals chunks of tasks with keys loaded in the current process."""

    def __init__(self, profile: IssuerProfile, plan: SealPlan, out_dir: Path, clock: Clock) -> None:
        self.profile = profile
        self.plan = plan
        self.out_dir = out_dir
        self.clock = clock
        self._seal_key: SigningKey = profile.seal.load()
        self._twoddoc_key: SigningKey | None = None
        try:
            if profile.twoddoc is not None:
                source = profile.twoddoc_key_source()
                self._twoddoc_key = self._seal_key if source is profile.seal else source.load()
        except BaseException:
            self._seal_key.close()
            raise
        self._sealer = DocumentSealer(plan, self._seal_key)
        self._seal_cert_der = _der(self._seal_key)

    def close(self) -> None:
        if self._twoddoc_key is not None and self._twoddoc_key is not self._seal_key:
            self._twoddoc_key.close()
        self._seal_key.close()

    # -- one chunk ------------------------------------------------------------------------------
    def process(self, tasks: Sequence[Task]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        jobs: list[_Job] = []
        for position, task in enumerate(tasks):
            try:
                job_or_outcome = self._prepare(task)
            except SealdocError as exc:
                outcomes[position] = _failed(task, str(exc))
                continue
            except Exception as exc:  # one document's bug must not stop the batch
                outcomes[position] = _failed(task, _unexpected(exc))
                continue
            if isinstance(job_or_outcome, Outcome):
                outcomes[position] = job_or_outcome
            else:
                jobs.append(job_or_outcome)
        sealed = self._seal(jobs)
        group = OutputGroup(self.out_dir)
        staged: list[tuple[int, Outcome]] = []
        try:
            for job, result in zip(jobs, sealed, strict=True):
                position = _position(tasks, job.task)
                if isinstance(result, SealdocError):
                    outcomes[position] = _failed(job.task, str(result), job.input_sha256)
                    continue
                path = group.stage(output_name(job.task.row.id), result.data)
                staged.append(
                    (
                        position,
                        Outcome(
                            id=job.task.row.id,
                            line=job.task.line,
                            status="sealed",
                            input_sha256=job.input_sha256,
                            output_path=str(path),
                            output_sha256=hashlib.sha256(result.data).hexdigest(),
                            twoddoc_id=None if job.code is None else twoddoc_id(job.code),
                            sealed_at=job.at.astimezone(dt.UTC).isoformat(),
                            path=result.path,
                        ),
                    )
                )
            group.commit()
        except StorageError as exc:
            group.discard()
            for position, outcome in staged:
                outcomes[position] = _failed(tasks[position], str(exc), outcome.input_sha256)
            staged = []
        for position, outcome in staged:
            outcomes[position] = outcome
        return [outcomes[i] for i in range(len(tasks))]

    def _seal(self, jobs: list[_Job]) -> list[SealOutput | SealdocError]:
        inputs = [SealInput(job.data, job.at, job.stamp, job.code) for job in jobs]
        try:
            return self._sealer.seal_many(inputs)
        except SealdocError as exc:
            return [exc] * len(jobs)

    # -- one document ---------------------------------------------------------------------------
    def _prepare(self, task: Task) -> _Job | Outcome:
        row = task.row
        data = self._input(row)
        input_sha256 = hashlib.sha256(data).hexdigest()
        target = self.out_dir / output_name(row.id)
        if target.exists():
            return self._adopt(task, data, input_sha256, target)
        at = self.clock()
        job = _Job(task, data, input_sha256, at)
        if row.twoddoc is not None:
            job.code = self._sign_twoddoc(row, at)
            job.stamp = self._stamp(job.code)
        return job

    def _input(self, row: ManifestRow) -> bytes:
        if row.template is not None:
            from sealdoc.issuance.notice import render_notice

            assert row.fields is not None
            return render_notice(
                row.fields,
                self.profile.notice,
                document_id=row.id,
                pdfa_part=3 if row.twoddoc is not None else 2,
            )
        assert row.pdf is not None
        try:
            with row.pdf.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{row.pdf}: cannot be read ({exc.strerror or exc})") from exc
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"{row.pdf}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
        if not data.startswith(b"%PDF-"):
            raise PdfError(f"{row.pdf}: not a PDF file")
        return data

    def _sign_twoddoc(self, row: ManifestRow, at: dt.datetime) -> str:
        from sealdoc import twoddoc
        from sealdoc.twoddoc.doctypes import doc_type

        settings = self.profile.twoddoc
        request = row.twoddoc
        assert request is not None
        if settings is None or self._twoddoc_key is None:
            raise InputError(
                'the row has a "twoddoc" but the profile has no [twoddoc] table (ca_id, cert_id)'
            )
        day = at.astimezone(dt.UTC).date()
        entry = doc_type(request.type)
        issue_date = request.issue_date
        if issue_date is None and entry is not None and entry.issue_date_required:
            issue_date = day
        return twoddoc.sign(
            request.type,
            request.fields,
            self._twoddoc_key,
            ca_id=settings.ca_id,
            cert_id=settings.cert_id,
            issue_date=issue_date,
            signature_date=day,
            version=settings.version,
            country=settings.country,
        )

    def _stamp(self, code: str) -> StampImage:
        from sealdoc.twoddoc.datamatrix import render_stamp

        settings = self.profile.twoddoc
        module_size = settings.module_size if settings is not None else 5
        return StampImage.from_pil(render_stamp(code, module_size=module_size))

    def _adopt(self, task: Task, data: bytes, input_sha256: str, target: Path) -> Outcome:
        """Accept an existing output if it is a complete seal of this very input."""
        try:
            existing = target.read_bytes()
        except OSError as exc:
            raise StorageError(f"{target}: exists but cannot be read ({exc.strerror})") from exc
        problem = _seal_problem(existing, data, self._seal_cert_der)
        if problem is not None:
            return _failed(
                task,
                f"{target} already exists and is not a seal of this input ({problem}); "
                "move it away to seal the document again",
                input_sha256,
            )
        from sealdoc.pades import embedded_twoddoc

        code = embedded_twoddoc(existing)
        sealed_at = _signing_time(existing)
        return Outcome(
            id=task.row.id,
            line=task.line,
            status="recovered",
            input_sha256=input_sha256,
            output_path=str(target),
            output_sha256=hashlib.sha256(existing).hexdigest(),
            twoddoc_id=None if code is None else twoddoc_id(code),
            sealed_at=sealed_at,
            path="adopted",
        )


def _position(tasks: Sequence[Task], task: Task) -> int:
    for index, candidate in enumerate(tasks):
        if candidate is task:
            return index
    raise ValueError("task not in chunk")  # pragma: no cover


def _failed(task: Task, error: str, input_sha256: str | None = None) -> Outcome:
    return Outcome(
        id=task.row.id, line=task.line, status="failed", input_sha256=input_sha256, error=error
    )


def _unexpected(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" at {where[0].filename}:{where[0].lineno}" if where else ""
    return f"unexpected error{place}: {type(exc).__name__}: {exc}"


def _der(key: SigningKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return key.certificate.public_bytes(Encoding.DER)


def _seal_problem(existing: bytes, original: bytes, cert_der: bytes) -> str | None:
    """Why ``existing`` is not ``original`` sealed by ``cert_der`` (``None``: it is)."""
    if len(existing) <= len(original) or existing[: len(original)] != original:
        return "it does not start with the input document"
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(existing), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return "it has no signature"
        # only integrity and the signer matter here: the batch's certificate is the anchor
        context = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(cert_der)],
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as exc:  # any failure means: not a seal we made
        return f"its signature cannot be checked: {type(exc).__name__}: {exc}"
    if not (status.intact and status.valid):
        return "its signature is not valid"
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        return "its signature does not cover the whole file"
    if status.signing_cert.dump() != cert_der:
        return "it is sealed with another certificate"
    return None


def _signing_time(data: bytes) -> str | None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        moment = reader.embedded_signatures[-1].self_reported_timestamp
    except Exception:  # the time is informative only
        return None
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()
