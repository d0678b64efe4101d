"""Results: typed dataclasses, the v1 result JSON, and pandas DataFrames."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import jsonfast
from .gcpause import paused_gc
from .model import Model

if TYPE_CHECKING:
    from .solve import SolveInfo

RESULT_FORMAT = "premium-alloc-result/v1"


def _as_is(obj: Any) -> Any:
    return obj


def _plain_row(obj: Any) -> dict[str, Any]:
    """``asdict`` of a flat dataclass of scalars, without its deep copy (hundreds of thousands of rows)."""
    return dict(obj.__dict__)


@dataclass(frozen=True)
class Allocation:
    """Workers of one group whose premium in one phase one source pays."""

    village: str
    priority: str
    sector: str
    income: int
    source: str
    phase: str
    workers: int
    cost_idr: int


@dataclass(frozen=True)
class PhaseSummary:
    """Coverage and shortfall of one phase."""

    phase: str
    eligible: int
    covered: int
    uncovered: int
    cost_idr: int
    shortfall_idr: int


@dataclass(frozen=True)
class SourceSummary:
    """Budget and spending of one source (``workers`` counts worker-phases paid)."""

    source: str
    budget_idr: int
    spent_idr: int
    workers: int


@dataclass(frozen=True)
class VillageSummary:
    """Coverage of one village in one phase, against its floor."""

    village: str
    phase: str
    eligible: int
    covered: int
    quota_target: int
    quota_met: bool
    uncovered: int
    shortfall_idr: int


@dataclass
class Result:
    """An optimal (or best found) plan, in the contract's terms. ``to_json`` gives result v1."""

    scenario: str
    status: str
    objective: float
    bound: float
    gap: float
    allocations: list[Allocation]
    phases: list[PhaseSummary]
    sources: list[SourceSummary]
    villages: list[VillageSummary]
    warnings: list[str] = field(default_factory=list)
    info: SolveInfo | None = field(default=None, repr=False, compare=False)
    model: Model | None = field(default=None, repr=False, compare=False)
    x: np.ndarray | None = field(default=None, repr=False, compare=False)
    format: str = RESULT_FORMAT

    # -- plain data -------------------------------------------------------------------
    def to_dict(self, *, _records: bool = False) -> dict[str, Any]:
        """The result as the contract's JSON object (plus ``warnings``)."""
        _plain = _as_is if _records else _plain_row  # the JSON writer reads dataclass rows directly
        return {
            "format": self.format,
            "scenario": self.scenario,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "allocations": [_plain(a) for a in self.allocations],
            "phases": [_plain(p) for p in self.phases],
            "sources": [_plain(s) for s in self.sources],
            "villages": [_plain(v) for v in self.villages],
            "warnings": list(self.warnings),
        }

    @paused_gc()
    def to_json(self, indent: int | None = None) -> str:
        """Deterministic JSON text: the same plan always gives the same bytes."""
        return jsonfast.dumps(self.to_dict(_records=True), indent=indent)  # == json.dumps(..., ensure_ascii=False), in linear time

    @paused_gc()
    def write_json(self, path: str | Path, indent: int | None = 1) -> Path:
        """Write :meth:`to_json` to ``path`` (UTF-8)."""
        path = Path(path)
        with path.open("w", encoding="utf-8") as fh:
            fh.writelines(jsonfast.iter_dumps(self.to_dict(_records=True), indent=indent))
            fh.write("\n")
        return path

    # -- frames --------------------------------------------------------------------------
    def allocations_frame(self) -> pd.DataFrame:
        """One row per allocation."""
        cols = ["village", "priority", "sector", "income", "source", "phase", "workers", "cost_idr"]
        return pd.DataFrame([_plain_row(a) for a in self.allocations], columns=cols)

    def phases_frame(self) -> pd.DataFrame:
        """One row per phase."""
        cols = ["phase", "eligible", "covered", "uncovered", "cost_idr", "shortfall_idr"]
        return pd.DataFrame([asdict(p) for p in self.phases], columns=cols)

    def sources_frame(self) -> pd.DataFrame:
        """One row per source, with the share of its budget spent."""
        cols = ["source", "budget_idr", "spent_idr", "workers"]
        df = pd.DataFrame([asdict(s) for s in self.sources], columns=cols)
        df["spent_share"] = np.where(df["budget_idr"] > 0, df["spent_idr"] / df["budget_idr"].where(df["budget_idr"] > 0, 1), 0.0)
        return df

    def villages_frame(self) -> pd.DataFrame:
        """One row per (village, phase)."""
        cols = ["village", "phase", "eligible", "covered", "quota_target", "quota_met", "uncovered", "shortfall_idr"]
        return pd.DataFrame([_plain_row(v) for v in self.villages], columns=cols)

    def coverage_frame(self) -> pd.DataFrame:
        """Workers and rupiah per (source, phase): the planner's headline table."""
        df = self.allocations_frame()
        out = df.groupby(["source", "phase"], sort=False)[["workers", "cost_idr"]].sum().reset_index()
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table as a DataFrame, keyed by name."""
        return {
            "allocations": self.allocations_frame(),
            "phases": self.phases_frame(),
            "sources": self.sources_frame(),
            "villages": self.villages_frame(),
            "coverage": self.coverage_frame(),
        }

    @property
    def shortfall_idr(self) -> int:
        """Cost of covering every uncovered worker, summed over phases."""
        return sum(p.shortfall_idr for p in self.phases)

    @property
    def uncovered_worker_phases(self) -> int:
        """Uncovered workers summed over phases."""
        return sum(p.uncovered for p in self.phases)


def plan_value(model: Model, x: np.ndarray) -> float:
    """W of an integer plan: months x (weighted cover + quota bonus x quota credit)."""
    P = len(model.phase_ids)
    V = model.target.shape[0]
    vidx = model.groups["vidx"].to_numpy(np.int64)
    vcover = np.zeros(V * P, dtype=np.int64)
    np.add.at(vcover, vidx[model.col_g] * P + model.col_p, x)
    credit = np.minimum(vcover.reshape(V, P), model.target)
    return float(np.dot(model.col_w, x) + model.quota_bonus * float((credit * model.months[None, :]).sum()))


def build_result(model: Model, x: np.ndarray, *, status: str, bound: float, warnings: list[str]) -> Result:
    """Tables of the contract from an integer plan (every figure summed in int64)."""
    sc = model.scenario
    groups = model.groups
    G, P, V = len(groups), len(model.phase_ids), len(sc.villages)
    n = groups["count"].to_numpy(np.int64)
    vidx = groups["vidx"].to_numpy(np.int64)
    x = np.asarray(x, dtype=np.int64)
    objective = plan_value(model, x)
    bound = max(float(bound), objective)
    gap = (bound - objective) / bound if bound > 0 else 0.0

    rank = {s.id: i for i, s in enumerate(sc.ordered_sources)}
    src_rank = np.array([rank[s] for s in model.source_ids], dtype=np.int64)
    used = np.flatnonzero(x > 0)
    used = used[np.lexsort((src_rank[model.col_s[used]], model.col_p[used], model.col_g[used]))]
    g_u = model.col_g[used]
    gv = groups["village"].to_numpy(object)
    gpri = groups["priority"].to_numpy(object)
    gsec = groups["sector"].to_numpy(object)
    ginc = groups["income"].to_numpy(np.int64)
    cost = x[used] * model.col_cost[used]
    allocations = [
        Allocation(str(a), str(b), str(c), int(d), model.source_ids[e], model.phase_ids[f], int(k), int(m))
        for a, b, c, d, e, f, k, m in zip(
            gv[g_u].tolist(), gpri[g_u].tolist(), gsec[g_u].tolist(), ginc[g_u].tolist(),
            model.col_s[used].tolist(), model.col_p[used].tolist(), x[used].tolist(), cost.tolist(),
        )
    ]

    cover = np.zeros(G * P, dtype=np.int64)
    np.add.at(cover, model.col_g * P + model.col_p, x)
    cover = cover.reshape(G, P)
    unc = n[:, None] - cover
    short = unc * model.shortfall_premium
    phase_cost = np.zeros(P, dtype=np.int64)
    np.add.at(phase_cost, model.col_p, x * model.col_cost)
    total = int(n.sum())
    phases = [
        PhaseSummary(
            phase=pid,
            eligible=total,
            covered=int(cover[:, p].sum()),
            uncovered=int(unc[:, p].sum()),
            cost_idr=int(phase_cost[p]),
            shortfall_idr=int(short[:, p].sum()),
        )
        for p, pid in enumerate(model.phase_ids)
    ]

    S = len(model.source_ids)
    spent = np.zeros(S, dtype=np.int64)
    np.add.at(spent, model.col_s, x * model.col_cost)
    paid = np.zeros(S, dtype=np.int64)
    np.add.at(paid, model.col_s, x)
    budget = np.zeros(S, dtype=np.int64)
    np.add.at(budget, model.budget_source, model.budget)
    sources = [
        SourceSummary(source=sid, budget_idr=int(budget[i]), spent_idr=int(spent[i]), workers=int(paid[i]))
        for i, sid in enumerate(model.source_ids)
    ]

    def per_village(values: np.ndarray) -> np.ndarray:
        out = np.zeros((V, P), dtype=np.int64)
        np.add.at(out, vidx, values)
        return out

    v_elig = per_village(np.repeat(n[:, None], P, axis=1))
    v_cov = per_village(cover)
    v_short = per_village(short)
    v_elig, v_cov, v_short, v_target = v_elig.tolist(), v_cov.tolist(), v_short.tolist(), model.target.tolist()
    villages = [
        VillageSummary(
            village=sc.villages[v].id,
            phase=pid,
            eligible=int(v_elig[v][p]),
            covered=int(v_cov[v][p]),
            quota_target=int(v_target[v][p]),
            quota_met=bool(v_cov[v][p] >= v_target[v][p]),
            uncovered=int(v_elig[v][p] - v_cov[v][p]),
            shortfall_idr=int(v_short[v][p]),
        )
        for v in range(V)
        for p, pid in enumerate(model.phase_ids)
    ]
    return Result(
        scenario=sc.name,
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        allocations=allocations,
        phases=phases,
        sources=sources,
        villages=villages,
        warnings=list(warnings),
        model=model,
        x=x,
    )
