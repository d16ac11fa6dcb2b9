"""Contract reads at one pinned block, planned into as few HTTP requests as the node allows.

Every read of a snapshot goes through Multicall3 `aggregate3` with allowFailure, so one
reverting call (a bad account, a token that does not answer) cannot sink the others. Reads are
planned, not issued one by one:

- calls are packed into multicalls by a gas budget (each `Call` carries an estimate of its gas)
  kept under the node's eth_call gas cap, and each eth_call carries the first budget (2^24) as
  its `gas`: a node that applies EIP-7825's per-transaction cap (2^24) to eth_call refuses a
  call sent without one, as it then takes its own default (geth: 50M), which is over the cap.
  A node that refuses even that much gas halves what is sent (and the budget with it). A
  multicall the node rejects as out of gas, or whose request or answer is over the node's size
  cap, makes the reader plan again with half that multicall's gas as its budget, so the budget
  settles under whatever the node allows; the gas sent stays at the first budget, so a call
  that costs more than its estimate never starves inside a multicall;
- several multicalls travel in one JSON-RPC batch request, up to a request size nodes accept
  (the endpoint learns a smaller batch by itself where a node refuses one);
- `gather` runs independent readers (one per market) side by side and merges the calls they
  issue in the same round into one plan, so a snapshot of several markets costs the rounds of
  the deepest market, not the sum of all of them.

So the number of HTTP requests grows with the total gas of the reads over the gas cap, not with
the number of wallets. The aggregate3 payloads are encoded and decoded by hand: the layout is
fixed, and generic ABI coding of thousands of (address, bool, bytes) tuples costs more than the
node takes to run them. Each multicall's answer is decoded as soon as it arrives and dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from chainwatch.abi import AbiFunction, function
from chainwatch.rpc.block import Block
from chainwatch.rpc.codec import address_word, decode_aggregate3, decoder, encode_aggregate3, encoder
from chainwatch.rpc.errors import NoEndpointError, Refusal

if TYPE_CHECKING:
    from chainwatch.rpc.pool import EndpointPool

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
# A view call's gas when the caller gives no estimate: a cold proxy, a delegatecall and a few
# cold storage reads (an aToken's balanceOf measures ~25k on real Aave v3 bytecode).
CALL_GAS = 40_000
# Gas planned per multicall at first, and sent as its `gas`: EIP-7825's per-transaction cap
# (2^24, mainnet since the Osaka upgrade), which is under every default eth_call allowance seen
# in the wild (anvil and geth give a call the block gas limit, 30-60M, and geth caps it at 50M).
GAS_BUDGET = 2**24
MIN_GAS_LIMIT = 1_000_000  # below this a node cannot run a useful multicall: its refusal stands
MULTICALLS_PER_HTTP_BATCH = 20
# Bytes of one HTTP request body: anvil refuses bodies over 2 MiB, geth over 5 MB, and public
# endpoints sit in between. A call costs its calldata plus 160 bytes of aggregate3 framing,
# twice over as hex; a multicall about 300 bytes of JSON around it.
REQUEST_BYTES = 1_800_000
MULTICALL_BYTES = 300
# Refusals that a smaller multicall answers.
_SMALLER_HELPS = (Refusal.OUT_OF_GAS, Refusal.TOO_LARGE)

T = TypeVar("T")

# Called with the number of calls answered so far and the number planned in this read, so a
# command line can draw a progress bar without the reader knowing about terminals.
read_progress: ContextVar[Callable[[int, int], None] | None] = ContextVar("read_progress", default=None)


@dataclass(frozen=True)
class Call:
    """One contract read: which contract, which function, which arguments.

    `gas` is an estimate for planning only (it is never sent): an underestimate costs a
    re-plan when a multicall runs out of gas, an overestimate a few more multicalls.
    """

    target: str
    fn: AbiFunction
    args: tuple[Any, ...] = ()
    gas: int = field(default=CALL_GAS, compare=False)

    def calldata(self) -> bytes:
        return encoder(self.fn)(self.args)


Result = tuple[Any, ...] | None


class BlockReader:
    """Contract reads at one pinned block, batched through Multicall3."""

    @classmethod
    def at(cls, pool: EndpointPool, number: int | None = None, multicall3: str = MULTICALL3) -> BlockReader:
        """A reader pinned to block `number` (the pool's pinned head when None)."""
        return cls(pool, pool.block(number), multicall3)

    def __init__(self, pool: EndpointPool, block: Block, multicall3: str) -> None:
        self.pool = pool
        self.block = block
        self.multicall3 = multicall3
        self.gas_budget = GAS_BUDGET  # gas of the calls packed into one multicall
        self.gas_limit = GAS_BUDGET  # gas sent with each multicall's eth_call
        self._selector = function("Multicall3", "aggregate3").selector
        self._target_words: dict[str, bytes] = {}
        self._round: _Round | None = None

    def read(self, calls: Sequence[Call]) -> list[Result]:
        """Decoded results in call order; None where a call reverted or returned garbage."""
        round_ = self._round
        if round_ is not None and round_.owns(threading.current_thread()):
            return round_.read(calls)
        return self._read_now(calls)

    def gather(self, tasks: Sequence[Callable[[], T]]) -> list[T]:
        """Run `tasks` side by side, merging the reads they make in the same round.

        Each task runs in its own thread; when every unfinished task is waiting on a read, the
        calls of all of them go out as one plan. Results come back in task order; the first
        task that raised (in task order) re-raises here once all have finished.
        """
        if len(tasks) <= 1:
            return [task() for task in tasks]
        round_ = _Round(self._read_now, len(tasks))
        self._round = round_
        outcomes: list[Any] = [None] * len(tasks)
        failures: list[BaseException | None] = [None] * len(tasks)

        def run(index: int) -> None:
            try:
                outcomes[index] = tasks[index]()
            except BaseException as exc:  # handed back to the caller below
                failures[index] = exc
            finally:
                round_.leave()

        threads = [threading.Thread(target=copy_context().run, args=(run, i), daemon=True) for i in range(len(tasks))]
        round_.members.update(threads)
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            self._round = None
        for failure in failures:
            if failure is not None:
                raise failure
        return outcomes

    # -- planning -------------------------------------------------------------------------

    def _read_now(self, calls: Sequence[Call]) -> list[Result]:
        calldatas = [encoder(call.fn)(call.args) for call in calls]  # once, whatever the re-plans
        results: list[Result] = []
        progress = read_progress.get()
        position = 0
        while position < len(calls):
            batch = self._plan_batch(calls, calldatas, position)
            try:
                answers = self._send(calls, calldatas, batch)
            except NoEndpointError as exc:
                if exc.any_refused(Refusal.GAS_CAP) and self.gas_limit > MIN_GAS_LIMIT:
                    # The node lets no call have that much gas: ask for half, plan within it.
                    self.gas_limit //= 2
                    self.gas_budget = min(self.gas_budget, self.gas_limit)
                    continue
                largest = max(batch, key=lambda span: span[1] - span[0])
                if not exc.any_refused(*_SMALLER_HELPS) or largest[1] - largest[0] == 1:
                    raise
                # The node gave a multicall less gas than it needed, or its request or answer
                # was over the node's size cap: plan for half of it.
                self.gas_budget = max(1, sum(c.gas for c in calls[largest[0] : largest[1]]) // 2)
                continue
            for (start, end), raw in zip(batch, answers):
                results.extend(_decode(call, ok, data) for call, (ok, data) in zip(calls[start:end], raw))
            position = batch[-1][1]
            if progress:
                progress(position, len(calls))
        return results

    def _plan_batch(self, calls: Sequence[Call], calldatas: Sequence[bytes], start: int) -> list[tuple[int, int]]:
        """The multicalls of one HTTP request from `start` on, as (start, end) spans: each within
        the gas budget, all together within the request size nodes accept."""
        batch: list[tuple[int, int]] = []
        size = 0
        i = start
        budget = min(self.gas_budget, self.gas_limit)
        while i < len(calls) and len(batch) < MULTICALLS_PER_HTTP_BATCH:
            end, gas = i, 0
            size += MULTICALL_BYTES
            while end < len(calls):
                grown = size + _call_bytes(calldatas[end])
                if end > i and (gas + calls[end].gas > budget or grown > REQUEST_BYTES):
                    break
                gas, size = gas + calls[end].gas, grown
                end += 1
            batch.append((i, end))
            i = end
            if size >= REQUEST_BYTES:
                break
        return batch

    def _send(
        self, calls: Sequence[Call], calldatas: Sequence[bytes], batch: list[tuple[int, int]]
    ) -> list[list[tuple[bool, bytes]]]:
        block, gas = hex(self.block.number), hex(self.gas_limit)
        requests_ = [
            ("eth_call", [{"to": self.multicall3, "gas": gas, "data": self._encode(calls[a:b], calldatas[a:b])}, block])
            for a, b in batch
        ]
        sizes = [b - a for a, b in batch]
        return self.pool.batch(requests_, parse=lambda answers: _decode_all(answers, sizes))

    def _encode(self, chunk: Sequence[Call], calldatas: Sequence[bytes]) -> str:
        targets = [self._target_word(call.target) for call in chunk]
        return "0x" + encode_aggregate3(self._selector, targets, calldatas).hex()

    def _target_word(self, target: str) -> bytes:
        word = self._target_words.get(target)
        if word is None:
            word = self._target_words[target] = address_word(target)
        return word


class _Round:
    """The calls that `gather`'s tasks are waiting on; the last one to arrive sends them all."""

    def __init__(self, send: Callable[[Sequence[Call]], list[Result]], active: int) -> None:
        self.send = send
        self.active = active
        self.members: set[threading.Thread] = set()
        self.waiting: list[_Pending] = []
        self.condition = threading.Condition()

    def owns(self, thread: threading.Thread) -> bool:
        return thread in self.members

    def read(self, calls: Sequence[Call]) -> list[Result]:
        pending = _Pending(calls)
        with self.condition:
            self.waiting.append(pending)
            if len(self.waiting) == self.active:
                self._flush()
            while not pending.done:
                self.condition.wait()
        if pending.error is not None:
            raise pending.error
        return pending.results

    def leave(self) -> None:
        with self.condition:
            self.active -= 1
            if self.waiting and len(self.waiting) == self.active:
                self._flush()

    def _flush(self) -> None:
        """Send every waiting read as one plan (called with the lock held: all others wait)."""
        waiting, self.waiting = self.waiting, []
        merged = [call for pending in waiting for call in pending.calls]
        try:
            results = self.send(merged)
        except BaseException as exc:  # every waiting task sees the failure
            for pending in waiting:
                pending.error = exc
        else:
            start = 0
            for pending in waiting:
                pending.results = results[start : start + len(pending.calls)]
                start += len(pending.calls)
        for pending in waiting:
            pending.done = True
        self.condition.notify_all()


@dataclass
class _Pending:
    calls: Sequence[Call]
    results: list[Result] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


def _call_bytes(calldata: bytes) -> int:
    return 2 * (160 + len(calldata) + -len(calldata) % 32)


def _decode_all(answers: list[Any], sizes: list[int]) -> list[list[tuple[bool, bytes]]]:
    """aggregate3 answers, one (success, returnData) per call; ValueError otherwise, so the
    pool asks another node rather than hand back a shifted or truncated list."""
    decoded = []
    for answer, size in zip(answers, sizes, strict=True):
        if not isinstance(answer, str) or not answer.startswith("0x"):
            raise ValueError("eth_call result is not hex data")
        raw = decode_aggregate3(bytes.fromhex(answer[2:]))
        if len(raw) != size:
            raise ValueError(f"aggregate3 answered {len(raw)} results for {size} calls")
        decoded.append(raw)
    return decoded


def _decode(call: Call, ok: bool, data: bytes) -> Result:
    if not ok:
        return None
    try:
        return decoder(call.fn)(data)
    except Exception:  # eth-abi raises several types for short or malformed return data
        return None
