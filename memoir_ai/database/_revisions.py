"""The revisions shipped with this code, and the revision a database records.

Nothing here changes a database: it reads Alembic's script directory inside
the package and the version table, and explains a revision this code does not
know (a database written by a newer memoir-ai).
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection

from memoir_ai.database import migrations
from memoir_ai.database._schema_compare import VERSION_TABLE
from memoir_ai.database._schema_report import MigrationInfo
from memoir_ai.errors import MigrationError

__all__ = ["MIGRATIONS_DIR", "RevisionCatalog", "alembic_config", "recorded_revision"]

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(database_url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the package's migrations, whatever the working directory.

    The URL travels as an attribute: the ini parser would choke on a '%' in a password.
    """
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def recorded_revision(connection: Connection, masked_url: str) -> str | None:
    """The revision in the database's version table (None: none recorded).

    Raises:
        MigrationError: the table records several revisions at once.
    """
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    heads = context.get_current_heads()
    if len(heads) > 1:
        raise MigrationError(
            f"The database {masked_url} records several revisions at once: {', '.join(heads)}.",
            remedy="stamp the right one with `memoir db stamp REVISION`.",
        )
    return heads[0] if heads else None


class RevisionCatalog:
    """The linear history of revisions this version of memoir-ai knows."""

    @cached_property
    def script(self) -> ScriptDirectory:
        """Alembic's view of the ``versions/`` folder."""
        return ScriptDirectory.from_config(alembic_config())

    @cached_property
    def scripts(self) -> list[Script]:
        """Every revision, oldest first."""
        return list(reversed(list(self.script.walk_revisions())))

    @property
    def ids(self) -> list[str]:
        """Every revision id, oldest first."""
        return [script.revision for script in self.scripts]

    @property
    def head(self) -> str:
        """The newest revision."""
        return self.ids[-1]

    def is_known(self, revision: str | None) -> bool:
        """True for None (no revision yet) and for every revision shipped here."""
        return revision is None or revision in self.ids

    def pending(self, current: str | None, masked_url: str) -> list[str]:
        """Revisions after ``current``, oldest first.

        Raises:
            MigrationError: ``current`` is unknown to this code.
        """
        self.check_known(current, masked_url)
        return self.ids if current is None else self.ids[self.ids.index(current) + 1 :]

    def unknown_revision_message(self, revision: str | None) -> str:
        """Why a revision this code does not know is a problem, naming both revisions."""
        return (
            f"the database is at revision {revision!r}, which this version of memoir-ai does "
            f"not know (its newest is {self.head!r})"
        )

    def check_known(self, revision: str | None, masked_url: str) -> None:
        """Refuse a revision this code does not know.

        Raises:
            MigrationError: naming both revisions and what to do.
        """
        if self.is_known(revision):
            return
        raise MigrationError(
            f"Cannot work on {masked_url}: {self.unknown_revision_message(revision)}; "
            "it was probably written by a newer memoir-ai.",
            remedy="upgrade memoir-ai (pip install -U memoir-ai) or point --db at another "
            "database.",
        )

    def resolve(self, target: str, current: str | None = None) -> str | None:
        """The revision id ``target`` names (None: base), as Alembic would read it.

        ``target`` is head, base, an id or a unique prefix of one, a step
        relative to ``current`` (``-1``, ``+2``) or to a revision (``head-1``).

        Raises:
            MigrationError: no revision of this memoir-ai has that name, or
                the step goes past base or head.
        """
        relative = re.fullmatch(r"(?P<anchor>.*?)(?P<step>[+-]\d+)", target)
        if relative is None:
            return self._named(target)
        anchor = relative["anchor"]
        start = self._named(anchor) if anchor else current
        position = (self.ids.index(start) + 1 if start is not None else 0) + int(relative["step"])
        if not 0 <= position <= len(self.ids):
            raise MigrationError(
                f"Revision {target!r} goes past "
                f"{'base' if position < 0 else 'head'} (from {start or 'base'}).",
                remedy="choose a revision listed by `memoir db history`.",
            )
        return self.ids[position - 1] if position else None

    def _named(self, name: str) -> str | None:
        if name in ("head", "heads"):
            return self.head
        if name == "base":
            return None
        matches = [revision for revision in self.ids if revision.startswith(name)] if name else []
        if name in self.ids:
            return name
        if len(matches) == 1:
            return matches[0]
        raise MigrationError(
            f"Revision {name!r} does not exist in this memoir-ai (it knows "
            f"{', '.join(self.ids)}, plus head, base and steps such as -1).",
            remedy="choose a revision listed by `memoir db history`.",
        )

    def history(self, current: str | None) -> list[MigrationInfo]:
        """Every revision, oldest first, marked current, applied (up to ``current``) and head."""
        applied = set(self.ids[: self.ids.index(current) + 1]) if current in self.ids else set()
        return [
            MigrationInfo(
                revision=script.revision,
                down_revision=_joined(script.down_revision),
                description=(script.doc or "").strip(),
                is_current=script.revision == current,
                is_applied=script.revision in applied,
                is_head=script.revision == self.head,
            )
            for script in self.scripts
        ]


def _joined(down_revision: str | list[str] | tuple[str, ...] | None) -> str | None:
    if isinstance(down_revision, list | tuple):
        return ", ".join(down_revision)
    return down_revision
