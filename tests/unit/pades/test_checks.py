# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""The pieces of a signature verdict: byte ranges, coverage, modifications."""

from __future__ import annotations

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel, SuspiciousModification
from pyhanko.sign.validation.status import SignatureCoverageLevel

from sealdoc.pades._checks import byte_range_problem, coverage_check, modifications_check
from sealdoc.report import CheckStatus

# "%PDF" + 6 signed bytes, then the hex signature value, then 4 signed bytes
DATA = b"%PDF-1.7xx<0a0b>tail"
HOLE_START, HOLE_END = DATA.index(b"<"), DATA.index(b">") + 1


def _range(*values: int) -> generic.ArrayObject:
    return generic.ArrayObject(generic.NumberObject(v) for v in values)


def test_sound_byte_range_has_no_problem() -> None:
    sound = _range(0, HOLE_START, HOLE_END, len(DATA) - HOLE_END)
    assert byte_range_problem(sound, DATA) is None


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ((0, HOLE_START, HOLE_END + 1, 3), "not just the signature value"),
        ((0, HOLE_START, HOLE_START - 2, 10), "overlap"),
        ((0, HOLE_START, HOLE_END, 100), "beyond the end of the file"),
        ((1, HOLE_START, HOLE_END, 4), "does not start at the beginning"),
        ((0, HOLE_START, HOLE_START, 4), "no room for the signature"),
        ((0, HOLE_START, HOLE_END), "four integers"),
    ],
)
def test_broken_byte_ranges_are_named(values: tuple[int, ...], problem: str) -> None:
    assert problem in (byte_range_problem(_range(*values), DATA) or "")


def test_byte_range_that_is_not_an_array_is_a_problem() -> None:
    assert byte_range_problem(generic.NumberObject(4), DATA) == "/ByteRange is not an array"


def test_coverage_of_a_later_revision_passes_and_says_so() -> None:
    check = coverage_check(SignatureCoverageLevel.ENTIRE_REVISION, None, later_revisions=2)
    assert check.status is CheckStatus.PASSED
    assert "2 later revision(s)" in check.message


@pytest.mark.parametrize(
    "level",
    [SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START, SignatureCoverageLevel.UNCLEAR, None],
)
def test_partial_coverage_fails(level: SignatureCoverageLevel | None) -> None:
    assert coverage_check(level, None, later_revisions=0).status is CheckStatus.FAILED


def test_form_filling_after_sealing_is_not_benign() -> None:
    diff = DiffResult(ModificationLevel.FORM_FILLING, {"commentaire"})
    check = modifications_check(diff, diff_error=None, later_signatures={})
    assert check.status is CheckStatus.FAILED
    assert "commentaire" in check.message


def test_a_later_invisible_signature_is_accepted() -> None:
    diff = DiffResult(ModificationLevel.FORM_FILLING, {"Approval"})
    check = modifications_check(diff, diff_error=None, later_signatures={"Approval": False})
    assert check.status is CheckStatus.PASSED


def test_a_later_visible_signature_could_cover_the_content() -> None:
    diff = DiffResult(ModificationLevel.FORM_FILLING, {"Approval"})
    check = modifications_check(diff, diff_error=None, later_signatures={"Approval": True})
    assert check.status is CheckStatus.FAILED


@pytest.mark.parametrize(
    ("level", "status"),
    [
        (ModificationLevel.NONE, CheckStatus.PASSED),
        (ModificationLevel.LTA_UPDATES, CheckStatus.PASSED),
        (ModificationLevel.ANNOTATIONS, CheckStatus.FAILED),
        (ModificationLevel.OTHER, CheckStatus.FAILED),
    ],
)
def test_modification_levels(level: ModificationLevel, status: CheckStatus) -> None:
    check = modifications_check(DiffResult(level, set()), diff_error=None, later_signatures={})
    assert check.status is status


def test_suspicious_modification_fails_with_its_reason() -> None:
    diff = SuspiciousModification("page 2 was replaced")
    check = modifications_check(diff, diff_error=None, later_signatures={})
    assert check.status is CheckStatus.FAILED
    assert "page 2 was replaced" in check.message


def test_a_crashed_difference_analysis_is_indeterminate_never_passed() -> None:
    check = modifications_check(None, diff_error="KeyError: '/Annots'", later_signatures={})
    assert check.status is CheckStatus.INDETERMINATE
