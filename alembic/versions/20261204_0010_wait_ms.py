"""model_request.wait_ms: how long a request waited in the fair queue for its turn, so a person sees their waits

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_request", schema=None) as batch_op:
        batch_op.drop_column("wait_ms")
