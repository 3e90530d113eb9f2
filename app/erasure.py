"""Erasing a person: their identity replaced by a pseudonym everywhere, their statistics kept.

What goes: the username, the display name (now and before), the password (an unusable value:
nobody can sign in as them again), their browser sessions, any grant to edit questions, their
sign-in delays, their e-mail address, invitations and record of mail sent to them, and any exam
accommodation (its reason may speak of their health). The account is deactivated. What stays:
the account row itself under the pseudonym (``erased-7f3a9c``, shown as "Erased person
7f3a9c"), its role and its cohort, and
every attempt, answer and score, so item analysis, cohort dashboards and certification counts
read the same before and after. A cohort is a clinic or site shared by many people; on its own
it names nobody, and without it the cohort figures would change (docs/administration.md).

The names (and the e-mail address) are replaced, as whole words in any case, wherever they are
written: audit lines
(target and details), comments on their attempts and comments they wrote, question reports they
filed or resolved. In that free text the parts of a display name (``Zelda`` of "Zelda
Quarrington") go too, as written (a name's parts are often everyday words in lower case), since a
comment says "well done, Zelda" more often than the full name.

A person whose certification is current or expiring (app.certstatus) is refused unless forced:
an inspection may ask for that record. The last active manager is refused. The erase is one
transaction, recorded as one audit line, ``person.erased``, whose target is the pseudonym and
whose details hold the reason (its names replaced too).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from app import clock
from app.accounts import NotFound, User, has_control, recheck, require, username_key
from app.bank import Catalogue
from app.certstatus import CERTIFIED, certifications_from
from app.errors import ResurfaceError
from app.permissions import Action, acting, allowed
from app.personal import identifiers_of, name_pattern, names_of
from app.store import audit as audit_store
from app.store import personal as store
from app.store import throttle as throttle_store
from app.store import users as user_store
from app.store.db import writing
from app.useradmin import keep_a_manager

PREFIX = "erased-"  # the pseudonym's username: erased-7f3a9c
SHOWN = "Erased person"  # its display name: Erased person 7f3a9c
ERASED_HASH = store.ERASED_HASH  # no password verifies against it (not an argon2 hash)
MAX_REASON = 500
# Parts of a display name shorter than this are left in free text: initials, "de", "Li"...
MIN_NAME_PART = 3


class ErasureError(ResurfaceError):
    """Base class for refusals to erase a person."""


class AlreadyErased(ErasureError):
    """The account was erased before: it holds a pseudonym already."""


class MustKeep(ErasureError):
    """The person holds a certification that is current or expiring: its record must be kept."""


class InvalidReason(ErasureError):
    """The reason is empty, too long or holds control characters."""


@dataclass(frozen=True)
class Erased:
    """What an erase did: the pseudonym, and how many records had a name replaced."""

    username: str
    display_name: str
    rewritten: dict[str, int]


def is_erased(row: dict[str, Any]) -> bool:
    """Whether an account row was erased (its password is the unusable marker)."""
    return row["password_hash"] == ERASED_HASH


def erase(
    engine: Engine,
    actor: User | None,
    username: str,
    reason: str,
    catalogue: Catalogue,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> Erased:
    """Replace ``username``'s identity with a pseudonym everywhere, in one transaction.

    ``actor`` None is the operator at the console. ``force`` erases a person whose certification
    is current or expiring all the same. Raises InvalidReason, NotFound, Forbidden (not a
    manager, or oneself), AlreadyErased, MustKeep, LastManager, AccountInactive.
    """
    why = check_reason(reason)
    now = now or clock.now()
    found = search(engine, username)  # the slow part, before the write lock
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        row = user_store.by_key(conn, username_key(username.strip()), lock=True)
        if row is None or not allowed(acting(actor), Action.VIEW_USER, User.of(row)):
            raise NotFound(f"no user '{username}'")
        if is_erased(row):
            raise AlreadyErased(f"'{row['username']}' was erased already")
        require(acting(actor), Action.ERASE_PERSON, User.of(row))
        return erase_in(conn, row, actor.id if actor else None, why, catalogue, force, now, found)


@dataclass(frozen=True)
class Search:
    """The audit lines that named a person, found without holding the write lock: searching the
    details of a long log is slow, and the log is only appended to (erases aside, which re-read
    the lines by id)."""

    user_id: int
    names: list[str]
    line_ids: list[int]
    up_to: int  # the last audit line searched


def search(engine: Engine, username: str) -> Search | None:
    """The audit lines that name ``username`` now (None: no such account). Checks nobody: only
    ``erase_in`` reads what it found, inside its own checked transaction."""
    with engine.connect() as conn:
        row = user_store.by_key(conn, username_key(username.strip()))
        if row is None:
            return None
        names = identifiers_of(conn, row)
        up_to = store.last_audit_id(conn)
        lines = store.audit_about_or_by(conn, row["id"], names, up_to=up_to)
    return Search(row["id"], names, [line["id"] for line in lines], up_to)


def _audit_lines(
    conn: Connection, user_id: int, names: list[str], found: Search | None
) -> list[dict[str, Any]]:
    """The lines to rewrite, as they are now: those searched before, re-read by id, and any
    written since; or, without a search that still fits (a rename meanwhile), a full search."""
    if found is None or (found.user_id, found.names) != (user_id, names):
        return store.audit_about_or_by(conn, user_id, names)
    return [
        *store.audit_by_ids(conn, found.line_ids),
        *store.audit_about_or_by(conn, user_id, names, after=found.up_to),
    ]


def check_reason(reason: str) -> str:
    """The reason stripped. Raises InvalidReason."""
    why = (reason or "").strip()
    if not why:
        raise InvalidReason("say why the person is erased (--reason)")
    if len(why) > MAX_REASON or has_control(why):
        raise InvalidReason(
            f"the reason must be at most {MAX_REASON} characters, without control characters"
        )
    return why


def held_certifications(
    conn: Connection, user_id: int, catalogue: Catalogue, now: datetime
) -> list[str]:
    """The certifications the person holds now (current or expiring), by name."""
    rows = store.certifying_rows(conn, user_id)
    return [c.name for c in certifications_from(rows, catalogue, now) if c.status in CERTIFIED]


def erase_in(
    conn: Connection,
    row: dict[str, Any],
    actor_id: int | None,
    reason: str,
    catalogue: Catalogue,
    force: bool,
    now: datetime,
    found: Search | None = None,
) -> Erased:
    """Erase the account ``row`` inside the caller's write transaction (checks done but the
    certification and the last manager); ``found``: its audit lines searched beforehand (see
    ``search``). Raises MustKeep, LastManager."""
    held = held_certifications(conn, row["id"], catalogue, now)
    if held and not force:
        raise MustKeep(
            f"'{row['username']}' holds {', '.join(held)} (current or expiring): its record may "
            "be needed for an inspection; erase anyway with --force"
        )
    if row["active"] and row["role"] == "manager":
        keep_a_manager(conn)
    names = names_of(conn, row)
    known = identifiers_of(conn, row)  # the names and the e-mail address
    whole = name_pattern(known)
    # Parts only as written ("Will", not "will"): a name's parts are often everyday words too.
    pieces = {p for n in names for p in re.split(r"[^\w'-]+", n) if len(p) >= MIN_NAME_PART}
    parts = name_pattern(pieces, ignore_case=False) if pieces else None
    pseudonym = _pseudonym(conn)
    shown = f"{SHOWN} {pseudonym.removeprefix(PREFIX)}"

    def swap(pattern: re.Pattern[str], text: str) -> str:
        return pattern.sub(
            lambda m: pseudonym if username_key(m.group(0)) == row["username_key"] else shown, text
        )

    def in_free_text(text: str) -> str:
        text = swap(whole, text)
        return text if parts is None else swap(parts, text)

    user_store.change(
        conn,
        row["id"],
        username=pseudonym,
        username_key=pseudonym,
        display_name=shown,
        password_hash=ERASED_HASH,
        active=False,
        failed_logins=0,
        locked_until=None,
        must_change_password=False,
    )
    store.end_access(conn, row["id"])
    store.forget_contact(conn, row["id"])
    throttle_store.clear_user(conn, row["username_key"])
    rewritten = {"comments": 0, "question_reports": 0, "audit_lines": 0}
    for c in store.comments_about_or_by(conn, row["id"]):
        body = in_free_text(c["body"])
        if body != c["body"]:
            store.set_comment_body(conn, c["id"], body)
            rewritten["comments"] += 1
    for r in store.reports_by_or_about(conn, row["id"]):
        texts = {k: r[k] for k in ("comment", "resolution") if r[k] is not None}
        changed = {k: in_free_text(v) for k, v in texts.items() if in_free_text(v) != v}
        if changed:
            store.set_report_text(conn, r["id"], **changed)
            rewritten["question_reports"] += 1
    for line in _audit_lines(conn, row["id"], known, found):
        target = None if line["target"] is None else swap(whole, line["target"])
        # Details hold free text too (a reason, a comment quoted), where a first name alone
        # names the person as well as the whole one.
        detail = _swapped(line["detail"], in_free_text)
        if target != line["target"] or detail != line["detail"]:
            store.set_audit_line(conn, line["id"], target, detail)
            rewritten["audit_lines"] += 1
    audit_store.record(
        conn,
        now,
        actor_id,
        "person.erased",
        pseudonym,
        reason=in_free_text(reason),
        **({"forced": True} if held else {}),
    )
    return Erased(pseudonym, shown, rewritten)


def _swapped(value: Any, swap: Any) -> Any:
    """A JSON value with every text in it (keys too) passed through ``swap``."""
    if isinstance(value, str):
        return swap(value)
    if isinstance(value, dict):
        return {swap(k): _swapped(v, swap) for k, v in value.items()}
    if isinstance(value, list):
        return [_swapped(v, swap) for v in value]
    return value


def _pseudonym(conn: Connection) -> str:
    """A username nobody has: ``erased-`` and six random hex digits."""
    while True:
        name = f"{PREFIX}{secrets.token_hex(3)}"
        if user_store.by_key(conn, name) is None:
            return name
