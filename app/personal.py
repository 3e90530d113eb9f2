"""Everything held about one person, as one zip: ``person.json`` (all of it, for programs) and a
readable CSV per kind of record, with a README.txt that says what each file holds.

Asked for by a manager (anyone's data) or by the person themselves ("send me everything you hold
about me"); ``resurface person export`` is the console's way. The actor is checked against the
database in the same transaction as the read, and every export is written to the audit log (who
exported whose data). The password hash is never read. CSVs are app.exports.to_csv's: Excel-safe.

The names a person goes by are also found here (``names_of``, ``mentions``), for the export's
audit lines about them and for app.erasure, which replaces them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine

from app import certificates, clock, feedback
from app.accounts import NotFound, User, recheck, require, username_key
from app.attempts import view_of
from app.auditlog import redact
from app.bank import Catalogue
from app.certificates import verification_address
from app.certstatus import CERTIFICATE_NAMES, NAMES, certifications_from
from app.exports import to_csv
from app.exports.responses import answer_text, key_text
from app.permissions import Action, acting, allowed
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import content as content_store
from app.store import fair as fair_store
from app.store import mail as mail_store
from app.store import personal as store
from app.store import regrades as regrade_store
from app.store import users as user_store
from app.store.db import writing

MIME = "application/zip"

# Each file of the zip, its columns (CSV) and what it holds: README.txt says the same.
FILES: dict[str, tuple[list[str], str]] = {
    "account.csv": (
        ["username", "display_name", "role", "cohort", "active", "created_at",
         "must_change_password", "edits_content", "email"],
        "the account: names, role, cohort, e-mail address, whether it can sign in. Never the "
        "password.",
    ),
    "attempts.csv": (
        ["attempt_id", "quiz_id", "quiz_title", "status", "started_at", "deadline",
         "submitted_at", "closed_by", "points", "max_points", "score_percent", "passed",
         "regraded_at", "original_points", "original_score_percent", "original_passed"],
        "every quiz attempt, with its score and result (and the score it had before any regrade).",
    ),
    "answers.csv": (
        ["attempt_id", "question_number", "question_id", "question", "type", "answer",
         "correct_answer", "points", "flagged", "answered_at"],
        "every question of every attempt as it was shown then, and the answer given, in words; "
        "the right answer where the attempt's review shows it (a secure exam question's only "
        "after a pass).",
    ),
    "regrades.csv": (
        ["attempt_id", "kind", "question_id", "reason", "at", "question_before",
         "question_after", "percent_before", "percent_after", "passed_before", "passed_after"],
        "each regrade or void that changed an attempt's score: why, when, before and after.",
    ),
    "comments.csv": (
        ["comment_id", "direction", "attempt_id", "quiz_id", "question_number", "author",
         "written_at", "body"],
        "comments on their attempts (direction 'to') and comments they wrote ('by').",
    ),
    "certifications.csv": (
        ["certification", "quiz_id", "status", "passed_at", "valid_until"],
        "each certification the quizzes grant: when last earned, until when, its status now.",
    ),
    "certificates.csv": (
        ["certification", "code", "verification_address", "passed_at", "valid_until", "status",
         "issued_at", "revoked_at", "revoke_reason"],
        "each certificate issued for a pass: its code and public verification address, its "
        "dates, and its status now (revoked, with why, if a manager revoked it).",
    ),
    "reminders.csv": (
        ["kind", "about", "threshold", "subject", "status", "claimed_at", "sent_at", "error"],
        "reminders before a certification lapses and trainers' weekly digests e-mailed to them "
        "(status sent), or tried and to be retried (failed, with the mail server's answer).",
    ),
    "accommodation.csv": (
        ["extra_minutes", "time_factor", "extra_attempts", "reason", "set_at"],
        "their exam accommodation, if they have one: extra time and attempts, and why.",
    ),
    "invitations.csv": (
        ["created_at", "expires_at", "used_at", "invited_by"],
        "links e-mailed to them to choose a password: when, until when, when used, by whom.",
    ),
    "question_reports.csv": (
        ["report_id", "role", "question_id", "attempt_id", "question_number", "kind", "comment",
         "created_at", "status", "resolved_at", "resolution"],
        "questions they reported as wrong or unclear ('filed'), or resolved ('resolved').",
    ),
    "pass_mark_ratings.csv": (
        ["quiz_id", "question_id", "rating", "rated_at"],
        "pass-mark (Angoff) ratings they gave as a trainer or manager.",
    ),
    "audit.csv": (
        ["line_id", "relation", "at", "actor", "action", "target", "detail_json"],
        "audit log lines of what they did ('by') and of what was done about them ('about').",
    ),
}  # fmt: skip
README = """\
Everything Resurface holds about one person, exported {at} (UTC).

