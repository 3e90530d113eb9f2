"""Invitations by email: a new trainee gets a single-use link to choose their own password.

Inviting creates the account (with no password anyone knows: it cannot be signed in to yet), keeps
its address, and makes a link ``<RESURFACE_PUBLIC_URL>/?invite=<token>``. The token is random
(TOKEN_BYTES, 256 bits); the database keeps only its SHA-256, so a copy of the database opens no
account. The link works once, for ``RESURFACE_INVITE_HOURS`` (72 by default); inviting the same
account again replaces it. Choosing the password follows app.accounts' rules (length, zxcvbn).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app import accounts, clock, config, mail
from app.accounts import (
    DuplicateUser,
    Forbidden,
    NotFound,
    User,
    check_cohort,
    check_display_name,
    check_not_confusable,
    check_password,
    check_username,
    recheck,
    require,
    username_key,
)
from app.errors import ResurfaceError
from app.permissions import Action, NewAccount, acting, allowed
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store import users as user_store
from app.store.db import writing

TOKEN_BYTES = 32
# Stored in place of a password hash until the invitation is used: argon2 cannot verify it, so no
# password signs in (app.accounts.verify treats it as a wrong password).
NO_PASSWORD = "!invited"
QUERY = "invite"


class InvitationError(ResurfaceError):
    """An invitation link that cannot be used: unknown, used, replaced or expired."""


class InvitationUsed(InvitationError):
    """The link has been used (or replaced by a newer invitation)."""


class InvitationExpired(InvitationError):
    """The link is past its time."""


@dataclass(frozen=True)
class Invitation:
    """An invitation just made: the account, where it goes, and its link (shown or sent once)."""

    user: User
    email: str
    expires_at: datetime
    link: str = field(repr=False)

    def message(self, inviter: str) -> mail.Message:
        """The invitation email, in the app's words."""
        until = f"{self.expires_at:%H:%M} UTC on {self.expires_at.day} {self.expires_at:%B %Y}"
        text = (
            f"Dear {self.user.display_name},\n\n"
            f"{inviter} has invited you to Resurface, the laser resurfacing training and "
            f"certification app. Your username is {self.user.username}.\n\n"
            f"Choose your password here (the link works once, until {until}):\n{self.link}\n\n"
            "If the link has expired, ask your trainer or a manager for a new invitation. If you "
            "did not expect this message, ignore it."
        )
        return mail.Message(
            self.email, "Your Resurface account: choose your password", text, mail.paragraphs(text)
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    conn: Connection, user: User, email: str, actor_id: int | None, now: datetime
) -> Invitation:
    """A new link for ``user`` in the caller's transaction; earlier ones stop working.

    Raises MailNotConfigured when there is no public address to link to.
    """
    base = mail.app_link()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + timedelta(hours=config.invite_hours())
    mail_store.add_invitation(
        conn, token_hash=token_hash(token), user_id=user.id, invited_by=actor_id,
        created_at=now, expires_at=expires,
    )  # fmt: skip
    return Invitation(user, email, expires, f"{base}?{QUERY}={token}")


def invite(
    engine: Engine,
    actor: User | None,
    username: str,
    display_name: str | None,
    cohort: str | None,
    email: str,
    now: datetime | None = None,
) -> Invitation:
    """Create a trainee account with no password yet and an invitation link for ``email``.

    Raises InvalidUser, InvalidAddress, DuplicateUser, Forbidden, MailNotConfigured (no public
    address for the link).
    """
    now = now or clock.now()
    name = check_username(username)
    cohort = check_cohort(cohort, "trainee")
    shown = check_display_name(display_name or name)
    address = mail.check_address(email)
    mail.app_link()  # no link to send without it: refused before anything is written
    try:
        with writing(engine) as conn:
            actor = recheck(conn, actor, now)
            require(
                acting(actor),
                Action.INVITE_USER,
                NewAccount("trainee", cohort),
                f"{actor.username if actor else 'the console'} may not invite a trainee "
                f"into cohort {cohort}",
            )
            check_not_confusable(conn, name)
            user_id = user_store.add(
                conn, **accounts.new_user(name, shown, "trainee", cohort, NO_PASSWORD, now, False)
            )
            mail_store.set_email(conn, user_id, address, now)
            user = User(user_id, name, shown, "trainee", cohort, True)
            made = issue(conn, user, address, actor.id if actor else None, now)
            audit_store.record(
                conn, now, actor.id if actor else None, "user.invite", name,
                role="trainee", cohort=cohort, expires_at=made.expires_at.isoformat(),
            )  # fmt: skip
    except IntegrityError:
        raise DuplicateUser(f"username '{name}' is already taken") from None
    return made


