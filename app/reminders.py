"""Reminders before a certification lapses, and trainers' weekly digests: who is due, claiming
each message before it is sent, and the record of what went.

A trainee with an email address is reminded REMINDER_DAYS (60, 30 and 7) days before a
certification of theirs lapses, and on the day it does: one message per threshold per
certification period (a new pass starts a new period). A run that comes late sends only the
nearest threshold passed (a certification 25 days from lapsing gets the 30-day reminder, never the
60-day one too), and a lapse older than LAPSED_WITHIN gets none (the first run on an old database
must not mail everyone who lapsed years ago). Each cohort's trainers get, once a week, the list of
their trainees expiring or expired (app.certstatus's words and window).

Each message is claimed in the database (a row of ``mail_sent`` under a unique key) before it is
sent, so a rerun, or two servers running at once, send nothing twice. A message the mail server
did not take is marked failed and goes at the next run; one whose sender stopped without saying
how it went is taken over after STALE_CLAIM. No database transaction is open while the mail
server is talked to.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from app import certification, clock, mail
from app.accounts import User, require
from app.bank import Catalogue
from app.certstatus import NAMES, WITHIN
from app.errors import ResurfaceError
from app.permissions import Action
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store.db import writing

REMINDER_DAYS = (60, 30, 7)
LAPSED = "lapsed"
WEEKLY = "weekly"
LAPSED_WITHIN = timedelta(days=7)
STALE_CLAIM = timedelta(hours=1)
SCHEDULE = (
    f"{', '.join(map(str, REMINDER_DAYS[:-1]))} and {REMINDER_DAYS[-1]} days before a "
    "certification of yours lapses, and on the day it does"
)


class NotAllSent(ResurfaceError):
    """Some messages were not sent; they are kept and go at the next run."""

    def __init__(self, report: Report) -> None:
        first = report.failed[0][1]
        more = len(report.failed) - 1
        others = f" (and {more} more not sent)" if more else ""
        super().__init__(f"{first}{others}; they will be sent at the next run")
        self.report = report


@dataclass(frozen=True)
class Due:
    """One message due: a trainee's reminder or a trainer's digest."""

    user_id: int
    username: str
    to: str
    kind: str  # reminder | digest
    about: str  # the certification's quiz, or the cohort
    period: str  # the certification's valid-until, or the ISO week
    threshold: str  # "60", "30", "7", LAPSED or WEEKLY
    message: mail.Message

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.user_id, self.kind, self.about, self.period, self.threshold)

    def describe(self) -> str:
        return f"{self.kind} to {self.username} <{self.to}>: {self.message.subject}"


@dataclass
class Report:
    """What a run did: sent, not sent (with why), and who could not be mailed."""

    sent: list[Due] = field(default_factory=list)
    failed: list[tuple[Due, str]] = field(default_factory=list)
    skipped: list[Due] = field(default_factory=list)  # already sent, or claimed by another run
    no_address: list[str] = field(default_factory=list)  # usernames due a message, no address


def threshold(valid_until: datetime, now: datetime) -> str | None:
    """The reminder due for a certification valid until ``valid_until``, as of ``now``: the
    nearest of REMINDER_DAYS reached, LAPSED on the day (up to LAPSED_WITHIN after), or None."""
    if valid_until <= now:
        return LAPSED if now - valid_until < LAPSED_WITHIN else None
    left = valid_until - now
    reached = [days for days in REMINDER_DAYS if left <= timedelta(days=days)]
    return str(min(reached)) if reached else None


def week_of(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def due(
    engine: Engine, catalogue: Catalogue, now: datetime | None = None
) -> tuple[list[Due], list[str]]:
    """Every message due as of ``now`` (sent ones too: claiming tells), and the usernames of
    those due one who have no email address."""
    now = now or clock.now()
    roster = certification.trainee_statuses(
        engine, None, catalogue, now=now, include_inactive=False
    )
    with engine.connect() as conn:
        addresses = mail_store.emails(conn)
        trainers = mail_store.trainers(conn)
    link = mail.app_link()
    found: list[Due] = []
    missing: list[str] = []
    for row in roster.itertuples(index=False):
        if pd.isna(row.expires_at):
            continue
        until = row.expires_at.to_pydatetime()
        when = threshold(until, now)
        if when is None:
            continue
        to = addresses.get(int(row.user_id))
        if to is None:
            missing.append(str(row.username))
            continue
        title = catalogue.quizzes[row.quiz_id].title
        text = _reminder(str(row.display_name), str(row.certification), title, until, when, now)
        subject = _reminder_subject(str(row.certification), until, when)
        message = mail.Message(to, subject, f"{text}\n\nOpen Resurface: {link}\n\n{_why()}")
        found.append(
            Due(int(row.user_id), str(row.username), to, "reminder", str(row.quiz_id),
                until.isoformat(), when, _with_html(message))
        )  # fmt: skip
    week = week_of(now)
    for trainer in trainers:
        mine = roster[
            (roster["cohort"] == trainer["cohort"]) & roster["status"].isin(["expiring", "expired"])
        ]
        if mine.empty:
            continue
        if trainer["email"] is None:
            missing.append(trainer["username"])
            continue
        subject, text = _digest(trainer["display_name"], trainer["cohort"], mine, now)
        message = mail.Message(trainer["email"], subject, f"{text}\n\nOpen Resurface: {link}")
        found.append(
            Due(trainer["id"], trainer["username"], trainer["email"], "digest",
                trainer["cohort"], week, WEEKLY, _with_html(message))
        )  # fmt: skip
    return found, sorted(set(missing))


def pending(engine: Engine, catalogue: Catalogue, now: datetime | None = None) -> Report:
    """What a run would send now, sending and recording nothing (``resurface remind --dry-run``)."""
    found, missing = due(engine, catalogue, now)
    with engine.connect() as conn:
        done = mail_store.sent_keys(conn)
    report = Report(no_address=missing)
    for item in found:
        (report.skipped if item.key in done else report.sent).append(item)
    return report


def run(
    engine: Engine,
    catalogue: Catalogue,
    now: datetime | None = None,
    progress: Callable[[Due, str | None], None] | None = None,
) -> Report:
    """Send every message due that has not been sent, each once; ``progress(item, error)`` after
    each. Raises MailNotConfigured (before anything is claimed) and SettingError; a message the
    mail server did not take is in the report's ``failed`` (and goes at the next run).
    """
    now = now or clock.now()
    where = mail.settings()
    found, missing = due(engine, catalogue, now)
    report = Report(no_address=missing)
    claimed: list[tuple[int, Due]] = []
    with writing(engine) as conn:
        for item in found:
            values = dict(zip(mail_store.KEY, item.key, strict=True))
            values |= {"claimed_at": now, "subject": item.message.subject[:200]}
            mail_id = mail_store.claim(conn, values, now - STALE_CLAIM)
            if mail_id is None:
                report.skipped.append(item)
            else:
                claimed.append((mail_id, item))
    if not claimed:
        return report
    try:
        with mail.connect(where) as outbox:
            for index, (mail_id, item) in enumerate(claimed):
                try:
                    outbox.send(item.message)
                except mail.MessageRefused as exc:
                    _failed(engine, report, mail_id, item, str(exc), progress)
                    continue
                except mail.MailError as exc:  # the connection is gone: the rest wait too
                    for later_id, later in claimed[index:]:
                        _failed(engine, report, later_id, later, str(exc), progress)
                    return report
                _sent(engine, report, mail_id, item, progress)
    except mail.MailError as exc:  # no connection at all
        for mail_id, item in claimed:
            _failed(engine, report, mail_id, item, str(exc), progress)
    return report


def _sent(engine: Engine, report: Report, mail_id: int, item: Due, progress) -> None:
    at = clock.now()
    with writing(engine) as conn:
        mail_store.mark(conn, mail_id, "sent", at, None)
        audit_store.record(
            conn, at, None, f"mail.{item.kind}", item.username,
            about=item.about, period=item.period, threshold=item.threshold,
            subject=item.message.subject,
        )  # fmt: skip
    report.sent.append(item)
    if progress:
        progress(item, None)


def _failed(engine: Engine, report: Report, mail_id: int, item: Due, error: str, progress) -> None:
    at = clock.now()
    with writing(engine) as conn:
        mail_store.mark(conn, mail_id, "failed", at, error[:1000])
        audit_store.record(
            conn, at, None, "mail.failed", item.username,
            kind=item.kind, about=item.about, threshold=item.threshold, error=error[:500],
        )  # fmt: skip
    report.failed.append((item, error))
    if progress:
        progress(item, error)


# --- what a trainee sees on My account ---------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    at: datetime
    subject: str


@dataclass(frozen=True)
class Mine:
    """A user's reminders: the address they go to (None: none yet), when, and those sent."""

    email: str | None
    gets: str | None  # what they are sent, in their words (None: nothing, e.g. a manager)
    sent: tuple[Sent, ...]


