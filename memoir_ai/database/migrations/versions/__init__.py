"""Revisions of the memoir-ai schema; never edit one that was released, add a new one."""
