"""blind arena: a workshop's arena and its attendees' rounds with their votes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arena",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["opened_by"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("arena", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arena_workshop_id"), ["workshop_id"], unique=True)
    op.create_table(
        "arena_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("prompt", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("model_a", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("model_b", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reply_a", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reply_b", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vote", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("voted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["attendee_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("arena_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arena_round_attendee_id"), ["attendee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arena_round_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("arena_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arena_round_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_arena_round_attendee_id"))
    op.drop_table("arena_round")
    with op.batch_alter_table("arena", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arena_workshop_id"))
    op.drop_table("arena")
