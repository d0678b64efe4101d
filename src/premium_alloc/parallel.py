"""Solve independent parts in parallel: a local process pool, or a Dask ``distributed`` cluster.

:func:`~premium_alloc.engine.solve_model` takes any :class:`concurrent.futures.Executor`
(``executor.map`` over the parts). This module supplies:

- :func:`default_executor`: a process pool sized to the machine when the model is big enough
  for the start-up cost to pay off (more than one part and more than
  :data:`PARALLEL_MIN_COLUMNS` columns), ``None`` (solve in this process) otherwise;
- :class:`PartPool`: that process pool. Its ``map`` sends the parts in chunks of shrinking
  work (columns), largest parts first (:func:`guided_chunks`), so that hundreds of small parts
  cost a few dozen round trips and the workers finish together; results still come back in
  input order;
- :func:`as_executor`: adapts a ``distributed.Client`` (which has ``submit``/``map``/``gather``
  but is no :class:`~concurrent.futures.Executor`) to the same interface, in chunks of about
  equal work (:func:`chunk_indices`). Parts are scattered to the workers, not embedded in the
  task graph.

Deadlines travel inside each job as wall-clock time (``time.time()``), which means the same
on every machine of a cluster.

Example::

    from distributed import Client
    import premium_alloc as pa
    from premium_alloc.parallel import as_executor

    with Client("tcp://scheduler:8786") as client:
        result = pa.solve("national.json", executor=as_executor(client))
"""

from __future__ import annotations

import gc
import itertools
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

#: Below this many columns (or with a single part) solving in this process is faster than
#: starting a pool: a regency solves in about 0.1 s, a pool takes about as long to start.
PARALLEL_MIN_COLUMNS = 200_000
#: Chunks per worker: a few, so that uneven parts still balance, and few round trips.
CHUNKS_PER_WORKER = 4

__all__ = [
    "CHUNKS_PER_WORKER",
    "ClientExecutor",
    "PARALLEL_MIN_COLUMNS",
    "PartPool",
    "as_executor",
    "available_cpus",
    "chunk_indices",
    "guided_chunks",
    "default_executor",
    "make_executor",
]


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _weight(item: Any) -> float:
    """Work estimate of one ``map`` item: the columns of a part (or of a job whose first entry is one)."""
    obj = item
    while isinstance(obj, tuple) and obj:
        obj = obj[0]
    cols = getattr(obj, "cols", None)
    size = getattr(cols, "size", None)
    return float(size) + 50.0 if size is not None else 1.0  # + a fixed cost per part


def chunk_indices(weights: Sequence[float], n_chunks: int) -> list[list[int]]:
    """Split item indices into at most ``n_chunks`` chunks of about equal total weight.

    Greedy longest-processing-time: items by decreasing weight, each into the lightest chunk.
    Chunks come back heaviest first (the order to submit them in), each in input order.

    Parameters
    ----------
    weights : sequence of float
        Work of each item.
    n_chunks : int
        Chunks at most.

    Returns
    -------
    list of list of int
        Item indices per chunk.
    """
    n = len(weights)
    if n == 0:
        return []
    k = max(1, min(int(n_chunks), n))
    import heapq

    heap = [(0.0, c) for c in range(k)]
    members: list[list[int]] = [[] for _ in range(k)]
    for i in sorted(range(n), key=lambda i: (-weights[i], i)):
        load, c = heapq.heappop(heap)
        members[c].append(i)
        heapq.heappush(heap, (load + weights[i], c))
    loads = [sum(weights[i] for i in m) for m in members]
    order = sorted((c for c in range(k) if members[c]), key=lambda c: (-loads[c], c))
    return [sorted(members[c]) for c in order]


def guided_chunks(weights: Sequence[float], n_workers: int, *, share: float = 0.5, smallest: float = 1 / 64) -> list[list[int]]:
    """Split item indices into chunks of shrinking weight for ``n_workers`` pulling in turn.

    Items go by decreasing weight (ties: input order). Each chunk takes ``share / n_workers`` of
    the weight still left, and at least ``smallest / n_workers`` of the total: big chunks first
    for few round trips, small ones last so that no worker waits long for another at the end.
    Chunks come back in submission order, each in input order.

    Parameters
    ----------
    weights : sequence of float
        Work of each item.
    n_workers : int
        Workers pulling chunks.
    share : float
        Share of the remaining work per chunk.
    smallest : float
        Smallest chunk, as a share of all the work.

    Returns
    -------
    list of list of int
        Item indices per chunk, largest first.
    """
    n = len(weights)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: (-weights[i], i))
    total = float(sum(weights))
    left, floor = total, total * smallest / max(1, n_workers)
    chunks: list[list[int]] = []
    current: list[int] = []
    load = 0.0
    for i in order:
        current.append(i)
        load += weights[i]
        if load >= max(left * share / max(1, n_workers), floor):
            chunks.append(sorted(current))
            left -= load
            current, load = [], 0.0
    if current:
        chunks.append(sorted(current))
    return chunks


class _WorkerStopped(BaseException):
    """SIGTERM in a pool worker: unwinds the part being solved (its temporary files go), then the worker exits."""


_BUSY = [False]  # a pool worker is solving a chunk now


def _stop_worker(signum: int, frame: Any) -> None:
    if not _BUSY[0]:  # idle: nothing to clean up
        os._exit(128 + signum)
    raise _WorkerStopped(signum)


def _guarded(run: Callable[[], list[Any]]) -> list[Any]:
    _BUSY[0] = True
    try:
        return run()
    except _WorkerStopped:
        os._exit(143)
    finally:
        _BUSY[0] = False


def _run_chunk(fn: Callable[..., Any], items: list[tuple[Any, ...]]) -> list[Any]:
    """Worker side: apply ``fn`` to each argument tuple of a chunk."""
    return _guarded(lambda: [fn(*args) for args in items])


#: Items of ``PartPool.map`` calls whose workers were forked after them: the workers read the
#: items from their copy of this memory instead of having 100+ MB of parts pickled to them.
_FORKED: dict[int, list[tuple[Any, ...]]] = {}
_FORK_KEYS = itertools.count()


def _run_forked(fn: Callable[..., Any], key: int, idx: list[int]) -> list[Any]:
    """Worker side: apply ``fn`` to the inherited items ``idx`` of map call ``key``."""
    items = _FORKED[key]
    return _guarded(lambda: [fn(*items[i]) for i in idx])


def _in_order(futures: list[Any], chunks: list[list[int]], n: int, result_of: Callable[[Any], list[Any]]) -> Iterator[Any]:
    """Yield results in input order as the chunk futures complete."""
    where = [0] * n  # chunk of each item
    for c, idx in enumerate(chunks):
        for i in idx:
            where[i] = c
    done: dict[int, dict[int, Any]] = {}
    try:
        for i in range(n):
            c = where[i]
            if c not in done:
                done[c] = dict(zip(chunks[c], result_of(futures[c])))
            yield done[c].pop(i)
            if not done[c]:
                del done[c]
    finally:
        for f in futures:
            cancel = getattr(f, "cancel", None)
            if cancel is not None:
                try:
                    cancel()
                except Exception:  # pragma: no cover - best effort on shutdown
                    pass


