"""Browser sessions: the signed HttpOnly cookie that keeps a user signed in across reloads and tabs.

Signing in happens on the sign-in page, over Streamlit's websocket, where no cookie can be set. So
``begin`` makes a session there and then, and the page hands its token to the browser once; the
browser posts it to ``/auth/session``, which may ``deliver`` it as a cookie only once and only
within a minute. The database keeps only each token's SHA-256; the cookie carries the token signed
with the server's key. Signing out deletes the session, so a copied cookie is dead from then on;
a deactivated account's sessions stop working at once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from app import clock, config
from app.accounts import AccountInactive, User
from app.errors import ResurfaceError
from app.store import sessions as session_store
from app.store import users as user_store
from app.store.db import writing

log = logging.getLogger(__name__)

COOKIE_NAME = "resurface_session"
# Over HTTPS the cookie is named with the __Host- prefix: the browser then keeps it only if it is
# Secure, set for this host exactly (no Domain) and for every path, so no other site on a sibling
# host and no plain-HTTP page can plant or overwrite it.
SECURE_COOKIE_NAME = f"__Host-{COOKIE_NAME}"


def cookie_name(secure: bool) -> str:
    """The name the session cookie is set under: the __Host- one over HTTPS."""
    return SECURE_COOKIE_NAME if secure else COOKIE_NAME


def carried(cookies: Mapping[str, str]) -> str | None:
    """The session cookie a request carries, under either name (the secure one first)."""
    return cookies.get(SECURE_COOKIE_NAME) or cookies.get(COOKIE_NAME)


DELIVERY_WINDOW = timedelta(seconds=60)
SEEN_EVERY = timedelta(seconds=60)  # how often a session's last use is written down
_SALT = "resurface.session"


class SessionInvalid(ResurfaceError):
    """The session token is unknown, expired, or its cookie was handed out already."""


@dataclass(frozen=True)
class Cookie:
    """What the browser is told to keep: the signed value and how long it lives, in seconds."""

    value: str
    max_age: int


def session_lifetime() -> timedelta:
    """How long a sign-in lasts (``config.session_hours``). Raises SettingError."""
    return timedelta(hours=config.session_hours())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer(engine: Engine) -> URLSafeSerializer:
    """Signs with ``RESURFACE_SECRET_KEY``, or with a key made once and kept in the database.

    Keeping it in the database lets several servers on one PostgreSQL share it.
    """
    key = config.secret_key()
    if not key:
        with engine.connect() as conn:
            key = session_store.setting(conn, "secret_key")
    if not key:
        with writing(engine) as conn:
            key = session_store.setting_or_add(conn, "secret_key", secrets.token_urlsafe(48))
    return URLSafeSerializer(key, salt=_SALT)


def begin(
    engine: Engine, user: User, now: datetime | None = None, replacing: str | None = None
) -> str:
    """Start a session for a user who has just signed in; returns its token.

    ``replacing``: the session token the browser still carried, if any. Someone signing in over
    another user's session (a shared clinic computer) ends that session.
    """
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        if replacing:
            old = session_store.session(conn, _digest(replacing), now)
            if old is not None and old["user_id"] != user.id:
                session_store.end_session(conn, _digest(replacing))
        session_store.add_session(conn, _digest(token), user.id, now, now + session_lifetime())
    return token


def deliver(engine: Engine, token: str, now: datetime | None = None) -> Cookie:
    """The cookie for a session begun within the last minute; once only.

    Raises SessionInvalid, AccountInactive.
    """
    now = now or clock.now()
    error: Exception | None = None
    with writing(engine) as conn:
        row = session_store.session(conn, _digest(token), now)
        owner = user_store.by_id(conn, row["user_id"]) if row else None
        if row is None or owner is None or now - row["created_at"] > DELIVERY_WINDOW:
            error = SessionInvalid("this sign-in has expired; sign in again")
        elif not owner["active"]:
            error = AccountInactive("this account has been deactivated; ask a manager")
        elif not session_store.mark_delivered(conn, _digest(token)):
            error = SessionInvalid("this sign-in has been used already; sign in again")
    if error is not None:
        raise error
    assert row is not None
    max_age = int((row["expires_at"] - now).total_seconds())
    return Cookie(_serializer(engine).dumps(token), max_age)


def token_from_cookie(engine: Engine, cookie: str | None) -> str | None:
    """The session token a cookie carries, or None if it is missing or its signature is wrong."""
    if not cookie:
        return None
    try:
        token = _serializer(engine).loads(cookie)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def user_for(engine: Engine, token: str | None, now: datetime | None = None) -> User | None:
    """The active user a session token belongs to, or None (unknown, expired, ended, idle for
    longer than ``config.idle_minutes``). Counts as a use of the session: the idle time starts
    again (recorded at most once a minute, so a busy page writes little)."""
    if not token:
        return None
    now = now or clock.now()
    with engine.connect() as conn:
        found = session_store.session_and_user(conn, _digest(token), now)
    if found is None or not found[1]["active"]:
        return None
    row, owner = found
    if now - (row["seen_at"] or row["created_at"]) >= SEEN_EVERY:
        # Only the idle clock: a database too busy to take it now must not cost the click it
        # came with (an answer, under load); the next use, a minute on, writes it again.
        try:
            with writing(engine) as conn:
                session_store.seen(conn, _digest(token), now)
        except DBAPIError:
            log.warning("could not record a session's use; its idle time was not restarted")
    return replace(User.of(owner), session=_digest(token))


def end(engine: Engine, token: str | None) -> None:
    """Sign a session out: it is deleted, so its cookie no longer works anywhere."""
    if token:
        with writing(engine) as conn:
            session_store.end_session(conn, _digest(token))
