"""Certificates: one per certifying pass, with the random code its verification address carries,
and a manager's revocation; and the per-address counter that rate-limits the public page.

Revision ID: 0014_certificates
Revises: 0013_mail
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0014_certificates"
down_revision = "0013_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Passes made before this revision get theirs when first asked for (app.certificates.issue).
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_certificates_user", "certificates", ["user_id"])
    op.create_table(
        "verify_throttle",
        sa.Column("address", sa.String(100), primary_key=True),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verify_throttle")
    op.drop_index("ix_certificates_user", table_name="certificates")
    op.drop_table("certificates")
