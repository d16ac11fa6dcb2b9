"""Tables that fit the terminal without cutting a number.

Every table chainwatch prints is compact (no outer frame, one space between columns) and keeps
each cell whole: where the table is wider than the terminal, whole columns go, the most
dispensable first, and a line under it names them. A figure shortened to `$25,6…` would be
worse than no figure, because it reads as a different number.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

Row = TypeVar("Row")


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: its header, how a row becomes its cell (rich markup), and `keep`, its rank:
    when the table is too wide, the column with the lowest `keep` goes first."""

    header: str
    cell: Callable[[Row], str]
    keep: int = 0
    justify: JustifyMethod = "right"


def compact_table(
    title: str | None,
    columns: Sequence[Column[Row]],
    rows: Sequence[Row | None],
    widths: Mapping[str, int] | None = None,
) -> Table:
    """A compact table of `rows`; a None row starts a new section (a rule above the next row).
    `widths` (by header) are the columns' least widths, so tables stacked one under another
    line their columns up (see `column_widths`)."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    for column in columns:
        table.add_column(
            column.header, justify=column.justify, no_wrap=True, min_width=(widths or {}).get(column.header)
        )
    for row in rows:
        if row is None:
            table.add_section()
        else:
            table.add_row(*(column.cell(row) for column in columns))
    return table


def column_widths(columns: Sequence[Column[Row]], rows: Iterable[Row | None]) -> dict[str, int]:
    """Each column's widest cell (or header) over `rows`: given to every one of several tables
    drawn from these rows, it makes their columns line up, so a figure is compared down the
    page, wallet under wallet and chain under chain."""
    chosen = [row for row in rows if row is not None]
    return {
        column.header: max(
            [cell_len(column.header)]
            + [cell_len(line.plain) for row in chosen for line in Text.from_markup(column.cell(row)).split()]
        )
        for column in columns
    }


def measured_width(renderable: RenderableType) -> int:
    """The width `renderable` takes when nothing limits it."""
    return Console(width=10_000, file=io.StringIO()).measure(renderable).maximum


def fit_columns(
    columns: Sequence[Column[Row]], build: Callable[[list[Column[Row]]], Sequence[RenderableType]], width: int
) -> list[Column[Row]]:
    """The columns left once the lowest-ranked have gone until everything `build` makes from
    them fits `width` (at least one column is always kept); then each column that went and
    fits in the room left comes back, the highest-ranked first, so a wide column dropped for
    a single character leaves no empty space a narrower one could have used."""

    def fits(chosen: list[Column[Row]]) -> bool:
        return max((measured_width(part) for part in build(chosen)), default=0) <= width

    kept = list(columns)
    while len(kept) > 1 and not fits(kept):
        kept.remove(min(kept, key=lambda column: column.keep))
    for column in sorted((c for c in columns if c not in kept), key=lambda c: -c.keep):
        tried = [c for c in columns if c in kept or c is column]
        if fits(tried):
            kept = tried
    return kept


def dropped_note(columns: Sequence[Column[Row]], kept: Sequence[Column[Row]]) -> Text | None:
    """The line that says which columns did not fit, or None when all did."""
    dropped = [column.header for column in columns if column not in kept]
    if not dropped:
        return None
    return Text(f"(too narrow for: {', '.join(dropped)}; widen the terminal)", style="dim")


def fitted_table(
    title: str | None, columns: Sequence[Column[Row]], rows: Sequence[Row | None], width: int
) -> RenderableType:
    """One compact table within `width` columns, with the note of what did not fit."""
    kept = fit_columns(columns, lambda chosen: [compact_table(title, chosen, rows)], width)
    note = dropped_note(columns, kept)
    table = compact_table(title, kept, rows)
    return table if note is None else Group(table, note)
