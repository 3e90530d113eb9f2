"""Queries on settings and browser sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import config
from app.store.tables import settings, web_sessions


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


def session(conn: Connection, token_hash: str, now: datetime) -> dict[str, Any] | None:
    """A live session, or None: one not expired and used (or begun) within the idle limit
    (``config.idle_minutes``) before ``now``. The one home of what "signed in" means."""
    idle = timedelta(minutes=config.idle_minutes())
    last_used = func.coalesce(web_sessions.c.seen_at, web_sessions.c.created_at)
    query = select(web_sessions).where(
        web_sessions.c.token_hash == token_hash,
        web_sessions.c.expires_at > now,
        last_used > now - idle,
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


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
