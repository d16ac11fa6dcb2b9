"""The loan book on the command line: `--config`, and what a command takes from the config file
when its command line does not say (wallets and CeFi loans, the chain, thresholds, notify, db)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import typer

from chainwatch.alerts import Notifier, NotifyUrlError
from chainwatch.chain import Chain
from chainwatch.chains import get_chain, get_chains, load_address_book
from chainwatch.ens import parse_account
from chainwatch.loanbook import CefiLoan, ConfigError, LoanBook
from chainwatch.loanbook.config import CONFIG_ENV

DEFAULT_CHAIN = "ethereum"

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=CONFIG_ENV,
        help="Config file: wallets, CeFi loans, chains, thresholds, notify URLs, db. "
        "Default: config.toml in the user config directory, when it exists.",
    ),
]
ConfigChainOption = Annotated[
    str | None,
    typer.Option("--chain", help="Chain name from the address book [default: the config's chain, else ethereum]."),
]

ConfigChainsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--chain",
        help="Chain from the address book (repeatable; default: the config's chains, else every built-in "
        "mainnet, read at once).",
    ),
]


def config_chain(given: str | None, book: LoanBook, address_book: Path | None) -> Chain:
    """`--chain`, else the config's one chain, else ethereum. A config listing several chains
    cannot choose for a command that reads one: that is an error, never a silent pick; so is a
    chain the address book does not know, named with the config's line."""
    if given or not book.chains:
        return get_chain(given or DEFAULT_CHAIN, address_book)
    if len(book.chains) > 1:
        raise ConfigError(f"{book.at('chains')}: lists {', '.join(book.chains)}; this command reads one: give --chain")
    chains = load_address_book(address_book)
    if book.chains[0] not in chains:
        raise ConfigError(f"{book.at('chains')}: unknown chain {book.chains[0]!r} (known: {', '.join(sorted(chains))})")
    return chains[book.chains[0]]


def config_chains(given: list[str] | None, book: LoanBook, address_book: Path | None) -> list[Chain]:
    """The --chain chains, else the config's, else the address book's defaults; a chain the
    config names that the address book does not know names the config's line."""
    if given or not book.chains:
        return get_chains(given or (), address_book)
    chains = load_address_book(address_book)
    unknown = [name for name in book.chains if name not in chains]
    if unknown:
        raise ConfigError(f"{book.at('chains')}: unknown chain {unknown[0]!r} (known: {', '.join(sorted(chains))})")
    return get_chains(book.chains, address_book)


def require_one_chain(chains: Sequence[Chain], options: Mapping[str, object]) -> None:
    """A usage error for an option given with several chains that only one can take: one
    endpoint serves one chain, and block numbers differ from chain to chain."""
    for option, value in options.items():
        if value and len(chains) > 1:
            raise typer.BadParameter(f"{option} needs exactly one --chain", param_hint=option)


def config_notifier(given: list[str] | None, book: LoanBook) -> Notifier:
    """The --notify URLs, else the config's, each checked now; a bad one from the config names
    the config's line."""
    if given:
        return Notifier(given)
    try:
        return Notifier(book.notify)
    except NotifyUrlError as exc:
        raise ConfigError(f"{book.at('notify')}: {exc}") from None


def wallets_and_loans(named: list[str] | None, book: LoanBook, *, hint: str) -> tuple[list[str], list[CefiLoan]]:
    """The wallets named on the command line (parsed; ENS names resolve later), or, when none
    is, the config's wallets and CeFi loans. Neither is a usage error naming `hint`."""
    if named:
        return [parse_account(account) for account in named], []
    if book.wallets or book.loans:
        return book.accounts, list(book.loans)
    where = f"none in the config file {book.origin}" if book.origin else "no config file"
    raise typer.BadParameter(f"give {hint} ({where})", param_hint="ADDRESSES")
