"""The audit report as one self-contained HTML page.

Inline CSS and JavaScript only: no external resource (fonts, scripts, images), so the page
opens offline and leaks nothing. It shows the summary (counts by verdict, findings, documents
to renew first), a table of every document that sorts by any column (click a header; keyboard
too) and filters by text, and each document's details (checks, findings, time-stamps) in a
``<details>`` element. Every value from the documents is HTML-escaped. Without JavaScript the
page is complete, only unsorted.
"""

from __future__ import annotations

from html import escape

from sealdoc.audit.models import AuditReport, DocumentAudit

__all__ = ["render_html"]

_CSS = """
:root { --ok:#1b7a3a; --bad:#b3261e; --mid:#9a6700; --grey:#5f6368; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1f2328; background: #fff; }
header, main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem; }
header { border-bottom: 1px solid var(--line); }
h1 { font-size: 1.5rem; margin: .2rem 0; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
.meta { color: var(--grey); font-size: .9rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .6rem 1rem; min-width: 9rem; }
.card b { display: block; font-size: 1.6rem; }
.PASSED { color: var(--ok); } .FAILED, .UNREADABLE { color: var(--bad); }
.INDETERMINATE { color: var(--mid); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid #0969da; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
td.path { font-family: ui-monospace, monospace; word-break: break-all; }
.badge { font-weight: 600; }
.sev-error { color: var(--bad); } .sev-warning { color: var(--mid); }
.sev-info { color: var(--grey); }
details { border: 1px solid var(--line); border-radius: 6px; margin: .4rem 0;
          padding: .3rem .7rem; }
details summary { cursor: pointer; }
details ul { margin: .3rem 0 .5rem; padding-left: 1.2rem; }
.check-passed { color: var(--ok); } .check-failed { color: var(--bad); }
.check-indeterminate { color: var(--mid); } .check-skipped { color: var(--grey); }
input[type=search] { padding: .35rem .5rem; width: 20rem; max-width: 100%; margin: .3rem 0 .6rem; }
code { font-family: ui-monospace, monospace; font-size: .85em; }
"""

_JS = """
(function () {
  var table = document.getElementById('documents');
  if (!table) { return; }
  var body = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;
  function key(row, index) { return row.cells[index].getAttribute('data-sort') || ''; }
  function sortBy(index) {
    var th = headers[index];
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    for (var i = 0; i < headers.length; i++) { headers[i].removeAttribute('aria-sort'); }
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index), y = key(b, index);
      var c = x < y ? -1 : (x > y ? 1 : 0);
      return ascending ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(headers, function (th, index) {
    var button = th.querySelector('button');
    if (button) { button.addEventListener('click', function () { sortBy(index); }); }
  });
  var filter = document.getElementById('filter');
  if (filter) {
    filter.addEventListener('input', function () {
      var needle = filter.value.toLowerCase();
      Array.prototype.forEach.call(body.rows, function (row) {
        row.hidden = needle !== '' && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  }
  document.documentElement.setAttribute('data-ready', 'yes');
})();
"""

#: Nothing may be loaded from anywhere; only the inline style and script run.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

_COLUMNS = (
    "Document",
    "Verdict",
    "Signer",
    "Seal time",
    "Level",
    "LTV",
    "Renew before",
    "Findings",
)
_VERDICT_ORDER = {"FAILED": "0", "UNREADABLE": "1", "INDETERMINATE": "2", "PASSED": "3"}


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _anchor(index: int) -> str:
    return f"doc-{index}"


def _row(index: int, doc: DocumentAudit) -> str:
    verdict = doc.verdict_label
    seal = doc.seal_time.isoformat() if doc.seal_time else ""
    source = f" ({doc.seal_time_source})" if doc.seal_time_source else ""
    renew = doc.renew_before.isoformat() if doc.renew_before else ""
    worst = {"error": 0, "warning": 1, "info": 2}
    findings = ", ".join(f.code for f in sorted(doc.findings, key=lambda f: worst[f.severity]))
    cells = [
        f'<td class="path" data-sort="{_e(doc.path)}"><a href="#{_anchor(index)}">'
        f"{_e(doc.path)}</a></td>",
        f'<td data-sort="{_VERDICT_ORDER[verdict]}"><span class="badge {verdict}">'
        f"{verdict}</span>"
        + (f"<br><small>{_e(doc.sub_indication.value)}</small>" if doc.sub_indication else "")
        + "</td>",
        f'<td data-sort="{_e(doc.signer or "")}">{_e(doc.signer or "")}</td>',
        f'<td data-sort="{_e(seal)}">{_e(seal)}{_e(source)}</td>',
        f'<td data-sort="{_e(doc.level or "")}">{_e(doc.level or "")}</td>',
        f'<td data-sort="{"1" if doc.ltv else "0"}">{"yes" if doc.ltv else "no"}</td>',
        f'<td data-sort="{_e(renew or "9999")}">{_e(renew)}</td>',
        f'<td data-sort="{len(doc.findings):04d}">{_e(findings)}</td>',
    ]
    return f'<tr data-verdict="{verdict}">' + "".join(cells) + "</tr>"


