"""model_request.eval_ms: the backend's own generation time, so speed comes from its counters

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eval_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_request", schema=None) as batch_op:
        batch_op.drop_column("eval_ms")
