"""Content editing: managers grant trainers the right to edit questions in the app.

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nobody but managers edits content until a manager grants it.
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("edits_content", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("edits_content")
