"""The open scenario of a server: its built model kept in memory, re-solved per what-if.

A what-if changes source budgets (and, where asked, phase lengths or the JHT program). The
structure of the integer program (columns, premiums, parts) does not depend on any budget,
so a budget change copies the kept model with new budget rows instead of rebuilding it; a
change of months or programs builds (and keeps) the model of that structure once.

Every re-solve is a cold LP on the kept model: a warm start from the previous basis may
land on another optimal vertex among ties, and the page promises the very figures that
``premium-alloc solve`` gives for the changed scenario.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..engine import build_model, solve_model
from ..errors import Problem, ScenarioError
from ..model import Model
from ..result import Result
from ..scenario import Scenario, to_dict
from ..variants import months as months_change
from ..variants import program as program_change

BILLION = 1_000_000_000
#: Optional programs the page may switch on and off.
SWITCHABLE = ("JHT",)


@dataclass(frozen=True)
class WhatIf:
    """The page's controls: total budget per source, months per phase, optional programs."""

    budgets: tuple[tuple[str, int], ...] = ()
    months: tuple[tuple[str, int], ...] = ()
    programs: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, data: Any) -> WhatIf:
        """Read the controls posted by the page; raise :class:`ScenarioError` naming each bad field."""
        problems: list[Problem] = []
        if not isinstance(data, Mapping):
            raise ScenarioError([Problem("", "the controls must be a JSON object")])
        budgets: list[tuple[str, int]] = []
        months: list[tuple[str, int]] = []
        for key, out, low in (("budgets", budgets, 0), ("months", months, 1)):
            raw = data.get(key) or {}
            if not isinstance(raw, Mapping):
                problems.append(Problem(key, f"must be an object, got {type(raw).__name__}"))
                continue
            for k, v in raw.items():
                if isinstance(v, bool) or not isinstance(v, int) or v < low:
                    problems.append(Problem(f"{key}.{k}", f"{v!r} is not a whole number >= {low}"))
                else:
                    out.append((str(k), int(v)))
        progs = data.get("programs")
        if progs is not None and (not isinstance(progs, list) or not all(isinstance(p, str) for p in progs)):
            problems.append(Problem("programs", f"{progs!r} is not a list of program names"))
            progs = None
        if problems:
            raise ScenarioError(problems)
        return cls(tuple(sorted(budgets)), tuple(sorted(months)), None if progs is None else tuple(progs))

    def key(self) -> str:
        """A stable text key of these controls."""
        return json.dumps([self.budgets, self.months, self.programs])


def source_total(source: Mapping[str, Any]) -> int:
    """Total budget of a source given as a scenario dict entry (village budgets summed)."""
    if source.get("scope") == "village":
        return int(sum(int(b) for b in (source.get("budgets") or {}).values()))
    return int(source.get("budget") or 0)


