"""Fair exam arrangements: exam windows, trainees' accommodations, what an attempt was given.

Revision ID: 0012_fair_exams
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0012_fair_exams"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_windows",
        sa.Column("quiz_id", sa.String(64), primary_key=True),
        sa.Column("cohort", sa.String(100), primary_key=True),
        sa.Column("opens_at", UTCDateTime(), nullable=True),
        sa.Column("closes_at", UTCDateTime(), nullable=True),
        sa.Column("set_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("set_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "accommodations",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("extra_minutes", sa.Integer, nullable=False),
        sa.Column("time_factor", sa.Float, nullable=False),
        sa.Column("extra_attempts", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("set_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("set_at", UTCDateTime(), nullable=False),
    )
    op.add_column("attempts", sa.Column("extra_minutes", sa.Integer, nullable=True))
    op.add_column("attempts", sa.Column("extra_attempts", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("extra_attempts")
        batch.drop_column("extra_minutes")
    op.drop_table("accommodations")
    op.drop_table("exam_windows")
