"""Certification status: its rule, its window and its words, in one place. Pure: no I/O.

A quiz with ``certifies:`` grants its certification on a passed attempt. The latest pass counts,
for the months the quiz said when it was taken, counted from when it was submitted. A regrade
that turns an attempt's result round (app.regrade) counts from the moment it was applied: a pass
gained by a regrade certifies from then (until the months run out from the submission, as any
pass), a pass lost by a regrade stops certifying then. As of a moment a certification is *current*,
*expiring* (current, but it ends within EXPIRING_WITHIN, the last day included), *expired* or
*never* (no pass yet). A certificate (app.certificates) stands for one pass: *current*,
*expiring* or *expired* as its pass, or *revoked* when a manager revoked it or a regrade took the
pass away; a revoked pass certifies no longer, from that moment. Every page, export and report
asks this module, so a dashboard and a CSV never disagree about who is certified.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from app.bank import Catalogue

Status = Literal["current", "expiring", "expired", "never"]
# Best first: over several certifications a trainee stands where the worst of them does.
STATUSES: tuple[Status, ...] = ("current", "expiring", "expired", "never")
CERTIFIED: tuple[Status, ...] = ("current", "expiring")
EXPIRING_WITHIN = timedelta(days=30)

# A certificate's status: a certification's, but a pass that no longer counts is revoked, and a
# certificate never stands for no pass at all.
CertificateStatus = Literal["current", "expiring", "expired", "revoked"]
CERTIFICATE_STATUSES: tuple[CertificateStatus, ...] = ("current", "expiring", "expired", "revoked")

# --- the words users read (the window is written once: above) -----------------------------------

WITHIN = f"within {EXPIRING_WITHIN.days} days"
NAMES: dict[Status, str] = {
    "current": "Current",
    "expiring": "Expiring",
    "expired": "Expired",
    "never": "Never",
}
# A table cell's words: plain text, no emoji (a machine without an emoji font shows boxes), each
# status its own wording so it reads without the colour a badge adds where markup is shown.
LABELS: dict[Status, str] = {
    "current": NAMES["current"],
    "expiring": f"{NAMES['expiring']} soon",
    "expired": NAMES["expired"],
    "never": f"{NAMES['never']} certified",
}
# The colour of a status's badge where a page can show one (Streamlit's badge colour names).
COLOURS: dict[Status, str] = {
    "current": "green",
    "expiring": "orange",
    "expired": "red",
    "never": "gray",
}
HELP: dict[Status, str] = {
    "current": f"The latest pass holds for more than {EXPIRING_WITHIN.days} days yet",
    "expiring": f"Current, but ends {WITHIN}",
    "expired": "Passed once; the certification has lapsed",
    "never": "No pass yet",
}

CERTIFICATE_NAMES: dict[CertificateStatus, str] = {
    "current": NAMES["current"],
    "expiring": NAMES["expiring"],
    "expired": NAMES["expired"],
    "revoked": "Revoked",
}
CERTIFICATE_LABELS: dict[CertificateStatus, str] = {
    "current": LABELS["current"],
    "expiring": LABELS["expiring"],
    "expired": LABELS["expired"],
    "revoked": CERTIFICATE_NAMES["revoked"],
}


@dataclass(frozen=True)
class Certification:
    """One certification a quiz grants, and where a trainee stands with it as of a moment."""

    name: str
    quiz_id: str
    quiz_title: str
    status: Status
    earned_at: datetime | None  # the latest pass
    valid_until: datetime | None


def valid_until(passed_at: datetime, valid_months: int) -> datetime:
    """When a pass submitted at ``passed_at`` stops certifying (calendar months later)."""
    return passed_at + relativedelta(months=valid_months)


def passing_at(row: dict[str, Any], now: datetime) -> bool:
    """Whether an attempt (a row with ``status``, ``passed`` and, if it was ever turned round by
    a regrade, ``pass_changed_at``) counted as passed at ``now``.

    Before ``pass_changed_at`` the attempt had the other result; from that moment on, ``passed``.
    A pass whose certificate was revoked (``revoked_at``) no longer counts from then.
    """
    if row["status"] != "submitted" or row["passed"] is None:
        return False
    revoked = row.get("revoked_at")
    if revoked is not None and now >= revoked:
        return False
    changed = row.get("pass_changed_at")
    if changed is not None and now < changed:
        return not row["passed"]
    return bool(row["passed"])


def certifies_from(row: dict[str, Any]) -> datetime:
    """When a passed attempt began to certify: its submission, or the regrade that made it pass."""
    changed = row.get("pass_changed_at")
    return changed if changed is not None and row["passed"] else row["submitted_at"]


def status_at(valid_until: datetime | None, now: datetime) -> Status:
    """Current, expiring, expired or never, as of ``now``, for a certification that holds until
    ``valid_until`` (None: never earned)."""
    if valid_until is None:
        return "never"
    if valid_until <= now:
        return "expired"
    return "expiring" if valid_until - now <= EXPIRING_WITHIN else "current"


def certificate_status(
    row: dict[str, Any], valid_until: datetime, now: datetime
) -> CertificateStatus:
    """A certificate's status as of ``now``: revoked if its pass (``row``, as ``passing_at``
    reads it, with the certificate's ``revoked_at``) no longer counts; otherwise its pass's
    status until ``valid_until``."""
    if not passing_at(row, now):
        return "revoked"
    status = status_at(valid_until, now)
    return "expired" if status == "never" else status


def weakest(statuses: Iterable[Status]) -> Status:
    """Where someone stands over several certifications: the worst status; none at all: never."""
    return max(statuses, key=STATUSES.index, default="never")


def certifications_from(
    rows: list[dict[str, Any]], catalogue: Catalogue, now: datetime
) -> list[Certification]:
    """Each certification the catalogue's quizzes grant, as of ``now``, from one user's attempt
    rows (``quiz_id``, ``status``, ``passed``, ``submitted_at``, ``quiz``, the quiz as taken, and
    ``pass_changed_at`` if a regrade turned the result round); rows of other quizzes are ignored.

    ``earned_at`` is when the latest pass began to certify (``certifies_from``)."""
    result = []
    for quiz in catalogue.quizzes.values():
        if quiz.certifies is None:
            continue
        passes = [r for r in rows if r["quiz_id"] == quiz.id and passing_at(r, now)]
        latest = max(passes, key=lambda r: r["submitted_at"], default=None)
        earned: datetime | None = None
        until: datetime | None = None
        if latest is not None:
            earned = certifies_from(latest)
            months = (latest["quiz"].get("certifies") or {}).get(
                "valid_months", quiz.certifies.valid_months
            )
            until = valid_until(latest["submitted_at"], months)
        result.append(
            Certification(
                quiz.certifies.name, quiz.id, quiz.title, status_at(until, now), earned, until
            )
        )
    return result
