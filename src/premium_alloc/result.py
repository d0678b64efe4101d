"""Results: typed dataclasses, the v1 result JSON, and pandas DataFrames."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import jsonfast, places, tally
from ._version import RESULT_FORMAT
from .errors import Status
from .model import Model
from .safeio import open_atomic


@dataclass
class SolveInfo:
    """How the plan was found (kept out of the JSON so that it stays byte-identical)."""

    backend: str
    parts: int
    columns: int
    seconds: float
    build_seconds: float
    lp_bound: float
    methods: dict[str, int] = field(default_factory=dict)
    budget_dual: np.ndarray | None = field(default=None, repr=False)
    requested_gap: float | None = None  # the gap the solve was asked for
    time_limit: float | None = None  # seconds it was given


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4f}"


def _cell(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)


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
    """Coverage and shortfall of one phase: ``eligible``, ``covered`` and ``uncovered`` count people
    in that phase; ``worker_months`` is ``covered`` times the phase's ``months``."""

    phase: str
    eligible: int
    covered: int
    uncovered: int
    cost_idr: int
    shortfall_idr: int
    months: int = 0
    worker_months: int = 0


@dataclass(frozen=True)
class SourceSummary:
    """Budget and spending of one source.

    ``workers`` counts worker-phases paid, the v1 meaning (a worker paid in two phases counts
    twice): it is not a number of people. ``workers_by_phase`` counts the people the source
    pays in each phase; ``worker_months`` is people times months, summed over phases.
    """

    source: str
    budget_idr: int
    spent_idr: int
    workers: int
    workers_by_phase: dict[str, int] = field(default_factory=dict)
    worker_months: int = 0


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


@dataclass(frozen=True)
class ExcludedSummary:
    """Listed workers of one village who are not eligible, for one reason (never planned)."""

    village: str
    reason: str
    workers: int


class RowTable:
    """Rows of one dataclass kept as columns (a :class:`jsonfast.Columns`) until objects are asked for.

    A national plan has 700k allocations: the JSON writer and the frames read the columns, so
    the objects are only made when someone reads ``Result.allocations`` itself.
    """

    __slots__ = ("cls", "columns")

    def __init__(self, cls: type, columns: jsonfast.Columns) -> None:
        self.cls = cls
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns)

    def objects(self) -> list[Any]:
        """One ``cls`` instance per row."""
        cls = self.cls
        return [cls(*r) for r in zip(*self.columns.lists())]


def _lazy_rows(name: str) -> property:
    """A ``Result`` field that may hold a :class:`RowTable`: read, it is always a list of rows."""
    slot = "_" + name

    def get(self: Result) -> list[Any]:
        rows = self.__dict__[slot]
        if type(rows) is RowTable:
            rows = self.__dict__[slot] = rows.objects()
        return rows

    def set_(self: Result, rows: list[Any] | RowTable) -> None:
        self.__dict__[slot] = rows

    return property(get, set_, doc=f"The {name} rows (made from their columns on first read).")


