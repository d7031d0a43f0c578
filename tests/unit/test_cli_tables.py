"""The CLI's tables written without rich are, byte for byte, what rich prints on a pipe.

Cells are data: rich is given them as plain ``Text``, so ``[draft]`` or
``:smile:`` in a file name is shown as it is, never read as markup or an emoji code.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memoir_ai.cli._tables import print_table

HEADERS = ("Id", "Source", "Title")
CASES = [
    [("1", "baking/bread.md", "Bread — and Crumb…"), ("22", "a", "")],
    [("1", "notes [draft].md", "x")],  # markup
    [("1", "notes.md", "I :smile: at 07:03:55")],  # an emoji code beside a clock
    [("1", "日本.md", "wide")],  # two cells a character
    [("1", "tab\there", "x")],
    [("1", " padded ", "x")],
    [("1", "x" * 600, "y" * 600)],  # wider than the pipe
    [],
]


def _rich(rows: list[tuple[str, ...]], footer: str) -> str:
    out = io.StringIO()
    console = Console(file=out, highlight=False, width=1000)
    table = Table()
    for header in HEADERS:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    console.print(footer)
    return out.getvalue()


@pytest.mark.parametrize("rows", CASES)
def test_a_table_reads_as_rich_prints_it(
    rows: list[tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    print_table(HEADERS, rows, "2 source(s), 3 chunk(s).")
    printed = capsys.readouterr().out
    assert printed == _rich(rows, "2 source(s), 3 chunk(s).")
    for row in rows:
        assert all(cell.strip()[:80] in printed for cell in row if "\t" not in cell)