person.json holds all of it, for programs. The CSV files say the same for people: UTF-8, one
row per record, times in ISO 8601 UTC; cells that a spreadsheet could run as formulas start
with an apostrophe. Empty files have only their header row.

{files}
"""


@dataclass(frozen=True)
class PersonalData:
    """One export: the zip's bytes, a file name for it, and whose data it is."""

    data: bytes
    filename: str
    username: str


# --- the names a person goes by -------------------------------------------------------------------


def names_of(conn: Connection, row: dict[str, Any]) -> list[str]:
    """The username and the display names (now and before) of an account, longest first."""
    names = {
        row["username"],
        row["display_name"],
        *store.former_display_names(conn, row["username"]),
    }
    return sorted((n for n in names if n), key=lambda n: (-len(n), n))


def identifiers_of(conn: Connection, row: dict[str, Any]) -> list[str]:
    """What the records may name the account by: its names and its e-mail address (a mail
    server's refusal in the audit log quotes it), longest first."""
    email = mail_store.email_of(conn, row["id"])
    found = {*names_of(conn, row), *([email] if email else [])}
    return sorted(found, key=lambda n: (-len(n), n))


def name_pattern(names: Iterable[str], ignore_case: bool = True) -> re.Pattern[str]:
    """A pattern for any of ``names`` (at least one) as a whole word (``ann`` in "ann's", not in
    "planning"), in any case unless ``ignore_case`` is False."""
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    flags = re.IGNORECASE if ignore_case else re.NOFLAG
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)


def mentions(value: Any, pattern: re.Pattern[str]) -> bool:
    """Whether a text, or any text inside a JSON value, names the person."""
    if isinstance(value, str):
        return bool(pattern.search(value))
    if isinstance(value, dict):
        return any(mentions(k, pattern) or mentions(v, pattern) for k, v in value.items())
    if isinstance(value, list):
        return any(mentions(v, pattern) for v in value)
    return False


# --- the export -----------------------------------------------------------------------------------


def export(
    engine: Engine,
    actor: User | None,
    username: str,
    catalogue: Catalogue,
    now: datetime | None = None,
) -> PersonalData:
    """Everything held about ``username`` as a zip; the export is written to the audit log.

    ``actor`` None is the operator at the console. Raises NotFound (no such user, or one the
    actor may not see), Forbidden (someone else's data, unless a manager), AccountInactive and
    SessionEnded (the actor, re-read from the database).
    """
    now = now or clock.now()
    with engine.connect() as conn:
        _, target = _target(conn, actor, username, now)
    # Passes not yet asked about get their certificate (app.certificates), once the actor is
    # known to be allowed: a refused export writes nothing.
    certificates.issue(engine, now, user_id=target.id)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for every query of the read
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            held = _read(conn, actor, username, catalogue, now)
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        audit_store.record(
            conn, now, actor.id if actor else None, "person.export", held["account"]["username"]
        )
    name = held["account"]["username"]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return PersonalData(_zip(held, now), f"personal-data-{safe}-{now:%Y%m%d}.zip", name)


