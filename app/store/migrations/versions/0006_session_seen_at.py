"""Idle sessions end: when a browser session was last used.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions begun before this have no record of use: their start counts as their last use.
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("seen_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("seen_at")
