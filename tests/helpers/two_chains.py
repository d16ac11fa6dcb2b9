"""The two local chains side by side for the check and watch tests: an address book pointing
both at the test's anvils, and moving devnet-l2's loan past an LTV line by its BTC price.

Referee: Aave's own getUserAccountData on each chain (its collateral and debt in the Pool's
base currency), never chainwatch's figures.
"""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

from chainwatch.devnet import controls
from chainwatch.devnet.node import contract

D = Decimal


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def address_book(tmp_path: Path, devnet_url: str, l2_url: str) -> Path:
    path = tmp_path / "book.toml"
    path.write_text(f'[chains.devnet]\nrpc = ["{devnet_url}"]\n\n[chains.devnet-l2]\nrpc = ["{l2_url}"]\n')
    return path


def both_chains(book: Path) -> list[str]:
    """The command-line options reading both local chains through `book` (see address_book)."""
    return ["--chain", "devnet", "--chain", "devnet-l2", "--address-book", str(book)]


def aave_ltv(chain, account: str) -> Decimal:
    """debt / collateral by the Aave Pool of `chain` itself, at the latest block."""
    pool = contract(chain.w3, "Pool", chain.deployment.markets["aave-v3"].pool)
    collateral, debt, *_ = pool.functions.getUserAccountData(account).call()
    return D(debt) / D(collateral)


def move_to_ltv(chain, account: str, ltv: str) -> None:
    """Set the chain's BTC/USD so the account's BTC-only Aave loan sits at about `ltv`: at a
    known price the Pool gives its LTV, and LTV scales as 1 / price."""
    known = D(100_000)
    controls.set_btc_price(chain.w3, chain.deployment, known)
    controls.set_btc_price(chain.w3, chain.deployment, (known * aave_ltv(chain, account) / D(ltv)).quantize(D("0.01")))
