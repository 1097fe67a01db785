"""exercises: a workshop's exercises with their checks, and attendees' submissions with the check results

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("start_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("start_id", sa.Integer(), nullable=True),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("model_answer", sa.Text(), nullable=False),
        sa.Column("answer_revealed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_workshop_id"), ["workshop_id"], unique=False)
    op.create_table(
        "exercise_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attendee_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["exercise_id"], ["exercise.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("exercise_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_submission_attendee_id"), ["attendee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exercise_submission_exercise_id"), ["exercise_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exercise_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_submission_exercise_id"))
        batch_op.drop_index(batch_op.f("ix_exercise_submission_attendee_id"))
    op.drop_table("exercise_submission")
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_workshop_id"))
    op.drop_table("exercise")
