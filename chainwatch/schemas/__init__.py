"""JSON Schemas (draft 2020-12) of every command's `--format json` document, shipped in the
package so scripts, the dashboard's API and the tests check against one definition.

Each schema is `NAME.schema.json` (track, check, risk, compare, scan, history, history-alerts,
rpc-check, and `status`: the dashboard's /api/status, which no command prints); they share
`common.schema.json` through relative `$ref`s resolved by `$id`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

COMMANDS = ("track", "check", "risk", "compare", "scan", "history", "history-alerts", "rpc-check")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema `name` (a command, "status" or "common") as a dict."""
    document: dict[str, Any] = json.loads(files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8"))
    return document
