"""UI-side helpers of the Streamlit lab (the engine itself lives in ``core``)."""
