"""Workspaces: each one a file-backed store in a data directory, sharing the shipped samples read-only."""
