"""Who may call the service: agencies (deposit) and recipients' systems (domicile, inbox).

Both authenticate with an API key (``Authorization: Bearer sdk_...``); the settings hold only
SHA-256 hashes of the keys, each scoped to one agency or one recipient.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from sealdoc.delivery.deposit_check import load_certificates
from sealdoc.delivery.errors import UnknownResource
from sealdoc.delivery.model import RecipientId
from sealdoc.delivery.settings import DeliverySettings
from sealdoc.delivery.tokens import API_KEY_PREFIX, hash_secret
from sealdoc.errors import InputError

__all__ = ["Accounts", "Agency", "Caller", "RecipientSystem"]


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    certificates: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class RecipientSystem:
    recipient: RecipientId
    name: str | None


Caller = Agency | RecipientSystem


class Accounts:
    def __init__(self, settings: DeliverySettings) -> None:
        self._agencies: dict[str, Agency] = {}
        self._by_key: dict[str, Caller] = {}
        for a in settings.agencies:
            if a.id in self._agencies:
                raise InputError(f"agency {a.id!r} is declared twice in the settings")
            agency = Agency(a.id, a.name, tuple(load_certificates(a.certificates)))
            self._agencies[a.id] = agency
            for digest in a.api_key_sha256:
                self._add(digest, agency)
        for r in settings.recipients:
            system = RecipientSystem(RecipientId.parse(r.recipient), r.name)
            for digest in r.api_key_sha256:
                self._add(digest, system)

    def _add(self, digest: str, caller: Caller) -> None:
        if digest in self._by_key:
            raise InputError("the same API key hash is given to two accounts in the settings")
        self._by_key[digest] = caller

    def authenticate(self, api_key: str) -> Caller | None:
        if not api_key.startswith(API_KEY_PREFIX) or len(api_key) > 200:
            return None
        return self._by_key.get(hash_secret(api_key))

    def agency(self, agency_id: str) -> Agency:
        try:
            return self._agencies[agency_id]
        except KeyError:
            raise UnknownResource(f"no agency {agency_id!r}") from None

    def agency_name(self, agency_id: str) -> str:
        agency = self._agencies.get(agency_id)
        return agency.name if agency else agency_id
