"""Trainers' comments on finished attempts, on the whole attempt or on one of its questions.

Trainers comment on the attempts of their cohort's trainees, managers on anyone's; the trainee
reads them with their results. An author may take their own comment back (a manager any).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from app import clock
from app.accounts import User, recheck, require
from app.attempts import AttemptNotFound
from app.errors import ResurfaceError
from app.permissions import Action, Written, allowed
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import comments as comment_store
from app.store import users as user_store
from app.store.db import writing

MAX_LENGTH = 4000


class InvalidComment(ResurfaceError):
    """A comment is empty, too long, or points at a question the attempt does not have."""


class CommentNotFound(ResurfaceError):
    """No such comment (or not one the actor may see)."""


@dataclass(frozen=True)
class Comment:
    id: int
    attempt_id: int
    position: int | None  # the question (0-based position in the attempt), or None: the attempt
    author_id: int
    author: str
    body: str
    created_at: datetime


def _check(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidComment("write something before saving the comment")
    if len(text) > MAX_LENGTH:
        raise InvalidComment(f"a comment is at most {MAX_LENGTH} characters (this has {len(text)})")
    return text


def add(
    engine: Engine,
    actor: User,
    attempt_id: int,
    body: str,
    position: int | None = None,
    now: datetime | None = None,
) -> Comment:
    """Comment on a submitted attempt, or on the question at ``position`` of it.

    Raises Forbidden (trainees, or a trainer outside the trainee's cohort), AttemptNotFound,
    InvalidComment (empty, too long, no such question, attempt still open).
    """
    text = _check(body)
    now = now or clock.now()
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        require(actor, Action.COMMENT)
        row = attempt_store.get(conn, attempt_id)
        owner = user_store.by_id(conn, row["user_id"]) if row else None
        if row is None or owner is None or not allowed(actor, Action.COMMENT, User.of(owner)):
            raise AttemptNotFound(f"no attempt {attempt_id}")
        if row["status"] != "submitted":
            raise InvalidComment("this attempt is still open; comment once it is submitted")
        if position is not None and attempt_store.snapshot_at(conn, attempt_id, position) is None:
            raise InvalidComment(f"attempt {attempt_id} has no question {position + 1}")
        comment_id = comment_store.add(conn, attempt_id, position, actor.id, text, now)
        audit_store.record(
            conn,
            now,
            actor.id,
            "comment.add",
            owner["username"],
            attempt=attempt_id,
            position=position,
            comment=comment_id,
        )
    return Comment(comment_id, attempt_id, position, actor.id, actor.display_name, text, now)


def of_attempt(engine: Engine, actor: User, attempt_id: int) -> list[Comment]:
    """The comments on an attempt the actor may see, oldest first. Raises AttemptNotFound."""
    with engine.connect() as conn:
        row = attempt_store.get(conn, attempt_id)
        owner = user_store.by_id(conn, row["user_id"]) if row else None
        if owner is None or not allowed(actor, Action.VIEW_USER, User.of(owner)):
            raise AttemptNotFound(f"no attempt {attempt_id}")
        rows = comment_store.of_attempt(conn, attempt_id)
    return [
        Comment(
            r["id"],
            r["attempt_id"],
            r["position"],
            r["author_id"],
            r["author"],
            r["body"],
            r["created_at"],
        )
        for r in rows
    ]


def remove(engine: Engine, actor: User, comment_id: int, now: datetime | None = None) -> None:
    """Take a comment back: its author may, and any manager. Raises CommentNotFound, Forbidden."""
    now = now or clock.now()
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        row = comment_store.get(conn, comment_id)
        attempt = attempt_store.get(conn, row["attempt_id"]) if row else None
        owner = user_store.by_id(conn, attempt["user_id"]) if attempt else None
        if row is None or owner is None or not allowed(actor, Action.VIEW_USER, User.of(owner)):
            raise CommentNotFound(f"no comment {comment_id}")
        require(actor, Action.REMOVE_COMMENT, Written(row["author_id"]))
        comment_store.remove(conn, comment_id)
        audit_store.record(
            conn,
            now,
            actor.id,
            "comment.remove",
            owner["username"],
            attempt=row["attempt_id"],
            comment=comment_id,
        )
