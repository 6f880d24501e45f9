"""a team's language, chosen once per workspace

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing teams have no stored choice: their next message settles it as for a new team.
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))
        batch.add_column(sa.Column("language_source", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("language_source")
        batch.drop_column("language")
