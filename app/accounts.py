"""Users, password hashing, sign-in with lockout; refusals by the rules of app.permissions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, overload

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from confusables import is_confusable
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from app import clock, throttle
from app.errors import ResurfaceError
from app.permissions import (
    EVERY_COHORT,
    ROLES,
    Action,
    Actor,
    Cohort,
    NewAccount,
    Resource,
    Role,
    acting,
    allowed,
    refusal,
)
from app.store import audit as audit_store
from app.store import sessions as session_store
from app.store import users as user_store
from app.store.db import writing

MIN_PASSWORD = 10
# What a password field tells the person choosing one (the rule above, in their words).
PASSWORD_HINT = f"At least {MIN_PASSWORD} characters. A short sentence is easy to remember."
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a longer password is judged by its first 72
MAX_PASSWORD = 1024  # argon2 would hash a megabyte happily; nobody types that
MAX_COHORT = 100
MAX_FAILED = 5  # wrong current passwords in a row on My account before signing out everywhere

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile). When these change, older
# hashes still verify and are rehashed at the next successful sign-in.
hasher = PasswordHasher()
# A real hash to verify against when the username is unknown, so timing does not reveal which
# usernames exist.
_DUMMY_HASH = hasher.hash("resurface-dummy-password")


class AccountError(ResurfaceError):
    """Base class for account problems a user can be told about."""


class InvalidUser(AccountError):
    """A username, display name, role or cohort is not acceptable."""


class WeakPassword(AccountError):
    """A password is too short or too long."""


class DuplicateUser(AccountError):
    """The username is taken (compared without case)."""


class AlreadyInitialised(AccountError):
    """The database already has users, so there is no first manager to create."""


class LoginFailed(AccountError):
    """Unknown username or wrong password (deliberately not saying which)."""


class SignInDelayed(AccountError):
    """Too many failed sign-ins from this client: it may try again at ``until`` (app.throttle)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            f"too many failed sign-ins from here; try again after {until:%H:%M:%S} UTC"
        )
        self.until = until


class SignedOutEverywhere(AccountError):
    """The MAX_FAILED-th wrong current password in a row: the account was signed out everywhere."""


class Forbidden(AccountError):
    """The acting user may not do this."""


class AccountInactive(Forbidden):
    """The account has been deactivated."""


class SessionEnded(Forbidden):
    """The browser session an action came from has ended: signed out (in this tab or another),
    signed out everywhere by a password change or reset, or expired."""


class NotFound(AccountError):
    """No such user (or not one the acting user may see)."""


@dataclass(frozen=True)
class User:
    """A signed-in or listed user; never carries the password hash."""

    id: int
    username: str
    display_name: str
    role: Role
    cohort: str | None
    active: bool
    # Someone else chose the password (a reset, an import): no page opens until it is replaced.
    must_change_password: bool = False
    # A trainer a manager has let edit questions (managers may in any case).
    edits_content: bool = False
    # The SHA-256 of the browser session this user acts through (app.websession), or None for
    # code acting outside a browser (the console, scripts, tests). Never the token itself.
    session: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, row: dict[str, Any]) -> User:
        return cls(
            row["id"],
            row["username"],
            row["display_name"],
            row["role"],
            row["cohort"],
            row["active"],
            bool(row.get("must_change_password", False)),
            bool(row.get("edits_content", False)),
        )


def username_key(username: str) -> str:
    """The form usernames are compared in: Unicode-normalised and case-folded."""
    return unicodedata.normalize("NFKC", username).casefold()


def check_username(username: str) -> str:
    name = unicodedata.normalize("NFKC", username).strip()
    # The folded form is stored too, and can be longer ("ß" folds to "ss").
    if not 1 <= len(name) <= 64 or len(username_key(name)) > 64:
        raise InvalidUser("username must be 1 to 64 characters")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidUser("username may not contain spaces or control characters")
    return name


# Marks that reorder the text around them: "Ann\u202eeeL" shows as "Ann Lee" backwards, so a
# name could pass for another in a list.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _control(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cs" or (category == "Cc" and ch not in "\t\r\n") or ch in _BIDI


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character other than a tab or line break (NUL, escape,
    bell...), a mark that reverses the direction of text, or half of a surrogate pair: nothing a
    person types into a name; PostgreSQL refuses NUL outright, an escape in a name would drive the
    terminal that lists it, and a reversed name can pass for another."""
    return any(map(_control, text))


def looks_like(name: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that ``name`` could be mistaken for on screen, or None: ``ann``
    with a Cyrillic a (U+0430) for ``ann``, ``rnary`` for ``mary``, ``b0ss`` for ``boss``,
    ``ann1`` for ``annl``. The same username (ignoring case and Unicode forms) is not counted
    here: it is taken, which is another refusal.

    Confusable characters are Unicode's (UTS #39, confusables.txt), through the ``confusables``
    library, compared pair by pair (a pair that differs at once is dismissed at once)."""
    key = username_key(name)
    for other in others:
        if username_key(other) != key and is_confusable(name, other):
            return other
    return None


