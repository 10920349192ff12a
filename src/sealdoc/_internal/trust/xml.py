"""A hardened XML parser for trust lists.

Trust lists come from outside. The parser never resolves entities, never loads a DTD, never
touches the network, and refuses any document that declares a DTD at all (billion laughs,
external entities), before anything else looks at it.
"""

from __future__ import annotations

from lxml import etree

from sealdoc.errors import TrustError

__all__ = ["MAX_XML_BYTES", "hardened_parser", "parse_xml"]

#: The EU list of trusted lists is a few MB; nothing legitimate comes near this.
MAX_XML_BYTES = 32 * 1024 * 1024


def hardened_parser() -> etree.XMLParser:
    """An lxml parser that resolves nothing and fetches nothing."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml(data: bytes, *, source: str) -> etree._Element:
    """Parse ``data`` into its root element, or raise :class:`TrustError`.

    A document carrying a DOCTYPE (internal subset or external DTD) is refused outright: trust
    lists have none, and entity tricks live there.
    """
    if len(data) > MAX_XML_BYTES:
        raise TrustError(f"{source}: {len(data)} bytes exceeds the limit of {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise TrustError(f"{source}: not well-formed XML ({exc})") from exc
    except (etree.LxmlError, ValueError) as exc:
        raise TrustError(f"{source}: cannot be parsed as XML ({exc})") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise TrustError(f"{source}: XML with a DOCTYPE declaration is refused (DTDs and entities)")
    return root
