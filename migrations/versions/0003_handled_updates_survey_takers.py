"""handled Telegram updates, pseudonymous survey takers, one response per respondent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_updates",
        sa.Column("bot_id", sa.String(length=40), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id"),
    )
    with op.batch_alter_table("handled_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handled_updates_handled_at"), ["handled_at"], unique=False
        )
    op.create_table(
        "survey_takers",
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person"),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_code", sa.String(length=16), nullable=False),
        sa.Column("respondent", sa.String(length=64), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_code"], ["surveys.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_code", "respondent"),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_responses_survey_code"), ["survey_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_survey_code"))
    op.drop_table("survey_responses")
    op.drop_table("survey_takers")
    with op.batch_alter_table("handled_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handled_updates_handled_at"))
    op.drop_table("handled_updates")
