"""File import: tables (CSV/TSV/JSON/JSONL/Parquet), catalogs, vectors, the shipped samples and the text model."""
