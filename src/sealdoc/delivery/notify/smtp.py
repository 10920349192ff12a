"""E-mail notices over SMTP (``smtplib``): 5xx answers are permanent failures, 4xx answers and
connection problems transient ones."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sealdoc.delivery.model import Notification
from sealdoc.delivery.notify import SendResult
from sealdoc.delivery.notify.texts import email_text
from sealdoc.delivery.settings import SmtpSettings

__all__ = ["SmtpNotifier"]


class SmtpNotifier:
    def __init__(self, settings: SmtpSettings, password: str | None = None) -> None:
        self.settings = settings
        self._password = password

    def build(self, notification: Notification, payload: Mapping[str, str]) -> EmailMessage:
        subject, body = email_text(notification.kind, payload)
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = notification.address
        mail["Subject"] = subject
        mail["Date"] = formatdate(usegmt=True)
        domain = self.settings.sender.rpartition("@")[2] or "sealdoc.invalid"
        mail["Message-ID"] = make_msgid(idstring=notification.id, domain=domain)
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(body)
        return mail

    def send(self, notification: Notification, payload: Mapping[str, str]) -> SendResult:
        mail = self.build(notification, payload)
        s = self.settings
        try:
            client: smtplib.SMTP
            if s.ssl:
                client = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout_s, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with client:
                if s.starttls and not s.ssl:
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, self._password or "")
                refused = client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            return _answer(*next(iter(exc.recipients.values())))
        except smtplib.SMTPResponseException as exc:
            return _answer(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult.transient(f"SMTP server {s.host}:{s.port}: {exc}")
        if refused:
            return _answer(*next(iter(refused.values())))
        return SendResult.sent(f"accepted by {s.host}:{s.port}")


def _answer(code: int, text: bytes | str) -> SendResult:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    detail = f"SMTP {code} {message}".strip()
    return SendResult.permanent(detail) if 500 <= code < 600 else SendResult.transient(detail)
