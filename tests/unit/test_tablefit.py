"""Tables that fit: whole columns go, the lowest-ranked first, one that fits the room left comes
back, and tables stacked one under another line their columns up.

Referee: the widths worked by hand from the cells below (every cell is plain text here, so its
width is its length; columns are two spaces apart)."""

from __future__ import annotations

import io

from rich.console import Console, Group

from chainwatch.tablefit import Column, column_widths, compact_table, fit_columns

ROWS = [("a", "1,234.5678", "7"), ("bbbbbb", "2.5", "88")]
NAME = Column[tuple[str, str, str]]("name", lambda r: r[0], keep=9, justify="left")
WIDE = Column[tuple[str, str, str]]("amount", lambda r: r[1], keep=5)  # 10 wide
SMALL = Column[tuple[str, str, str]]("n", lambda r: r[2], keep=1)  # 2 wide


def text(*renderables) -> str:
    console = Console(width=200, file=io.StringIO(), no_color=True)
    console.print(Group(*renderables))
    return console.file.getvalue()


def build(columns):
    return [compact_table(None, columns, ROWS)]


def test_a_column_dropped_for_want_of_room_gives_way_to_a_narrower_one_that_fits():
    # name (6) + amount (10) + n (2), two spaces apart: 22; at 12 the amount cannot stay, the n can.
    assert fit_columns([NAME, WIDE, SMALL], build, 22) == [NAME, WIDE, SMALL]
    assert fit_columns([NAME, WIDE, SMALL], build, 21) == [NAME, WIDE]
    assert fit_columns([NAME, WIDE, SMALL], build, 12) == [NAME, SMALL]
    assert fit_columns([NAME, WIDE, SMALL], build, 7) == [NAME]


def test_the_widest_cell_of_every_table_sets_the_width_of_each():
    assert column_widths([NAME, WIDE, SMALL], [*ROWS, None]) == {"name": 6, "amount": 10, "n": 2}
    widths = column_widths([NAME, WIDE], ROWS)
    first, second = (compact_table(None, [NAME, WIDE], [row], widths) for row in ROWS)
    lines = [line for line in text(first, second).splitlines() if line.strip() and "─" not in line]
    # each table's header and row end at the same column, though its own cells are narrower
    assert {len(line.rstrip()) for line in lines} == {6 + 2 + 10}
    assert lines[3].rstrip().endswith("      2.5") and lines[3].startswith("bbbbbb")
