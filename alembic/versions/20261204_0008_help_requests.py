"""help requests: an attendee's raised hand with a copy of the chat or RAG question they shared

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requester_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["done_by"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_request_workshop_id"), ["workshop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_request_requester_id"), ["requester_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_request_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("help_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_request_created_at"))
        batch_op.drop_index(batch_op.f("ix_help_request_requester_id"))
        batch_op.drop_index(batch_op.f("ix_help_request_workshop_id"))
    op.drop_table("help_request")
