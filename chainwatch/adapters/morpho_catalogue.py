"""Every Morpho Blue market of a chain, known from the singleton's own CreateMarket logs.

Morpho markets are permissionless: anyone may create one, so no hand-kept list stays complete.
The singleton logs `CreateMarket(Id indexed id, MarketParams marketParams)` for each, and the
log's data is `abi.encode(marketParams)`, whose keccak is the id (MarketParamsLib): a market is
known, and checked, from its log alone.

The catalogue starts from the markets shipped in `chainwatch/chains/morpho_markets.json` (made by
scripts/morpho_markets.py) and from a cache file in the user cache directory, then asks only for
the blocks since the last one it covered, with the adaptive log ranges of `chainwatch.rpc.logs`;
the cache is saved after every chunk, so an interrupted refresh resumes. The hash of the last
covered block is kept with it: when the chain no longer has that block (a reorganisation, a
local chain reset) the cache is dropped and the scan starts again from the shipped data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs
from eth_utils import keccak, to_checksum_address

from chainwatch.adapters.base import event_topic
from chainwatch.files import write_atomic
from chainwatch.rpc import EndpointPool
from chainwatch.rpc.logs import AccountLogs, LogScanner, ScanState

CREATE_MARKET = event_topic("CreateMarket(bytes32,(address,address,address,address,uint256))")  # EventsLib
SHIPPED = "morpho_markets.json"
VERSION = 1
_WORD = 64  # hex digits in a 32-byte ABI word
_PARAMS_HEX = 5 * _WORD  # loanToken, collateralToken, oracle, irm, lltv


@dataclass(frozen=True)
class MarketParams:
    """A market's immutable parameters, as Morpho's MarketParams struct holds them."""

    loan_token: str
    collateral_token: str
    oracle: str
    irm: str
    lltv: int

    @property
    def encoded(self) -> bytes:
        """abi.encode(marketParams): four addresses and a uint256, one word each."""
        words = [int(a, 16) for a in (self.loan_token, self.collateral_token, self.oracle, self.irm)]
        return b"".join(w.to_bytes(32, "big") for w in [*words, self.lltv])

    @property
    def market_id(self) -> str:
        """keccak256(abi.encode(marketParams)), as MarketParamsLib.id computes it."""
        return "0x" + keccak(self.encoded).hex()

    @classmethod
    def decode(cls, data: str) -> MarketParams:
        """From the 0x-hex of abi.encode(marketParams) (a CreateMarket log's data)."""
        body = data[2:] if data.startswith("0x") else data
        if len(body) != _PARAMS_HEX:
            raise ValueError(f"CreateMarket data is {len(body) // 2} bytes, not 160")
        words = [body[i : i + _WORD] for i in range(0, _PARAMS_HEX, _WORD)]
        loan, collateral, oracle, irm = (to_checksum_address("0x" + w[-40:]) for w in words[:4])
        return cls(loan, collateral, oracle, irm, int(words[4], 16))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.market_id,
            "loan_token": self.loan_token,
            "collateral_token": self.collateral_token,
            "oracle": self.oracle,
            "irm": self.irm,
            "lltv": str(self.lltv),
        }

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> MarketParams:
        """A shipped or cached entry, its id checked against its params."""
        params = cls(
            to_checksum_address(entry["loan_token"]),
            to_checksum_address(entry["collateral_token"]),
            to_checksum_address(entry["oracle"]),
            to_checksum_address(entry["irm"]),
            int(entry["lltv"]),
        )
        if params.market_id != entry["id"].lower():
            raise ValueError(f"market {entry['id']}: id is not the keccak of its params")
        return params


def created_markets(answer: Any, logs: AccountLogs) -> set[str]:
    """The CreateMarket logs of a getLogs answer, each kept as its data (abi.encode(params)),
    after checking that topic 1, the id, is the keccak of that data."""
    if not isinstance(answer, list):
        raise ValueError("eth_getLogs answer is not a list")
    found = set()
    for log in answer:
        if log.get("removed"):
            continue
        params = MarketParams.decode(log["data"])
        if params.market_id != log["topics"][1].lower():
            raise ValueError(f"CreateMarket log {log['topics'][1]}: id is not the keccak of its params")
        found.add(log["data"].lower())
    return found


