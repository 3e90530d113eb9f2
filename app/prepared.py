"""Files prepared for a download, kept in the database until they are fetched or expire.

A prepared export used to wait on the disk of the server that made it, and its download went
through that server's Streamlit; with several servers behind nginx, a browser that lands on
another (its server was restarted, or died) found nothing. Here the file's bytes go into the
database in chunks, and ``GET /download/<token>`` (app.ui.server) hands them out from any server,
to the user who prepared them only, once the rules are checked again at that moment.

Two kinds of file wait here: exports (Action.EXPORT: managers) and personal-data zips
(Action.EXPORT_PERSONAL_DATA: one's own, or a manager's of anyone). Each file keeps the action
that allowed it and the person it is about; the download asks the same rule again, of the same
person, as the database has them then.

The link's token is random and the database keeps only its SHA-256, as for sessions. A file lives
for LIFETIME; ``sweep`` (run whenever a file is kept) removes the expired ones, and each user
keeps only their latest file of a kind of page (``keep`` replaces the previous one).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from sqlalchemy import Connection, Engine, delete, insert, select

from app import clock, websession
from app.accounts import User, recheck, require
from app.errors import ResurfaceError
from app.permissions import Action, acting
from app.store import users as user_store
from app.store.db import writing
from app.store.tables import prepared_chunks, prepared_files

LIFETIME = timedelta(hours=24)
CHUNK = 1 << 20  # bytes a database row holds: about a megabyte
KINDS = frozenset({Action.EXPORT, Action.EXPORT_PERSONAL_DATA})  # what a file may be


@dataclass(frozen=True)
class Prepared:
    """A file waiting for its download: what the browser is told about it."""

    id: int
    user_id: int
    action: Action
    subject_id: int | None
    name: str
    media_type: str
    size: int
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep(
    engine: Engine,
    actor: User,
    source: BinaryIO,
    name: str,
    media_type: str,
    *,
    action: Action = Action.EXPORT,
    subject: User | None = None,
    replacing: str | None = None,
    now: datetime | None = None,
) -> str:
    """Store ``source`` (read from its start, chunk by chunk) as a file for ``actor`` to download;
    returns the token of its link. ``action``: what the file is (an export, or the personal data
    of ``subject``), allowed to ``actor`` by the rules; checked again in the transaction (a
    sign-out or demotion meanwhile stores nothing: Forbidden), and again at the download.
    ``replacing``: the token of the actor's previous file, removed."""
    if action not in KINDS:
        raise ValueError(f"no prepared file is kept for {action.value}")
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    sweep(engine, now)
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        _allowed(conn, actor, action, subject.id if subject else None)
        if replacing:
            conn.execute(
                delete(prepared_files).where(
                    prepared_files.c.token_hash == _digest(replacing),
                    prepared_files.c.user_id == actor.id,
                )
            )
        file_id: int = conn.execute(
            insert(prepared_files).values(
                token_hash=_digest(token),
                user_id=actor.id,
                action=action.value,
                subject_id=subject.id if subject else None,
                name=name,
                media_type=media_type,
                size=0,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        size = seq = 0
        while chunk := source.read(CHUNK):
            conn.execute(insert(prepared_chunks).values(file_id=file_id, seq=seq, data=chunk))
            size += len(chunk)
            seq += 1
        conn.execute(
            prepared_files.update().where(prepared_files.c.id == file_id).values(size=size)
        )
    return token


def find(engine: Engine, token: str, now: datetime | None = None) -> Prepared | None:
    """The unexpired file a link's token names, or None."""
    now = now or clock.now()
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(prepared_files).where(prepared_files.c.token_hash == _digest(token))
            )
            .mappings()
            .first()
        )
    if row is None or row["expires_at"] <= now:
        return None
    return Prepared(
        row["id"],
        row["user_id"],
        Action(row["action"]),
        row["subject_id"],
        row["name"],
        row["media_type"],
        row["size"],
        row["expires_at"],
    )


class NotAvailable(ResurfaceError):
    """The link names no file this browser may have: unknown, expired, replaced, or another's."""

    def __init__(self) -> None:
        super().__init__(
            "This file is not available: it expired, was replaced, or was prepared in another "
            "session. Sign in and prepare it again on the page you prepared it on."
        )


def for_download(
    engine: Engine, session_token: str | None, token: str, now: datetime | None = None
) -> Prepared:
    """The file a link names, for the browser whose session token is ``session_token``: only if
    that session's user prepared it and the rule that let them still does at this moment (a
    sign-out, deactivation or demotion since it was prepared stops the download; so does the
    erasure of the person a personal-data zip is about). Raises NotAvailable (the same for an
    unknown link and another's, so a guess learns nothing) or Forbidden."""
    now = now or clock.now()
    user = websession.user_for(engine, session_token, now)
    found = find(engine, token, now)
    if user is None or found is None or found.user_id != user.id:
        raise NotAvailable()
    with engine.connect() as conn:
        _allowed(conn, recheck(conn, user, now), found.action, found.subject_id)
    return found


def _allowed(conn: Connection, actor: User, action: Action, subject_id: int | None) -> None:
    """Refuse (Forbidden, NotAvailable) unless ``actor`` (as re-read) may ``action`` the person
    ``subject_id`` (as the database has them now; None: no person)."""
    subject = None
    if subject_id is not None:
        row = user_store.by_id(conn, subject_id)
        if row is None:
            raise NotAvailable()
        subject = User.of(row)
    require(acting(actor), action, subject)


def chunks(engine: Engine, file_id: int) -> Iterator[bytes]:
    """The file's bytes in order, one chunk per query (no connection held in between)."""
    seq = 0
    while True:
        with engine.connect() as conn:
            data = conn.execute(
                select(prepared_chunks.c.data).where(
                    prepared_chunks.c.file_id == file_id, prepared_chunks.c.seq == seq
                )
            ).scalar_one_or_none()
        if data is None:
            return
        yield bytes(data)
        seq += 1


def discard(engine: Engine, token: str) -> None:
    """Remove a file (its page prepared another, or it is not wanted)."""
    with writing(engine) as conn:
        conn.execute(delete(prepared_files).where(prepared_files.c.token_hash == _digest(token)))


def sweep(engine: Engine, now: datetime | None = None) -> int:
    """Remove every expired file; returns how many went."""
    now = now or clock.now()
    with writing(engine) as conn:
        return conn.execute(
            delete(prepared_files).where(prepared_files.c.expires_at <= now)
        ).rowcount
