"""LP and MILP back-ends behind one interface (:mod:`.protocol`): HiGHS (highspy) and PuLP.

``from_name("highs")`` gives :class:`~.highs.HighsSolver`; ``"cbc"`` or any PuLP solver name
gives :class:`~.pulp.PulpSolver`; :func:`register` adds or replaces a name (for a back-end of
your own, or a stand-in in tests). The back-end modules are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .protocol import Solver

__all__ = ["from_name", "register", "registered"]

_REGISTRY: dict[str, Callable[[], Any]] = {}


def _highs() -> Solver:
    from .highs import HighsSolver

    return HighsSolver()


def _pulp(name: str) -> Solver:
    from .pulp import PulpSolver

    return PulpSolver(name)


def register(name: str, factory: Callable[[], Any] | None) -> Callable[[], Any] | None:
    """Make ``from_name(name)`` call ``factory()`` (``None`` removes the name); returns the previous factory.

    Parameters
    ----------
    name : str
        The back-end's name, matched case-insensitively.
    factory : callable or None
        Makes a fresh :class:`~.protocol.Solver`.

    Returns
    -------
    callable or None
        The factory registered before, to restore it.
    """
    key = name.lower()
    old = _REGISTRY.get(key)
    if factory is None:
        _REGISTRY.pop(key, None)
    else:
        _REGISTRY[key] = factory
    return old


def registered() -> list[str]:
    """The names registered beside ``highs`` and the PuLP solvers."""
    return sorted(_REGISTRY)


def from_name(name: str | Any) -> Solver:
    """The back-end called ``name``: ``"highs"``, ``"cbc"``, any PuLP solver name, or a registered one.

    Parameters
    ----------
    name : str, Solver or PuLP solver
        A name; a :class:`~.protocol.Solver` is returned as it is and a PuLP solver instance
        is wrapped in :class:`~.pulp.PulpSolver`.

    Returns
    -------
    Solver
        Unchecked: ask ``available`` (or let ``solve`` raise :class:`~premium_alloc.errors.SolverError`).
    """
    if not isinstance(name, str):
        if hasattr(name, "features") and callable(getattr(name, "solve", None)):
            return name
        return _pulp(name)
    key = name.lower()
    if key in _REGISTRY:
        return _REGISTRY[key]()
    if key == "highs":
        return _highs()
    return _pulp(name)
