"""``memoir tree``, ``sources``, ``show``, ``log`` and ``sources delete`` on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browse") / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{path}") as memoir:
        for sample in sorted(SAMPLES.glob("baking/*.md")) + sorted(SAMPLES.glob("trade/*.md")):
            memoir.ingest_text_sync(
                sample.read_text("utf-8"),
                source_id=sample.relative_to(SAMPLES).as_posix(),
                title=sample.stem.replace("-", " "),
            )
    return path


def _run(database: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args], input=stdin)


def test_tree_json_has_the_stable_shape(database: Path) -> None:
    result = _run(database, "tree", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["chunk_count"] == 11
    leaves = []

    def visit(node: dict[str, object], depth: int) -> None:
        assert set(node) == {
            "id",
            "name",
            "level",
            "parent_id",
            "chunk_count",
            "total_chunks",
            "children",
        }
        assert node["level"] == depth
        children = node["children"]
        assert isinstance(children, list)
        if not children:
            leaves.append(node)
        for child in children:
            visit(child, depth + 1)

    for root in document["roots"]:
        visit(root, 1)
    assert all(leaf["level"] == 3 for leaf in leaves)
    assert sum(int(leaf["chunk_count"]) for leaf in leaves) == 11  # type: ignore[call-overload]
    assert result.stderr == ""  # reading calls no model: no notice about it


def test_tree_view_and_depth(database: Path) -> None:
    full = _run(database, "tree")
    shallow = _run(database, "tree", "--depth", "1")
    assert full.exit_code == shallow.exit_code == 0
    assert full.stdout.startswith("11 chunks in ")
    roots = json.loads(_run(database, "tree", "--json", "--depth", "1").stdout)["roots"]
    assert all(root["children"] == [] for root in roots)
    for root in roots:
        assert root["name"] in shallow.stdout
    assert len(shallow.stdout.splitlines()) == 1 + len(roots) + 1  # header, roots, level fill
    assert len(full.stdout.splitlines()) > len(shallow.stdout.splitlines())
    assert _run(database, "tree", "--depth", "0").exit_code == 2


def test_sources_lists_ids_titles_and_counts(database: Path) -> None:
    result = _run(database, "sources")
    assert result.exit_code == 0
    for source_id in ("baking/shaping-and-baking.md", "trade/hanseatic-league.md"):
        assert source_id in result.stdout
    assert "hanseatic league" in result.stdout and "v1" in result.stdout
    rows = json.loads(_run(database, "sources", "--json").stdout)
    assert [row["source_id"] for row in rows][:1] == ["baking/shaping-and-baking.md"]
    assert set(rows[0]) == {
        "source_id",
        "title",
        "chunk_count",
        "token_count",
        "helper_version",
        "created_at",
    }


def test_show_prints_the_chunk_with_its_path(database: Path) -> None:
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        tree = memoir.get_category_tree()
    result = _run(database, "show", "1", "--json")
    assert result.exit_code == 0
    chunk = json.loads(result.stdout)
    assert tuple(chunk["category_path"]) in tree.leaf_paths()
    text = (SAMPLES / chunk["source_id"]).read_text("utf-8")
    assert chunk["content"] == text[chunk["start_offset"] : chunk["end_offset"]]
    human = _run(database, "show", "1")
    assert " > ".join(chunk["category_path"]) in human.stdout
    assert chunk["source_id"] in human.stdout


def test_log_lists_calls_with_totals(database: Path) -> None:
    result = _run(database, "log")
    assert result.exit_code == 0
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        totals = memoir.llm_call_totals()
    assert f"Total: {totals.calls} call(s), {totals.input_tokens} tokens in" in result.stdout
    limited = _run(database, "log", "--limit", "1", "--source", "trade/hanseatic-league.md")
    assert "showing the last 1" in limited.stdout
    assert "baking/" not in limited.stdout
    assert _run(database, "log", "--limit", "0").exit_code == 2


def test_unknown_chunk_and_missing_database_are_one_line(database: Path, tmp_path: Path) -> None:
    for args in (["show", "9999"], ["sources", "delete", "nope", "--yes"]):
        result = _run(database, *args)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: There is no ")
        assert result.stderr.count("\n") == 1
    missing = tmp_path / "typo.db"
    result = _run(missing, "tree")
    assert result.exit_code == 1
    assert "There is no memoir database" in result.stderr and "memoir ingest" in result.stderr
    assert not missing.exists()


def test_delete_asks_then_removes_the_source(tmp_path: Path) -> None:
    database = tmp_path / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        sample = SAMPLES / "football" / "season-review.md"
        memoir.ingest_text_sync(sample.read_text("utf-8"), source_id="season")
    cancelled = _run(database, "sources", "delete", "season", stdin="n\n")
    assert cancelled.exit_code == 1 and "nothing was deleted" in cancelled.stdout
    done = _run(database, "sources", "delete", "season", stdin="y\n")
    assert done.exit_code == 0 and "Deleted source 'season'" in done.stdout
    empty = json.loads(_run(database, "tree", "--json").stdout)
    assert {key: empty[key] for key in ("category_count", "chunk_count", "roots")} == {
        "category_count": 0,
        "chunk_count": 0,
        "roots": [],
    }
    assert [fill["categories"] for fill in empty["levels"]] == [0, 0, 0]
    assert "The memory is empty" in _run(database, "tree").stdout
    assert "No sources yet" in _run(database, "sources").stdout


def test_every_json_output_is_the_dump_of_the_public_result(database: Path) -> None:
    """One shape per noun: the CLI prints exactly what the Python API returns, dumped."""
    from memoir_ai import CategoryTree, ChunkDetail, SourceSummary

    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        tree = memoir.get_category_tree()
        sources = memoir.list_sources()
        chunk = memoir.get_chunk(1)
    assert json.loads(_run(database, "tree", "--json").stdout) == tree.model_dump(mode="json")
    assert json.loads(_run(database, "sources", "--json").stdout) == [
        source.model_dump(mode="json") for source in sources
    ]
    assert json.loads(_run(database, "show", "1", "--json").stdout) == chunk.model_dump(mode="json")
    # And the dump is a complete round trip: the JSON validates back into the same result.
    assert CategoryTree.model_validate_json(_run(database, "tree", "--json").stdout) == tree
    assert ChunkDetail.model_validate(chunk.model_dump(mode="json")) == chunk
    assert all(
        SourceSummary.model_validate(source.model_dump(mode="json")) == source for source in sources
    )


def test_an_unknown_chunk_points_at_the_command_that_lists_chunk_ids(database: Path) -> None:
    result = _run(database, "show", "9999")
    assert result.exit_code == 1
    assert "`memoir sources chunks SOURCE_ID`" in result.stderr
    assert "list_chunks" not in result.stderr and "QueryResult" not in result.stderr
    # ... and that command does list them: every id it prints is one `memoir show` takes.
    listed = json.loads(
        _run(database, "sources", "chunks", "trade/hanseatic-league.md", "--json").stdout
    )
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        expected = memoir.list_chunks("trade/hanseatic-league.md")
    assert listed == [chunk.model_dump(mode="json") for chunk in expected]
    assert [chunk["position"] for chunk in listed] == list(range(len(listed)))
    table = _run(database, "sources", "chunks", "trade/hanseatic-league.md")
    for chunk in listed:
        assert _run(database, "show", str(chunk["id"])).exit_code == 0
        assert f"│ {chunk['id']} " in table.stdout
    unknown = _run(database, "sources", "chunks", "nope")
    assert unknown.exit_code == 1 and "`memoir sources`" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "option", "example"),
    [
        (["tree", "--db", "sqlite:///x.db"], "--db", "`memoir --db URL tree ...`"),
        (["db", "status", "--model", "offline"], "--model", "`memoir --model MODEL db status ...`"),
        (["query", "x", "--verbose"], "--verbose", "`memoir --verbose query ...`"),
    ],
)
def test_a_global_option_after_the_command_says_it_goes_before(
    args: list[str], option: str, example: str
) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"{option} is a global option: give it before the command" in result.stderr
    assert example in result.stderr
    # An option no one knows stays click's own error; a command's own --model still works.
    assert "No such option: --bogus" in CliRunner().invoke(app, ["tree", "--bogus"]).stderr
