"""facilitated sessions (agenda and timers) and their members' votes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("facilitator_key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_timer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("facilitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facilitations_session_id"), ["session_id"])
        batch_op.create_index(batch_op.f("ix_facilitations_next_timer_at"), ["next_timer_at"])
    op.create_table(
        "facilitation_votes",
        sa.Column("facilitation_id", sa.Integer(), nullable=False),
        sa.Column("participant_key", sa.String(length=200), nullable=False),
        sa.Column("mot", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facilitation_id"], ["facilitations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("facilitation_id", "participant_key", "mot"),
    )


def downgrade() -> None:
    op.drop_table("facilitation_votes")
    with op.batch_alter_table("facilitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilitations_next_timer_at"))
        batch_op.drop_index(batch_op.f("ix_facilitations_session_id"))
    op.drop_table("facilitations")