def check_not_confusable(conn: Connection, name: str) -> None:
    """Raise InvalidUser if a new ``name`` could be mistaken for an existing username."""
    other = looks_like(name, user_store.usernames(conn))
    if other is not None:
        raise InvalidUser(
            f"username '{name}' could be mistaken for the existing '{other}'; choose another"
        )


def check_cohort(cohort: str | None, role: str) -> str | None:
    """The cohort stripped (None if blank). Raises InvalidUser."""
    cohort = cohort.strip() if cohort and cohort.strip() else None
    if role != "manager" and cohort is None:
        raise InvalidUser(f"a {role} needs a cohort (the clinic or site they belong to)")
    if cohort is not None and len(cohort) > MAX_COHORT:
        raise InvalidUser(f"cohort must be at most {MAX_COHORT} characters")
    if cohort is not None and has_control(cohort):
        raise InvalidUser("cohort may not contain control characters")
    return cohort


def check_display_name(display_name: str) -> str:
    shown = display_name.strip()
    if not shown or len(shown) > 200:
        raise InvalidUser("display name must be 1 to 200 characters")
    if has_control(shown):
        raise InvalidUser("display name may not contain control characters")
    return shown


def password_problem(password: str, about: Iterable[str] = ()) -> str | None:
    """Why ``password`` will not do, or None. ``about``: the username and display name of the
    account it is for, which a password must not be built from.

    Too short or too long; made of the account's own name with digits and punctuation around it
    (``ann-lee-2026``); or, by zxcvbn's estimate (Dropbox's password-strength model, with its
    lists of the most common passwords, names and words), guessable in under about a million
    tries (its score 0 or 1: ``Password1!``, ``welcome123``, ``qwertyuiop``).
    """
    if len(password) < MIN_PASSWORD:
        return f"password must be at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"password must be at most {MAX_PASSWORD} characters"
    words = {w for text in about for w in re.split(r"[^\w]+|_", text.casefold()) if len(w) >= 3}
    left = password.casefold()
    for word in sorted(words, key=len, reverse=True):
        left = left.replace(word, "")
    if words and len(re.sub(r"[\W\d_]+", "", left)) < 4 and left != password.casefold():
        return "password is built from the account's own name; choose other words"
    judged = zxcvbn(password[:ZXCVBN_MAX], user_inputs=sorted(words))
    if judged["score"] < 2:
        feedback = judged["feedback"]
        why = feedback["warning"] or " ".join(feedback["suggestions"][:1])
        why = why.rstrip(".")
        return (
            f"password is too easy to guess ({why[:1].lower()}{why[1:]}); "
            "a short sentence of your own is better"
        )
    return None


def check_password(password: str, about: Iterable[str] = ()) -> None:
    """Raise WeakPassword saying why, unless ``password`` will do (see ``password_problem``)."""
    problem = password_problem(password, about)
    if problem is not None:
        raise WeakPassword(problem)


@overload
def recheck(
    conn: Connection, actor: User, now: datetime | None = None, *, own_password: bool = False
) -> User: ...
@overload
def recheck(
    conn: Connection, actor: None, now: datetime | None = None, *, own_password: bool = False
) -> None: ...
def recheck(
    conn: Connection, actor: User | None, now: datetime | None = None, *, own_password: bool = False
) -> User | None:
    """The acting user as the database has them now: call first inside every write transaction
    and use what it returns, never the ``User`` the caller held (read a click ago, it may be stale).

    A deactivated account, or a session that has ended (signed out here or in another tab, signed
    out everywhere by a password reset or deactivation, expired), refuses the action; a new role
    or cohort applies to it. Until someone who was given a password chooses their own, a session
    may do only that (``own_password``). ``actor`` None is the operator at the console and stays
    None. Raises AccountInactive, SessionEnded.
    """
    if actor is None:
        return None
    row = user_store.by_id(conn, actor.id)
    if row is None or not row["active"]:
        raise AccountInactive("this account has been deactivated; ask a manager")
    if actor.session is not None:
        if session_store.session(conn, actor.session, now or clock.now()) is None:
            raise SessionEnded("you have been signed out; sign in again")
        if row["must_change_password"] and not own_password:
            raise SessionEnded("choose a new password first")
    return replace(User.of(row), session=actor.session)


