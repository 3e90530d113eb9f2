"""Queries on email addresses, invitations and the record of mail sent (app.mail and friends)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.store.tables import invitations, mail_sent, user_emails, users

# --- email addresses ------------------------------------------------------------------------


def email_of(conn: Connection, user_id: int) -> str | None:
    query = select(user_emails.c.email).where(user_emails.c.user_id == user_id)
    return conn.execute(query).scalar_one_or_none()


def emails(conn: Connection) -> dict[int, str]:
    """Every account's address, by user id."""
    return {
        uid: email
        for uid, email in conn.execute(select(user_emails.c.user_id, user_emails.c.email))
    }


def set_email(conn: Connection, user_id: int, email: str | None, at: datetime) -> None:
    """Keep ``email`` as the account's address (None: forget it)."""
    conn.execute(delete(user_emails).where(user_emails.c.user_id == user_id))
    if email is not None:
        conn.execute(insert(user_emails).values(user_id=user_id, email=email, set_at=at))


def trainers(conn: Connection) -> list[dict[str, Any]]:
    """Active trainers with a cohort, and their address (None when they have none)."""
    query = (
        select(users.c.id, users.c.username, users.c.display_name, users.c.cohort)
        .add_columns(user_emails.c.email)
        .outerjoin(user_emails, user_emails.c.user_id == users.c.id)
        .where(users.c.role == "trainer", users.c.active.is_(True), users.c.cohort.is_not(None))
        .order_by(users.c.username_key)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


# --- invitations ------------------------------------------------------------------------------


def add_invitation(conn: Connection, **values: Any) -> None:
    """A new invitation; every earlier unused one of the same account stops working."""
    conn.execute(
        update(invitations)
        .where(invitations.c.user_id == values["user_id"], invitations.c.used_at.is_(None))
        .values(used_at=values["created_at"])
    )
    conn.execute(insert(invitations).values(**values))


def invitation(conn: Connection, token_hash: str, lock: bool = False) -> dict[str, Any] | None:
    query = select(invitations).where(invitations.c.token_hash == token_hash)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def use_invitation(conn: Connection, token_hash: str, at: datetime) -> bool:
    """Mark the invitation used; False if it was used (or replaced) already."""
    done = conn.execute(
        update(invitations)
        .where(invitations.c.token_hash == token_hash, invitations.c.used_at.is_(None))
        .values(used_at=at)
    )
    return done.rowcount == 1


# --- mail sent --------------------------------------------------------------------------------

KEY = ("user_id", "kind", "about", "period", "threshold")


def sent_keys(conn: Connection) -> set[tuple[Any, ...]]:
    """The keys of every message sent (or being sent): what must not go out again."""
    query = select(*(mail_sent.c[k] for k in KEY)).where(mail_sent.c.status != "failed")
    return {tuple(r) for r in conn.execute(query)}


def claim(conn: Connection, values: dict[str, Any], stale_before: datetime) -> int | None:
    """Claim one message: insert it as ``sending``, or take over a failed one, or one whose sender
    stopped before ``stale_before`` without saying how it went. The id, or None: another run has
    it (or it was sent). Runs in a savepoint, so a lost race leaves the caller's transaction be.
    """
    where = and_(*(mail_sent.c[k] == values[k] for k in KEY))
    taken = conn.execute(
        update(mail_sent)
        .where(
            where,
            or_(
                mail_sent.c.status == "failed",
                and_(mail_sent.c.status == "sending", mail_sent.c.claimed_at < stale_before),
            ),
        )
        .values(status="sending", claimed_at=values["claimed_at"], error=None)
        .returning(mail_sent.c.id)
    ).scalar_one_or_none()
    if taken is not None:
        return taken
    if conn.execute(select(mail_sent.c.id).where(where)).first() is not None:
        return None
    try:
        with conn.begin_nested():
            return conn.execute(
                insert(mail_sent).values(status="sending", **values).returning(mail_sent.c.id)
            ).scalar_one()
    except IntegrityError:
        return None  # another run inserted it first


def mark(conn: Connection, mail_id: int, status: str, at: datetime, error: str | None) -> None:
    values: dict[str, Any] = {"status": status, "error": error}
    if status == "sent":
        values["sent_at"] = at
    conn.execute(update(mail_sent).where(mail_sent.c.id == mail_id).values(**values))


def of_user(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The messages sent to one account, newest first."""
    query = (
        select(mail_sent)
        .where(mail_sent.c.user_id == user_id, mail_sent.c.status == "sent")
        .order_by(mail_sent.c.sent_at.desc(), mail_sent.c.id.desc())
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def counts(conn: Connection) -> dict[str, int]:
    """How many rows are in each status (tests and the run's summary)."""
    out: dict[str, int] = {}
    for (status,) in conn.execute(select(mail_sent.c.status)):
        out[status] = out.get(status, 0) + 1
    return out