@dataclass
class Catalogue:
    """The markets of one singleton whose collateral is one of `collateral` (lowercase token
    addresses), created in blocks `first`..`last` (`last` < `first`: none scanned yet), with the
    hash of block `last` (None for shipped data, which is trusted as published)."""

    collateral: frozenset[str]
    markets: dict[str, MarketParams]
    first: int
    last: int
    last_hash: str | None = None
    span: int | None = None

    def covers(self, collateral: frozenset[str]) -> bool:
        """Whether it was kept for at least these collateral tokens (a token added to the book
        later makes it incomplete: its older markets were not kept)."""
        return collateral <= self.collateral

    def keep(self, params: MarketParams) -> None:
        if params.collateral_token.lower() in self.collateral:
            self.markets[params.market_id] = params

    def narrowed(self, collateral: frozenset[str]) -> Catalogue:
        """The same scan, keeping only markets of `collateral`."""
        markets = {i: p for i, p in self.markets.items() if p.collateral_token.lower() in collateral}
        return Catalogue(collateral, markets, self.first, self.last, self.last_hash, self.span)

    def as_json(self) -> dict[str, Any]:
        return {
            "collateral": sorted(self.collateral),
            "from_block": self.first,
            "scanned_to": self.last,
            "last_hash": self.last_hash,
            "markets": [p.as_json() for p in sorted(self.markets.values(), key=lambda p: p.market_id)],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalogue:
        """A shipped or cached catalogue; a shipped one that lists published markets without
        having scanned logs has `scanned_to` null (its scan starts at `from_block`)."""
        first = int(data["from_block"])
        last = data["scanned_to"]
        markets = [MarketParams.from_json(m) for m in data["markets"]]
        return cls(
            frozenset(c.lower() for c in data["collateral"]),
            {p.market_id: p for p in markets},
            first,
            first - 1 if last is None else int(last),
            data.get("last_hash"),
        )


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("chainwatch")) / "morpho-markets"


def shipped(chain_id: int, morpho: str) -> Catalogue | None:
    """The markets shipped for this singleton, or None where nothing is shipped for it."""
    data = json.loads(resources.files("chainwatch.chains").joinpath(SHIPPED).read_text())
    for entry in data["singletons"]:
        if entry["chain_id"] == chain_id and entry["morpho"].lower() == morpho.lower():
            return Catalogue.from_json(entry)
    return None


class CatalogueCache:
    """One singleton's catalogue in the user cache directory: one JSON file, written atomically.
    A file that does not parse is ignored and rebuilt: it is a cache, not a record."""

    def __init__(self, directory: Path, chain_id: int, morpho: str) -> None:
        self.path = Path(directory) / f"{chain_id}-{morpho.lower()}.json"

    def load(self) -> Catalogue | None:
        try:
            data = json.loads(self.path.read_text())
            if data.get("version") != VERSION:
                return None
            catalogue = Catalogue.from_json(data)
            catalogue.span = data.get("span")
            return catalogue
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, catalogue: Catalogue) -> None:
        data = {"version": VERSION, "span": catalogue.span, **catalogue.as_json()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=1) + "\n")


def _block_hash(pool: EndpointPool, number: int) -> str | None:
    block = pool.request("eth_getBlockByNumber", [hex(number), False])
    return block["hash"] if isinstance(block, dict) else None


def _start(chain_id: int, morpho: str, collateral: frozenset[str], deployment_block: int | None) -> Catalogue:
    """Where a fresh scan starts: the shipped markets when they were kept for these collateral
    tokens, else nothing, from the singleton's deployment block (block 0 where the book does
    not give it)."""
    seed = shipped(chain_id, morpho)
    if seed is not None and seed.covers(collateral):
        return seed.narrowed(collateral)
    first = seed.first if seed is not None else deployment_block if deployment_block is not None else 0
    return Catalogue(collateral, {}, first=first, last=first - 1)


def scan(pool: EndpointPool, morpho: str, catalogue: Catalogue, head: int, save: Callable[[Catalogue], None]) -> None:
    """Extend `catalogue` to block `head` from the singleton's CreateMarket logs, handing it to
    `save` after every chunk (with the hash of the chunk's last block)."""
    state = ScanState(catalogue.first, catalogue.last, set())
    if catalogue.span:
        state.span = catalogue.span

    def checkpoint(state: ScanState) -> None:
        for data in state.accounts:
            catalogue.keep(MarketParams.decode(data))
        state.accounts.clear()
        catalogue.last, catalogue.span = state.last, state.span
        catalogue.last_hash = _block_hash(pool, state.last)
        save(catalogue)

    LogScanner(pool, extract=created_markets).scan(
        AccountLogs(morpho, (CREATE_MARKET,), account_topic=1), state, head, checkpoint=checkpoint
    )


def refresh(
    pool: EndpointPool,
    chain_id: int,
    morpho: str,
    head: int,
    collateral: Iterable[str],
    *,
    deployment_block: int | None = None,
    cache_dir: Path | None = None,
) -> Catalogue:
    """The singleton's markets with one of `collateral` as collateral created up to block
    `head`, scanning only the blocks the cache does not cover.

    The cache is used when it was kept for these collateral tokens and its last block is still
    on the chain (same hash); a read of an older block (`--block`) uses it as it is, since a
    market created after `head` holds no position at `head`.
    """
    wanted = frozenset(c.lower() for c in collateral)
    cache = CatalogueCache(cache_dir or default_cache_dir(), chain_id, morpho)
    catalogue = cache.load()
    if catalogue is not None and not catalogue.covers(wanted):
        catalogue = None
    if catalogue is not None and catalogue.last >= catalogue.first:
        if catalogue.last_hash != _block_hash(pool, catalogue.last):
            catalogue = None  # the chain it was read from is gone (reorganised, or a local chain reset)
    if catalogue is None:
        catalogue = _start(chain_id, morpho, wanted, deployment_block)
    catalogue = catalogue.narrowed(wanted)
    if catalogue.last < head:
        scan(pool, morpho, catalogue, head, cache.save)
    return catalogue