# --- permissions: the rules are app.permissions'; here the refusals, which are account errors ---


def require(
    actor: Actor, action: Action, resource: Resource = None, why: str | None = None
) -> None:
    """Raise Forbidden (saying ``why``, or the action's usual refusal) unless
    ``app.permissions.allowed(actor, action, resource)``."""
    if not allowed(actor, action, resource):
        raise Forbidden(why or refusal(action))


def report_scope(actor: User | None, cohort: str | None = None) -> str | None:
    """The cohort whose trainees a report may cover (None: every cohort). Raises Forbidden.

    Trainers report on their own cohort only; managers and the console (``actor`` None) on every
    cohort or the one asked for.
    """
    who = acting(actor)
    require(who, Action.REPORT)
    if cohort is None:
        every = allowed(who, Action.REPORT, EVERY_COHORT)
        return actor.cohort if actor is not None and not every else None
    why = f"trainers see their own cohort only, not '{cohort}'"
    require(who, Action.REPORT, Cohort(cohort), why)
    return cohort


# --- operations -------------------------------------------------------------------------------


def create_user(
    engine: Engine,
    actor: User | None,
    username: str,
    password: str,
    role: Role,
    cohort: str | None = None,
    display_name: str | None = None,
    temporary: bool = False,
) -> User:
    """Create a user as ``actor`` (None: the operator at the console, who may do anything).

    ``temporary``: the user must choose a new password at their first sign-in.
    Raises InvalidUser, WeakPassword, DuplicateUser, Forbidden.
    """
    return _create(engine, actor, username, password, role, cohort, display_name, False, temporary)


def init_first_manager(
    engine: Engine, username: str, password: str, display_name: str | None = None
) -> User:
    """Create the first manager of an empty database.

    Raises AlreadyInitialised, and what create_user raises.
    """
    return _create(engine, None, username, password, "manager", None, display_name, True, False)


def new_user(
    name: str,
    display_name: str,
    role: Role,
    cohort: str | None,
    password_hash: str,
    now: datetime,
    temporary: bool,
) -> dict[str, Any]:
    """The row of a new, active account (the name and fields already checked)."""
    return {
        "username": name,
        "username_key": username_key(name),
        "display_name": display_name,
        "role": role,
        "cohort": cohort,
        "password_hash": password_hash,
        "active": True,
        "failed_logins": 0,
        "created_at": now,
        "must_change_password": temporary,
    }


def _create(
    engine: Engine,
    actor: User | None,
    username: str,
    password: str,
    role: Role,
    cohort: str | None,
    display_name: str | None,
    first: bool,
    temporary: bool,
) -> User:
    name = check_username(username)
    if role not in ROLES:
        raise InvalidUser(f"role must be one of {', '.join(ROLES)}")
    cohort = check_cohort(cohort, role)
    shown = check_display_name(display_name or name)
    check_password(password, (name, shown))
    password_hash = hasher.hash(password)
    now = clock.now()
    try:
        with writing(engine) as conn:
            actor = recheck(conn, actor, now)
            if first and user_store.count(conn):
                raise AlreadyInitialised(
                    "the database already has users; sign in as a manager to add more"
                )
            require(
                acting(actor),
                Action.CREATE_USER,
                NewAccount(role, cohort),
                f"{actor.username if actor else 'the console'} may not create a {role} "
                f"in cohort {cohort or '(none)'}",
            )
            check_not_confusable(conn, name)  # the same name is the IntegrityError below
            user_id = user_store.add(
                conn, **new_user(name, shown, role, cohort, password_hash, now, temporary)
            )
            audit_store.record(
                conn,
                now,
                actor.id if actor else None,
                "user.create",
                name,
                role=role,
                cohort=cohort,
                **({"temporary_password": True} if temporary else {}),
            )
    except IntegrityError:
        raise DuplicateUser(f"username '{name}' is already taken") from None
    return User(user_id, name, shown, role, cohort, True, temporary)


