"""Addresses for tests that no build, demo wallet or other test uses."""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address


def fresh_account(label: str) -> str:
    """An address nobody holds a key for, derived from `label`; the devnet impersonates it (and
    funds it with ether) when it sends, so each test can own a borrower of its own."""
    return to_checksum_address(keccak(text=f"chainwatch-test:{label}")[-20:])