@dataclass(repr=False)
class Result:
    """An optimal (or best found) plan, in the contract's terms. ``to_json`` gives result v1.

    ``repr(result)`` is one line and, in a notebook, the result shows as a short HTML summary
    (status, value, bound, phases, sources); the tables are in :meth:`frames`.
    """

    scenario: str
    status: Status
    objective: float
    bound: float
    gap: float
    allocations: list[Allocation]
    phases: list[PhaseSummary]
    sources: list[SourceSummary]
    villages: list[VillageSummary]
    warnings: list[str] = field(default_factory=list)
    #: listed workers who are not eligible, by village and reason (a field added to v1: only
    #: in the JSON when there are any)
    excluded: list[ExcludedSummary] = field(default_factory=list)
    info: SolveInfo | None = field(default=None, repr=False, compare=False)
    model: Model | None = field(default=None, repr=False, compare=False)
    x: np.ndarray | None = field(default=None, repr=False, compare=False)
    format: str = RESULT_FORMAT
    status_reason: str | None = None  # why a "feasible" plan is not proven within the gap (see STATUS_REASONS)

    # -- display ------------------------------------------------------------------------
    def _counts(self) -> tuple[int, int]:
        """(allocation rows, village-phase rows), without making the row objects."""
        rows = [self.__dict__.get("_" + n) for n in ("allocations", "villages")]
        return len(rows[0] or ()), len(rows[1] or ())

    def __repr__(self) -> str:
        n_alloc, n_vp = self._counts()
        covered = sum(p.covered for p in self.phases)
        eligible = sum(p.eligible for p in self.phases)
        warn = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return (
            f"Result({self.scenario!r}, status={str(self.status)}, objective={_num(self.objective)}, bound={_num(self.bound)}, "
            f"gap={self.gap:.3%}, covered={covered:,}/{eligible:,} worker-phases, shortfall_idr={self.shortfall_idr:,}, "
            f"{n_alloc:,} allocations, {len(self.sources)} sources, {n_vp:,} village-phases{warn})"
        )

    def _repr_html_(self) -> str:
        """A short summary for notebooks: the headline figures, the phases and the sources."""
        from html import escape

        def table(head: list[str], rows: list[list[Any]]) -> str:
            th = "".join(f"<th>{escape(h)}</th>" for h in head)
            body = "".join("<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in r) + "</tr>" for r in rows)
            return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

        n_alloc, n_vp = self._counts()
        head = (
            f"<p><b>{escape(self.scenario)}</b>: <b>{escape(str(self.status))}</b>, W = {_num(self.objective)} "
            f"(bound {_num(self.bound)}, gap {self.gap:.3%}); shortfall Rp{self.shortfall_idr:,}; "
            f"{n_alloc:,} allocations, {n_vp:,} village-phases.</p>"
        )
        phases = table(
            ["phase", "eligible", "covered", "uncovered", "cost (Rp)", "shortfall (Rp)"],
            [[p.phase, p.eligible, p.covered, p.uncovered, p.cost_idr, p.shortfall_idr] for p in self.phases],
        )
        sources = table(
            ["source", "budget (Rp)", "spent (Rp)", "worker-phases"],
            [[s.source, s.budget_idr, s.spent_idr, s.workers] for s in self.sources[:20]],
        )
        more = f"<p>... and {len(self.sources) - 20} more sources</p>" if len(self.sources) > 20 else ""
        warns = f"<p>{len(self.warnings)} warning(s): see <code>result.warnings</code>.</p>" if self.warnings else ""
        return f"<div>{head}{phases}{sources}{more}{warns}</div>"

    # -- plain data -------------------------------------------------------------------
    def _rows(self, name: str, records: bool) -> Any:
        """Rows of a list field for :meth:`to_dict`: the columns while no object was made."""
        rows: Any = self.__dict__.get("_" + name, None) if name in _LAZY else getattr(self, name)
        if type(rows) is RowTable:
            return rows.columns if records else rows.columns.rows()
        return list(rows) if records else [_plain_row(r) for r in rows]  # the JSON writer reads dataclass rows directly

    def to_dict(self, *, _records: bool = False) -> dict[str, Any]:
        """The result as the contract's JSON object (plus ``warnings``)."""
        return {
            "format": self.format,
            "scenario": self.scenario,
            "status": str(self.status),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "allocations": self._rows("allocations", _records),
            "phases": self._rows("phases", _records),
            "sources": self._rows("sources", _records),
            "villages": self._rows("villages", _records),
            "warnings": list(self.warnings),
            **({"status_reason": self.status_reason} if self.status_reason else {}),
            **({"excluded": [_plain_row(e) for e in self.excluded]} if self.excluded else {}),
        }

    def to_json(self, indent: int | None = None) -> str:
        """Deterministic JSON text: the same plan always gives the same bytes."""
        return jsonfast.dumps(self.to_dict(_records=True), indent=indent)  # == json.dumps(..., ensure_ascii=False), in linear time

    def write_json(self, path: str | Path, indent: int | None = 1) -> Path:
        """Write :meth:`to_json` to ``path`` (UTF-8)."""
        path = Path(path)
        with open_atomic(path) as fh:  # never a partial file under the final name
            fh.writelines(jsonfast.iter_dumps(self.to_dict(_records=True), indent=indent))
            fh.write("\n")
        return path

    # -- frames --------------------------------------------------------------------------
    def _frame(self, name: str, cols: list[str]) -> pd.DataFrame:
        """One row per entry of a list field, from its columns while no object was made."""
        rows = self.__dict__.get("_" + name)
        if type(rows) is RowTable and len(rows):
            return pd.DataFrame(dict(zip(cols, rows.columns.lists())), columns=cols)
        return pd.DataFrame([_plain_row(r) for r in getattr(self, name)], columns=cols)

    def allocations_frame(self) -> pd.DataFrame:
        """One row per allocation."""
        cols = ["village", "priority", "sector", "income", "source", "phase", "workers", "cost_idr"]
        return self._frame("allocations", cols)

    def phases_frame(self) -> pd.DataFrame:
        """One row per phase."""
        cols = ["phase", "months", "eligible", "covered", "uncovered", "worker_months", "cost_idr", "shortfall_idr"]
        return pd.DataFrame([asdict(p) for p in self.phases], columns=cols)

    def sources_frame(self) -> pd.DataFrame:
        """One row per source: budget, spent, the share spent, the people it pays in each phase
        (``workers_<phase>``), worker-months, and ``worker_phases`` (the v1 ``workers`` field)."""
        phases = [p.phase for p in self.phases]
        rows = [
            {
                "source": s.source,
                "budget_idr": s.budget_idr,
                "spent_idr": s.spent_idr,
                **{f"workers_{p}": s.workers_by_phase.get(p, 0) for p in phases},
                "worker_months": s.worker_months,
                "worker_phases": s.workers,
            }
            for s in self.sources
        ]
        cols = ["source", "budget_idr", "spent_idr", *[f"workers_{p}" for p in phases], "worker_months", "worker_phases"]
        df = pd.DataFrame(rows, columns=cols)
        df["spent_share"] = np.where(df["budget_idr"] > 0, df["spent_idr"] / df["budget_idr"].where(df["budget_idr"] > 0, 1), 0.0)
        return df

    def villages_frame(self) -> pd.DataFrame:
        """One row per (village, phase)."""
        cols = ["village", "phase", "eligible", "covered", "quota_target", "quota_met", "uncovered", "shortfall_idr"]
        return self._frame("villages", cols)

    def coverage_frame(self) -> pd.DataFrame:
        """Workers (people paid in that phase) and rupiah per (source, phase): the planner's headline table."""
        rows = self.__dict__.get("_allocations")
        if type(rows) is RowTable and len(rows):
            return _coverage(rows.columns)
        df = self.allocations_frame()
        out = df.groupby(["source", "phase"], sort=False)[["workers", "cost_idr"]].sum().reset_index()
        return out

    def excluded_frame(self) -> pd.DataFrame:
        """One row per (village, reason) of listed workers who are not eligible."""
        return pd.DataFrame([_plain_row(e) for e in self.excluded], columns=["village", "reason", "workers"])

    def excluded_by_reason(self) -> dict[str, int]:
        """Workers not eligible, summed per reason (reasons in first-seen order)."""
        out: dict[str, int] = {}
        for e in self.excluded:
            out[e.reason] = out.get(e.reason, 0) + e.workers
        return out

    def frames(self, lang: str | None = None) -> dict[str, pd.DataFrame]:
        """Every table as a DataFrame, keyed by name; ``lang`` ("en" or "id") labels the columns
        as the workbooks do (``None``: the column keys)."""
        from .labels import relabel

        out = {
            "allocations": self.allocations_frame(),
            "phases": self.phases_frame(),
            "sources": self.sources_frame(),
            "villages": self.villages_frame(),
            "coverage": self.coverage_frame(),
            "excluded": self.excluded_frame(),
        }
        return out if lang is None else {k: relabel(v, lang) for k, v in out.items()}

    @property
    def shortfall_idr(self) -> int:
        """Cost of covering every uncovered worker, summed over phases."""
        return sum(p.shortfall_idr for p in self.phases)

    @property
    def uncovered_worker_phases(self) -> int:
        """Uncovered workers summed over phases (worker-phases, not people)."""
        return sum(p.uncovered for p in self.phases)

    @property
    def worker_months(self) -> int:
        """Covered worker-months: people covered in each phase times its months, summed."""
        return sum(p.worker_months for p in self.phases)

    @property
    def uncovered_worker_months(self) -> int:
        """Uncovered worker-months, summed over phases."""
        return sum(p.uncovered * p.months for p in self.phases)


_LAZY = ("allocations", "villages")
for _name in _LAZY:  # after @dataclass, so that the generated __init__ assigns through them
    setattr(Result, _name, _lazy_rows(_name))


def _coverage(table: jsonfast.Columns) -> pd.DataFrame:
    """:meth:`Result.coverage_frame` from allocation columns: the same groups, order and sums."""
    col = dict(zip(table.keys, table.columns))
    source, phase = col["source"], col["phase"]
    assert isinstance(source, jsonfast.Coded) and isinstance(phase, jsonfast.Coded) and source.codes is phase.codes
    uniq, first, inverse = np.unique(source.codes, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # groupby(sort=False): by first appearance
    sums = {}
    for name in ("workers", "cost_idr"):
        total = np.zeros(uniq.size, dtype=np.int64)
        np.add.at(total, inverse.ravel(), np.asarray(col[name], dtype=np.int64))
        sums[name] = total[order]
    keys = uniq[order].tolist()
    return pd.DataFrame(
        {"source": [source.values[k] for k in keys], "phase": [phase.values[k] for k in keys], **sums}
    )


def _allocation_table(model: Model, x: np.ndarray, used: np.ndarray) -> RowTable:
    """Allocations of the plan's used columns (already in output order), as columns."""
    groups = model.groups
    g_u = model.col_g[used]
    P = len(model.phase_ids)
    sp = model.col_s[used] * P + model.col_p[used]  # source and phase: one code, rendered once
    per_sp = range(len(model.source_ids) * P)
    columns = [
        jsonfast.Coded(g_u, [str(v) for v in groups["village"].tolist()]),
        jsonfast.Coded(g_u, [str(v) for v in groups["priority"].tolist()]),
        jsonfast.Coded(g_u, [str(v) for v in groups["sector"].tolist()]),
        jsonfast.Coded(g_u, groups["income"].to_numpy(np.int64).tolist()),
        jsonfast.Coded(sp, [model.source_ids[c // P] for c in per_sp]),
        jsonfast.Coded(sp, [model.phase_ids[c % P] for c in per_sp]),
        x[used],
        x[used] * model.col_cost[used],
    ]
    return RowTable(Allocation, jsonfast.Columns([f.name for f in fields(Allocation)], columns))


def build_result(model: Model, x: np.ndarray, *, status: Status, bound: float, warnings: list[str]) -> Result:
    """Tables of the contract from an integer plan (every figure summed in int64).

    Parameters
    ----------
    model : Model
        A model (:func:`premium_alloc.build_model`).
    x : ndarray of int
        Workers per model column (an integer plan).
    status : Status
        From the proven bound.
    bound : float
        A proven upper bound on W.
    warnings : list of str
        For the result's ``warnings``.

    Returns
    -------
    Result
        The contract's tables.
    """
    sc = model.scenario
    groups = model.groups
    P, V = len(model.phase_ids), len(sc.villages)
    n = groups["count"].to_numpy(np.int64)
    vidx = groups["vidx"].to_numpy(np.int64)
    x = np.asarray(x, dtype=np.int64)
    objective = tally.plan_value(model, x)
    bound = max(float(bound), objective)
    gap = (bound - objective) / bound if bound > 0 else 0.0

    src_rank = sc.source_rank(model.source_ids)
    used = np.flatnonzero(x > 0)
    used = used[np.lexsort((src_rank[model.col_s[used]], model.col_p[used], model.col_g[used]))]
    allocations = _allocation_table(model, x, used)

    cover = tally.cover(model, x)
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
            months=int(model.months[p]),
            worker_months=int(cover[:, p].sum()) * int(model.months[p]),
        )
        for p, pid in enumerate(model.phase_ids)
    ]

    S = len(model.source_ids)
    spent = tally.source_spend(model, x)
    paid = tally.source_paid(model, x)
    budget = np.zeros(S, dtype=np.int64)
    np.add.at(budget, model.budget_source, model.budget)
    flat = np.zeros(S * P, dtype=np.int64)  # people each source pays in each phase
    np.add.at(flat, model.col_s * P + model.col_p, x)
    by_phase = flat.reshape(S, P)
    src_wm = by_phase @ model.months.astype(np.int64)
    sources = [
        SourceSummary(
            source=sid,
            budget_idr=int(budget[i]),
            spent_idr=int(spent[i]),
            workers=int(paid[i]),
            workers_by_phase={pid: int(by_phase[i, p]) for p, pid in enumerate(model.phase_ids)},
            worker_months=int(src_wm[i]),
        )
        for i, sid in enumerate(model.source_ids)
    ]

    def per_village(values: np.ndarray) -> np.ndarray:
        out = np.zeros((V, P), dtype=np.int64)
        np.add.at(out, vidx, values)
        return out

    v_elig = per_village(np.repeat(n[:, None], P, axis=1))
    v_cov = tally.village_cover(model, x)
    v_short = per_village(short)
    target = model.target.astype(np.int64)
    village_rows = jsonfast.Columns(
        [f.name for f in fields(VillageSummary)],
        [
            jsonfast.Coded(np.repeat(np.arange(V), P), [v.id for v in sc.villages]),
            jsonfast.Coded(np.tile(np.arange(P), V), model.phase_ids),
            v_elig.ravel(),
            v_cov.ravel(),
            target.ravel(),
            (v_cov >= target).ravel(),
            (v_elig - v_cov).ravel(),
            v_short.ravel(),
        ],
    )
    villages = RowTable(VillageSummary, village_rows)
    return Result(
        scenario=sc.name,
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        allocations=allocations,  # type: ignore[arg-type]  # a RowTable: rows are made on first read
        phases=phases,
        sources=sources,
        villages=villages,  # type: ignore[arg-type]  # a RowTable, as above
        warnings=list(warnings),
        excluded=_excluded(model),
        model=model,
        x=x,
    )


def village_names(result: Result | Model) -> dict[str, str]:
    """Name of each village of the scenario: its own ``name``, else the Kemendagri name of its code
    (a village with neither is left out)."""
    model = result if isinstance(result, Model) else result.model
    if model is None:
        return {}
    vs = model.scenario.villages
    ids = [v.id for v in vs]
    return {i: n for i, n in zip(ids, places.names_for(ids, [v.name for v in vs]).tolist()) if n != i}  # no name: left out


def named(frame: pd.DataFrame, result: Result | Model) -> pd.DataFrame:
    """``frame`` with a ``village_name`` column after its ``village`` column (names from the scenario or the Kemendagri list)."""
    if "village" not in frame.columns or "village_name" in frame.columns:
        return frame
    names = village_names(result)
    if not names:
        return frame
    out = frame.copy()
    out.insert(list(out.columns).index("village") + 1, "village_name", out["village"].map(names))
    return out


def _excluded(model: Model) -> list[ExcludedSummary]:
    ex = model.excluded
    if ex is None or not len(ex):
        return []
    return [ExcludedSummary(str(v), str(r), int(c)) for v, r, c in zip(ex["village"], ex["reason"], ex["count"])]
