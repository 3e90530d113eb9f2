"""Regrades and voids: a question's corrected key or its void applied to submitted attempts, with
the original scores kept beside the new ones.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ATTEMPT_COLUMNS = (
    ("regraded_at", UTCDateTime()),
    ("original_points", sa.Float),
    ("original_max_points", sa.Integer),
    ("original_score_percent", sa.Float),
    ("original_passed", sa.Boolean),
    ("pass_changed_at", UTCDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        for name, kind in ATTEMPT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("original_points", sa.Float, nullable=True))
    op.create_table(
        "regrades",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("quiz_id", sa.String(64), nullable=False),
        sa.Column("qid", sa.String(64), nullable=False),
        sa.Column("to_hash", sa.String(64), sa.ForeignKey("snapshots.hash"), nullable=True),
        sa.Column("void", sa.String(8), nullable=True),
        sa.Column("cohort", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_regrades_quiz", "regrades", ["quiz_id", "qid"])
    op.create_table(
        "regrade_attempts",
        sa.Column("regrade_id", sa.Integer, sa.ForeignKey("regrades.id"), primary_key=True),
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("from_hash", sa.String(64), nullable=True),
        sa.Column("question_before", sa.Float, nullable=True),
        sa.Column("question_after", sa.Float, nullable=True),
        sa.Column("points_before", sa.Float, nullable=False),
        sa.Column("points_after", sa.Float, nullable=False),
        sa.Column("max_before", sa.Integer, nullable=False),
        sa.Column("max_after", sa.Integer, nullable=False),
        sa.Column("percent_before", sa.Float, nullable=False),
        sa.Column("percent_after", sa.Float, nullable=False),
        sa.Column("passed_before", sa.Boolean, nullable=False),
        sa.Column("passed_after", sa.Boolean, nullable=False),
    )
    op.create_index("ix_regrade_attempts_attempt", "regrade_attempts", ["attempt_id"])
    op.create_table(
        "question_voids",
        sa.Column("quiz_id", sa.String(64), primary_key=True),
        sa.Column("qid", sa.String(64), primary_key=True),
        sa.Column("void", sa.String(8), nullable=False),
        sa.Column("regrade_id", sa.Integer, sa.ForeignKey("regrades.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("question_voids")
    op.drop_index("ix_regrade_attempts_attempt", table_name="regrade_attempts")
    op.drop_table("regrade_attempts")
    op.drop_index("ix_regrades_quiz", table_name="regrades")
    op.drop_table("regrades")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("original_points")
    with op.batch_alter_table("attempts") as batch:
        for name, _kind in reversed(ATTEMPT_COLUMNS):
            batch.drop_column(name)