def count_wrong_current_password(conn: Connection, row: dict[str, Any], now: datetime) -> bool:
    """Count a wrong current password given to change it (a browser left signed in must not be
    a way to guess the password at leisure), in the caller's transaction, and audit it. True on
    the MAX_FAILED-th in a row: the caller then signs the account out everywhere."""
    failed = row["failed_logins"] + 1
    everywhere = failed >= MAX_FAILED
    user_store.change(conn, row["id"], failed_logins=0 if everywhere else failed)
    audit_store.record(
        conn,
        now,
        row["id"],
        "login.failed",
        row["username"],
        reason="current password",
        signed_out=everywhere,
    )
    return everywhere


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    now: datetime | None = None,
    client: str | None = None,
) -> User:
    """The user these credentials belong to; records the outcome in the audit log.

    ``client`` is the address the attempt comes from (None: unknown). Failures slow that client
    down (app.throttle): SignInDelayed says until when, before any password is checked. Every
    other failure says the same ("wrong username or password") and takes the same time (one
    argon2 check), whether the username exists, is deactivated or the password is wrong; only
    the right password of a deactivated account is told so. The check runs with no transaction
    open, so a flood of sign-ins never holds the write lock that answer saves wait for.
    Raises LoginFailed, SignInDelayed, AccountInactive.
    """
    now = now or clock.now()
    try:
        key: str | None = username_key(check_username(username))
    except InvalidUser:
        key = None  # no account has such a name; PostgreSQL would refuse a NUL in the lookup
    counters = throttle.keys(client, key or "!impossible")
    with engine.connect() as conn:  # the cheap refusal: a client that must wait costs no write
        wait = throttle.must_wait(conn, counters, now)
    if wait is not None:
        raise SignInDelayed(wait)
    for _ in range(3):
        with writing(engine) as conn:
            wait = throttle.charge(conn, counters, now)
        if wait is not None:
            raise SignInDelayed(wait)
        if key is None:
            seen = None
        else:
            with engine.connect() as conn:
                seen = user_store.by_key(conn, key)
        stored = seen["password_hash"] if seen else _DUMMY_HASH
        right = verify(stored, password)
        rehashed = hasher.hash(password) if right and hasher.check_needs_rehash(stored) else None
        outcome = _record_sign_in(engine, key, counters, stored, right, rehashed, now)
        if outcome is not None:
            return outcome
    # The password changed under each of three checks: too busy an account to sign in to now.
    raise LoginFailed("wrong username or password")


def _record_sign_in(
    engine: Engine,
    key: str | None,
    counters: throttle.Keys,
    checked: str,
    right: bool,
    rehashed: str | None,
    now: datetime,
) -> User | None:
    """Write the outcome of a password check against ``checked``; None if the account's hash
    is no longer the one checked (a new password meanwhile), so the caller checks again.

    Raises LoginFailed, AccountInactive.
    """
    # Failures are recorded and committed first, then raised: raising inside the transaction
    # would roll back the audit line.
    error: AccountError | None = None
    with writing(engine) as conn:
        row = user_store.by_key(conn, key, lock=True) if key else None
        if row is not None and row["password_hash"] != checked:
            return None
        if row is None:
            # What was typed is not kept: a username nobody has is often a password typed into
            # the wrong box.
            audit_store.record(conn, now, None, "login.failed", None, reason="unknown user")
            error = LoginFailed("wrong username or password")
        elif not right:
            reason = "password" if row["active"] else "password, deactivated account"
            audit_store.record(conn, now, row["id"], "login.failed", row["username"], reason=reason)
            error = LoginFailed("wrong username or password")
        elif not row["active"]:
            throttle.succeeded(conn, counters)  # the right password: no guessing here
            audit_store.record(
                conn, now, row["id"], "login.failed", row["username"], reason="inactive"
            )
            error = AccountInactive("this account has been deactivated; ask a manager")
        else:
            throttle.succeeded(conn, counters)
            changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
            if rehashed is not None:
                changes["password_hash"] = rehashed
            user_store.change(conn, row["id"], **changes)
            audit_store.record(conn, now, row["id"], "login", row["username"])
    if error is not None:
        raise error
    assert row is not None  # a missing row set error, raised just above
    return User.of(row)


def verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_user(engine: Engine, actor: User, username: str) -> User:
    """A user the actor may see. Raises NotFound (also for users the actor may not see)."""
    with engine.connect() as conn:
        row = user_store.by_key(conn, username_key(username.strip()))
    if row is None or not allowed(actor, Action.VIEW_USER, User.of(row)):
        raise NotFound(f"no user '{username}'")
    return User.of(row)


def get_user_by_id(engine: Engine, actor: User, user_id: int) -> User:
    """A user the actor may see, by id. Raises NotFound (also for users the actor may not see)."""
    with engine.connect() as conn:
        row = user_store.by_id(conn, user_id)
    if row is None or not allowed(actor, Action.VIEW_USER, User.of(row)):
        raise NotFound(f"no user {user_id}")
    return User.of(row)


def list_users(
    engine: Engine, actor: User | None, role: Role | None = None, cohort: str | None = None
) -> list[User]:
    """The users the actor (None: the console operator) may see, by username."""
    with engine.connect() as conn:
        rows = user_store.listing(conn, role, cohort)
    return [u for u in map(User.of, rows) if allowed(acting(actor), Action.VIEW_USER, u)]
