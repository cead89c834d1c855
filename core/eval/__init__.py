"""Offline evaluation: splits of an interaction log, metrics, baselines (no Streamlit)."""