def _target(
    conn: Connection, actor: User | None, username: str, now: datetime
) -> tuple[dict[str, Any], User]:
    """The account whose data ``actor`` (re-read) may export. Raises NotFound, Forbidden,
    AccountInactive, SessionEnded."""
    actor = recheck(conn, actor, now)
    row = user_store.by_key(conn, username_key(username.strip()))
    if row is None or not allowed(acting(actor), Action.VIEW_USER, User.of(row)):
        raise NotFound(f"no user '{username}'")
    target = User.of(row)
    require(acting(actor), Action.EXPORT_PERSONAL_DATA, target)
    return row, target


def _read(
    conn: Connection, actor: User | None, username: str, catalogue: Catalogue, now: datetime
) -> dict[str, Any]:
    row, target = _target(conn, actor, username, now)
    own = attempt_store.of_user(conn, target.id)
    return {
        "exported_at": now,
        "account": {
            "username": target.username,
            "display_name": target.display_name,
            "role": target.role,
            "cohort": target.cohort,
            "active": target.active,
            "created_at": row["created_at"],
            "must_change_password": target.must_change_password,
            "edits_content": content_store.granted(conn, target.id),
            "email": mail_store.email_of(conn, target.id),
        },
        "accommodation": [
            _accommodation(a) for a in [fair_store.accommodation(conn, target.id)] if a
        ],
        "invitations": store.invitations_of(conn, target.id),
        "attempts": [_attempt(conn, a, catalogue) for a in sorted(own, key=lambda a: a["id"])],
        "comments": [_comment(c, target.id) for c in store.comments_about_or_by(conn, target.id)],
        "certifications": [
            {
                "certification": c.name,
                "quiz_id": c.quiz_id,
                "status": NAMES[c.status],
                "passed_at": c.earned_at,
                "valid_until": c.valid_until,
            }
            for c in certifications_from(store.certifying_rows(conn, target.id), catalogue, now)
        ],
        "certificates": [
            {
                "certification": c.certification,
                "code": c.code,
                "verification_address": verification_address(c.code),
                "passed_at": c.passed_at,
                "valid_until": c.valid_until,
                "status": CERTIFICATE_NAMES[c.status],
                "issued_at": c.issued_at,
                "revoked_at": c.revoked_at,
                "revoke_reason": c.revoke_reason,
            }
            for c in certificates.held(conn, target.id, now)
        ],
        "reminders": [_mail(m) for m in store.mail_to(conn, target.id)],
        "question_reports": [
            _report(r, target.id) for r in store.reports_by_or_about(conn, target.id)
        ],
        "pass_mark_ratings": [
            {
                "quiz_id": r["quiz_id"],
                "question_id": r["qid"],
                "rating": r["rating"],
                "rated_at": r["rated_at"],
            }
            for r in store.ratings_by(conn, target.id)
        ],
        "audit": _audit(conn, row, target.id),
    }


