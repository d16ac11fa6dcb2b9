#!/usr/bin/env bash
# Set up (if needed), start the two local chains with real Aave v3 and Morpho bytecode and show the demo loans.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/chainwatch demo "$@"
