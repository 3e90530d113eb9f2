"""Standard setting: trainers' modified-Angoff ratings of an exam's questions.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "angoff_ratings",
        sa.Column("quiz_id", sa.String(100), primary_key=True),
        sa.Column("qid", sa.String(100), primary_key=True),
        sa.Column("rater_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("rating", sa.Float, nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("angoff_ratings")
