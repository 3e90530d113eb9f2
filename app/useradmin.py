"""Managing accounts: what managers and trainers do to other people's, and your own password.

Managers manage everyone; trainers the trainees of their own cohort, whom they may rename, reset
and deactivate but not promote or move to another cohort. Nobody changes their own role or
deactivates themselves, and nothing may leave the app without an active manager. Every change is
written to the audit log with its before and after values (never a password).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from app import accounts, clock, throttle
from app.accounts import (
    MAX_FAILED,
    ROLES,
    AccountError,
    Forbidden,
    InvalidUser,
    NotFound,
    Role,
    SignedOutEverywhere,
    User,
    WeakPassword,
    check_cohort,
    check_display_name,
    check_password,
    recheck,
    username_key,
)
from app.permissions import Action, NewAccount, acting, allowed
from app.store import audit as audit_store
from app.store import content as content_store
from app.store import sessions as session_store
from app.store import users as user_store
from app.store.db import writing

# No 0/O, 1/l/I: a temporary password is read off a screen or a sheet and typed by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STATUSES = ("active", "deactivated")


class LastManager(Forbidden):
    """The change would leave no active manager to run the app."""


class WrongPassword(AccountError):
    """The current password given to change it is wrong."""


class SamePassword(WeakPassword):
    """The new password is the one being replaced."""


@dataclass(frozen=True)
class Rights:
    """What an actor may change about one account (the UI shows only these controls)."""

    display_name: bool = False
    role: bool = False
    cohort: bool = False
    reset_password: bool = False
    activate: bool = False
    grant_editing: bool = False  # let this trainer edit questions, or stop them

    @property
    def any(self) -> bool:
        return self.display_name or self.role or self.cohort or self.reset_password


def rights(actor: User | None, target: User) -> Rights:
    """What ``actor`` (None: the console operator) may do to ``target``: a pure function."""
    who = acting(actor)
    return Rights(
        display_name=allowed(who, Action.RENAME_USER, target),
        role=allowed(who, Action.CHANGE_ROLE, target),
        cohort=allowed(who, Action.CHANGE_COHORT, target),
        reset_password=allowed(who, Action.RESET_PASSWORD, target),
        activate=allowed(who, Action.SET_ACTIVE, target),
        grant_editing=allowed(who, Action.GRANT_EDITING, target) and target.role == "trainer",
    )


def generate_password() -> str:
    """A random temporary password such as ``k7Rm-Xq2d-Pz9w`` (about 70 bits)."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def managed(conn: Any, actor: User | None, username: str, action: Action) -> User:
    """The user ``actor`` may do ``action`` to, read inside the caller's transaction.

    Raises NotFound (also for users the actor may not see), Forbidden.
    """
    row = user_store.by_key(conn, username_key(username.strip()))
    if row is None or not allowed(acting(actor), Action.VIEW_USER, User.of(row)):
        raise NotFound(f"no user '{username}'")
    target = User.of(row)
    if allowed(acting(actor), action, target) or actor is None:  # (the console always is)
        return target
    if actor.id == target.id:
        raise Forbidden("you cannot do this to your own account")
    raise Forbidden(f"{actor.username} may not manage {target.username}")


def _names(engine: Engine, username: str) -> tuple[str, ...]:
    """The username and display name a new password for this account must not be built from."""
    with engine.connect() as conn:
        row = user_store.by_key(conn, username_key(username.strip()))
    return (username,) if row is None else (row["username"], row["display_name"])


def keep_a_manager(conn: Any) -> None:
    """Refuse (LastManager) to take away the only active manager; call inside the transaction."""
    if user_store.active_managers(conn) <= 1:
        raise LastManager("this is the only active manager; make someone else a manager first")


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor else None


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A user as the Users page lists them."""

    user: User
    created_at: datetime
    last_sign_in: datetime | None
    # Until when some client must wait to try this username again (app.throttle), if it must.
    delayed_until: datetime | None = None

    def status(self, now: datetime | None = None) -> str:
        if not self.user.active:
            return "deactivated"
        if self.delayed_until and self.delayed_until > (now or clock.now()):
            return "sign-in delayed"
        return "must change password" if self.user.must_change_password else "active"


def find_users(
    engine: Engine,
    actor: User | None,
    search: str = "",
    role: Role | None = None,
    cohort: str | None = None,
    status: str | None = None,
) -> list[Listed]:
    """The accounts ``actor`` manages, by username: managers everyone, trainers their trainees.

    ``search`` matches part of a username or display name, ignoring case; ``status`` is
    "active" or "deactivated" (None: both).
    """
    now = clock.now()
    with engine.connect() as conn:
        rows = user_store.with_activity(conn)
        delayed = throttle.delayed(conn, now)
        editors = content_store.editors(conn)
    needle = username_key(search.strip())
    out = []
    for row in rows:
        user = replace(User.of(row), edits_content=row["id"] in editors)
        if not allowed(acting(actor), Action.MANAGE_USER, user):
            continue
        if role and user.role != role:
            continue
        if cohort and user.cohort != cohort:
            continue
        if status and (status == "active") != user.active:
            continue
        if needle and needle not in username_key(user.username + "\0" + user.display_name):
            continue
        out.append(
            Listed(
                user, row["created_at"], row["last_login"], delayed.get(username_key(user.username))
            )
        )
    return out


def cohorts(engine: Engine, actor: User | None) -> list[str]:
    """The cohorts ``actor`` may put people in: every one in use for managers, a trainer's own."""
    who = acting(actor)
    if not allowed(who, Action.CREATE_USER):
        return []
    with engine.connect() as conn:
        in_use = user_store.cohorts(conn)
    return [c for c in in_use if allowed(who, Action.CREATE_USER, NewAccount("trainee", c))]


