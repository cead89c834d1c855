"""The embedded store: SQLite (WAL, FTS5) plus an in-memory float32 matrix, and its filter evaluator."""
