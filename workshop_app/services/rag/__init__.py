"""Retrieval-augmented generation: documents, text extraction, chunking, collections and their embeddings.
Also the vector store (Chroma), retrieval, RAG systems that answer with sources, and what was asked."""
