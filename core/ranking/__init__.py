"""The agent: search planning, reranking and explanations, by an LLM or the local rule-based agent."""