def reinvite(
    engine: Engine, actor: User | None, username: str, now: datetime | None = None
) -> Invitation:
    """A new link for an invited account that has not chosen its password yet (the old link
    stops working). Raises NotFound, Forbidden, InvitationUsed (the password is chosen)."""
    now = now or clock.now()
    mail.app_link()
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        row = user_store.by_key(conn, username_key(username.strip()), lock=True)
        if row is None or not allowed(acting(actor), Action.VIEW_USER, User.of(row)):
            raise NotFound(f"no user '{username}'")
        target = User.of(row)
        require(acting(actor), Action.INVITE_USER, NewAccount(target.role, target.cohort))
        if row["password_hash"] != NO_PASSWORD:
            raise InvitationUsed(f"'{target.username}' has chosen a password already")
        email = mail_store.email_of(conn, target.id)
        if email is None:
            raise NotFound(f"'{target.username}' has no email address")
        made = issue(conn, target, email, actor.id if actor else None, now)
        audit_store.record(
            conn, now, actor.id if actor else None, "user.invite", target.username,
            again=True, expires_at=made.expires_at.isoformat(),
        )  # fmt: skip
    return made


def send(invitation: Invitation, inviter: str, engine: Engine) -> None:
    """Mail the invitation, and note it in the audit log. Raises MailError, MailNotConfigured."""
    failed = send_all([invitation], inviter, engine)
    if failed:
        raise failed[0][1]


def send_all(
    made: list[Invitation], inviter: str, engine: Engine
) -> list[tuple[Invitation, mail.MailError]]:
    """Mail each invitation over one connection, noting each sent in the audit log; those not
    sent, each with why (they can be sent again: ``reinvite``). Raises MailNotConfigured."""
    failed: list[tuple[Invitation, mail.MailError]] = []
    try:
        with mail.connect() as outbox:
            for index, invitation in enumerate(made):
                try:
                    outbox.send(invitation.message(inviter))
                except mail.MessageRefused as exc:
                    failed.append((invitation, exc))
                    continue
                except mail.MailError as exc:  # the connection is gone: none of the rest went
                    failed += [(later, exc) for later in made[index:]]
                    break
                with writing(engine) as conn:
                    audit_store.record(
                        conn, clock.now(), None, "mail.invite", invitation.user.username,
                        expires_at=invitation.expires_at.isoformat(),
                    )  # fmt: skip
    except mail.MailNotConfigured:
        raise
    except mail.MailError as exc:
        failed = [(invitation, exc) for invitation in made]
    return failed


def opened(engine: Engine, token: str, now: datetime | None = None) -> User:
    """The account an invitation link is for, if the link can still be used.

    Raises InvitationError (unknown), InvitationUsed, InvitationExpired.
    """
    now = now or clock.now()
    with engine.connect() as conn:
        found = mail_store.invitation(conn, token_hash(token))
        row = user_store.by_id(conn, found["user_id"]) if found else None
    return _usable(found, row, now)


def accept(engine: Engine, token: str, password: str, now: datetime | None = None) -> User:
    """Set the invited account's password through its link; the link then refuses a second use.

    Raises InvitationError, InvitationUsed, InvitationExpired, WeakPassword.
    """
    now = now or clock.now()
    user = opened(engine, token, now)
    check_password(password, (user.username, user.display_name))
    password_hash = accounts.hasher.hash(password)  # slow on purpose: before the transaction
    with writing(engine) as conn:
        found = mail_store.invitation(conn, token_hash(token), lock=True)
        row = user_store.by_id(conn, found["user_id"]) if found else None
        user = _usable(found, row, now)
        if not mail_store.use_invitation(conn, token_hash(token), now):
            raise InvitationUsed("this invitation link has been used already; sign in instead")
        user_store.change(
            conn, user.id, password_hash=password_hash, must_change_password=False,
            failed_logins=0, locked_until=None,
        )  # fmt: skip
        audit_store.record(conn, now, user.id, "user.invite.accept", user.username)
    return user


def _usable(found: dict | None, row: dict | None, now: datetime) -> User:
    if found is None or row is None:
        raise InvitationError(
            "this invitation link is not known: check that the whole link was copied"
        )
    if found["used_at"] is not None:
        raise InvitationUsed(
            "this invitation link has been used already (or a newer one was sent); sign in "
            "with the password you chose, or ask your trainer for a new invitation"
        )
    if found["expires_at"] <= now:
        raise InvitationExpired(
            f"this invitation link expired at {found['expires_at']:%H:%M} UTC on "
            f"{found['expires_at']:%Y-%m-%d}; ask your trainer or a manager for a new one"
        )
    if not row["active"]:
        raise Forbidden("this account has been deactivated; ask a manager")
    return User.of(row)
