"""database layer of memoir-ai."""
