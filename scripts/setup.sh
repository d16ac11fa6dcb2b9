#!/usr/bin/env bash
# Set up a fresh checkout: a virtualenv in .venv with chainwatch and its test tools.
# The devnet's npm toolchain (anvil, Aave v3 artifacts, solc) installs itself into the user's
# cache directory the first time the devnet starts; it needs Node.js 18+ with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "setup: Node.js 18+ with npm is required for the local chain" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[devnet,test]"
# Build (first time) or reuse the cached local chain: npm toolchain, compiled contracts and a
# deployed-state snapshot, so tests afterwards only ever talk to localhost.
.venv/bin/python -c "from chainwatch.devnet.snapshot import ensure_snapshot; ensure_snapshot()"
