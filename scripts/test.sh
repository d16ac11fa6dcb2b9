#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite. Tests reach no host but localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The history store is tested against a real PostgreSQL server that the tests start in a
# temporary directory; install Debian's server package where it is missing (CI machines start
# bare). Without it those tests are skipped, loudly, or fail when CI=true.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "test.sh: PostgreSQL server not installed; its storage tests will be skipped" >&2
    fi
fi
# The dashboard's tests drive Debian's headless chromium (through Playwright, never a browser of
# Playwright's own); install it where missing. In CI (CI=true) those tests fail without it.
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "test.sh: /usr/bin/chromium not installed; the dashboard's browser tests will be skipped" >&2
    fi
fi
# Style and types first: a lint or type error fails the run before the slower suite starts.
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
