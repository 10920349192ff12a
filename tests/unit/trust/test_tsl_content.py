"""What is read from a verified test trust list."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from tests.unit.trust.support import FIXTURES, cert

from sealdoc.trust import ServiceStatus, TrustList


def test_ca_ids_come_from_trade_names(test_tsl: TrustList) -> None:
    assert test_tsl.ca_ids == ("FR95", "FR97", "FR98")


def test_granted_ca_carries_its_certificate(test_tsl: TrustList) -> None:
    (service,) = test_tsl.services_for("FR98")
    assert service.certificates == (cert("ca/FR98_ca.pem"),)
    assert service.current.status is ServiceStatus.GRANTED


def test_withdrawn_ca_keeps_its_history(test_tsl: TrustList) -> None:
    (service,) = test_tsl.services_for("FR97")
    assert [p.status for p in service.history] == [ServiceStatus.WITHDRAWN, ServiceStatus.GRANTED]
    granted = service.status_at(dt.datetime(2022, 12, 31, 23, 59, tzinfo=dt.UTC))
    withdrawn = service.status_at(dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
    assert granted is not None
    assert granted.status is ServiceStatus.GRANTED
    assert withdrawn is not None
    assert withdrawn.status is ServiceStatus.WITHDRAWN


def test_certificate_whose_cn_is_not_the_ca_id_is_not_used(test_tsl: TrustList) -> None:
    (service,) = test_tsl.services_for("FR95")
    assert service.certificates == ()
    assert any("FR9X" in problem and "FR95" in problem for problem in test_tsl.problems)


def test_unknown_ca_id_has_no_services(test_tsl: TrustList) -> None:
    assert test_tsl.services_for("FR99") == ()


def test_certificate_store_uri_comes_from_tsp_information_uri(test_tsl: TrustList) -> None:
    assert test_tsl.certificate_store_uris("FR98") == (
        "http://certs.sealdoc.test/FR98/certstore.p7c",
    )


def test_checked_in_fixtures_are_what_the_script_generates(tmp_path: Path) -> None:
    spec_dir = Path(__file__).resolve().parents[4] / "shared" / "spec" / "2ddoc"
    if not (spec_dir / "trust").is_dir():
        pytest.skip("the 2D-Doc spec pack is not available to copy the real-world files from")
    script = FIXTURES / "make_fixtures.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path), "--spec-dir", str(spec_dir)],
        check=True,
        capture_output=True,
    )
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert generated
    for relative in generated:
        assert (tmp_path / relative).read_bytes() == (FIXTURES / relative).read_bytes(), relative
