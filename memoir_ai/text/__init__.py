"""text layer of memoir-ai."""
