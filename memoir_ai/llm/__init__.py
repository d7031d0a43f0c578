"""llm layer of memoir-ai."""
