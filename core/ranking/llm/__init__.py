"""The LLM agent: configuration, the one network call, prompts, the tolerant parser, cache and budget."""
