"""Certificates: one per pass of a certifying quiz, with a long random code that anyone holding
the paper can check at the public address ``/verify/<code>``. No Streamlit.

A certificate is issued the first time anyone asks for the trainee's certificates (their Home,
their record, a cohort's zip, ``resurface certificates list``): so every pass has one, those made
before certificates existed too, and a submission never waits on it. Two servers issuing the same
pass at once make one row (the attempt is unique). What a certificate says is read from its
attempt each time: a regrade that takes the pass away revokes it (app.certstatus), as a manager
does with a reason (``revoke``); a revoked pass certifies no longer.

The code is stored as it is: it is 192 random bits and only a lookup key for what the public page
shows (name, certification, dates, status), and the certificate's PDF must be made again on every
download. Someone who read the database would learn far more from it than the codes.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from app import certificate_pdf, clock, config
from app.accounts import NotFound, User, get_user_by_id, recheck, require, username_key
from app.certstatus import (
    CertificateStatus,
    certificate_status,
    certifies_from,
    passing_at,
    valid_until,
)
from app.errors import ResurfaceError
from app.permissions import Action, Cohort, acting
from app.store import certificates as store
from app.store import users as user_store
from app.store.audit import record as audit
from app.store.db import writing

CODE_BYTES = 24  # 192 bits: no one finds a certificate by guessing its address
MAX_CODE = 64
_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_CODE}}}")
MAX_REASON = 500
# The public page answers this many lookups per client address per window, then 429.
VERIFY_LIMIT = 30
VERIFY_WINDOW = timedelta(minutes=10)


class CertificateNotFound(ResurfaceError, LookupError):
    """No certificate has this code (or the actor may not see it)."""


class InvalidRevocation(ResurfaceError, ValueError):
    """A revocation without a reason, with too long a one, or of a certificate revoked already."""


class CertificateRevoked(ResurfaceError):
    """A revoked certificate is not handed out as a PDF."""


@dataclass(frozen=True)
class Certificate:
    """One certificate as of a moment."""

    code: str
    attempt_id: int
    user_id: int
    username: str
    display_name: str
    cohort: str | None
    quiz_id: str
    certification: str  # the certification's name
    quiz_title: str
    passed_at: datetime  # when the pass began to certify (certstatus.certifies_from)
    valid_until: datetime
    issued_at: datetime
    status: CertificateStatus
    revoked_at: datetime | None  # a manager's revocation (a regrade's shows in ``status`` only)
    revoke_reason: str | None

    @property
    def filename(self) -> str:
        return (
            f"certificate-{self.username}-{self.quiz_id}-{self.passed_at:%Y-%m-%d}"
            f"-{self.attempt_id}.pdf"
        )


def new_code() -> str:
    """A fresh certificate code: URL-safe, 32 characters, starting with a letter or digit.

    A code starting with "-" would reach a spreadsheet as "'-..." (the export's guard against
    formulas) and read as an option on a command line; drawing again costs 1 bit in 32."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if code[0].isalnum():
            return code


def verification_address(code: str, base: str | None = None) -> str:
    """The public page of a certificate: under ``base`` (``RESURFACE_PUBLIC_URL`` if not given);
    with neither, the path alone."""
    base = base if base is not None else config.public_url()
    return f"{(base or '').rstrip('/')}/verify/{code}"


# --- issuing and reading ------------------------------------------------------------------------


def issue(engine: Engine, now: datetime | None = None, **scope: Any) -> int:
    """Issue a certificate for every certifying pass that has none yet (of one ``user_id`` or
    ``cohort``, or all); returns how many were issued. A read first: nothing to issue, no write."""
    now = now or clock.now()
    with engine.connect() as conn:
        if not _due(store.passes_without(conn, **scope), now):
            return 0
    with writing(engine) as conn:
        due = _due(store.passes_without(conn, **scope), now)
        store.add(
            conn,
            [
                {
                    "code": new_code(),
                    "attempt_id": r["id"],
                    "user_id": r["user_id"],
                    "issued_at": now,
                }
                for r in due
            ],
        )
    return len(due)


def of_user(
    engine: Engine, actor: User | None, user_id: int, now: datetime | None = None
) -> list[Certificate]:
    """A user's certificates, newest pass first (issuing those due). ``actor`` None: the console.

    Raises NotFound (a user the actor may not see) and Forbidden.
    """
    now = now or clock.now()
    if actor is not None:
        target = get_user_by_id(engine, actor, user_id)
        require(actor, Action.DOWNLOAD_CERTIFICATE, target)
    issue(engine, now, user_id=user_id)
    with engine.connect() as conn:
        return [_certificate(r, now) for r in store.listed(conn, user_id=user_id)]


def held(conn: Connection, user_id: int, now: datetime) -> list[Certificate]:
    """A user's certificates as issued so far, newest pass first, inside the caller's
    transaction (no permission check, no issuing: for the personal-data export)."""
    return [_certificate(r, now) for r in store.listed(conn, user_id=user_id)]


def of_username(engine: Engine, username: str, now: datetime | None = None) -> list[Certificate]:
    """A user's certificates, by username, for the console. Raises NotFound."""
    with engine.connect() as conn:
        row = user_store.by_key(conn, username_key(username.strip()))
    if row is None:
        raise NotFound(f"no user '{username}'")
    return of_user(engine, None, row["id"], now)


