"""Pause Python's cyclic garbage collector while big, acyclic structures are built.

Loading a national scenario, building its result and writing its JSON make millions of
container objects. Each time enough of them accumulate the collector walks every object
alive, about twenty full passes and 2.5 s nationally, and finds nothing to free: these
objects hold no reference cycles and are freed by reference counting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after (nests)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
