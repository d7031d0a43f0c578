"""The public surface: __all__ is exactly the public names, and errors carry remedies."""

from __future__ import annotations

import subprocess
import sys
import types

import memoir_ai
from memoir_ai import errors


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in dir(memoir_ai) if not name.startswith("_")}
    # Modules (subpackages appear once imported), typing helpers and __future__ are not API.
    public -= {name for name in public if isinstance(getattr(memoir_ai, name), types.ModuleType)}
    public -= {"annotations", "TYPE_CHECKING", "Any"}
    public |= {"__version__"}
    assert set(memoir_ai.__all__) == public


def test_every_error_derives_from_the_base_and_keeps_its_remedy() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.MemoirAIError)
    error = errors.DatabaseError("The database is locked.", remedy="close the other writer.")
    assert str(error) == "The database is locked. Fix: close the other writer."
    assert error.remedy == "close the other writer."


def test_import_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, memoir_ai; "
        "heavy = [m for m in ('litellm', 'pydantic_ai', 'sqlalchemy', 'alembic', 'openai', "
        "'anthropic', 'tiktoken') if m in sys.modules]; print(','.join(heavy))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_memoir_ai_is_exported_and_loaded_only_when_used() -> None:
    code = (
        "import sys, memoir_ai; before = 'memoir_ai.memoir' in sys.modules; "
        "cls = memoir_ai.MemoirAI; "
        "heavy = [m for m in ('sqlalchemy', 'pydantic_ai', 'pydantic', 'alembic') "
        "if m in sys.modules]; "
        "memoir = cls(database_url='sqlite://'); "
        "print(before, cls.__module__, ','.join(heavy) or '-', 'sqlalchemy' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    # Importing the class loads nothing heavy; constructing one loads the database layer.
    assert shown == ["False", "memoir_ai.memoir", "-", "True"]
    assert "MemoirAI" in memoir_ai.__all__


def test_every_public_result_is_exported_from_its_module() -> None:
    import inspect

    from memoir_ai import results
    from memoir_ai.ingest import results as ingest_results
    from memoir_ai.query import results as query_results

    for module in (results, query_results, ingest_results):
        for name, value in vars(module).items():
            defined_here = inspect.isclass(value) and value.__module__ == module.__name__
            if defined_here and issubclass(value, results.PublicResult) and name != "PublicResult":
                assert name in memoir_ai.__all__, f"{module.__name__}.{name} is not exported"
    for name in memoir_ai.__all__:
        value = getattr(memoir_ai, name)
        if inspect.isclass(value) and value.__module__.startswith("memoir_ai."):
            home = sys.modules[value.__module__]
            assert name in home.__all__, f"memoir_ai.{name} is not in {home.__name__}.__all__"
