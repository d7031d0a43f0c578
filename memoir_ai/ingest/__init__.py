"""ingest layer of memoir-ai."""
