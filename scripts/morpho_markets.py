#!/usr/bin/env python3
"""Regenerate a chain's entry of chainwatch/chains/morpho_markets.json from its Morpho singleton's
CreateMarket logs: every market whose collateral is a BTC asset of the chain's address book.

    .venv/bin/python scripts/morpho_markets.py --chain base [--rpc URL]... [--address-book FILE]
        [--block N] [--output FILE]

The scan starts at the market's `deployment_block` (block 0 where the book has none) and reads
every block up to the pinned one with adaptive eth_getLogs ranges; each log's id is checked to be
the keccak of its params. The entry records the block read (`scanned_to`), so chainwatch only
scans the blocks after it at run time. Other chains' entries in the file are kept as they are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chainwatch.adapters.morpho_catalogue import SHIPPED, Catalogue, scan
from chainwatch.chains import get_chain
from chainwatch.files import write_atomic
from chainwatch.snapshot import open_reader

DATA_FILE = Path(__file__).resolve().parent.parent / "chainwatch" / "chains" / SHIPPED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chain", required=True)
    parser.add_argument("--rpc", action="append", default=[])
    parser.add_argument("--address-book")
    parser.add_argument("--block", type=int)
    parser.add_argument("--output", type=Path, default=DATA_FILE)
    options = parser.parse_args()

    chain = get_chain(options.chain, options.address_book)
    reader = open_reader(chain, options.rpc, options.block)
    document = json.loads(options.output.read_text()) if options.output.exists() else {"singletons": []}
    for market in (m for m in chain.markets if m.protocol == "morpho-blue"):
        morpho = market.settings["morpho"]
        first = market.settings.get("deployment_block") or 0
        catalogue = Catalogue(frozenset(a.address.lower() for a in chain.btc_assets), {}, first, first - 1)
        scan(reader.pool, morpho, catalogue, reader.block.number, save=lambda _: None)
        entry = {
            "chain": chain.name,
            "chain_id": chain.chain_id,
            "morpho": morpho,
            "source": f"CreateMarket logs of {morpho}, blocks {first} to {catalogue.last} (scripts/morpho_markets.py)",
            **catalogue.as_json(),
        }
        del entry["last_hash"]  # shipped data is trusted as published, not checked against a chain
        document["singletons"] = [
            e
            for e in document["singletons"]
            if (e["chain_id"], e["morpho"].lower()) != (chain.chain_id, morpho.lower())
        ] + [entry]
        print(f"{chain.name} {morpho}: {len(catalogue.markets)} BTC-collateral markets up to block {catalogue.last}")
    write_atomic(options.output, json.dumps(document, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
