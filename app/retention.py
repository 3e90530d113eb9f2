"""Retention: audit lines and deactivated accounts kept no longer than the clinic's policy says.

Two settings (app.config), both unset by default, which keeps everything:
``RESURFACE_AUDIT_RETENTION_DAYS`` deletes audit lines older than that; and
``RESURFACE_INACTIVE_RETENTION_DAYS`` erases accounts deactivated longer than that, as
``resurface person erase`` does (pseudonymised, never deleted: their attempts keep counting).

When an account was deactivated is read from the audit log: its latest ``user.deactivate``
line. The audit retention therefore keeps that line while the account stays deactivated and not
erased. An account with no such line (deactivated before the log began, or by hand in the
database) is never erased here: it is reported, for a person to decide. An account whose
certification is current or expiring is kept too, and reported.

``apply`` is for the console (``resurface retention``, from cron or a systemd timer); it records
one audit line, ``retention``, with its counts (each erase has its own ``person.erased`` line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from app import clock, config
from app.bank import Catalogue
from app.erasure import erase_in, held_certifications, search
from app.store import audit as audit_store
from app.store import personal as store
from app.store import users as user_store
from app.store.db import writing


@dataclass
class Retention:
    """What retention did (or, in a dry run, would do)."""

    dry_run: bool
    audit_days: int | None
    inactive_days: int | None
    audit_deleted: int = 0
    erased: list[str] = field(
        default_factory=list
    )  # usernames as they were (dry run) or pseudonyms
    kept_certified: list[str] = field(default_factory=list)  # usernames
    since_unknown: list[str] = field(default_factory=list)  # usernames

    def lines(self) -> list[str]:
        """What to print, one line each."""
        out = []
        if self.inactive_days is None:
            out.append("deactivated accounts: kept (RESURFACE_INACTIVE_RETENTION_DAYS is not set)")
        else:
            done = "would erase" if self.dry_run else "erased"
            names = f": {', '.join(self.erased)}" if self.erased else ""
            out.append(
                f"deactivated accounts: {done} {len(self.erased)} deactivated more than "
                f"{self.inactive_days} days ago{names}"
            )
            for name in self.kept_certified:
                out.append(f"kept '{name}': a certification is current or expiring")
            for name in self.since_unknown:
                out.append(f"kept '{name}': no audit line says when it was deactivated")
        if self.audit_days is None:
            out.append("audit log: kept (RESURFACE_AUDIT_RETENTION_DAYS is not set)")
        else:
            done = "would delete" if self.dry_run else "deleted"
            out.append(
                f"audit log: {done} {self.audit_deleted} lines older than {self.audit_days} days"
            )
        if not self.dry_run:
            out.append("recorded in the audit log (action retention)")
        else:
            out.append("dry run: nothing was changed")
        return out


def apply(
    engine: Engine, catalogue: Catalogue, *, dry_run: bool = False, now: datetime | None = None
) -> Retention:
    """Apply both retention settings as of ``now``, as the operator at the console.

    Each account is erased in a transaction of its own; the audit lines go in one more. Raises
    SettingError for a setting that is not a number of days.
    """
    now = now or clock.now()
    done = Retention(dry_run, config.audit_retention_days(), config.inactive_retention_days())
    if done.inactive_days is not None:
        _accounts(engine, catalogue, done, now - timedelta(days=done.inactive_days), now)
    if done.audit_days is not None:
        cutoff = now - timedelta(days=done.audit_days)
        if dry_run:
            with engine.connect() as conn:
                done.audit_deleted = store.audit_due(conn, cutoff, done.erased)
        else:
            with writing(engine) as conn:
                done.audit_deleted = store.delete_audit_before(conn, cutoff)
    if not dry_run:
        with writing(engine) as conn:
            audit_store.record(
                conn,
                now,
                None,
                "retention",
                None,
                audit_days=done.audit_days,
                inactive_days=done.inactive_days,
                audit_deleted=done.audit_deleted,
                accounts_erased=len(done.erased),
                kept_certified=len(done.kept_certified),
                since_unknown=len(done.since_unknown),
            )
    return done


def _accounts(
    engine: Engine, catalogue: Catalogue, done: Retention, before: datetime, now: datetime
) -> None:
    with engine.connect() as conn:
        due = store.deactivated(conn)
    for account in due:
        if account["since"] is None:
            done.since_unknown.append(account["username"])
            continue
        if account["since"] >= before:
            continue
        found = None if done.dry_run else search(engine, account["username"])
        # A dry run only reads: it takes no write lock.
        with engine.connect() if done.dry_run else writing(engine) as conn:
            row = user_store.by_id(conn, account["id"])
            # Reactivated, or erased, since the list was read: not due any more.
            if row is None or row["active"] or row["username"] != account["username"]:
                continue
            if held_certifications(conn, row["id"], catalogue, now):
                done.kept_certified.append(row["username"])
                continue
            if done.dry_run:
                done.erased.append(row["username"])
                continue
            reason = f"retention: deactivated more than {done.inactive_days} days"
            erased = erase_in(conn, row, None, reason, catalogue, False, now, found)
            done.erased.append(erased.username)
