"""Queries on settings and browser sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import config
from app.store.tables import settings, users, web_sessions


def setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar_one_or_none()


def setting_or_add(conn: Connection, key: str, value: str) -> str:
    """The stored value of ``key``; stores ``value`` first if there is none (first writer wins)."""
    found = setting(conn, key)
    if found is not None:
        return found
    try:
        with conn.begin_nested():
            conn.execute(insert(settings).values(key=key, value=value))
    except IntegrityError:
        pass
    return setting(conn, key)  # type: ignore[return-value]


def add_session(
    conn: Connection, token_hash: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    """Store a new session; expired ones are purged on the way."""
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
    conn.execute(
        insert(web_sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            created_at=now,
            expires_at=expires_at,
            delivered=False,
        )
    )


def _live(token_hash: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """What makes a session live at ``now``: not expired, and used (or begun) within the idle
    limit (``config.idle_minutes``). The one home of what "signed in" means."""
    idle = timedelta(minutes=config.idle_minutes())
    last_used = func.coalesce(web_sessions.c.seen_at, web_sessions.c.created_at)
    return (
        web_sessions.c.token_hash == token_hash,
        web_sessions.c.expires_at > now,
        last_used > now - idle,
    )


def session(conn: Connection, token_hash: str, now: datetime) -> dict[str, Any] | None:
    """A live session, or None."""
    row = conn.execute(select(web_sessions).where(*_live(token_hash, now))).mappings().first()
    return dict(row) if row else None


def session_and_user(
    conn: Connection, token_hash: str, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A live session and its user's row, read in one query (every page run and every click
    checks the session); None if the session is not live."""
    query = (
        select(web_sessions, users)
        .join(users, users.c.id == web_sessions.c.user_id)
        .where(*_live(token_hash, now))
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    n = len(web_sessions.c)
    session_row = dict(zip(web_sessions.c.keys(), row[:n], strict=True))
    return session_row, dict(zip(users.c.keys(), row[n:], strict=True))


def seen(conn: Connection, token_hash: str, now: datetime) -> None:
    """Record that a session was used at ``now``."""
    conn.execute(
        update(web_sessions).where(web_sessions.c.token_hash == token_hash).values(seen_at=now)
    )


def mark_delivered(conn: Connection, token_hash: str) -> bool:
    """Mark a session's cookie as handed out; False if it already was (or is gone)."""
    done = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.token_hash == token_hash, web_sessions.c.delivered.is_(False))
        .values(delivered=True)
    ).rowcount
    return bool(done)


def end_session(conn: Connection, token_hash: str) -> int:
    return conn.execute(
        delete(web_sessions).where(web_sessions.c.token_hash == token_hash)
    ).rowcount


def end_sessions_of(conn: Connection, user_id: int) -> int:
    return conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount
