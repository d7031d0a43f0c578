"""cli layer of memoir-ai."""
