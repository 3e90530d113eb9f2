"""The database schema, as SQLAlchemy Core tables. Migrations in ``migrations/`` build the same."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    # Uniqueness is case-insensitive: the folded form carries the unique index.
    Column("username_key", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("cohort", String(100), nullable=True),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # Set when someone else chose the password (a reset, an import): the user must replace it
    # before any page opens.
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=True),
    Column("detail", JSON, nullable=True),
    Index("ix_audit_log_at", "at"),
    # The log's filters: one action (or a group, ``user.*``, a range of this index) or one user.
    Index("ix_audit_log_action_at", "action", "at"),
    Index("ix_audit_log_actor_at", "actor_id", "at"),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("qid", String(64), nullable=False),
    Column("content", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("quiz_id", String(64), nullable=False),
    Column("quiz", JSON, nullable=False),  # the quiz definition as it was when the attempt began
    Column("seed", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | submitted
    Column("started_at", UTCDateTime(), nullable=False),
    Column("deadline", UTCDateTime(), nullable=True),
    Column("submitted_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(16), nullable=True),  # user | deadline
    Column("points", Float, nullable=True),
    Column("max_points", Integer, nullable=True),
    Column("score_percent", Float, nullable=True),
    Column("passed", Boolean, nullable=True),
    Column("by_topic", JSON, nullable=True),
    # Set by the first regrade or void that changes the attempt (app.regrade): its score as it
    # was submitted. ``regraded_at`` is the latest such change; ``pass_changed_at`` the latest
    # that turned a pass into a fail or back (app.certstatus counts the new result from then).
    Column("regraded_at", UTCDateTime(), nullable=True),
    Column("original_points", Float, nullable=True),
    Column("original_max_points", Integer, nullable=True),
    Column("original_score_percent", Float, nullable=True),
    Column("original_passed", Boolean, nullable=True),
    Column("pass_changed_at", UTCDateTime(), nullable=True),
    # The accommodation the attempt began under (app.accommodations): the minutes its deadline
    # got beyond the quiz's time limit, and the extra attempts the trainee had. None: none.
    Column("extra_minutes", Integer, nullable=True),
    Column("extra_attempts", Integer, nullable=True),
    Index("ix_attempts_user_quiz", "user_id", "quiz_id"),
    # At most one open attempt per user and quiz, enforced by the database, not by a race.
    Index(
        "uq_attempts_one_open",
        "user_id",
        "quiz_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

attempt_questions = Table(
    "attempt_questions",
    metadata,
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("qid", String(64), nullable=False),
    Column("snapshot_hash", String(64), ForeignKey("snapshots.hash"), nullable=False),
    Column("option_order", JSON, nullable=False),
    Column("left_order", JSON, nullable=False),
    Column("right_order", JSON, nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    UniqueConstraint("attempt_id", "qid", name="uq_attempt_questions_qid"),
)

responses = Table(
    "responses",
    metadata,
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("answer", JSON, nullable=True),
    Column("answered_at", UTCDateTime(), nullable=False),
    Column("points", Float, nullable=True),  # set when the attempt is scored
    Column("original_points", Float, nullable=True),  # as scored at submission, once regraded
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=True),  # a question of the attempt, or the whole attempt
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_comments_attempt", "attempt_id"),
)

# A regrade (a question's corrected key applied to attempts that answered an earlier version) or
# a void (a question given to everyone, or dropped from the total, in one quiz): who, when, why.
regrades = Table(
    "regrades",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # regrade | void
    Column("quiz_id", String(64), nullable=False),
    Column("qid", String(64), nullable=False),
    Column("to_hash", String(64), ForeignKey("snapshots.hash"), nullable=True),  # regrade
    Column("void", String(8), nullable=True),  # give | drop (a void)
    Column("cohort", String(100), nullable=True),  # the cohort it covered; None: every one
    Column("reason", Text, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),  # None: the console
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_regrades_quiz", "quiz_id", "qid"),
)

# Each attempt a regrade or void changed, with its question's and its own score before and after.
regrade_attempts = Table(
    "regrade_attempts",
    metadata,
    Column("regrade_id", Integer, ForeignKey("regrades.id"), primary_key=True),
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("from_hash", String(64), nullable=True),  # the version the attempt answered (regrade)
    Column("question_before", Float, nullable=True),
    Column("question_after", Float, nullable=True),
    Column("points_before", Float, nullable=False),
    Column("points_after", Float, nullable=False),
    Column("max_before", Integer, nullable=False),
    Column("max_after", Integer, nullable=False),
    Column("percent_before", Float, nullable=False),
    Column("percent_after", Float, nullable=False),
    Column("passed_before", Boolean, nullable=False),
    Column("passed_after", Boolean, nullable=False),
    Index("ix_regrade_attempts_attempt", "attempt_id"),
)

# Questions voided in a quiz: every attempt at it, past and future, is scored so (app.regrade).
question_voids = Table(
    "question_voids",
    metadata,
    Column("quiz_id", String(64), primary_key=True),
    Column("qid", String(64), primary_key=True),
    Column("void", String(8), nullable=False),  # give | drop
    Column("regrade_id", Integer, ForeignKey("regrades.id"), nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# A signed-in browser. The token is random; the table keeps only its SHA-256. ``delivered`` turns
# true once the browser has exchanged the token for its cookie, which it may do only once.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("delivered", Boolean, nullable=False),
    Column("seen_at", UTCDateTime(), nullable=True),  # last used; None: not since it began
    Index("ix_web_sessions_user", "user_id"),
)

# Failed sign-ins by where they came from (app.throttle): one row per client address, and one per
# address and username tried from it (an account key). A row without a failure for a day goes.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("address", String(100), nullable=False),
    Column("username_key", String(64), nullable=True),  # None: the address's own row
    Column("failures", Integer, nullable=False),
    Column("last_failure", UTCDateTime(), nullable=False),
    Column("blocked_until", UTCDateTime(), nullable=True),
    Index("ix_sign_in_throttle_user", "username_key"),
    Index("ix_sign_in_throttle_last", "last_failure"),
)

# Standard setting (modified Angoff, app.passmark): a rater's judgement of how likely a
# just-competent technician is to answer one question of one quiz's pool right (0 to 1). A rater
# rates each question once per quiz; rating it again replaces the earlier rating.
angoff_ratings = Table(
    "angoff_ratings",
    metadata,
    Column("quiz_id", String(100), primary_key=True),
    Column("qid", String(100), primary_key=True),
    Column("rater_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("rating", Float, nullable=False),
    Column("rated_at", UTCDateTime(), nullable=False),
)

# A trainee's report that a question, as they saw it (its snapshot), is wrong or unclear; a
# trainer or manager resolves it with a note the trainee reads (app.questionreports).
question_reports = Table(
    "question_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("qid", String(64), nullable=False),
    Column("snapshot_hash", String(64), ForeignKey("snapshots.hash"), nullable=False),
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # the question's place in that attempt
    Column("reporter_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # wrong | unclear
    Column("comment", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("resolved_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Column("resolution", Text, nullable=True),
    Index("ix_question_reports_qid", "qid", "created_at"),
    Index("ix_question_reports_reporter", "reporter_id", "created_at"),
    # One open report per reporter and question version, enforced by the database, not a race.
    Index(
        "uq_question_reports_one_open",
        "reporter_id",
        "snapshot_hash",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

# Trainers a manager has let edit questions (app.permissions, EDIT_CONTENT); managers may always.
# A table of its own, not a column of users: code reading users works at every revision.
content_editors = Table(
    "content_editors",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("granted_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("granted_at", UTCDateTime(), nullable=False),
)

# An account's email address, for reminders and invitations (app.mail). A table of its own, not a
# column of users, like content_editors: personal data kept in one place that is easy to find,
# export and erase.
user_emails = Table(
    "user_emails",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)

# A single-use link to choose one's password (app.invitations). The token is random; the table
# keeps only its SHA-256. ``used_at`` is set when the password is chosen, and on every earlier
# unused link of the account when a new one is made (a link works once, and only the newest).
invitations = Table(
    "invitations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("invited_by", Integer, ForeignKey("users.id"), nullable=True),  # None: the console
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_invitations_user", "user_id"),
)

# Every reminder and digest (app.reminders), claimed before it is sent: the unique key is what
# makes a rerun, or two servers at once, send nothing twice. ``about`` is the certification's quiz
# (a reminder) or the cohort (a digest); ``period`` the certification's valid-until (a new pass
# starts a new one) or the digest's ISO week; ``threshold`` 60, 30, 7, lapsed, or weekly.
mail_sent = Table(
    "mail_sent",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # reminder | digest
    Column("about", String(100), nullable=False),
    Column("period", String(40), nullable=False),
    Column("threshold", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # sending | sent | failed
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("subject", String(200), nullable=False),
    Column("error", Text, nullable=True),
    UniqueConstraint("user_id", "kind", "about", "period", "threshold", name="uq_mail_sent_once"),
    Index("ix_mail_sent_user", "user_id", "claimed_at"),
)

# When a quiz may be started (app.examwindows): between ``opens_at`` and ``closes_at`` (either may
# be open-ended). ``cohort`` "" is the window for everyone; a cohort's own window beats it. Not
# NULL for everyone, so that the primary key holds one window per quiz and cohort on every backend.
exam_windows = Table(
    "exam_windows",
    metadata,
    Column("quiz_id", String(64), primary_key=True),
    Column("cohort", String(100), primary_key=True),
    Column("opens_at", UTCDateTime(), nullable=True),
    Column("closes_at", UTCDateTime(), nullable=True),
    Column("set_by", Integer, ForeignKey("users.id"), nullable=True),  # None: the console
    Column("set_at", UTCDateTime(), nullable=False),
)

# A trainee's exam accommodation (app.accommodations): extra time on timed quizzes (a factor of
# the time limit, then minutes added) and extra attempts on quizzes with an attempt limit.
accommodations = Table(
    "accommodations",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("extra_minutes", Integer, nullable=False),
    Column("time_factor", Float, nullable=False),
    Column("extra_attempts", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("set_by", Integer, ForeignKey("users.id"), nullable=True),  # None: the console
    Column("set_at", UTCDateTime(), nullable=False),
)

# A certificate: one per pass of a certifying quiz (app.certificates), issued when first asked
# for. ``code`` is the random key of its public verification address; a manager's revocation
# keeps the row (who, when, why) so the address then says "revoked".
certificates = Table(
    "certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column(
        "attempt_id",
        Integer,
        ForeignKey("attempts.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("revoked_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("revoke_reason", Text, nullable=True),
    Index("ix_certificates_user", "user_id"),
)

# Lookups of the public verification page per client address in the current window
# (app.certificates.VERIFY_LIMIT): in the database, so every server counts the same.
verify_throttle = Table(
    "verify_throttle",
    metadata,
    Column("address", String(100), primary_key=True),
    Column("window_start", UTCDateTime(), nullable=False),
    Column("hits", Integer, nullable=False),
)

# Files a server prepared for someone to download (app.prepared): in the database, so the download
# works whichever server the browser's request reaches. The link's token is kept as its SHA-256;
# the bytes in chunks, so neither writing nor reading holds a whole file in memory.
prepared_files = Table(
    "prepared_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # What the file is, as the rule checked again at its download: the Action allowed to make it
    # ("export", "person.export") and the person it is about, if any.
    Column("action", String(40), nullable=False),
    Column("subject_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("name", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_prepared_files_user", "user_id"),
)
prepared_chunks = Table(
    "prepared_chunks",
    metadata,
    Column(
        "file_id",
        Integer,
        ForeignKey("prepared_files.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
