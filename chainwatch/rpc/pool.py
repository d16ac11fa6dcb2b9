"""The endpoints of one chain: checked, retried, failed over, and agreed on one block.

On first use every endpoint is asked, concurrently, for its chain id and head. Endpoints that
serve another chain, do not answer, or lag the best head by more than `max_lag` blocks are
set aside for the life of the pool (with a warning), so a snapshot is never read from a node
that is behind or on the wrong chain. The pool pins "latest" to the lowest head among the
endpoints it kept, a block every one of them has, so a failover in the middle of a snapshot
reads the very same block on the next endpoint.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chainwatch.rpc.block import Block
from chainwatch.rpc.concurrent import each
from chainwatch.rpc.endpoint import Endpoint, Request
from chainwatch.rpc.errors import (
    ChainMismatchError,
    EndpointError,
    FutureBlockError,
    NoEndpointError,
    RpcError,
    RpcSettingsError,
)
from chainwatch.rpc.redact import scrub
from chainwatch.rpc.retry import RetryPolicy

log = logging.getLogger("chainwatch.rpc")

Parser = Callable[[list[Any]], list[Any]]

TIMEOUT_ENV = "CHAINWATCH_RPC_TIMEOUT"
MAX_LAG_ENV = "CHAINWATCH_RPC_MAX_LAG"


@dataclass(frozen=True)
class RpcSettings:
    """How patient the pool is. `max_lag`: blocks an endpoint may trail the best head."""

    timeout: float = 10.0
    max_lag: int = 16
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_env(cls) -> RpcSettings:
        """Defaults, with the timeout and lag tolerance overridable from the environment."""
        return cls(
            timeout=_env_number(TIMEOUT_ENV, float, cls.timeout),
            max_lag=_env_number(MAX_LAG_ENV, int, cls.max_lag),
        )


def _env_number(name: str, kind: type, default: Any) -> Any:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise RpcSettingsError(f"{name} must be a number, not {text!r}") from None
    if value <= 0:
        raise RpcSettingsError(f"{name} must be positive, not {text!r}")
    return value


class EndpointPool:
    """The endpoints of one chain, tried in order (a failed one moves to the back)."""

    def __init__(
        self,
        urls: Sequence[str],
        expected_chain_id: int | None = None,
        settings: RpcSettings | None = None,
    ) -> None:
        if not urls:
            raise RpcSettingsError("no RPC endpoint configured")
        self.settings = settings or RpcSettings.from_env()
        self.endpoints = _labelled([Endpoint(url, self.settings.timeout) for url in dict.fromkeys(urls)])
        self.expected_chain_id = expected_chain_id
        self.heads: dict[Endpoint, int] = {}  # the head each usable endpoint reported
        self.set_aside: dict[Endpoint, str] = {}  # why an endpoint is not used
        self._usable: list[Endpoint] | None = None

    # -- requests -------------------------------------------------------------------------

    def batch(self, requests_: Sequence[Request], parse: Parser | None = None) -> list[Any]:
        """Answers in request order from the first usable endpoint that gives them all.

        `parse` turns the list of raw results into what the caller needs and raises ValueError
        on answers it cannot use, which counts as that endpoint's failure: garbage from one node
        makes the pool ask the next, never reaches the caller.
        """
        usable = self._checked()
        failures: list[EndpointError] = []
        for endpoint in list(usable):
            try:
                return self._attempt(endpoint, requests_, parse)
            except EndpointError as exc:
                failures.append(exc)
                if len(failures) < len(usable):
                    log.warning("rpc: %s; trying the next endpoint", exc)
                usable.remove(endpoint)
                usable.append(endpoint)
        raise NoEndpointError(f"no RPC endpoint answered: {'; '.join(map(str, failures))}", failures)

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def _attempt(self, endpoint: Endpoint, requests_: Sequence[Request], parse: Parser | None = None) -> list[Any]:
        """`requests_` at one endpoint, retrying transient failures with backoff."""
        policy = self.settings.retry
        retry = 0
        while True:
            try:
                results = endpoint.batch(requests_)
                return parse(results) if parse else results
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                reason = scrub(str(exc), endpoint.url) or type(exc).__name__
                raise EndpointError(
                    f"{endpoint.label} answered an unusable result: {reason}", transient=False
                ) from None
            except EndpointError as exc:
                pause = policy.delay(retry, exc.retry_after) if exc.transient else None
                if pause is None:
                    raise
                log.info("rpc: %s; retrying in %.2f s", exc, pause)
                policy.wait(pause)
                retry += 1

    # -- the first check ------------------------------------------------------------------

    def _checked(self) -> list[Endpoint]:
        if self._usable is None:
            self._usable = self._check_all()
        return self._usable

    def _check_all(self) -> list[Endpoint]:
        """Chain id and head of every endpoint at once; keep those on the chain and current."""
        answers = each(self._identify, self.endpoints)
        mismatched = []
        failures = []
        for endpoint, answer in zip(self.endpoints, answers):
            if isinstance(answer, EndpointError):
                failures.append(answer)
                self._set_aside(endpoint, str(answer))
                continue
            chain_id, head = answer
            if self.expected_chain_id is not None and chain_id != self.expected_chain_id:
                mismatched.append(endpoint)
                self._set_aside(
                    endpoint,
                    f"{endpoint.label} serves chain id {chain_id}, expected {self.expected_chain_id}",
                )
                continue
            self.heads[endpoint] = head
        best = max(self.heads.values(), default=0)
        for endpoint in self.endpoints:
            known = self.heads.get(endpoint)
            if known is not None and best - known > self.settings.max_lag:
                del self.heads[endpoint]
                self._set_aside(endpoint, f"{endpoint.label} head {known} lags {best} by {best - known} blocks")
        usable = [e for e in self.endpoints if e not in self.set_aside]
        if not usable:
            message = f"no healthy RPC endpoint: {'; '.join(self.set_aside.values())}"
            if len(mismatched) == len(self.endpoints):
                raise ChainMismatchError(message)
            raise NoEndpointError(message, failures)
        return usable

    def _identify(self, endpoint: Endpoint) -> tuple[int, int] | EndpointError:
        try:
            chain_id, head = self._attempt(endpoint, [("eth_chainId", []), ("eth_blockNumber", [])], parse=hex_ints)
            return chain_id, head
        except EndpointError as exc:
            return exc

    def _set_aside(self, endpoint: Endpoint, reason: str) -> None:
        self.set_aside[endpoint] = reason
        if len(self.endpoints) > 1:
            log.warning("rpc: not using %s", reason)

    # -- blocks ---------------------------------------------------------------------------

    @property
    def head(self) -> int:
        """The newest block every usable endpoint has: the pin for "latest"."""
        self._checked()
        return min(self.heads.values())

    def block(self, number: int | None = None) -> Block:
        """Block `number` (the pinned head when None), by number so failover cannot move it."""
        target = self.head if number is None else number
        (block,) = self.batch([("eth_getBlockByNumber", [hex(target), False])], parse=_block_headers)
        if block is None:
            raise FutureBlockError(f"block {target} does not exist yet (head {self.head})")
        if block.number != target:
            raise RpcError(f"asked for block {target}, the node answered block {block.number}")
        return block


def hex_int(result: Any) -> int:
    """A QUANTITY result ("0x1a") as an int; ValueError on anything else."""
    if not isinstance(result, str) or not result.startswith("0x"):
        raise ValueError(f"not a hex quantity: {result!r}")
    return int(result, 16)


def hex_ints(results: list[Any]) -> list[int]:
    return [hex_int(r) for r in results]


def _block_headers(results: list[Any]) -> list[Block | None]:
    return [
        None
        if header is None
        else Block(
            number=hex_int(header["number"]),
            timestamp=datetime.fromtimestamp(hex_int(header["timestamp"]), tz=UTC),
        )
        for header in results
    ]


def _labelled(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Tell apart endpoints whose redacted names coincide (one host, different keys)."""
    seen: dict[str, int] = {}
    for endpoint in endpoints:
        seen[endpoint.label] = seen.get(endpoint.label, 0) + 1
        if seen[endpoint.label] > 1:
            endpoint.label = f"{endpoint.label} (#{seen[endpoint.label]})"
    return endpoints