def scale_village_budgets(budgets: Mapping[str, int], new_total: int) -> dict[str, int]:
    """Each village budget b becomes ``b * new_total // old_total`` (integer arithmetic).

    With no money to scale (old total 0), ``new_total`` is spread evenly, the first villages
    taking the remainder one rupiah each.
    """
    old_total = sum(int(b) for b in budgets.values())
    if old_total > 0:
        return {v: int(b) * int(new_total) // old_total for v, b in budgets.items()}
    n = len(budgets)
    if n == 0:
        return {}
    base, rest = divmod(int(new_total), n)
    return {v: base + (1 if i < rest else 0) for i, v in enumerate(budgets)}


#: The longest phase the months control offers (a year).
MAX_MONTHS = 12


def month_limits(phases: list[Mapping[str, Any]]) -> dict[str, tuple[int, str | None]]:
    """Per phase: the most months it may last without running into the next phase, and that phase.

    A phase is at most :data:`MAX_MONTHS` long, and ends before the next phase (in time order) starts.
    """
    ordered = sorted(phases, key=lambda p: str(p.get("start", "")))
    out: dict[str, tuple[int, str | None]] = {}
    for i, p in enumerate(ordered):
        limit, nxt = MAX_MONTHS, None
        if i + 1 < len(ordered):
            y0, m0 = (int(x) for x in str(p["start"]).split("-"))
            y1, m1 = (int(x) for x in str(ordered[i + 1]["start"]).split("-"))
            gap = (y1 - y0) * 12 + (m1 - m0)
            if gap < limit:
                limit, nxt = max(gap, 1), str(ordered[i + 1]["id"])
        out[str(p["id"])] = (limit, nxt)
    return out


def apply_whatif(base: Mapping[str, Any], change: WhatIf) -> dict[str, Any]:
    """The base scenario dict with the controls applied (a new dict; the base is untouched)."""
    data = dict(base)  # only what a control changes is copied: sources, phases, programs
    for key in ("sources", "phases", "programs"):
        if key in data:
            data[key] = copy.deepcopy(data[key])
    by_id = {s.get("id"): s for s in data.get("sources", [])}
    problems = [Problem(f"budgets.{sid}", f"{sid!r} is not a source of the scenario") for sid, _ in change.budgets if sid not in by_id]
    phase_ids = {p.get("id") for p in data.get("phases", [])}
    problems += [Problem(f"months.{pid}", f"{pid!r} is not a phase of the scenario") for pid, _ in change.months if pid not in phase_ids]
    limits = month_limits(data.get("phases", []))
    for pid, n in change.months:
        if pid in limits and n > limits[pid][0]:
            limit, nxt = limits[pid]
            why = f"phase {nxt} starts {limit} month(s) after it" if nxt else f"a phase here lasts at most {MAX_MONTHS} months"
            problems.append(Problem(f"months.{pid}", f"{n} months is too long: {why}"))
    if problems:
        raise ScenarioError(problems)
    for pid, n in change.months:
        months_change(n, pid).apply(data)
    if change.programs is not None:
        current = list(data.get("programs") or ["JKK", "JKM"])
        for name in SWITCHABLE:
            wanted = name in change.programs
            if wanted != (name in current):
                program_change(name, on=wanted).apply(data)
    for sid, total in change.budgets:
        s = by_id[sid]
        if s.get("scope") == "village":
            s["budgets"] = scale_village_budgets(s.get("budgets") or {}, total)
        else:
            s["budget"] = int(total)
    return data


def rebudget(model: Model, scenario: Scenario) -> Model:
    """The kept model with the budget rows of ``scenario`` (same structure, new amounts).

    Budget rows come in the order :func:`build_model` makes them: per source as listed, a
    village source's rows in the order of its ``budgets`` mapping.
    """
    budgets: list[int] = []
    for s in scenario.sources:
        if s.scope == "village":
            budgets += [int(b) for b in (s.budgets or {}).values()]
        else:
            budgets.append(int(s.budget or 0))
    new = np.array(budgets, dtype=np.int64)
    if new.shape != model.budget.shape:
        raise ValueError("the scenario's budget rows do not match the kept model")
    parts = [replace(p, budget=new[np.unique(model.col_brow[p.cols])]) for p in model.parts]
    return replace(model, scenario=scenario, budget=new, parts=parts)


def _structure_key(sc: Scenario) -> str:
    """What a what-if may change besides budgets, hence what the model's structure depends on."""
    return json.dumps([[[p.id, p.months] for p in sc.phases], list(sc.programs)])


@dataclass
class Solved:
    """A solved what-if: its scenario and result."""

    scenario: Scenario
    result: Result
    marginal: list[dict[str, Any]] | None = None


@dataclass
class Session:
    """The scenario a server opened, its worker list (if any) and the models built from it."""

    scenario: Scenario
    workers: pd.DataFrame | None = None
    label: str = ""
    keep: int = 8
    _data: dict[str, Any] = field(init=False, repr=False)
    _models: OrderedDict[str, Model] = field(init=False, repr=False, default_factory=OrderedDict)
    _solved: OrderedDict[str, Solved] = field(init=False, repr=False, default_factory=OrderedDict)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._data = to_dict(self.scenario)
        model = self._model_for(self.scenario)  # the opened scenario is built once, up front
        self.workers_total = int(model.groups["count"].sum())

    @property
    def data(self) -> dict[str, Any]:
        """The opened scenario as a v1 dict (a copy)."""
        return copy.deepcopy(self._data)

    def _model_for(self, sc: Scenario) -> Model:
        key = _structure_key(sc)
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
        if model is None:
            model = build_model(sc, workers=self.workers)
            with self._lock:
                self._models[key] = model
                while len(self._models) > self.keep:
                    self._models.popitem(last=False)
            return model
        return rebudget(model, sc)

    def scenario_for(self, change: WhatIf) -> Scenario:
        """The opened scenario with the controls applied, validated."""
        return Scenario.from_dict(apply_whatif(self._data, change))

    def solve(self, change: WhatIf) -> Solved:
        """Solve the what-if on the kept model (cached per controls)."""
        key = change.key()
        with self._lock:
            hit = self._solved.get(key)
            if hit is not None:
                self._solved.move_to_end(key)
                return hit
        sc = Scenario.from_dict(apply_whatif(self._data, change))
        result = solve_model(self._model_for(sc))
        solved = Solved(sc, result)
        with self._lock:
            self._solved[key] = solved
            while len(self._solved) > self.keep:
                self._solved.popitem(last=False)
        return solved

    def marginal(self, change: WhatIf, per: int = BILLION) -> list[dict[str, Any]]:
        """What ``per`` more rupiah of each source buys, re-solved: workers covered per phase.

        The extra money goes through the page's own control (a village source's villages
        scaled), so the answer is what typing the higher total would show.
        """
        base = self.solve(change)
        if base.marginal is not None:
            return base.marginal
        totals = dict(change.budgets)
        rows = []
        for s in base.scenario.sources:
            sid = s.id
            now = totals.get(sid, source_total(next(x for x in self._data["sources"] if x["id"] == sid)))
            more = dict(totals)
            more[sid] = now + per
            r1 = self.solve(replace(change, budgets=tuple(sorted(more.items())))).result
            gain = {p1.phase: p1.covered - p0.covered for p0, p1 in zip(base.result.phases, r1.phases)}
            spent = next(x.spent_idr for x in r1.sources if x.source == sid) - next(x.spent_idr for x in base.result.sources if x.source == sid)
            rows.append(
                {
                    "source": sid,
                    "per_idr": per,
                    "covered_gain": gain,
                    "shortfall_gain_idr": base.result.shortfall_idr - r1.shortfall_idr,
                    "spent_more_idr": int(spent),
                }
            )
        base.marginal = rows
        return rows