# --- changes to someone's account --------------------------------------------------------------


@dataclass(frozen=True)
class Edited:
    """The user after an edit, and what changed: field -> (before, after)."""

    user: User
    changes: dict[str, tuple[str | None, str | None]]

    def describe(self) -> str:
        """``role trainee → trainer; cohort north → south`` (or ``nothing changed``)."""
        shown = {"display_name": "display name"}
        parts = [
            f"{shown.get(f, f)} {before or '(none)'} → {after or '(none)'}"
            for f, (before, after) in self.changes.items()
        ]
        return "; ".join(parts) or "nothing changed"


def edit_user(
    engine: Engine,
    actor: User | None,
    username: str,
    display_name: str | None = None,
    role: Role | None = None,
    cohort: str | None = None,
) -> Edited:
    """Change a user's display name, role and/or cohort (None: leave as is; cohort "" clears it).

    ``actor`` None is the operator at the console. Raises NotFound, Forbidden, LastManager,
    InvalidUser.
    """
    if role is not None and role not in ROLES:
        raise InvalidUser(f"role must be one of {', '.join(ROLES)}")
    with writing(engine) as conn:
        actor = recheck(conn, actor)
        row = user_store.by_key(conn, username_key(username.strip()))
        if row is None or not allowed(acting(actor), Action.VIEW_USER, User.of(row)):
            raise NotFound(f"no user '{username}'")
        target = User.of(row)
        new_role = target.role if role is None else role
        asked_cohort = target.cohort if cohort is None else (cohort.strip() or None)
        _check_rights(actor, target, rights(actor, target), new_role, asked_cohort)
        new_name = target.display_name if display_name is None else check_display_name(display_name)
        new_cohort = check_cohort(asked_cohort, new_role)
        if target.active and target.role == "manager" and new_role != "manager":
            keep_a_manager(conn)
        after = {"display_name": new_name, "role": new_role, "cohort": new_cohort}
        changes = {f: (getattr(target, f), v) for f, v in after.items() if getattr(target, f) != v}
        if not changes:
            return Edited(target, {})
        user_store.change(conn, target.id, **{f: v for f, (_, v) in changes.items()})
        audit_store.record(
            conn,
            clock.now(),
            _actor_id(actor),
            "user.edit",
            target.username,
            **{f: list(pair) for f, pair in changes.items()},
        )
    return Edited(replace(target, display_name=new_name, role=new_role, cohort=new_cohort), changes)


def _check_rights(
    actor: User | None, target: User, allowed: Rights, role: str, cohort: str | None
) -> None:
    if actor is None:
        return
    if not allowed.display_name:
        raise Forbidden(f"{actor.username} may not manage {target.username}")
    if role != target.role and not allowed.role:
        if actor.id == target.id:
            raise Forbidden("you cannot change your own role; ask another manager")
        raise Forbidden("trainers cannot change anyone's role; ask a manager")
    if cohort != target.cohort and not allowed.cohort:
        if actor.id == target.id:
            raise Forbidden("you cannot change your own cohort; ask a manager")
        raise Forbidden(
            f"trainers cannot move trainees out of their cohort '{actor.cohort}'; ask a manager"
        )


def set_password(
    engine: Engine, actor: User | None, username: str, password: str, temporary: bool = False
) -> None:
    """Set a password (yourself, or a user you manage; ``actor`` None = operator at the console).

    ``temporary``: the user must choose a new one at their next sign-in (never for your own).
    Also clears a lockout and signs the user out of every browser. Raises NotFound, Forbidden,
    WeakPassword.
    """
    check_password(password, _names(engine, username))
    password_hash = accounts.hasher.hash(password)
    with writing(engine) as conn:
        actor = recheck(conn, actor, own_password=True)
        target = managed(conn, actor, username, Action.SET_PASSWORD)
        temporary = temporary and not (actor is not None and actor.id == target.id)
        _store_password(conn, actor, target, password_hash, temporary)


def reset_password(
    engine: Engine, actor: User | None, username: str, password: str | None = None
) -> str:
    """Give someone else a temporary password (typed, or generated when None) and return it.

    They must choose their own at their next sign-in; their lockout is cleared and every browser
    they were signed in on is signed out. Raises NotFound, Forbidden, WeakPassword.
    """
    password = generate_password() if password is None else password
    check_password(password, _names(engine, username))
    password_hash = accounts.hasher.hash(password)
    with writing(engine) as conn:
        actor = recheck(conn, actor)
        target = managed(conn, actor, username, Action.RESET_PASSWORD)
        _store_password(conn, actor, target, password_hash, True)
    return password


