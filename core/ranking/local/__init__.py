"""The local agent (no LLM): rule-based search planning, signal fusion with MMR, and its explanations."""
