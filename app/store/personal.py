"""Queries for personal data (app.personal, app.erasure, app.retention): everything held about
one person, and the writes that pseudonymise or age it out."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Text, and_, cast, delete, func, not_, or_, select, update
from sqlalchemy.orm import aliased

from app.store.tables import (
    accommodations,
    angoff_ratings,
    attempts,
    audit_log,
    comments,
    content_editors,
    invitations,
    mail_sent,
    prepared_files,
    question_reports,
    user_emails,
    users,
    web_sessions,
)

Row = dict[str, Any]
# An erased account's password hash: no argon2 hash looks so, so nothing verifies against it, and
# it tells an erased account from a deactivated one (app.erasure). Other unusable hashes start
# with "!" too (an invited account's, "!invited", until its link is used): only this one is erased.
ERASED_HASH = "!erased"


def _rows(conn: Connection, query: Any) -> list[Row]:
    return [dict(r) for r in conn.execute(query).mappings()]


def comments_about_or_by(conn: Connection, user_id: int) -> list[Row]:
    """Comments on the person's attempts and comments they wrote, oldest first, with the
    author's username and the attempt owner's id."""
    author = aliased(users)
    query = (
        select(
            comments,
            author.c.username.label("author"),
            author.c.display_name.label("author_name"),
            attempts.c.user_id.label("owner_id"),
            attempts.c.quiz_id,
        )
        .join(attempts, attempts.c.id == comments.c.attempt_id)
        .join(author, author.c.id == comments.c.author_id)
        .where(or_(attempts.c.user_id == user_id, comments.c.author_id == user_id))
        .order_by(comments.c.created_at, comments.c.id)
    )
    return _rows(conn, query)


def reports_by_or_about(conn: Connection, user_id: int) -> list[Row]:
    """Question reports the person filed, or resolved, oldest first."""
    query = (
        select(question_reports)
        .where(
            or_(
                question_reports.c.reporter_id == user_id, question_reports.c.resolved_by == user_id
            )
        )
        .order_by(question_reports.c.created_at, question_reports.c.id)
    )
    return _rows(conn, query)


def ratings_by(conn: Connection, user_id: int) -> list[Row]:
    """The pass-mark (Angoff) ratings the person gave, by quiz and question."""
    query = (
        select(angoff_ratings)
        .where(angoff_ratings.c.rater_id == user_id)
        .order_by(angoff_ratings.c.quiz_id, angoff_ratings.c.qid)
    )
    return _rows(conn, query)


def _mentions(names: list[str]) -> Any:
    """Audit lines whose target is one of ``names`` or whose details hold one of them (as JSON
    text holds them: a string may come escaped)."""
    detail = cast(audit_log.c.detail, Text)
    needles = sorted({n for name in names for n in (name, json.dumps(name)[1:-1])})
    return or_(
        audit_log.c.target.in_(names),
        *(detail.icontains(n, autoescape=True) for n in needles),
    )


def audit_about_or_by(
    conn: Connection,
    user_id: int,
    names: list[str],
    after: int | None = None,
    up_to: int | None = None,
) -> list[Row]:
    """Audit lines the person did, or whose target or details name them, oldest first; only
    those with an id above ``after`` and up to ``up_to``, if given.

    ``names``: the username and display names (now and before) to look for. A name that is
    also part of other text (``ann`` in ``planning``) may bring in lines about someone else;
    the caller decides by the exact values (app.personal ``mentions``)."""
    actor = aliased(users)
    query = (
        select(audit_log, actor.c.username.label("actor"))
        .outerjoin(actor, actor.c.id == audit_log.c.actor_id)
        .where(or_(audit_log.c.actor_id == user_id, _mentions(names)))
        .order_by(audit_log.c.at, audit_log.c.id)
    )
    if after is not None:
        query = query.where(audit_log.c.id > after)
    if up_to is not None:
        query = query.where(audit_log.c.id <= up_to)
    return _rows(conn, query)


def audit_by_ids(conn: Connection, ids: list[int]) -> list[Row]:
    """The audit lines with these ids, as they are now (read in chunks: a list may be long)."""
    found: list[Row] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found += _rows(conn, select(audit_log).where(audit_log.c.id.in_(chunk)))
    return found


def last_audit_id(conn: Connection) -> int:
    """The highest audit line id (0: none yet)."""
    return conn.execute(select(func.max(audit_log.c.id))).scalar_one() or 0


def former_display_names(conn: Connection, username: str) -> list[str]:
    """Display names the account had before (from its ``user.edit`` lines in the audit log)."""
    query = select(audit_log.c.detail).where(
        audit_log.c.action == "user.edit", audit_log.c.target == username
    )
    found: list[str] = []
    for detail in conn.execute(query).scalars():
        pair = (detail or {}).get("display_name")
        if isinstance(pair, list):
            found.extend(str(v) for v in pair if isinstance(v, str))
    return found


def certifying_rows(conn: Connection, user_id: int) -> list[Row]:
    """The person's attempts as app.certstatus reads them."""
    query = select(
        attempts.c.quiz_id,
        attempts.c.status,
        attempts.c.passed,
        attempts.c.submitted_at,
        attempts.c.quiz,
        attempts.c.pass_changed_at,
    ).where(attempts.c.user_id == user_id)
    return _rows(conn, query)