def _init_worker(initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    """Worker start: the collector back on (the parent may fork while it pauses it), then the caller's initializer."""
    gc.enable()
    # Ctrl-C reaches the whole process group: the parent alone handles it and ends the workers;
    # SIGTERM from the parent unwinds the running part (temporary files removed) and exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    if initializer is not None:
        initializer(*initargs)


class PartPool(ProcessPoolExecutor):
    """A process pool whose ``map`` balances chunks by work (see the module docstring)."""

    def __init__(self, max_workers: int | None = None, **kwargs: Any) -> None:
        init = (kwargs.pop("initializer", None), tuple(kwargs.pop("initargs", ())))
        super().__init__(max_workers=max_workers or available_cpus(), initializer=_init_worker, initargs=init, **kwargs)
        self.n_workers: int = self._max_workers  # type: ignore[attr-defined]  # set by ProcessPoolExecutor
        self._frozen = False

    def _freeze(self) -> None:
        # Forked workers share the parent's heap copy-on-write; a garbage collection there would
        # walk (and so copy) millions of scenario objects. Frozen objects are left alone, by the
        # parent's collections too, until shutdown.
        if not self._frozen:
            gc.freeze()
            self._frozen = True

    def _forks_on_submit(self) -> bool:
        """True when the next submit forks the workers, which then inherit this process's memory."""
        ctx = getattr(self, "_mp_context", None)
        started = getattr(self, "_processes", None)
        return started is not None and not started and ctx is not None and ctx.get_start_method() == "fork"

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down and give the parent's objects back to the garbage collector."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def map(  # type: ignore[override]
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        """Like :meth:`Executor.map`, in chunks of shrinking work; ``chunksize`` is ignored."""
        items = list(zip(*iterables))
        chunks = guided_chunks([_weight(a) for a in items], self.n_workers)
        self._freeze()
        if chunks and self._forks_on_submit():
            key = next(_FORK_KEYS)
            _FORKED[key] = items
            try:  # the first submit forks every worker: they have the items from then on
                futures = [self.submit(_run_forked, fn, key, idx) for idx in chunks]
            finally:
                del _FORKED[key]
        else:
            futures = [self.submit(_run_chunk, fn, [items[i] for i in idx]) for idx in chunks]
        return _in_order(futures, chunks, len(items), lambda f: f.result(timeout))


# ------------------------------------------------------------------------- Dask adapter


class ClientExecutor(Executor):
    """An :class:`~concurrent.futures.Executor` over a ``distributed.Client``.

    ``map`` scatters the arguments in chunks of about equal work to the workers, runs each
    chunk as one task, and yields the results in input order. ``submit`` runs one call.
    """

    def __init__(self, client: Any, chunks_per_worker: int = CHUNKS_PER_WORKER) -> None:
        self.client = client
        self.chunks_per_worker = chunks_per_worker

    def _n_workers(self) -> int:
        try:
            info = self.client.scheduler_info()
            threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
            return max(1, threads)
        except Exception:  # pragma: no cover - a client without scheduler_info
            return 1

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:  # type: ignore[override]
        """Run ``fn(*args, **kwargs)`` on the cluster; a concurrent.futures Future of the result."""
        dfut = self.client.submit(fn, *args, pure=False, **kwargs)
        fut: Future[Any] = Future()

        def _done(d: Any) -> None:
            try:
                fut.set_result(d.result())
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                fut.set_exception(e)

        dfut.add_done_callback(_done)
        return fut

    def map(  # type: ignore[override]
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        """Like :meth:`Executor.map`, in scattered chunks of about equal work."""
        items = list(zip(*iterables))
        chunks = chunk_indices([_weight(a) for a in items], self._n_workers() * self.chunks_per_worker)
        payload = self.client.scatter([[items[i] for i in idx] for idx in chunks], hash=False)
        futures = [self.client.submit(_run_chunk, fn, data, pure=False) for data in payload]
        return _in_order(futures, chunks, len(items), lambda f: f.result(timeout=timeout))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """The client belongs to the caller: nothing to shut down here."""


def as_executor(obj: Any) -> Executor | None:
    """An Executor for ``obj``: ``None`` and Executors as they are, a Dask Client adapted.

    Parameters
    ----------
    obj : Executor, Dask Client or None
        What to run parts on.

    Returns
    -------
    Executor or None
        ``None``: solve in this process.
    """
    if obj is None or isinstance(obj, Executor):
        return obj
    if all(hasattr(obj, a) for a in ("submit", "scatter", "gather")):
        return ClientExecutor(obj)
    raise TypeError(f"cannot use a {type(obj).__name__} as an executor (need concurrent.futures.Executor or distributed.Client)")


def default_executor(n_parts: int, n_cols: int, *, max_workers: int | None = None) -> Executor | None:
    """A process pool when parallel solving pays off, else ``None`` (solve in this process).

    It pays off with more than one part, more than :data:`PARALLEL_MIN_COLUMNS` columns in all,
    and more than one CPU. The caller shuts the pool down (use it in a ``with`` block).

    Parameters
    ----------
    n_parts : int
        Independent parts.
    n_cols : int
        Columns of the model.
    max_workers : int, optional
        Processes at most.

    Returns
    -------
    Executor or None
        A :class:`PartPool`, or ``None``.
    """
    workers = min(max_workers or available_cpus(), max(1, n_parts))
    if n_parts > 1 and n_cols > PARALLEL_MIN_COLUMNS and workers > 1:
        return PartPool(workers)
    return None


def make_executor(jobs: int | None, n_parts: int, n_cols: int) -> Executor | None:
    """The executor for a ``--jobs`` setting: 0/None automatic, 1 serial, N a pool of N processes.

    Parameters
    ----------
    jobs : int or None
        0/None automatic, 1 serial, N processes.
    n_parts : int
        Independent parts.
    n_cols : int
        Columns of the model.

    Returns
    -------
    Executor or None
        The caller shuts it down.
    """
    if jobs is None or jobs <= 0:
        return default_executor(n_parts, n_cols)
    if jobs == 1 or n_parts <= 1:
        return None
    return PartPool(min(jobs, n_parts))
