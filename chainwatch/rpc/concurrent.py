"""Ask every endpoint at once, in threads that never hold up a Ctrl-C.

A ThreadPoolExecutor joins its threads when the interpreter exits, so a Ctrl-C while endpoints
are being asked waited for every request to time out and be retried (half a minute on a silent
endpoint) before chainwatch could stop. Daemon threads are dropped at exit instead: the work is
read-only, so nothing is left half done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def each(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`work(item)` for every item, all at once; results in item order. The first item whose
    work raised (in item order) re-raises here once all have finished."""
    results: list[R | None] = [None] * len(items)
    failures: list[BaseException | None] = [None] * len(items)

    def run(index: int) -> None:
        try:
            results[index] = work(items[index])
        except BaseException as exc:  # handed to the caller's thread below
            failures[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for failure in failures:
        if failure is not None:
            raise failure
    return results  # type: ignore[return-value]
