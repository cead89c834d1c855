"""The public agent objects, mirroring ``weaviate_agents.personalization``."""
