"""Failed sign-ins slow down the client that makes them, instead of locking the account.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("address", sa.String(100), nullable=False),
        sa.Column("username_key", sa.String(64), nullable=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure", UTCDateTime(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_sign_in_throttle_user", "sign_in_throttle", ["username_key"])
    op.create_index("ix_sign_in_throttle_last", "sign_in_throttle", ["last_failure"])
    # The hard lock is gone: an account locked under the old rule is open again.
    op.execute("UPDATE users SET locked_until = NULL")


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttle_last", table_name="sign_in_throttle")
    op.drop_index("ix_sign_in_throttle_user", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
