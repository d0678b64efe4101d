"""premium_alloc: plan who pays the social-security premiums of Indonesia's vulnerable workers.

Solve a scenario (format v1) as an integer program under village quotas and budget ceilings,
and report coverage and the uncovered shortfall per village, source and phase, to the rupiah.

The public names below are imported on first use, so that ``import premium_alloc`` (and the
command line) start fast; ``from premium_alloc import solve`` works as usual.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

#: public name -> module that defines it
_PUBLIC = {
    "PremiumAllocError": "errors",
    "Problem": "errors",
    "ScenarioError": "errors",
    "SolverError": "errors",
    "SolverFallbackWarning": "errors",
    "Status": "errors",
    "VerificationError": "errors",
    "RateTable": "rates",
    "default_table": "rates",
    "monthly_premium": "rates",
    "phase_premium": "rates",
    "Scenario": "scenario",
    "validate_dict": "scenario",
    "load_scenario": "io.load",
    "mask_nik": "io.workers",
    "read_workers": "io.workers",
    "Model": "model",
    "Resolver": "engine",
    "SolveOptions": "engine",
    "build_model": "model",
    "solve": "engine",
    "solve_model": "engine",
    "Allocation": "result",
    "PhaseSummary": "result",
    "Result": "result",
    "SolveInfo": "result",
    "Solver": "solvers.protocol",
    "Termination": "solvers.protocol",
    "SourceSummary": "result",
    "VillageSummary": "result",
    "worker_plan": "plan",
    "write_worker_plan": "plan",
}

__all__ = [
    "Allocation",
    "Model",
    "PhaseSummary",
    "PremiumAllocError",
    "Problem",
    "RateTable",
    "Resolver",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolveInfo",
    "SolveOptions",
    "Solver",
    "SolverError",
    "SolverFallbackWarning",
    "SourceSummary",
    "Status",
    "Termination",
    "VerificationError",
    "VillageSummary",
    "__version__",
    "build_model",
    "default_table",
    "load_scenario",
    "mask_nik",
    "monthly_premium",
    "phase_premium",
    "read_workers",
    "solve",
    "solve_model",
    "validate_dict",
    "worker_plan",
    "write_worker_plan",
]

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .engine import Resolver, SolveOptions, solve, solve_model
    from .errors import (
        PremiumAllocError,
        Problem,
        ScenarioError,
        SolverError,
        SolverFallbackWarning,
        Status,
        VerificationError,
    )
    from .io.load import load_scenario
    from .io.workers import mask_nik, read_workers
    from .model import Model, build_model
    from .plan import worker_plan, write_worker_plan
    from .rates import RateTable, default_table, monthly_premium, phase_premium
    from .result import Allocation, PhaseSummary, Result, SolveInfo, SourceSummary, VillageSummary
    from .scenario import Scenario, validate_dict
    from .solvers.protocol import Solver, Termination


def __getattr__(name: str) -> Any:
    home = _PUBLIC.get(name)
    if home is None:
        raise AttributeError(f"module 'premium_alloc' has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