def _store_password(
    conn: Any, actor: User | None, target: User, password_hash: str, temporary: bool
) -> None:
    user_store.change(
        conn,
        target.id,
        password_hash=password_hash,
        failed_logins=0,
        locked_until=None,
        must_change_password=temporary,
    )
    throttle.clear(conn, username_key(target.username))  # old guesses mean nothing now
    session_store.end_sessions_of(conn, target.id)
    detail = {"temporary": True} if temporary else {}
    audit_store.record(
        conn, clock.now(), _actor_id(actor), "user.password", target.username, **detail
    )


def clear_delay(engine: Engine, actor: User | None, username: str) -> int:
    """Let a username be tried again at once from every address (app.throttle): for someone
    whose sign-in is delayed by failures (theirs, or someone guessing). Same rights as a
    password reset. Returns how many counters were cleared. Raises NotFound, Forbidden."""
    with writing(engine) as conn:
        actor = recheck(conn, actor)
        target = managed(conn, actor, username, Action.RESET_PASSWORD)
        cleared = throttle.clear(conn, username_key(target.username))
        audit_store.record(conn, clock.now(), _actor_id(actor), "user.clear_delay", target.username)
    return cleared


def set_active(engine: Engine, actor: User | None, username: str, active: bool) -> User:
    """Deactivate or reactivate a user; their history stays, their browser sessions end.

    Raises NotFound, Forbidden, LastManager.
    """
    with writing(engine) as conn:
        actor = recheck(conn, actor)
        target = managed(conn, actor, username, Action.SET_ACTIVE)
        if not active and target.role == "manager" and target.active:
            keep_a_manager(conn)
        user_store.change(conn, target.id, active=active)
        session_store.end_sessions_of(conn, target.id)
        audit_store.record(
            conn,
            clock.now(),
            _actor_id(actor),
            "user.activate" if active else "user.deactivate",
            target.username,
        )
    return replace(target, active=active)


def set_content_editor(engine: Engine, actor: User | None, username: str, edits: bool) -> User:
    """Let a trainer edit, create and retire questions (``edits``), or stop them.

    Raises NotFound, Forbidden (not a manager, or not a trainer's account).
    """
    with writing(engine) as conn:
        actor = recheck(conn, actor)
        target = managed(conn, actor, username, Action.VIEW_USER)
        if target.role != "trainer":
            raise Forbidden("only trainers are given the right to edit questions; managers have it")
        accounts.require(acting(actor), Action.GRANT_EDITING, target)
        was = content_store.granted(conn, target.id)
        if was != edits:
            now = clock.now()
            if edits:
                content_store.grant(conn, target.id, _actor_id(actor), now)
            else:
                content_store.revoke(conn, target.id)
            audit_store.record(
                conn,
                now,
                _actor_id(actor),
                "user.content_editor",
                target.username,
                edits_content=[was, edits],
            )
    return replace(target, edits_content=edits)


# --- your own account ---------------------------------------------------------------------------


def change_own_password(engine: Engine, user: User, current: str, new: str) -> User:
    """Replace your own password, given the current one; clears "must change password".

    Every browser session of the user ends (the caller signs the current one in again). Wrong
    current passwords are counted: the MAX_FAILED-th in a row signs the account out everywhere,
    so that a browser left signed in is no way to guess the password at leisure (signing in
    again goes through the throttled sign-in). Raises WrongPassword, SignedOutEverywhere,
    SamePassword, WeakPassword, NotFound.
    """
    with engine.connect() as conn:
        recheck(conn, user, own_password=True)
        row = user_store.by_id(conn, user.id)
    if row is None:
        raise NotFound(f"no user '{user.username}'")
    check_password(new, (row["username"], row["display_name"]))
    if not accounts.verify(row["password_hash"], current):
        with writing(engine) as conn:
            latest = user_store.by_key(conn, row["username_key"], lock=True)
            if latest is None:
                raise NotFound(f"no user '{user.username}'")
            everywhere = accounts.count_wrong_current_password(conn, latest, clock.now())
            if everywhere:
                session_store.end_sessions_of(conn, user.id)
        if everywhere:
            raise SignedOutEverywhere(
                f"{MAX_FAILED} wrong current passwords in a row: you have been signed out "
                "everywhere; sign in again"
            )
        raise WrongPassword("the current password is wrong")
    if current == new:
        raise SamePassword("the new password must differ from the current one")
    password_hash = accounts.hasher.hash(new)
    with writing(engine) as conn:
        recheck(conn, user, own_password=True)
        latest = user_store.by_id(conn, user.id)
        if latest is None or latest["password_hash"] != row["password_hash"]:
            raise WrongPassword("your password was changed meanwhile; sign in again")
        user_store.change(
            conn,
            user.id,
            password_hash=password_hash,
            failed_logins=0,
            locked_until=None,
            must_change_password=False,
        )
        session_store.end_sessions_of(conn, user.id)
        audit_store.record(conn, clock.now(), user.id, "user.password", row["username"], own=True)
    return replace(User.of(row), must_change_password=False)
