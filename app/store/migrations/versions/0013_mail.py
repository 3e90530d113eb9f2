"""Mail: account email addresses, invitations, and the record of reminders sent.

Revision ID: 0013_mail
Revises: 0012_fair_exams
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0013_mail"
down_revision = "0012_fair_exams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_emails",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("invited_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_invitations_user", "invitations", ["user_id"])
    op.create_table(
        "mail_sent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("about", sa.String(100), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("threshold", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "user_id", "kind", "about", "period", "threshold", name="uq_mail_sent_once"
        ),
    )
    op.create_index("ix_mail_sent_user", "mail_sent", ["user_id", "claimed_at"])


def downgrade() -> None:
    op.drop_table("mail_sent")
    op.drop_table("invitations")
    op.drop_table("user_emails")
