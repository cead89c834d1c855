"""The local agent (no LLM): rule-based search planning, its reading of the instruction, signal fusion with MMR, and its explanations."""
