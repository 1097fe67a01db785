"""questions asked of RAG systems and their answers, with sources, inspector data and tool trace

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rag_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rag_system_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("inspection", sa.JSON(), nullable=False),
        sa.Column("tool_trace", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["rag_system_id"], ["rag_system.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rag_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rag_answer_rag_system_id"), ["rag_system_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rag_answer_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rag_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rag_answer_user_id"))
        batch_op.drop_index(batch_op.f("ix_rag_answer_rag_system_id"))
    op.drop_table("rag_answer")
