"""a participant's consent to be named in the report

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nobody is named until they say so (/name_me): existing rows start without consent.
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("named_in_report", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("named_in_report")
