"""A block as the reads of one snapshot are pinned to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Block:
    number: int
    timestamp: datetime
