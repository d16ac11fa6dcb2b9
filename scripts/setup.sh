#!/usr/bin/env bash
# Set up a fresh checkout: a virtualenv in .venv with chainwatch and its test tools, and the
# local chain. The devnet's npm toolchain (anvil, the Aave and Morpho contracts, solc) installs
# itself into the user's cache directory the first time; it needs Node.js 18+ with npm.
#
# A re-run on a set-up machine installs nothing and needs no network: the pip step is skipped
# while pyproject.toml is unchanged (a stamp in .venv records what was installed), and the local
# chain comes from its cached snapshot. Each step that does work says what and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {  # step "what" command...: run it, then say how long it took
    local what=$1 started=$SECONDS
    shift
    echo "setup: $what ..." >&2
    "$@"
    echo "setup: $what done in $((SECONDS - started)) s" >&2
}

command -v node >/dev/null || { echo "setup: Node.js 18+ with npm is required for the local chain" >&2; exit 1; }
stamp=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
if [ ! -x .venv/bin/python ]; then
    step "creating the virtualenv .venv" python3 -m venv .venv
fi
if [ "$(cat .venv/.chainwatch-setup 2>/dev/null)" != "$stamp" ]; then
    step "installing chainwatch and its test tools into .venv (pip)" \
        .venv/bin/python -m pip install --quiet -e ".[devnet,test]"
    echo "$stamp" > .venv/.chainwatch-setup
fi
# Build (first time: npm toolchain, compile, deploy, about a minute) or reuse the cached local
# chain, so tests afterwards only ever talk to localhost.
started=$SECONDS
.venv/bin/python -c "from chainwatch.devnet.snapshot import ensure_snapshot; ensure_snapshot()"
if [ $((SECONDS - started)) -gt 2 ]; then
    echo "setup: local chain built in $((SECONDS - started)) s (cached for later runs)" >&2
fi
