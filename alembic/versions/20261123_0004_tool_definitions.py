"""tool definitions (owned: creator, workshop, visibility), one name per creator

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tool_definition",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("implementation", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("creator_id", "name", name="uq_tool_definition_creator_name"),
    )
    with op.batch_alter_table("tool_definition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_definition_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_definition_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tool_definition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_definition_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_tool_definition_creator_id"))

    op.drop_table("tool_definition")
