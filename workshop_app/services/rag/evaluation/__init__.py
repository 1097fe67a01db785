"""Retrieval evaluation: question sets about a collection, recall@k and MRR, and the same figures
for other chunk sizes, top-k values and embedding models side by side."""
