"""Accounts' email addresses: where reminders and invitations go (table ``user_emails``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from app import clock, mail
from app.accounts import NotFound, User, recheck, require, username_key
from app.permissions import Action, acting, allowed
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store import users as user_store
from app.store.db import writing


def set_email(
    engine: Engine, actor: User | None, username: str, email: str, now: datetime | None = None
) -> str | None:
    """Keep ``email`` as the account's address ("" forgets it); the address kept, or None.

    Raises InvalidAddress, NotFound (also for accounts the actor may not see), Forbidden.
    """
    now = now or clock.now()
    address = mail.check_address(email) if email.strip() else None
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        row = user_store.by_key(conn, username_key(username.strip()), lock=True)
        if row is None or not allowed(acting(actor), Action.VIEW_USER, User.of(row)):
            raise NotFound(f"no user '{username}'")
        target = User.of(row)
        require(acting(actor), Action.SET_EMAIL, target)
        mail_store.set_email(conn, target.id, address, now)
        audit_store.record(
            conn, now, actor.id if actor else None, "user.email", target.username,
            set=address is not None,
        )  # fmt: skip
    return address
