"""model requests

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("model_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_request_backend_url"), ["backend_url"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_request_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_request_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_request_started_at"))
        batch_op.drop_index(batch_op.f("ix_model_request_model"))
        batch_op.drop_index(batch_op.f("ix_model_request_backend_url"))

    op.drop_table("model_request")
