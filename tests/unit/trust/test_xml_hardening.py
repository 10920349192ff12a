"""Hostile XML never gets past the parser: a TrustError with a message, never a traceback."""

from __future__ import annotations

import pytest
from cryptography import x509

from sealdoc.errors import TrustError
from sealdoc.trust import load_trust_list

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#">&lol9;</tsl:TrustServiceStatusList>
"""

EXTERNAL_FILE_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#">&xxe;</tsl:TrustServiceStatusList>
"""

EXTERNAL_NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#"/>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/p.dtd"> %remote;]>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#"/>
"""


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, EXTERNAL_FILE_ENTITY, EXTERNAL_NETWORK_DTD, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-file-entity", "external-dtd", "parameter-entity"],
)
def test_doctype_and_entities_are_refused_with_trust_error(
    document: bytes, tsl_signer: x509.Certificate
) -> None:
    with pytest.raises(TrustError) as caught:
        load_trust_list(document, signers=[tsl_signer], source="hostile.xml")
    assert "hostile.xml" in str(caught.value)
    assert "root:" not in str(caught.value)  # /etc/passwd never read into a message


@pytest.mark.parametrize(
    "document",
    [b"", b"<", b"not xml at all", b"<a><b></a>", b"\xff\xfe\x00<", b"<?xml version='1.0'?>"],
    ids=["empty", "lone-bracket", "text", "mismatched-tags", "bad-encoding", "no-root"],
)
def test_malformed_xml_raises_trust_error(document: bytes, tsl_signer: x509.Certificate) -> None:
    with pytest.raises(TrustError, match="broken"):
        load_trust_list(document, signers=[tsl_signer], source="broken.xml")


def test_oversized_document_is_refused_before_parsing(
    tsl_signer: x509.Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sealdoc._internal.trust import xml

    monkeypatch.setattr(xml, "MAX_XML_BYTES", 100)
    with pytest.raises(TrustError, match="exceeds the limit"):
        load_trust_list(b"<a>" + b"x" * 200 + b"</a>", signers=[tsl_signer], source="big.xml")


def test_well_formed_xml_that_is_not_a_trust_list_is_refused(
    tsl_signer: x509.Certificate,
) -> None:
    with pytest.raises(TrustError, match="not signed"):
        load_trust_list(b"<html><body/></html>", signers=[tsl_signer], source="page.html")
