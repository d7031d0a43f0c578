"""Alembic migrations of memoir-ai, shipped inside the package (see ``env.py``)."""
