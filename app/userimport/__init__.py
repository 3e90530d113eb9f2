"""Bulk import of trainees from a CSV file: a preview of every row, then all rows or none.

The file has a header row naming the columns ``username``, ``display_name``, ``cohort`` and,
optionally, ``password`` (names compared ignoring case, spaces and underscores), separated by
commas, or by semicolons or tabs as spreadsheets write them in many locales; UTF-8 with or
without a byte-order mark. Rows are numbered as a spreadsheet shows them: the header is row 1.
Every imported trainee gets a temporary password, the file's or a generated one, and must choose
their own at their first sign-in. Generated passwords are returned once, never stored or logged.

``csvfile`` reads the file, ``checks`` builds the preview; this module writes the trainees.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from app import accounts, clock
from app.accounts import AccountError, User, check_username, recheck
from app.exports import to_csv
from app.invitations import NO_PASSWORD, Invitation, issue
from app.mail import app_link
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store import users as user_store
from app.store.db import writing
from app.useradmin import generate_password
from app.userimport.checks import MAX_ROWS, Preview, Row, check_rows, preview
from app.userimport.csvfile import (
    ALIASES,
    COLUMNS,
    DELIMITERS,
    INVITE_COLUMNS,
    MAX_BYTES,
    REQUIRED,
    invite_template_csv,
    template_csv,
)

__all__ = [
    "ALIASES",
    "COLUMNS",
    "DELIMITERS",
    "GIVEN",
    "INVITE_COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED",
    "ImportRefused",
    "Imported",
    "Preview",
    "Progress",
    "Row",
    "apply",
    "invite_template_csv",
    "preview",
    "template_csv",
]

GIVEN = "(as in your file)"
Progress = Callable[[int, int], None]  # (passwords hashed so far, how many in all)


class ImportRefused(AccountError):
    """The file has problems, so nothing was imported; ``preview`` lists every one."""

    def __init__(self, preview: Preview) -> None:
        count = len(preview.report())
        super().__init__(
            f"nothing imported: the file has {count} problem{'s' if count != 1 else ''}"
        )
        self.preview = preview


@dataclass(frozen=True)
class Imported:
    """The trainees created, and the temporary passwords generated for them (shown once)."""

    users: tuple[User, ...]
    generated: dict[str, str] = field(repr=False)  # username -> generated password
    # Inviting by email: each trainee's link, to be sent (app.invitations.send_all).
    invitations: tuple[Invitation, ...] = field(default=(), repr=False)

    def passwords_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "cohort": u.cohort,
                    "temporary_password": self.generated.get(u.username, GIVEN),
                }
                for u in self.users
            ],
            columns=["username", "display_name", "cohort", "temporary_password"],
        )

    def passwords_csv(self) -> bytes:
        """The sign-in sheet as Excel-safe CSV: every trainee and their temporary password."""
        return to_csv(self.passwords_frame())


def apply(
    engine: Engine,
    actor: User | None,
    data: bytes,
    progress: Progress | None = None,
    invite: bool = False,
) -> Imported:
    """Import every row of the file in one transaction, or nothing if any row has a problem.

    Passwords are hashed first (slow on purpose, so in parallel and reporting ``progress``),
    then the rows are checked again and written together. ``invite``: the file has an email
    column and no passwords; each trainee gets an invitation link (``Imported.invitations``, for
    the caller to send). Raises ImportRefused, Forbidden, MailNotConfigured (inviting, with no
    public address to link to).
    """
    with engine.connect() as conn:
        actor = recheck(conn, actor)  # refused before the slow hashing; again when writing
    checked = preview(engine, actor, data, invite)
    if not checked.ok:
        raise ImportRefused(checked)
    if invite:
        app_link()  # refused before anything is written
    rows = checked.rows
    names = [check_username(r.username) for r in rows]
    generated = {
        n: generate_password()
        for n, r in zip(names, rows, strict=True)
        if not r.password and not invite
    }
    if invite:
        hashes = [NO_PASSWORD] * len(rows)
    else:
        secrets_ = [r.password or generated[n] for n, r in zip(names, rows, strict=True)]
        hashes = _hash_all(secrets_, progress)
    now = clock.now()
    actor_id = actor.id if actor else None
    try:
        with writing(engine) as conn:
            actor = recheck(conn, actor)
            again = check_rows(conn, actor, list(checked.columns), _as_cells(checked))
            if not all(r.ok for r in again):
                raise ImportRefused(Preview(tuple(again), (), checked.columns, invite))
            users = []
            links = []
            for row, password_hash in zip(rows, hashes, strict=True):
                name = check_username(row.username)
                user_id = user_store.add(
                    conn,
                    **accounts.new_user(
                        name, row.display_name, "trainee", row.cohort, password_hash, now,
                        not invite,
                    ),
                )  # fmt: skip
                user = User(
                    user_id, name, row.display_name, "trainee", row.cohort, True, not invite
                )
                users.append(user)
                if invite:
                    mail_store.set_email(conn, user_id, row.email, now)
                    links.append(issue(conn, user, row.email, actor_id, now))
                how = {"invited": True} if invite else {"temporary_password": True}
                audit_store.record(
                    conn, now, actor_id, "user.create", name,
                    role="trainee", cohort=row.cohort, imported=True, **how,
                )  # fmt: skip
            audit_store.record(
                conn,
                now,
                actor_id,
                "user.import",
                f"{len(users)} trainees",
                rows=len(users),
                cohorts=sorted({u.cohort for u in users if u.cohort}),
                generated_passwords=len(generated),
                **({"invited": len(links)} if invite else {}),
            )
    except IntegrityError:
        # Someone took one of the usernames between the check and the insert: nothing was kept.
        raise ImportRefused(preview(engine, actor, data)) from None
    return Imported(tuple(users), generated, tuple(links))


def _as_cells(checked: Preview) -> list[list[str]]:
    order = list(checked.columns)
    return [
        [
            {
                "username": r.username,
                "display_name": r.display_name,
                "cohort": r.cohort,
                "password": r.password,
                "email": r.email,
            }[name]
            for name in order
        ]
        for r in checked.rows
    ]


def _hash_all(passwords: list[str], progress: Progress | None) -> list[str]:
    """argon2 hashes of the passwords, in order; argon2 releases the GIL, so threads help."""
    total = len(passwords)
    if progress:
        progress(0, total)
    hasher = accounts.hasher
    workers = max(1, min(4, os.cpu_count() or 1, total))
    hashes: list[str] = []
    with ThreadPoolExecutor(workers) as pool:
        for done, password_hash in enumerate(pool.map(hasher.hash, passwords), start=1):
            hashes.append(password_hash)
            if progress:
                progress(done, total)
    return hashes
