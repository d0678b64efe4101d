"""premium_alloc: plan who pays the social-security premiums of Indonesia's vulnerable workers.

Solve a scenario (format v1) as an integer program under village quotas and budget ceilings,
and report coverage and the uncovered shortfall per village, source and phase, to the rupiah.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import PremiumAllocError, Problem, ScenarioError, SolverError, VerificationError
from .plan import worker_plan, write_worker_plan
from .rates import RateTable, default_table, monthly_premium, phase_premium
from .result import Allocation, PhaseSummary, Result, SourceSummary, VillageSummary
from .scenario import Scenario, load_scenario, validate_dict
from .solve import SolveOptions, solve
from .workers import mask_nik, read_workers

__all__ = [
    "Allocation",
    "PhaseSummary",
    "PremiumAllocError",
    "Problem",
    "RateTable",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolveOptions",
    "SolverError",
    "SourceSummary",
    "VerificationError",
    "VillageSummary",
    "__version__",
    "default_table",
    "load_scenario",
    "mask_nik",
    "monthly_premium",
    "phase_premium",
    "read_workers",
    "solve",
    "validate_dict",
    "worker_plan",
    "write_worker_plan",
]
