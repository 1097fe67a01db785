"""Vector collections: a Chroma collection plus what made its vectors, and which documents it holds.

The embedding model and its dimension are recorded here and in the Chroma collection's
metadata, so vectors from another model can never be mixed in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from workshop_app.db.ownership import Owned
from workshop_app.db.users import utcnow


class VectorCollection(Owned, table=True):
    __tablename__ = "vector_collection"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    chroma_name: str = Field(max_length=63, unique=True, description="the collection's name inside Chroma")
    embedding_model: str = Field(max_length=200)
    dimension: int | None = Field(default=None, description="set by the first vectors added")
    distance: str = Field(default="cosine", max_length=10, description="cosine, l2 or ip")
    chunk_size: int = 800
    chunk_overlap: int = 100
    chunk_unit: str = Field(default="chars", max_length=10, description="a chunking.Unit value")
    markdown_aware: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class CollectionDocument(SQLModel, table=True):
    """A document embedded into a collection, with how many chunks it gave."""

    __tablename__ = "collection_document"
    __table_args__ = (UniqueConstraint("collection_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    collection_id: int = Field(foreign_key="vector_collection.id", index=True, ondelete="CASCADE")
    document_id: int = Field(foreign_key="document.id", index=True, ondelete="CASCADE")
    chunk_count: int = 0
    added_at: datetime = Field(default_factory=utcnow)
