"""Attempts, their questions and snapshots, responses and trainer comments.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("qid", sa.String(64), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("quiz_id", sa.String(64), nullable=False),
        sa.Column("quiz", sa.JSON, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("deadline", TZ, nullable=True),
        sa.Column("submitted_at", TZ, nullable=True),
        sa.Column("closed_by", sa.String(16), nullable=True),
        sa.Column("points", sa.Float, nullable=True),
        sa.Column("max_points", sa.Integer, nullable=True),
        sa.Column("score_percent", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("by_topic", sa.JSON, nullable=True),
    )
    op.create_index("ix_attempts_user_quiz", "attempts", ["user_id", "quiz_id"])
    op.create_index(
        "uq_attempts_one_open",
        "attempts",
        ["user_id", "quiz_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "attempt_questions",
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("qid", sa.String(64), nullable=False),
        sa.Column("snapshot_hash", sa.String(64), sa.ForeignKey("snapshots.hash"), nullable=False),
        sa.Column("option_order", sa.JSON, nullable=False),
        sa.Column("left_order", sa.JSON, nullable=False),
        sa.Column("right_order", sa.JSON, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.UniqueConstraint("attempt_id", "qid", name="uq_attempt_questions_qid"),
    )
    op.create_table(
        "responses",
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("answer", sa.JSON, nullable=True),
        sa.Column("answered_at", TZ, nullable=False),
        sa.Column("points", sa.Float, nullable=True),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_comments_attempt", "comments", ["attempt_id"])


def downgrade() -> None:
    for table in ("comments", "responses", "attempt_questions", "attempts", "snapshots"):
        op.drop_table(table)
