"""Planner questions on a scenario or a solved result: budgets, marginal values, explanations.

- :mod:`.budget`: :func:`frontier` (coverage against one source's budget), :func:`min_budget`
  and :func:`need_table` (the least extra money of a source for a target);
- :mod:`.marginal`: :func:`marginal_values` (what one more Rp1 billion is worth);
- :mod:`.explain`: :func:`explain`, :func:`explain_village`, :func:`setting_effects`.
"""

from __future__ import annotations

from ..engine import lp_value
from .budget import BudgetNeed, Target, frontier, min_budget, need_sentence, need_table
from .explain import Explanation, explain, explain_village, setting_effects
from .marginal import marginal_values, summarize_by_priority

__all__ = [
    "BudgetNeed",
    "Explanation",
    "Target",
    "explain",
    "explain_village",
    "frontier",
    "lp_value",
    "marginal_values",
    "min_budget",
    "need_sentence",
    "need_table",
    "setting_effects",
    "summarize_by_priority",
]
