"""documents, vector collections (and their documents), RAG systems

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("char_count", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "rag_system",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("chat_model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("collection_ids", sa.JSON(), nullable=False),
        sa.Column("prompt_template", sa.Text(), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column("score_threshold", sa.Float(), nullable=False),
        sa.Column("num_ctx", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rag_system", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rag_system_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rag_system_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "vector_collection",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("chroma_name", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("embedding_model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=True),
        sa.Column("distance", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_overlap", sa.Integer(), nullable=False),
        sa.Column("chunk_unit", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("markdown_aware", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chroma_name"),
    )
    with op.batch_alter_table("vector_collection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vector_collection_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vector_collection_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "collection_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["vector_collection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("collection_id", "document_id"),
    )
    with op.batch_alter_table("collection_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_document_collection_id"), ["collection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_document_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("collection_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_document_document_id"))
        batch_op.drop_index(batch_op.f("ix_collection_document_collection_id"))

    op.drop_table("collection_document")
    with op.batch_alter_table("vector_collection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vector_collection_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_vector_collection_creator_id"))

    op.drop_table("vector_collection")
    with op.batch_alter_table("rag_system", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rag_system_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_rag_system_creator_id"))

    op.drop_table("rag_system")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_document_sha256"))
        batch_op.drop_index(batch_op.f("ix_document_creator_id"))

    op.drop_table("document")
