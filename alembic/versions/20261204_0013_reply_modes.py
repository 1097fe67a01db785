"""chat.think and chat.reply_schema; chat_message.thinking, images and reply_schema: reasoning, images and
structured replies kept with a chat, so they survive a reload and a backup (images live in the database)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("think", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("reply_schema", sa.JSON(), nullable=True))
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thinking", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("images", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("reply_schema", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_column("reply_schema")
        batch_op.drop_column("images")
        batch_op.drop_column("thinking")
    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.drop_column("reply_schema")
        batch_op.drop_column("think")
