"""Trainees report questions as wrong or unclear; trainers resolve each report with a note.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("qid", sa.String(64), nullable=False),
        sa.Column("snapshot_hash", sa.String(64), sa.ForeignKey("snapshots.hash"), nullable=False),
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("reporter_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
    )
    op.create_index("ix_question_reports_qid", "question_reports", ["qid", "created_at"])
    op.create_index(
        "ix_question_reports_reporter", "question_reports", ["reporter_id", "created_at"]
    )
    op.create_index(
        "uq_question_reports_one_open",
        "question_reports",
        ["reporter_id", "snapshot_hash"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_question_reports_one_open", table_name="question_reports")
    op.drop_index("ix_question_reports_reporter", table_name="question_reports")
    op.drop_index("ix_question_reports_qid", table_name="question_reports")
    op.drop_table("question_reports")
