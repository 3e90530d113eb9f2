"""The audit log: one line appended per event (``record``), and read back filtered, newest first,
a page or a batch at a time, with a count.

Lines are ordered by ``at`` then ``id``, both descending, which the index on ``at`` serves
directly (on SQLite the index carries the row id; PostgreSQL sorts ties incrementally). Pages
deeper in the log use OFFSET; reading the whole log goes batch by batch from a (at, id) key, so
neither ever holds more than one page or batch in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    cast,
    false,
    func,
    insert,
    not_,
    or_,
    select,
)

from app.store.tables import audit_log, users

# Sign-in lines with no actor were typed by somebody not (yet) known: not the console operator.
SIGN_IN = "login"


@dataclass(frozen=True)
class Criteria:
    """What to match; every field left empty matches everything.

    ``actions`` are exact action names; ``prefixes`` match every action that starts with them.
    ``actor_key`` is a folded username (app.accounts.username_key); ``console`` the operator at
    the console (no actor, and not a sign-in). ``target`` and ``text`` match without case:
    ``target`` in the target, ``text`` in the target or the details.
    """

    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    actions: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    actor_key: str | None = None
    console: bool = False
    target: str | None = None
    text: str | None = None


COLUMNS = (
    audit_log.c.id,
    audit_log.c.at,
    audit_log.c.actor_id,
    users.c.username,
    users.c.display_name,
    audit_log.c.action,
    audit_log.c.target,
    audit_log.c.detail,
)


def _escaped(text: str) -> str:
    """``text`` as it appears inside a JSON string (quotes, backslashes, non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


def _contains(column: ColumnElement[Any], text: str, dialect: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, without regard to case.

    PostgreSQL: ILIKE. SQLite's LIKE already ignores the case of ASCII letters (and, like its
    lower(), only theirs), so the lower() on both sides that ILIKE becomes there is left out.
    """
    if dialect == "sqlite":
        return column.contains(text, autoescape=True)
    return column.icontains(text, autoescape=True)


def _conditions(c: Criteria, dialect: str) -> list[ColumnElement[bool]]:
    log = audit_log.c
    found: list[ColumnElement[bool]] = []
    if c.since is not None:
        found.append(log.at >= c.since)
    if c.until is not None:
        found.append(log.at < c.until)
    if c.actions or c.prefixes:
        found.append(
            or_(
                false(),
                *([log.action.in_(c.actions)] if c.actions else []),
                *(log.action.startswith(p, autoescape=True) for p in c.prefixes),
            )
        )
    if c.console:
        found.append(
            and_(
                log.actor_id.is_(None),
                not_(log.action.startswith(SIGN_IN, autoescape=True)),
            )
        )
    if c.actor_key is not None:
        found.append(users.c.username_key == c.actor_key)
    if c.target:
        found.append(_contains(log.target, c.target, dialect))
    if c.text:
        # JSON is text on SQLite and json on PostgreSQL: both cast to their JSON text, in which
        # quotes and non-ASCII letters are escaped, so look for the escaped form as well.
        detail = cast(log.detail, Text)
        needles = {c.text, _escaped(c.text)}
        found.append(
            or_(
                _contains(log.target, c.text, dialect),
                *(_contains(detail, n, dialect) for n in sorted(needles)),
            )
        )
    return found


def _joined(query: Select, c: Criteria, dialect: str) -> Select:
    query = query.select_from(audit_log.outerjoin(users, users.c.id == audit_log.c.actor_id))
    return query.where(*_conditions(c, dialect))


def _newest_first(query: Select) -> Select:
    return query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc())


def count(conn: Connection, c: Criteria) -> int:
    """How many lines match."""
    query = select(func.count())
    if c.actor_key is None:  # no join needed: count the log alone
        query = query.select_from(audit_log).where(*_conditions(c, conn.dialect.name))
    else:
        query = _joined(query, c, conn.dialect.name)
    return conn.execute(query).scalar_one()


def page(conn: Connection, c: Criteria, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """One page of matching lines, newest first, with the actor's username and display name."""
    query = _joined(select(*COLUMNS), c, conn.dialect.name)
    query = _newest_first(query).limit(limit).offset(offset)
    return [dict(r) for r in conn.execute(query).mappings()]


def batch(
    conn: Connection, c: Criteria, limit: int, before: tuple[datetime, int] | None = None
) -> list[dict[str, Any]]:
    """Up to ``limit`` matching lines older than ``before`` (an (at, id) of the last batch)."""
    query = _joined(select(*COLUMNS), c, conn.dialect.name)
    if before is not None:
        at, line_id = before
        # ``at <= :at`` is the part an index can serve; the rest drops the ties already read.
        query = query.where(
            audit_log.c.at <= at, or_(audit_log.c.at < at, audit_log.c.id < line_id)
        )
    return [dict(r) for r in conn.execute(_newest_first(query).limit(limit)).mappings()]


def actions(conn: Connection) -> list[str]:
    """Every action the log holds, alphabetically."""
    query = select(audit_log.c.action).distinct().order_by(audit_log.c.action)
    return list(conn.execute(query).scalars())


def record(
    conn: Connection,
    at: datetime,
    actor_id: int | None,
    action: str,
    target: str | None = None,
    **detail: Any,
) -> None:
    """Append one line to the audit log (never a password)."""
    conn.execute(
        insert(audit_log).values(
            at=at, actor_id=actor_id, action=action, target=target, detail=detail or None
        )
    )


def lines(conn: Connection, action: str | None = None) -> list[dict[str, Any]]:
    """Every line, oldest first, or only those of one action."""
    query = select(audit_log).order_by(audit_log.c.id)
    if action:
        query = query.where(audit_log.c.action == action)
    return [dict(r) for r in conn.execute(query).mappings()]
