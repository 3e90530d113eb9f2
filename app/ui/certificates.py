"""Certificates on a page: each with its status and a PDF download; managers revoke one with a
reason (the trainee's record); a cohort's zip (the Certification page). Thin over app.certificates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

import streamlit as st

from app import certificates, config
from app.accounts import AccountError, User
from app.certificate_pdf import FontMissing
from app.certificates import Certificate, CertificateNotFound, InvalidRevocation
from app.certstatus import CERTIFICATE_LABELS
from app.permissions import Action, allowed
from app.ui import auth, fmt, keys, nav
from app.ui.resources import engine


def base_url() -> str | None:
    """Where the verification pages are: ``RESURFACE_PUBLIC_URL``, else the address this
    browser opened the app at."""
    configured = config.public_url()
    if configured:
        return configured
    opened = st.context.url
    if not opened:
        return None
    parts = urlsplit(opened)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _deferred(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """Made when the button is clicked; a failure gives an empty file, never a traceback."""

    def run() -> bytes:
        try:
            return make()
        except (FontMissing, certificates.CertificateRevoked, AccountError):
            return b""

    return run


def listing(user: User, owner_id: int, heading: str) -> list[Certificate]:
    """The owner's certificates under ``heading`` (none: nothing shown), each with its status
    and, unless revoked, a download button."""
    found = certificates.of_user(engine(), user, owner_id)
    if found:
        st.markdown(heading)
    base = base_url()
    for cert in found:
        line = (
            f"**{fmt.plain(cert.certification)}** · passed {fmt.day(cert.passed_at)} · "
            f"valid until {fmt.day(cert.valid_until)} · {CERTIFICATE_LABELS[cert.status]}"
        )
        if cert.status == "revoked":
            why = f": {fmt.plain(cert.revoke_reason)}" if cert.revoke_reason else ""
            st.markdown(f"{line}{why}")
            continue
        st.markdown(line)
        # Under its line, not in a side column (the label was cut at 1280 px), and named after
        # its certification: two certificates are two different buttons to a screen reader.
        st.download_button(
            f"Certificate: {cert.certification} (PDF)",
            _deferred(partial(certificates.pdf, cert, base)),
            file_name=cert.filename,
            mime="application/pdf",
            icon=":material/download:",
            key=keys.certificate_download(cert.attempt_id),
            on_click="ignore",
        )
    return found


@auth.callback
def _revoke(user: User, by_attempt: dict[int, str]) -> None:
    attempt = st.session_state.get(keys.CERTIFICATE_REVOKE_PICK)
    reason = st.session_state.get(keys.CERTIFICATE_REVOKE_REASON, "")
    if attempt not in by_attempt:
        nav.notice("Choose the certificate to revoke.", "error")
        return
    try:
        certificates.revoke(engine(), user, by_attempt[attempt], reason)
    except (InvalidRevocation, CertificateNotFound, AccountError) as exc:
        nav.notice(f"The certificate was not revoked: {exc}.", "error")
        return
    st.session_state.pop(keys.CERTIFICATE_REVOKE_REASON, None)
    nav.notice("The certificate was revoked; its address now says so.", "success")


def revoking(user: User, found: list[Certificate]) -> None:
    """A manager's form to revoke one of these certificates with a reason."""
    held = [c for c in found if c.status != "revoked"]
    if not held or not allowed(user, Action.REVOKE_CERTIFICATE):
        return
    with st.expander("Revoke a certificate", icon=":material/block:"):
        names = {c.attempt_id: f"{c.certification}, passed {fmt.day(c.passed_at)}" for c in held}
        st.selectbox(
            "Certificate",
            list(names),
            format_func=lambda a: fmt.plain(names[a]),
            key=keys.CERTIFICATE_REVOKE_PICK,
        )
        st.text_input(
            "Reason",
            max_chars=certificates.MAX_REASON,
            key=keys.CERTIFICATE_REVOKE_REASON,
            help="Kept in the audit log. The trainee's certification ends with it.",
        )
        st.button(
            "Revoke",
            type="primary",
            key=keys.CERTIFICATE_REVOKE,
            on_click=_revoke,
            args=({c.attempt_id: c.code for c in held},),
        )


def cohort_zip(user: User, cohort: str | None) -> None:
    """A manager's download of a cohort's certificates that hold now, as a zip (audited)."""
    if not allowed(user, Action.DOWNLOAD_CERTIFICATES):
        return
    base, store = base_url(), engine()
    name = f"certificates-{cohort or 'all-cohorts'}.zip"
    st.download_button(
        f"Certificates of {fmt.plain(cohort) if cohort else 'every cohort'} (zip)",
        _deferred(partial(certificates.cohort_zip, store, user, cohort, base)),
        file_name=name,
        mime="application/zip",
        icon=":material/folder_zip:",
        key=keys.CERTIFICATE_ZIP,
        on_click="ignore",
        help="One PDF per certificate that holds now (current or expiring); the download is "
        "recorded in the audit log.",
    )
