"""How the long-running processes use Python's cyclic garbage collector.

Both serve and the digest worker allocate many short-lived containers per event (decoded
payloads, row dicts) that a batch keeps alive together, so the default gen-0 threshold
(700 net allocations) runs a collection every few events; almost nothing it scans is
garbage, since the code makes few reference cycles. A larger threshold lets most of those
objects die before any scan: the digest's CPU per event dropped 13% at 5,000 and 17% at
20,000 (bench/micro.py; bench/RESULTS.md). Memory held by cyclic garbage waits a little
longer, nothing more.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000
_DEFAULT_GEN0 = gc.get_threshold()[0]


def settle_after_startup() -> None:
    """Call once the process has imported and built everything it keeps: those objects
    leave the collector's scans for good (gc.freeze), and later collections run less often."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def restore() -> None:
    """Undo settle_after_startup (an app stopped inside a longer-lived process: tests)."""
    gc.unfreeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(_DEFAULT_GEN0, gen1, gen2)
