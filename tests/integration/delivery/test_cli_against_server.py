"""The delivery CLI commands against a real server: the recipient declares and confirms its
domicile, the agency delivers, the recipient lists and fetches, both save the evidence and the
proof, and ``evidence verify`` checks them offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.support.delivery_env import (
    AGENCY_KEY,
    RECIPIENT,
    RECIPIENT_KEY,
    Material,
    SmtpCapture,
    code_in,
    wait_until,
)

from sealdoc._internal.cli.delivery import deliver, domicile, evidence, inbox


def _run(command: Any, args: list[str], key: str, url: str) -> Any:
    result = CliRunner().invoke(
        command, args, env={"SEALDOC_DELIVERY_URL": url, "SEALDOC_API_KEY": key}
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_cli_round_trip(
    serve: Callable[..., Any], smtp: SmtpCapture, material: Material, tmp_path: Path
) -> None:
    running = serve(worker_interval_s=0.05)
    url = running.url
    document = tmp_path / "avis.pdf"
    document.write_bytes(material.sealed_pdf)

    _run(domicile, ["declare", "--email", "courrier@entreprise.test"], RECIPIENT_KEY, url)
    assert wait_until(lambda: len(smtp.messages) >= 1)
    code = code_in(smtp.messages[0].get_content())
    assert "active" in _run(domicile, ["confirm", code], RECIPIENT_KEY, url).output
    shown = _run(domicile, ["show"], RECIPIENT_KEY, url).output
    assert "active: email courrier@entreprise.test" in shown

    out = _run(
        deliver,
        [str(document), "--recipient", RECIPIENT, "--title", "Avis", "--json"],
        AGENCY_KEY,
        url,
    ).output
    message_id = json.loads(out)["message_id"]
    assert message_id in _run(inbox, ["list"], RECIPIENT_KEY, url).output
    fetched = tmp_path / "fetched.pdf"
    _run(inbox, ["fetch", message_id, "-o", str(fetched)], RECIPIENT_KEY, url)
    assert fetched.read_bytes() == material.sealed_pdf

    bundle, proof = tmp_path / "bundle.json", tmp_path / "proof.pdf"
    _run(evidence, ["export", message_id, "-o", str(bundle)], AGENCY_KEY, url)
    _run(evidence, ["proof", message_id, "-o", str(proof)], RECIPIENT_KEY, url)
    at = running.clock().isoformat()
    for path in (bundle, proof):
        result = CliRunner().invoke(
            evidence,
            ["verify", str(path), "--trust-cert", str(material.root), "--document", str(fetched),
             "--at", at],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "ContentHandover" in result.output


def test_cli_reports_a_refused_deposit(
    serve: Callable[..., Any], material: Material, tmp_path: Path
) -> None:
    running = serve()
    document = tmp_path / "foreign.pdf"
    document.write_bytes(material.foreign_pdf)

    result = CliRunner().invoke(
        deliver,
        [str(document), "--recipient", RECIPIENT, "--title", "Avis"],
        env={"SEALDOC_DELIVERY_URL": running.url, "SEALDOC_API_KEY": AGENCY_KEY},
    )

    assert result.exit_code != 0
    assert "refused" in str(result.exception)


def test_cli_needs_the_api_key_in_the_environment(serve: Callable[..., Any]) -> None:
    running = serve()
    result = CliRunner().invoke(
        inbox, ["list", "--api-key-env", "NOPE_NOT_SET"], env={"SEALDOC_DELIVERY_URL": running.url}
    )

    assert result.exit_code != 0
    with pytest.raises(Exception, match="NOPE_NOT_SET"):
        raise result.exception  # type: ignore[misc]