def of_cohort(
    engine: Engine, actor: User | None, cohort: str | None, now: datetime | None = None
) -> list[Certificate]:
    """Every certificate of a cohort's trainees (None: every cohort), issuing those due.

    Raises Forbidden (anyone but managers and the console).
    """
    now = now or clock.now()
    require(acting(actor), Action.DOWNLOAD_CERTIFICATES, Cohort(cohort))
    issue(engine, now, cohort=cohort)
    with engine.connect() as conn:
        return [_certificate(r, now) for r in store.listed(conn, cohort=cohort)]


def lookup(engine: Engine, code: str, now: datetime | None = None) -> Certificate | None:
    """The certificate with this code, or None (the public page: no actor, no issuing)."""
    code = code.strip()
    # Only what new_code makes can match: anything else (a NUL byte PostgreSQL would refuse, a
    # megabyte of text) never reaches the database.
    if not _CODE.fullmatch(code):
        return None
    with engine.connect() as conn:
        row = store.by_code(conn, code)
    return _certificate(row, now or clock.now()) if row is not None else None


def verify_allowed(engine: Engine, address: str | None, now: datetime | None = None) -> bool:
    """Count one lookup of the public page from ``address``; False once it made VERIFY_LIMIT in
    the current window. The counter is in the database: every server counts the same."""
    now = now or clock.now()
    with writing(engine) as conn:
        store.forget_before(conn, now - 2 * VERIFY_WINDOW)
        hits = store.hit(conn, (address or "unknown")[:100], now, now - VERIFY_WINDOW)
    return hits <= VERIFY_LIMIT


# --- revoking -----------------------------------------------------------------------------------


def revoke(
    engine: Engine, actor: User | None, code: str, reason: str, now: datetime | None = None
) -> Certificate:
    """Revoke a certificate, saying why (audited); its pass certifies no longer from now.

    Raises InvalidRevocation, CertificateNotFound, Forbidden (anyone but managers; a deactivated
    account, an ended session). ``actor`` None: the console.
    """
    why = " ".join(reason.split())
    if not why:
        raise InvalidRevocation("give a reason for revoking the certificate")
    if len(why) > MAX_REASON:
        raise InvalidRevocation(f"the reason is {len(why)} characters; at most {MAX_REASON}")
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        now = now or clock.now()
        require(acting(actor), Action.REVOKE_CERTIFICATE)
        row = store.by_code(conn, code.strip())
        if row is None:
            raise CertificateNotFound(f"no certificate {code.strip()!r}")
        if not store.revoke(conn, row["code"], actor.id if actor else None, now, why):
            raise InvalidRevocation(f"the certificate was revoked already ({row['revoke_reason']})")
        audit(
            conn,
            now,
            actor.id if actor else None,
            "certificate.revoke",
            row["username"],
            code=row["code"],
            quiz=row["quiz_id"],
            attempt=row["attempt_id"],
            reason=why,
        )
        row = store.by_code(conn, row["code"])
    assert row is not None
    return _certificate(row, now)


# --- documents ----------------------------------------------------------------------------------


def pdf(certificate: Certificate, base_url: str | None = None) -> bytes:
    """The certificate as a PDF, its QR code pointing at its public page under ``base_url``
    (``RESURFACE_PUBLIC_URL`` if not given). Raises CertificateRevoked, FontMissing."""
    if certificate.status == "revoked":
        raise CertificateRevoked("this certificate was revoked")
    return certificate_pdf.render(
        certificate_pdf.Content(
            certificate.display_name,
            certificate.certification,
            certificate.quiz_title,
            certificate.passed_at,
            certificate.valid_until,
            config.clinic_name(),
            certificate.code,
            verification_address(certificate.code, base_url),
        )
    )


def cohort_zip(
    engine: Engine,
    actor: User | None,
    cohort: str | None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """A zip of the certificates that hold now (current or expiring) of a cohort's trainees
    (None: every cohort), one PDF each; the download is audited.

    Raises Forbidden (anyone but managers), FontMissing.
    """
    now = now or clock.now()
    held = [c for c in of_cohort(engine, actor, cohort, now) if c.status in ("current", "expiring")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in held:
            archive.writestr(certificate.filename, pdf(certificate, base_url))
    with writing(engine) as conn:
        who = recheck(conn, actor, now)
        require(acting(who), Action.DOWNLOAD_CERTIFICATES, Cohort(cohort))
        audit(
            conn,
            now,
            who.id if who else None,
            "certificate.bulk",
            cohort or "every cohort",
            certificates=len(held),
        )
    return buffer.getvalue()


# --- helpers ------------------------------------------------------------------------------------


def _due(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The passes that certify (their quiz as taken grants a certification) and count now."""
    return [r for r in rows if (r["quiz"] or {}).get("certifies") and passing_at(r, now)]


def _certificate(row: dict[str, Any], now: datetime) -> Certificate:
    certifies = row["quiz"]["certifies"]
    until = valid_until(row["submitted_at"], certifies["valid_months"])
    return Certificate(
        row["code"],
        row["attempt_id"],
        row["user_id"],
        row["username"],
        row["display_name"],
        row["cohort"],
        row["quiz_id"],
        certifies["name"],
        row["quiz"].get("title", row["quiz_id"]),
        certifies_from(row),
        until,
        row["issued_at"],
        certificate_status(row, until, now),
        row["revoked_at"],
        row["revoke_reason"],
    )