def _details(index: int, doc: DocumentAudit) -> str:
    parts = [
        f'<details id="{_anchor(index)}"><summary><code>{_e(doc.path)}</code> — '
        f'<span class="badge {doc.verdict_label}">{doc.verdict_label}</span></summary>',
        "<ul>",
        f"<li>Format: {_e(doc.format)}; size {doc.size} bytes; SHA-256 <code>{_e(doc.sha256)}"
        "</code></li>",
    ]
    if doc.error:
        parts.append(f"<li>Could not be read: {_e(doc.error)}</li>")
    if doc.signer:
        parts.append(f"<li>Signer: {_e(doc.signer)}</li>")
    if doc.renew_before:
        parts.append(
            f"<li>Renew before {_e(doc.renew_before.isoformat())}: {_e(doc.renew_reason)}</li>"
        )
    parts.append("</ul>")
    if doc.findings:
        parts.append("<p>Findings:</p><ul>")
        parts.extend(
            f'<li class="sev-{f.severity}">{_e(f.severity)} <code>{_e(f.code)}</code>: '
            f"{_e(f.message)}</li>"
            for f in doc.findings
        )
        parts.append("</ul>")
    if doc.timestamps:
        parts.append("<p>Time-stamps:</p><ul>")
        for ts in doc.timestamps:
            expires = ts.certificate_expires.date().isoformat() if ts.certificate_expires else "?"
            parts.append(
                f"<li>{_e(ts.kind)} time-stamp at {_e(ts.time.isoformat() if ts.time else '?')}"
                f" by {_e(ts.tsa)}; certificate chain valid until {_e(expires)}; "
                f"{_e(ts.digest)}, {_e(ts.key)}</li>"
            )
        parts.append("</ul>")
    report = doc.report
    if report is not None:
        groups = [(s.field_name or s.type, s.checks) for s in report.signatures] or [
            ("checks", report.checks)
        ]
        for name, checks in groups:
            parts.append(f"<p>{_e(name)}:</p><ul>")
            for check in checks:
                status = check.status.value
                sub = f" [{check.sub_indication.value}]" if check.sub_indication else ""
                parts.append(
                    f'<li class="check-{status}"><b>{_e(check.id)}</b> {_e(status)}{_e(sub)}: '
                    f"{_e(check.message)}</li>"
                )
            parts.append("</ul>")
    elif doc.problems:
        parts.append("<ul>" + "".join(f"<li>{_e(p)}</li>" for p in doc.problems) + "</ul>")
    parts.append("</details>")
    return "".join(parts)


def render_html(report: AuditReport) -> str:
    summary = report.summary
    cards = "".join(
        f'<div class="card" data-count="{verdict}"><span class="{verdict}">{verdict}</span>'
        f"<b>{count}</b></div>"
        for verdict, count in summary.by_verdict.items()
    )
    renew = "".join(
        f"<li><b>{_e(item.renew_before.isoformat())}</b> <code>{_e(item.path)}</code> — "
        f"{_e(item.reason)}</li>"
        for item in summary.renew_first
    )
    findings = "".join(
        f"<li><code>{_e(code)}</code>: {count}</li>" for code, count in summary.findings.items()
    )
    header_cells = "".join(
        f'<th scope="col"><button type="button">{_e(name)}</button></th>' for name in _COLUMNS
    )
    rows = "".join(_row(i, doc) for i, doc in enumerate(report.documents))
    details = "".join(_details(i, doc) for i, doc in enumerate(report.documents))
    skipped = "".join(f"<li>{_e(s)}</li>" for s in report.skipped)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>sealdoc audit — {_e(report.root)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>Archive audit</h1>
<div class="meta">Archive <code>{_e(report.root)}</code> audited as of
<time datetime="{_e(report.at.isoformat())}">{_e(report.at.isoformat())}</time>;
policy {_e(report.policy)}; revocation {_e(report.revocation)};
{summary.documents} document(s) in {report.elapsed_s:.1f} s with {report.jobs} job(s).</div>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<div class="cards">{cards}</div>
<h3>Renew first</h3>
{f"<ol id='renew-first'>{renew}</ol>" if renew else "<p>No document needs renewal.</p>"}
<h3>Findings</h3>
{f"<ul id='findings'>{findings}</ul>" if findings else "<p>No findings.</p>"}
</section>
<section>
<h2>Documents</h2>
<label for="filter">Filter:</label>
<input id="filter" type="search" placeholder="path, signer, verdict…">
<table id="documents">
<thead><tr>{header_cells}</tr></thead>
<tbody>{rows}</tbody>
</table>
</section>
<section id="details">
<h2>Details</h2>
{details}
</section>
{f"<section><h2>Skipped files</h2><ul>{skipped}</ul></section>" if skipped else ""}
</main>
<script>{_JS}</script>
</body>
</html>
"""
