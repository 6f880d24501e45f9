"""what an action answered in a turn, for the same turn sent to another Rasa server

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_actions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handled_actions_handled_at", "handled_actions", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_actions_handled_at", table_name="handled_actions")
    op.drop_table("handled_actions")
