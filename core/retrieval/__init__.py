"""Retrieval: persona profiles with decay, strategies, fusion, the vector stage and personalized search."""
