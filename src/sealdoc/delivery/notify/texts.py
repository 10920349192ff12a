"""What notices say. A notice carries a link, never the document nor its title: the only facts
in it are who sent something, until when it can be fetched, and where."""

from __future__ import annotations

from collections.abc import Mapping

from sealdoc.delivery.model import NotificationKind

__all__ = ["email_text", "webhook_event"]


def email_text(kind: NotificationKind, payload: Mapping[str, str]) -> tuple[str, str]:
    """Subject and plain-text body of an e-mail notice."""
    if kind is NotificationKind.CONFIRMATION:
        subject = "Confirmez votre domicile numérique / Confirm your digital domicile"
        body = (
            f"Bonjour,\n\nCette adresse a été déclarée comme domicile numérique de "
            f"{payload['recipient']} ({payload['purpose']}).\n"
            f"Code de confirmation : {payload['code']}\n"
            f"Ce code expire le {payload['expires_at']}.\n\n"
            "Si vous n'êtes pas à l'origine de cette déclaration, ignorez ce message.\n\n"
            f"This address was declared as the digital domicile of {payload['recipient']}.\n"
            f"Confirmation code: {payload['code']} (expires {payload['expires_at']}).\n"
        )
        return subject, body
    subject = f"Un document vous attend / A document is waiting for you ({payload['sender_name']})"
    body = (
        "Bonjour,\n\n"
        f"{payload['sender_name']} a déposé un document à votre intention.\n"
        f"Il peut être retiré jusqu'au {payload['available_until']} à cette adresse :\n\n"
        f"  {payload['page_url']}\n\n"
        "Ouvrir le lien affiche une page ; le document n'est remis que lorsque vous le "
        "demandez sur cette page.\n"
        f"Référence : {payload['message_id']}\n\n"
        f"{payload['sender_name']} has deposited a document for you. Fetch it before "
        f"{payload['available_until']} at the address above.\n"
    )
    return subject, body


def webhook_event(kind: NotificationKind, payload: Mapping[str, str]) -> dict[str, object]:
    """The JSON body (``type`` and ``data``) of a webhook notice."""
    if kind is NotificationKind.CONFIRMATION:
        return {
            "type": "domicile.confirmation",
            "data": {
                "recipient": payload["recipient"],
                "purpose": payload["purpose"],
                "code": payload["code"],
                "expires_at": payload["expires_at"],
            },
        }
    return {
        "type": "message.available",
        "data": {
            "message_id": payload["message_id"],
            "sender": {"id": payload["sender_id"], "name": payload["sender_name"]},
            "available_until": payload["available_until"],
            "page_url": payload["page_url"],
            "api_url": payload["api_url"],
        },
    }
