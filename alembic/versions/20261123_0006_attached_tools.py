"""tools attached to chats and RAG systems; a reply's tool calls, results and trace

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NEW_COLUMNS = {
    "chat": ("tool_ids",),
    "chat_message": ("tool_messages", "tool_trace"),
    "rag_system": ("tool_ids",),
}


def upgrade() -> None:
    for table, columns in _NEW_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    for table, columns in _NEW_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column)
