"""interview progress per session and participant, typed and versioned

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interview_progress",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("participant_key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "participant_key"),
    )


def downgrade() -> None:
    op.drop_table("interview_progress")
