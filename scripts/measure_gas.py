#!/usr/bin/env python3
"""Re-measure gas units per user action on the devnet and rewrite chainwatch/costs/gas_units.json.

Starts a private devnet from the cached snapshot (building it on first use), runs every measurer
in chainwatch.devnet.gas.MEASURERS on it, and replaces those protocols' entries, recording how
and when they were measured and on which bytecode. Entries of published figures (Compound v3,
whose contracts are on no registry) are kept as they are.

    .venv/bin/python scripts/measure_gas.py [--check]

--check writes nothing: it prints the fresh figures beside the shipped ones and exits 1 if any
differ by more than 1%.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from chainwatch.costs.lifecycle import GAS_UNITS_FILE, MEASURED, read_gas_document
from chainwatch.devnet.gas import HOW, MEASURERS
from chainwatch.devnet.node import rpc
from chainwatch.devnet.service import start
from chainwatch.files import write_atomic

DATA_FILE = Path(__file__).resolve().parent.parent / "chainwatch" / "costs" / GAS_UNITS_FILE
DEVNET_PACKAGE = Path(__file__).resolve().parent.parent / "chainwatch" / "devnet" / "package.json"
TOLERANCE = 0.01


def toolchain_versions() -> str:
    """The pinned npm packages the devnet runs: the bytecode and the anvil that executes it."""
    package = json.loads(DEVNET_PACKAGE.read_text())
    pinned = {**package.get("dependencies", {}), **package.get("optionalDependencies", {})}
    return ", ".join(f"{name} {version}" for name, version in sorted(pinned.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args()

    with start() as devnet:
        w3 = devnet.web3()
        measured = {}
        for protocol, measurer in MEASURERS.items():
            snapshot = rpc(w3, "evm_snapshot")
            measured[protocol] = measurer(w3, devnet.deployment)
            rpc(w3, "evm_revert", [snapshot])

    document = read_gas_document()
    if args.check:
        worst = 0.0
        for protocol, units in measured.items():
            shipped = document["protocols"].get(protocol, {}).get("units", {})
            for action, gas in units.items():
                old = shipped.get(action)
                drift = abs(gas - old) / old if old else float("inf")
                worst = max(worst, drift)
                print(f"{protocol:12} {action:9} measured {gas:>8} shipped {old!s:>8}")
        return 0 if worst <= TOLERANCE else 1

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    for protocol, units in measured.items():
        document["protocols"][protocol] = {
            "kind": MEASURED,
            "measured_on": today,
            "toolchain": toolchain_versions(),
            "how": HOW[protocol],
            "units": units,
        }
    write_atomic(DATA_FILE, json.dumps(document, indent=2) + "\n")
    print(f"wrote {DATA_FILE}: {', '.join(sorted(measured))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
