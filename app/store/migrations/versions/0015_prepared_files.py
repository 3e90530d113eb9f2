"""Prepared files: exports and personal-data zips waiting for their download, readable by every
server.

Revision ID: 0015_prepared_files
Revises: 0014_certificates
"""

import sqlalchemy as sa
from alembic import op

from app.store.tables import UTCDateTime

revision = "0015_prepared_files"
down_revision = "0014_certificates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prepared_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_prepared_files_user", "prepared_files", ["user_id"])
    op.create_table(
        "prepared_chunks",
        sa.Column(
            "file_id",
            sa.Integer,
            sa.ForeignKey("prepared_files.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prepared_chunks")
    op.drop_index("ix_prepared_files_user", table_name="prepared_files")
    op.drop_table("prepared_files")
