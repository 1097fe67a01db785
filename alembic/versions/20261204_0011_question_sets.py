"""retrieval question sets: questions about a collection with the document each should find

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_set",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["vector_collection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("question_set", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_set_collection_id"), ["collection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_set_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_set_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("question_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_set_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_question_set_creator_id"))
        batch_op.drop_index(batch_op.f("ix_question_set_collection_id"))
    op.drop_table("question_set")
