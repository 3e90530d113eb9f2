"""The public page that checks a certificate, ``/verify/<code>``: HTML out, nothing else. Pure.

It shows only what the paper itself says (the name, the certification, when it was passed and
until when it holds) and its status now: never the username, the cohort or a score. Every value
is HTML-escaped. A small inline stylesheet and no other asset: it loads under the app's
content security policy and reads on a phone as on a desk.
"""

from __future__ import annotations

from html import escape

from app.certificate_pdf import day
from app.certificates import Certificate
from app.certstatus import CERTIFICATE_NAMES, CertificateStatus

STATUS_WORDS: dict[CertificateStatus, str] = {
    "current": "This certificate is current.",
    "expiring": "This certificate is current, and expires soon.",
    "expired": "This certificate has expired.",
    "revoked": "This certificate was revoked: it no longer certifies.",
}
_COLOURS: dict[CertificateStatus, str] = {
    "current": "#166534",
    "expiring": "#92400e",
    "expired": "#991b1b",
    "revoked": "#991b1b",
}
_STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;
color:#1f2937;line-height:1.5}
main{max-width:36rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.75rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
.status{font-weight:700;font-size:1.1rem;padding:.6rem .9rem;border-radius:.5rem;
border:2px solid currentColor;margin:0 0 1.25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1.25rem;margin:0}
dt{color:#6b7280}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
@media (max-width:480px){main{margin:0;border-radius:0;padding:1.25rem}
dl{grid-template-columns:1fr;gap:.1rem}dd{margin-bottom:.6rem}}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def page(certificate: Certificate) -> str:
    """The page of a certificate found by its code."""
    status = certificate.status
    rows = (
        ("Name", certificate.display_name),
        ("Certification", certificate.certification),
        ("Passed", day(certificate.passed_at)),
        ("Valid until", day(certificate.valid_until)),
        ("Status", CERTIFICATE_NAMES[status]),
    )
    listed = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return _page(
        "Certificate check",
        "<h1>Certificate check</h1>"
        f'<p class="status" id="status" data-status="{status}" '
        f'style="color:{_COLOURS[status]}">{escape(STATUS_WORDS[status])}</p>'
        f"<dl>{listed}</dl>",
    )


def not_found() -> str:
    """The page for a code no certificate has."""
    return _page(
        "No such certificate",
        "<h1>No such certificate</h1><p>No certificate has this code. Check the address "
        "against the certificate, or ask the clinic that issued it.</p>",
    )


def too_many() -> str:
    """The page for a client that looked up too many certificates in a short time."""
    return _page(
        "Too many checks",
        "<h1>Too many checks</h1><p>This address has checked many certificates in a short "
        "time. Please try again in a few minutes.</p>",
    )
