"""model recipes (models built from a base with a system prompt, parameters, template and examples)
and the workshop setting that lets attendees build models

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_recipe",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("base", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("system", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("model_recipe", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_recipe_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_recipe_workshop_id"), ["workshop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_recipe_name"), ["name"], unique=True)
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attendees_build_models", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("attendees_build_models")
    with op.batch_alter_table("model_recipe", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_recipe_name"))
        batch_op.drop_index(batch_op.f("ix_model_recipe_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_model_recipe_creator_id"))
    op.drop_table("model_recipe")