def for_user(engine: Engine, user: User) -> Mine:
    """The reminders ``user`` gets and those sent to them (their own only). Raises Forbidden."""
    require(user, Action.VIEW_USER, user)
    with engine.connect() as conn:
        email = mail_store.email_of(conn, user.id)
        rows = mail_store.of_user(conn, user.id)
    gets = {
        "trainee": f"Resurface emails you {SCHEDULE}.",
        "trainer": "Resurface emails you once a week the trainees of your cohort whose "
        "certification is expiring or has lapsed.",
    }.get(user.role)
    return Mine(email, gets, tuple(Sent(r["sent_at"], r["subject"]) for r in rows))


# --- the words -----------------------------------------------------------------------------------


def day(moment: datetime) -> str:
    """A date as messages write it: 7 December 2026 (UTC)."""
    return f"{moment.day} {moment:%B %Y}"


def _reminder_subject(cert: str, until: datetime, when: str) -> str:
    if when == LAPSED:
        return f"Your {cert} certification has lapsed"
    return f"Your {cert} certification expires on {day(until)}"


def _reminder(name: str, cert: str, title: str, until: datetime, when: str, now: datetime) -> str:
    if when == LAPSED:
        return (
            f"Dear {name},\n\nYour {cert} certification lapsed on {day(until)}. Pass "
            f'"{title}" again in Resurface to be certified again.'
        )
    # Counted up: a run a moment after midnight 50 days before says 50, not 49.
    left = math.ceil((until - now) / timedelta(days=1))
    days = (
        f"{left} day{'s' if left != 1 else ''}"
        if until - now >= timedelta(days=1)
        else "less than a day"
    )
    return (
        f"Dear {name},\n\nYour {cert} certification is valid until {day(until)}, {days} from "
        f'now. To stay certified, pass "{title}" again in Resurface before then.'
    )


