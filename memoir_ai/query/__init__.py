"""query layer of memoir-ai."""
