"""Positions read by chainwatch itself (the code under test) from the devnet, at one block."""

from __future__ import annotations

from typing import Any

from chainwatch.chains import get_chain
from chainwatch.model import Position
from chainwatch.snapshot import read_snapshot


def read_positions(
    chain: Any, accounts: list[str], market: str | None = None, block: int | None = None
) -> tuple[int, list[Position]]:
    """(block read, positions) of `accounts`, in one market or in all of the devnet's."""
    protocols = [market] if market else ()
    snapshot = read_snapshot(get_chain("devnet"), accounts, rpc=[chain.rpc_url], block=block, protocols=protocols)
    return snapshot.block_number, list(snapshot.positions)


def read_one(chain: Any, account: str, market: str, block: int | None = None) -> Position:
    """The one position `account` holds in `market`, read at `block` (default: the head)."""
    block_read, positions = read_positions(chain, [account], market, block)
    (position,) = positions
    assert position.block_number == block_read
    return position