def _why() -> str:
    return f"You get these reminders {SCHEDULE}. My account in Resurface lists those sent to you."


def _digest(name: str, cohort: str, rows: pd.DataFrame, now: datetime) -> tuple[str, str]:
    expiring = rows[rows["status"] == "expiring"].sort_values("expires_at")
    expired = rows[rows["status"] == "expired"].sort_values("expires_at")
    subject = (
        f"Certifications in {cohort}: {len(expiring)} {NAMES['expiring'].lower()}, "
        f"{len(expired)} {NAMES['expired'].lower()}"
    )
    lines = [f"Dear {name},", "", f"Your cohort {cohort} as of {day(now)}:"]
    if len(expiring):
        lines += ["", f"{NAMES['expiring']} ({WITHIN}):"]
        lines += [
            f"- {r.display_name} ({r.username}): {r.certification}, valid until {day(r.expires_at)}"
            for r in expiring.itertuples()
        ]
    if len(expired):
        lines += ["", f"{NAMES['expired']}:"]
        lines += [
            f"- {r.display_name} ({r.username}): {r.certification}, lapsed on {day(r.expires_at)}"
            for r in expired.itertuples()
        ]
    lines += ["", "This digest comes once a week while someone in your cohort is on it."]
    return subject, "\n".join(lines)


def _with_html(message: mail.Message) -> mail.Message:
    return mail.Message(message.to, message.subject, message.text, mail.paragraphs(message.text))
