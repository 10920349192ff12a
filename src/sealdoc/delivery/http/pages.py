"""The link's landing page and the error pages: plain HTML, no script, no third-party resource,
one stylesheet served by the service itself. Every value is HTML-escaped."""

from __future__ import annotations

import datetime as dt
from html import escape

from sealdoc.delivery.service import LinkView

__all__ = ["STYLESHEET", "error_page", "landing_page"]

STYLESHEET = """
body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.5; }
h1 { font-size: 1.4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: .85rem; }
button { font-size: 1.05rem; padding: .6rem 1.2rem; background: #000091; color: #fff;
         border: 0; border-radius: .25rem; cursor: pointer; }
.note { color: #555; font-size: .9rem; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/page.css"></head>'
        f"<body>{body}</body></html>\n"
    )


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")


def landing_page(view: LinkView, action: str) -> str:
    m = view.message
    already = ""
    if view.handed_over and m.handed_over_at is not None:
        already = (
            f'<p class="note" id="already">Ce document vous a été remis le '
            f"{_when(m.handed_over_at)}. Vous pouvez le télécharger de nouveau jusqu'au "
            f"{_when(m.available_until)}.</p>"
        )
    body = (
        "<h1>Un document vous attend</h1>"
        f"<p><strong>{escape(view.sender_name)}</strong> a déposé un document à votre "
        "intention.</p>"
        "<dl>"
        f'<dt>Objet</dt><dd id="title">{escape(m.title)}</dd>'
        f"<dt>Fichier</dt><dd>{escape(m.filename)} ({m.size:,} octets)</dd>".replace(",", " ")
        + f"<dt>Déposé le</dt><dd>{_when(m.deposited_at)}</dd>"
        f"<dt>Disponible jusqu'au</dt><dd>{_when(m.available_until)}</dd>"
        f'<dt>Empreinte SHA-256</dt><dd><code id="sha256">{m.sha256}</code></dd>'
        "</dl>"
        f"{already}"
        f'<form method="post" action="{escape(action)}">'
        '<input type="hidden" name="confirm" value="yes">'
        '<button type="submit" id="download">Recevoir le document</button>'
        "</form>"
        '<p class="note">En cliquant, vous recevez le document ; la remise est enregistrée '
        "comme preuve. Ouvrir cette page seule ne vaut pas remise.</p>"
        '<p class="note" lang="en">Clicking hands the document over to you and records '
        "the handover; opening this page alone does not.</p>"
    )
    return _page("Un document vous attend", body)


def error_page(status: int, message: str) -> str:
    titles = {
        404: "Lien inconnu / Unknown link",
        410: "Lien expiré ou révoqué / Link expired or revoked",
        429: "Trop de tentatives / Too many attempts",
    }
    title = titles.get(status, "Erreur / Error")
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")
