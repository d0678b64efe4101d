"""Speed devices keep behaviour: the paused collector, pool workers. No timing assertions."""

from __future__ import annotations

import gc

from premium_alloc.gcpause import paused_gc
from premium_alloc.parallel import PartPool


def test_paused_gc_nests_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_restores_after_an_error() -> None:
    try:
        with paused_gc():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def _remember(value: int) -> None:
    global _SEEN
    _SEEN = value


def _gc_state(_: int) -> tuple[bool, int]:
    return gc.isenabled(), _SEEN


_SEEN = 0


def test_pool_workers_collect_even_when_forked_while_paused() -> None:
    with paused_gc():
        with PartPool(2, initializer=_remember, initargs=(7,)) as pool:
            states = list(pool.map(_gc_state, range(4)))
    assert states == [(True, 7)] * 4  # the caller's initializer still runs
