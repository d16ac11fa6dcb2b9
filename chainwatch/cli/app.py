"""The typer application, its consoles, and the options several commands share."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType

from chainwatch.errors import ChainwatchError
from chainwatch.files import check_writable, write_atomic
from chainwatch.model import MAX_BTC as MAX_BTC  # re-exported beside the options that take them
from chainwatch.model import MAX_LOAN_USD as MAX_LOAN_USD

app = typer.Typer(
    help="Read-only risk monitor for bitcoin-backed DeFi loans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Piped or redirected tables are not squeezed into 80 columns, unless COLUMNS says how wide.
TEXT_FILE_WIDTH = 160
stdout = Console()
if not stdout.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
    stdout = Console(width=TEXT_FILE_WIDTH)
stderr = Console(stderr=True)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


ChainOption = Annotated[str, typer.Option("--chain", help="Chain name from the address book.")]
RpcOption = Annotated[
    list[str] | None,
    typer.Option("--rpc", help="RPC endpoint URL (repeatable; overrides env and address book)."),
]
BlockOption = Annotated[int | None, typer.Option(min=1, help="Read at this block (default: latest).")]
AddressBookOption = Annotated[
    Path | None,
    typer.Option(
        "--address-book",
        envvar="CHAINWATCH_ADDRESS_BOOK",
        help="TOML file adding chains or overriding built-in ones.",
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")]
# The wallets a reading command takes: addresses or names, and a file of them.
AddressesArgument = Annotated[list[str] | None, typer.Argument(help="Wallet addresses (0x…) or ENS names (name.eth).")]
WalletsFileOption = Annotated[
    Path | None,
    typer.Option("--wallets", help="File of wallets, one address or ENS name a line ('#' comments)."),
]
ProtocolOption = Annotated[
    list[str] | None,
    typer.Option("--protocol", help="Only these markets: a family (aave-v3) or a name (spark)."),
]


def writable_file(path: Path | None) -> Path | None:
    """An output path checked before any work is done (option callback)."""
    return None if path is None else check_writable(path)


OutputOption = Annotated[
    Path | None, typer.Option(callback=writable_file, help="Write to this file instead of stdout.")
]


def emit(text: str, output: Path | None) -> None:
    """Data to stdout, or atomically to a file so an interrupted run leaves no half file."""
    if output:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)


def render_text(renderable: object, width: int = TEXT_FILE_WIDTH) -> str:
    """A rich renderable as plain text, for tables written to a file."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def emit_rows(
    rows: Sequence[Any],
    output_format: OutputFormat,
    output: Path | None,
    *,
    document: Callable[[], dict[str, Any]],
    csv: Callable[[], str],
    table: Callable[[int], RenderableType],
    nothing: str,
) -> None:
    """Stored rows out the one way every listing command has: JSON or CSV (to stdout or
    `output`, even when empty: a script reads an empty list), a table to a file or the
    terminal, or, with no rows for the terminal, the line saying how to get some."""
    if output_format is OutputFormat.json:
        emit(json.dumps(document(), indent=2) + "\n", output)
    elif output_format is OutputFormat.csv:
        emit(csv(), output)
    elif output:
        emit(render_text(table(TEXT_FILE_WIDTH)), output)
    elif rows:
        stdout.print(table(stdout.width))
    else:
        stderr.print(nothing)


class OptionValueError(ChainwatchError):
    """An option whose text is not the number it must be."""


def parse_decimal(option: str, text: str) -> Decimal:
    """An option's text as an exact Decimal (typer's float would lose cents)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise OptionValueError(f"{option}: {text!r} is not a number") from None
    if not value.is_finite():
        raise OptionValueError(f"{option}: {text!r} is not a number")
    return value


def parse_optional_decimal(option: str, text: str | None) -> Decimal | None:
    return None if text is None else parse_decimal(option, text)


def parse_rate(option: str, text: str) -> Decimal:
    """A yearly rate as a fraction: "0.08" or "8%" (0.08). A bare number of 1 or more is refused,
    as the offers file refuses it: "8" is far more often a percent typed without its sign than
    an 800% rate, and guessing would misprice the loan a hundredfold."""
    stripped = text.strip()
    if stripped.endswith("%"):
        value = parse_decimal(option, stripped[:-1]) / 100
    else:
        value = parse_decimal(option, stripped)
        if value >= 1:
            raise OptionValueError(f"{option} {text} looks like a percent: write {value / 100} or {text}%")
    if value < 0:
        raise OptionValueError(f"{option} must be zero or more, got {text}")
    return value


def parse_amount(option: str, text: str, maximum: Decimal) -> Decimal:
    """A positive amount no larger than `maximum` (an absurd size is a typo, not a loan)."""
    value = parse_decimal(option, text)
    if not 0 < value <= maximum:
        raise OptionValueError(f"{option} must be more than zero and at most {maximum:,f}, got {text}")
    return value


def parse_optional_amount(option: str, text: str | None, maximum: Decimal) -> Decimal | None:
    return None if text is None else parse_amount(option, text, maximum)


# The largest price an option takes (the largest loan and BTC amount are the model's).
MAX_PRICE_USD = Decimal("1e9")