def _attempt(conn: Connection, a: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    quiz = catalogue.quizzes.get(a["quiz_id"])
    taken = a["quiz"] or {}
    questions = attempt_store.questions(conn, a["id"])
    # The right answer only where the attempt's review shows it (app.feedback): never a secure
    # exam question's before a pass, since the person may take that exam again.
    shown = {v.position for v in feedback.review(view_of(a, questions)) if v.key is not None}
    return {
        "attempt_id": a["id"],
        "quiz_id": a["quiz_id"],
        "quiz_title": taken.get("title") or (quiz.title if quiz else a["quiz_id"]),
        **{k: a[k] for k in FILES["attempts.csv"][0][3:]},
        "by_topic": a["by_topic"],
        "answers": [
            {
                "question_number": q["position"] + 1,
                "question_id": q["qid"],
                "question": q["content"].get("stem", ""),
                "type": q["content"]["type"],
                "answer": answer_text(q["content"], q["answer"]),
                "answer_raw": q["answer"],
                "correct_answer": key_text(q["content"]) if q["position"] in shown else None,
                "points": q["points"],
                "flagged": q["flagged"],
                "answered_at": q["answered_at"],
            }
            for q in questions
        ],
        "regrades": [
            {
                "kind": r["kind"],
                "question_id": r["qid"],
                "reason": r["reason"],
                "at": r["created_at"],
                **{k: r[k] for k in FILES["regrades.csv"][0][5:]},
            }
            for r in regrade_store.of_attempt(conn, a["id"])
        ],
    }


def _accommodation(a: dict[str, Any]) -> dict[str, Any]:
    keep = ("extra_minutes", "time_factor", "extra_attempts", "reason", "set_at")
    return {k: a[k] for k in keep}


def _mail(m: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "about", "threshold", "subject", "status", "claimed_at", "sent_at", "error")
    return {k: m[k] for k in keep}


def _comment(c: dict[str, Any], user_id: int) -> dict[str, Any]:
    return {
        "comment_id": c["id"],
        "direction": "by" if c["author_id"] == user_id else "to",
        "attempt_id": c["attempt_id"],
        "quiz_id": c["quiz_id"],
        "question_number": None if c["position"] is None else c["position"] + 1,
        "author": c["author"],
        "written_at": c["created_at"],
        "body": c["body"],
    }


def _report(r: dict[str, Any], user_id: int) -> dict[str, Any]:
    return {
        "report_id": r["id"],
        "role": "filed" if r["reporter_id"] == user_id else "resolved",
        "question_id": r["qid"],
        "attempt_id": r["attempt_id"],
        "question_number": r["position"] + 1,
        "kind": r["kind"],
        "comment": r["comment"],
        "created_at": r["created_at"],
        "status": r["status"],
        "resolved_at": r["resolved_at"],
        "resolution": r["resolution"],
    }


def _audit(conn: Connection, row: dict[str, Any], user_id: int) -> list[dict[str, Any]]:
    names = identifiers_of(conn, row)
    pattern = name_pattern(names)
    found = []
    for line in store.audit_about_or_by(conn, user_id, names):
        about = line["target"] == row["username"] or mentions(line["detail"], pattern)
        by = line["actor_id"] == user_id
        if not (about or by):
            continue  # a name that is only part of other words
        found.append(
            {
                "line_id": line["id"],
                "relation": "by, about" if by and about else "by" if by else "about",
                "at": line["at"],
                "actor": line["actor"] or "(console)",
                "action": line["action"],
                "target": line["target"],
                "detail": redact(line["detail"] or {}),
            }
        )
    return found


# --- the zip --------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON holds it: times as ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _tables(held: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    attempts = held["attempts"]
    answers = [{"attempt_id": a["attempt_id"], **q} for a in attempts for q in a["answers"]]
    regrades = [{"attempt_id": a["attempt_id"], **r} for a in attempts for r in a["regrades"]]
    audit = [
        {**line, "detail_json": json.dumps(_plain(line["detail"]), ensure_ascii=False)}
        for line in held["audit"]
    ]
    return {
        "account.csv": [held["account"]],
        "attempts.csv": attempts,
        "answers.csv": answers,
        "regrades.csv": regrades,
        "comments.csv": held["comments"],
        "certifications.csv": held["certifications"],
        "certificates.csv": held["certificates"],
        "reminders.csv": held["reminders"],
        "accommodation.csv": held["accommodation"],
        "invitations.csv": held["invitations"],
        "question_reports.csv": held["question_reports"],
        "pass_mark_ratings.csv": held["pass_mark_ratings"],
        "audit.csv": audit,
    }  # fmt: skip


def _zip(held: dict[str, Any], now: datetime) -> bytes:
    out = io.BytesIO()
    stamp = now.timetuple()[:6]
    files = "\n".join(f"{name}: {what}" for name, (_, what) in FILES.items())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:

        def put(name: str, data: bytes) -> None:
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)

        put("README.txt", README.format(at=now.isoformat(), files=files).encode())
        body = json.dumps(_plain(held), ensure_ascii=False, indent=2, sort_keys=False)
        put("person.json", body.encode())
        for name, rows in _tables(held).items():
            columns = FILES[name][0]
            frame = pd.DataFrame(
                [{c: _plain(r.get(c)) for c in columns} for r in rows], columns=columns
            )
            put(name, to_csv(frame))
    return out.getvalue()