# --- erasure --------------------------------------------------------------------------------------


def invitations_of(conn: Connection, user_id: int) -> list[Row]:
    """The links sent to the person to choose a password (when, until, used), oldest first;
    never the token, which the table does not hold either."""
    query = (
        select(
            invitations.c.created_at,
            invitations.c.expires_at,
            invitations.c.used_at,
            users.c.username.label("invited_by"),
        )
        .outerjoin(users, users.c.id == invitations.c.invited_by)
        .where(invitations.c.user_id == user_id)
        .order_by(invitations.c.created_at)
    )
    return _rows(conn, query)


def mail_to(conn: Connection, user_id: int) -> list[Row]:
    """Every reminder and digest e-mailed to the person, or tried, oldest first."""
    query = select(mail_sent).where(mail_sent.c.user_id == user_id).order_by(mail_sent.c.claimed_at)
    return _rows(conn, query)


def forget_contact(conn: Connection, user_id: int) -> None:
    """Delete the person's e-mail address, invitations, record of mail sent to them and exam
    accommodation (its reason may say why they need one: health is special-category data)."""
    for table in (user_emails, invitations, mail_sent, accommodations):
        conn.execute(delete(table).where(table.c.user_id == user_id))


def end_access(conn: Connection, user_id: int) -> None:
    """Delete the person's browser sessions, files prepared for them or about them (a manager's
    export of their personal data), and any grant to edit questions."""
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
    conn.execute(
        delete(prepared_files).where(
            or_(prepared_files.c.user_id == user_id, prepared_files.c.subject_id == user_id)
        )
    )
    conn.execute(delete(content_editors).where(content_editors.c.user_id == user_id))


def set_comment_body(conn: Connection, comment_id: int, body: str) -> None:
    conn.execute(update(comments).where(comments.c.id == comment_id).values(body=body))


def set_report_text(conn: Connection, report_id: int, **values: Any) -> None:
    conn.execute(
        update(question_reports).where(question_reports.c.id == report_id).values(**values)
    )


def set_audit_line(conn: Connection, line_id: int, target: str | None, detail: Any) -> None:
    conn.execute(
        update(audit_log).where(audit_log.c.id == line_id).values(target=target, detail=detail)
    )


# --- retention ------------------------------------------------------------------------------------


def _kept_deactivations(erasing: list[str] | None = None) -> Any:
    """The ``user.deactivate`` lines of accounts still deactivated (but ``erasing``, about to be
    erased): they date the deactivation that inactive-account retention counts from, so the
    audit retention keeps them."""
    inactive = select(users.c.username).where(
        users.c.active.is_(False),
        users.c.password_hash != ERASED_HASH,
        users.c.username.not_in(erasing or []),
    )
    return and_(audit_log.c.action == "user.deactivate", audit_log.c.target.in_(inactive))


def audit_due(conn: Connection, before: datetime, erasing: list[str]) -> int:
    """How many audit lines older than ``before`` the audit retention would delete once the
    accounts ``erasing`` are erased (a dry run's count)."""
    query = (
        select(func.count())
        .select_from(audit_log)
        .where(audit_log.c.at < before, not_(_kept_deactivations(erasing)))
    )
    return conn.execute(query).scalar_one()


def delete_audit_before(conn: Connection, before: datetime) -> int:
    """Delete audit lines older than ``before`` (but those ``_kept_deactivations``)."""
    query = delete(audit_log).where(audit_log.c.at < before, not_(_kept_deactivations()))
    return conn.execute(query).rowcount


def deactivated(conn: Connection) -> list[Row]:
    """Every deactivated account not yet erased, with when it was last deactivated (None: no
    line in the audit log says so)."""
    since = (
        select(audit_log.c.target, func.max(audit_log.c.at).label("since"))
        .where(audit_log.c.action == "user.deactivate")
        .group_by(audit_log.c.target)
        .subquery()
    )
    query = (
        select(users.c.id, users.c.username, users.c.role, since.c.since)
        .outerjoin(since, since.c.target == users.c.username)
        .where(users.c.active.is_(False), users.c.password_hash != ERASED_HASH)
        .order_by(users.c.username_key)
    )
    return _rows(conn, query)
