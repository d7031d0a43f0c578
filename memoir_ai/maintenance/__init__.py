"""Correcting the category tree by hand: rename, merge, move, refile, prune, undo, tidy.

:mod:`.service` makes each change (one transaction, recorded), :mod:`.plans`
works out what a change does before anything is written, :mod:`.tidy` proposes
merges of near-duplicate siblings, and :mod:`.results` holds the public results.
"""
