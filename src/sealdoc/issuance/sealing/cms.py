"""A CMS SignedData template, built once per batch, filled per document in microseconds.

pyHanko builds every CMS object field by field with asn1crypto; for a batch, all of it is the
same from one document to the next (certificates, algorithm identifiers, the signer's id, the
ESS signing-certificate attribute) except the document digest, the signature value and, from
B-T, the signature time-stamp token. :meth:`CmsTemplate.from_probe` takes the CMS object that
pyHanko (through :func:`sealdoc.pades.seal_bytes`) produced for a probe document and keeps its
DER pieces; :meth:`CmsTemplate.signed_attributes` and :meth:`CmsTemplate.content_info` put
the per-document values back in. The result is byte for byte what pyHanko would have produced
with the same inputs, apart from those values.

The signed attributes are a DER ``SET OF`` whose order depends on the encodings: only the
message digest changes, and it keeps its length, so the order stays valid.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms

from sealdoc.errors import SealingError

__all__ = ["CmsTemplate", "der_length", "tlv"]

#: Signed attributes the template knows to be the same for every document of a batch.
_STABLE_ATTRIBUTES = frozenset(
    {"content_type", "signing_certificate", "signing_certificate_v2", "cms_algorithm_protection"}
)
_OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
# id-aa-signatureTimeStampToken 1.2.840.113549.1.9.16.2.14
_OID_SIGNATURE_TIMESTAMP = bytes.fromhex("060b2a864886f70d010910020e")


def der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + der_length(len(content)) + content


@dataclass(frozen=True)
class CmsTemplate:
    """The constant parts of a batch's CMS signatures (picklable: only bytes and ints)."""

    digest_algorithm: str
    attrs_prefix: bytes
    attrs_suffix: bytes
    digest_size: int
    signed_data_head: bytes
    signer_info_head: bytes
    signature_algorithm: bytes
    max_signature_size: int
    max_token_size: int

    @classmethod
    def from_probe(
        cls, probe_cms: bytes, *, max_signature_size: int, max_token_size: int = 0
    ) -> CmsTemplate:
        """Split the CMS ``probe_cms`` into constant pieces around the per-document values.

        Raises :class:`SealingError` if the probe carries a signed attribute that could vary
        between documents (the fast path would then not reproduce it).
        """
        try:
            info = cms.ContentInfo.load(probe_cms)
            signed_data = info["content"]
            (signer_info,) = signed_data["signer_infos"]
            attrs = signer_info["signed_attrs"]
            kinds = [attr["type"].native for attr in attrs]
            digest = next(
                attr["values"][0].native
                for attr in attrs
                if attr["type"].native == "message_digest"
            )
            attrs_contents = attrs.contents
            signer_infos = signed_data["signer_infos"].dump()
            head = signer_info["version"].dump() + signer_info["sid"].dump()
            head += signer_info["digest_algorithm"].dump()
            digest_algorithm = signer_info["digest_algorithm"]["algorithm"].native
            signature_algorithm = signer_info["signature_algorithm"].dump()
            sd_contents = signed_data.contents
        except (ValueError, KeyError, TypeError, StopIteration) as exc:
            raise SealingError(f"the probe signature cannot be used as a template: {exc}") from exc
        unexpected = set(kinds) - _STABLE_ATTRIBUTES - {"message_digest"}
        if unexpected:
            raise SealingError(
                "the probe signature has signed attributes that vary per document "
                f"({', '.join(sorted(unexpected))}): the batch fast path cannot reproduce them"
            )
        if attrs_contents.count(digest) != 1 or not sd_contents.endswith(signer_infos):
            raise SealingError("the probe signature has an unexpected layout")
        if not signer_info.contents.startswith(head):
            raise SealingError("the probe signer info has an unexpected layout")
        at = attrs_contents.index(digest)
        return cls(
            digest_algorithm=str(digest_algorithm),
            attrs_prefix=attrs_contents[:at],
            attrs_suffix=attrs_contents[at + len(digest) :],
            digest_size=len(digest),
            signed_data_head=sd_contents[: len(sd_contents) - len(signer_infos)],
            signer_info_head=head,
            signature_algorithm=signature_algorithm,
            max_signature_size=max_signature_size,
            max_token_size=max_token_size,
        )

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """The DER ``SET OF Attribute`` the signer signs, for ``document_digest``."""
        if len(document_digest) != self.digest_size:
            raise SealingError(
                f"document digest of {len(document_digest)} bytes, expected {self.digest_size}"
            )
        return tlv(0x31, self.attrs_prefix + document_digest + self.attrs_suffix)

    def content_info(
        self, signed_attributes: bytes, signature: bytes, timestamp_token: bytes | None = None
    ) -> bytes:
        """The complete CMS ``ContentInfo`` (DER) for one document."""
        if len(signature) > self.max_signature_size:
            raise SealingError(
                f"the key returned a {len(signature)}-byte signature, more than the "
                f"{self.max_signature_size} bytes reserved"
            )
        signer_info = (
            self.signer_info_head
            + b"\xa0"
            + signed_attributes[1:]  # same content, [0] IMPLICIT instead of SET
            + self.signature_algorithm
            + tlv(0x04, signature)
        )
        if timestamp_token is not None:
            if len(timestamp_token) > self.max_token_size:
                raise SealingError(
                    f"the time-stamp token is {len(timestamp_token)} bytes, more than the "
                    f"{self.max_token_size} bytes reserved"
                )
            attribute = tlv(0x30, _OID_SIGNATURE_TIMESTAMP + tlv(0x31, timestamp_token))
            signer_info += tlv(0xA1, attribute)
        signed_data = self.signed_data_head + tlv(0x31, tlv(0x30, signer_info))
        return tlv(0x30, _OID_SIGNED_DATA + tlv(0xA0, tlv(0x30, signed_data)))

    def max_size(self) -> int:
        """An upper bound of :meth:`content_info`'s length, for the ``/Contents`` reservation."""
        attrs = self.signed_attributes(bytes(self.digest_size))
        token = bytes(self.max_token_size) if self.max_token_size else None
        # DER lengths of the largest values: every length field at its longest
        return len(self.content_info(attrs, bytes(self.max_signature_size), token)) + 16
