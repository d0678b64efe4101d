"""From a scenario and its groups to the integer program, as arrays (no loop per worker).

Columns are the eligible (group, source, phase) triples; ``x`` counts the workers of the
group whose premium in the phase that source pays. The model is split into independent
parts (connected components of groups and budgets), each a :class:`Part` that can be
solved on its own, in another process or on another machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from . import rules
from .errors import Problem, ScenarioError
from .groups import excluded_table, group_table
from .io.load import ScenarioLike, as_scenario
from .rates import RateTable, default_table, phase_premium
from .scenario import Scenario

NONE = -1


@dataclass
class Part:
    """One independent piece of the integer program, as plain arrays (picklable)."""

    cols: np.ndarray  # global column index of each local column
    w: np.ndarray  # W-coefficient of one worker: months(p) * weight(g)
    cost: np.ndarray  # int64 phase premium paid by the source
    rank: np.ndarray  # source rank in source_order (tie-break)
    brow: np.ndarray  # local budget row of each column
    budget: np.ndarray  # int64 budget of each local budget row
    gp: np.ndarray  # local (group, phase) index of each column
    cap: np.ndarray  # int64 workers in each (group, phase)
    gp_next: np.ndarray  # next phase's (group, phase) under continuity, or -1
    gp_phase: np.ndarray  # phase position of each (group, phase)
    vp: np.ndarray  # local (village, phase) index of each column
    target: np.ndarray  # int64 quota floor T per (village, phase)
    qcoef: np.ndarray  # W-coefficient of one unit of quota credit: months(p) * quota_bonus
    vmax: np.ndarray  # int64 quota cap per (village, phase), -1 if none
    granularity: float | None  # W of any integer plan is a multiple of this, when known


@dataclass
class Model:
    """The whole integer program and the tables needed to report on it."""

    scenario: Scenario
    groups: pd.DataFrame  # village, priority, sector, income, count, vidx
    phase_ids: list[str]
    months: np.ndarray
    source_ids: list[str]
    col_g: np.ndarray
    col_s: np.ndarray
    col_p: np.ndarray
    col_cost: np.ndarray
    col_w: np.ndarray
    col_brow: np.ndarray
    budget: np.ndarray
    budget_source: np.ndarray
    budget_village: np.ndarray  # village index, -1 for a pooled budget
    target: np.ndarray  # T per (village, phase), shape (V, P)
    vmax: np.ndarray  # cap per (village, phase), -1 if none, shape (V, P)
    shortfall_premium: np.ndarray  # int64 per (group, phase), shape (G, P)
    weights: np.ndarray  # priority weight per group
    quota_bonus: float
    warnings: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    workers: pd.DataFrame | None = field(default=None, repr=False)  # the worker list behind the groups, when one was given
    excluded: pd.DataFrame | None = field(default=None, repr=False)  # listed workers not eligible: village, reason, count

    @property
    def n_cols(self) -> int:
        """Number of (group, source, phase) columns."""
        return int(self.col_g.size)


def _premium_lookup(
    scenario: Scenario,
    table: RateTable,
    income: np.ndarray,
    sector: np.ndarray,
    kind: np.ndarray,
    phase: np.ndarray,
) -> np.ndarray:
    """Phase premium of each row; the rows are distinct (income, sector, kind, phase) keys."""
    phases = scenario.ordered_phases
    a = scenario.assumptions
    switches = {k: v for k, v in (("dana_desa", a.discount_dana_desa), ("apbdes", a.discount_apbdes)) if v is not None}
    return np.array(
        [
            phase_premium(
                scenario.programs,
                phases[p].start,
                phases[p].months,
                income=int(inc),
                sector=str(sec),
                funder=str(k),
                overrides=scenario.rates,
                switches=switches,
                table=table,
            )
            for inc, sec, k, p in zip(income.tolist(), sector.tolist(), kind.tolist(), phase.tolist())
        ],
        dtype=np.int64,
    )


def _premiums_by_group(
    scenario: Scenario,
    table: RateTable,
    g_inc: np.ndarray,
    g_sec: np.ndarray,
    s_kind: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Phase premium for rows given as (group, source, phase) indices.

    Object columns are factorized once per group and per source, not once per row: a national
    model has 1.7M columns but a few hundred thousand groups and a few dozen premiums, each
    priced once by :func:`_premium_lookup`.
    """
    r_g, r_s, r_p = rows
    P = len(scenario.phases)
    inc_c, inc_u = pd.factorize(g_inc, use_na_sentinel=False)
    sec_c, sec_u = pd.factorize(np.asarray(g_sec, dtype=object), use_na_sentinel=False)
    g_code, _ = pd.factorize(inc_c.astype(np.int64) * max(len(sec_u), 1) + sec_c)
    _, g_first = np.unique(g_code, return_index=True)  # one group for each (income, sector)
    k_c, k_u = pd.factorize(np.asarray(s_kind, dtype=object), use_na_sentinel=False)
    nk = max(len(k_u), 1)
    key = (g_code[r_g].astype(np.int64) * nk + k_c[r_s]) * P + r_p
    codes, ukey = pd.factorize(key)
    rep = g_first[ukey // P // nk]
    values = _premium_lookup(
        scenario, table, g_inc[rep], np.asarray(g_sec, dtype=object)[rep], np.asarray(k_u, dtype=object)[(ukey // P) % nk], ukey % P
    )
    return values[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _granularity(values: np.ndarray) -> float | None:
    """Largest d such that every value is an integer multiple of d (small denominators only)."""
    uniq = np.unique(values[values != 0])
    if uniq.size == 0:
        return None
    num, den = 0, 1
    for v in uniq.tolist():
        f = Fraction(v).limit_denominator(1000)
        if abs(float(f) - v) > 1e-9 * max(1.0, abs(v)):
            return None
        den_new = den * f.denominator // gcd(den, f.denominator)
        num = gcd(num * (den_new // den), f.numerator * (den_new // f.denominator))
        den = den_new
    return num / den if num else None


def model_from_groups(scenario: Scenario, groups: pd.DataFrame, table: RateTable | None = None) -> Model:
    """Build the integer program of ``scenario`` over ``groups`` in bulk.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    groups : DataFrame
        From :func:`premium_alloc.groups.group_table`.
    table : RateTable, optional
        Rates instead of the packaged table.

    Returns
    -------
    Model
        The program's arrays, split into parts.
    """
    table = table or default_table()
    phases = scenario.ordered_phases
    phase_ids = [p.id for p in phases]
    P = len(phases)
    months = np.array([p.months for p in phases], dtype=np.int64)
    villages = scenario.villages
    V = len(villages)
    vindex = {v.id: i for i, v in enumerate(villages)}
    G = len(groups)
    g_v = groups["vidx"].to_numpy(np.int64)
    g_n = groups["count"].to_numpy(np.int64)
    g_pri = groups["priority"].to_numpy(object)
    g_sec = groups["sector"].to_numpy(object)
    g_inc = groups["income"].to_numpy(np.int64)
    g_pktd = groups["pktd"].to_numpy(dtype=bool) if "pktd" in groups.columns else np.zeros(G, dtype=bool)
    weights_map = scenario.objective.priority_weights
    pri_codes, pri_uniq = pd.factorize(g_pri)
    weights = np.array([float(weights_map.get(p, 1.0)) for p in pri_uniq], dtype=float)[pri_codes] if G else np.zeros(0)

    v_reg = np.array([v.regency or "" for v in villages], dtype=object)
    v_prov = np.array([v.province or "" for v in villages], dtype=object)
    # groups of each village, as a CSR index (groups are sorted by village)
    v_start = np.searchsorted(g_v, np.arange(V + 1))
    # villages of each regency / province, so that a source filtered by place starts from its
    # own groups rather than from all of them (hundreds of regency sources nationally)
    place_villages = {
        "regency": pd.Series(np.arange(V)).groupby(v_reg, sort=False).indices if V else {},
        "province": pd.Series(np.arange(V)).groupby(v_prov, sort=False).indices if V else {},
    }

    def groups_of_villages(vs: np.ndarray) -> np.ndarray:
        lens = v_start[vs + 1] - v_start[vs]
        return np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(v_start[vs] - (np.cumsum(lens) - lens), lens)

    sources = scenario.sources
    cg, cs, cp, cb = [], [], [], []
    budgets: list[int] = []
    b_src: list[int] = []
    b_vil: list[int] = []
    for si, s in enumerate(sources):
        elig = s.eligible or {}
        cand = np.arange(G)
        if "village" in elig:
            vs = sorted({vindex[v] for v in elig["village"] if v in vindex})
            cand = groups_of_villages(np.array(vs, dtype=np.int64)) if vs else np.zeros(0, np.int64)
        elif "regency" in elig or "province" in elig:
            level = "regency" if "regency" in elig else "province"
            index = place_villages[level]
            found = [index[c] for c in set(elig[level]) if c in index]
            cand = groups_of_villages(np.sort(np.concatenate(found)).astype(np.int64)) if found else np.zeros(0, np.int64)
        mask = np.ones(cand.size, dtype=bool)
        if "regency" in elig:
            mask &= np.isin(v_reg[g_v[cand]], list(elig["regency"]))
        if "province" in elig:
            mask &= np.isin(v_prov[g_v[cand]], list(elig["province"]))
        if "sector" in elig:
            mask &= np.isin(g_sec[cand], list(elig["sector"]))
        if "priority" in elig:
            mask &= np.isin(g_pri[cand], list(elig["priority"]))
        if "pktd" in elig:  # values "yes" / "no" (checked by the scenario)
            mask &= np.isin(g_pktd[cand], [v == "yes" for v in elig["pktd"]])
        cand = cand[mask]
        if s.scope == "village":
            assert s.budgets is not None
            row_of_v = np.full(V, NONE, dtype=np.int64)
            for vid, amount in s.budgets.items():
                row_of_v[vindex[vid]] = len(budgets)
                budgets.append(int(amount))
                b_src.append(si)
                b_vil.append(vindex[vid])
            cand = cand[row_of_v[g_v[cand]] != NONE]
            rows = row_of_v[g_v[cand]]
        else:
            assert s.budget is not None
            rows = np.full(cand.size, len(budgets), dtype=np.int64)
            budgets.append(int(s.budget))
            b_src.append(si)
            b_vil.append(NONE)
        allowed = [phase_ids.index(p) for p in (phase_ids if s.phases is None else s.phases)]  # [] pays in no phase
        for p in sorted(allowed):
            cg.append(cand)
            cs.append(np.full(cand.size, si, dtype=np.int64))
            cp.append(np.full(cand.size, p, dtype=np.int64))
            cb.append(rows)
    col_g = np.concatenate(cg).astype(np.int64) if cg else np.zeros(0, np.int64)
    col_s = np.concatenate(cs).astype(np.int64) if cs else np.zeros(0, np.int64)
    col_p = np.concatenate(cp).astype(np.int64) if cp else np.zeros(0, np.int64)
    col_b = np.concatenate(cb).astype(np.int64) if cb else np.zeros(0, np.int64)

    warnings: list[str] = []
    if scenario.objective.continuity and col_g.size:
        has = np.zeros((G, P), dtype=bool)
        has[col_g, col_p] = True
        # c[g,p] <= c[g,p'] for later p': a later phase with no possible payer forces earlier cover to 0.
        missing = np.where(~has, np.arange(P)[None, :], -1)
        last_missing = missing.max(axis=1)
        keep = col_p > last_missing[col_g]
        forced = np.unique(col_g[~keep])
        if forced.size:
            nv = np.unique(g_v[forced]).size
            warnings.append(
                f"continuity: {int(g_n[forced].sum()):,} worker(s) in {forced.size} group(s) of {nv} village(s) "
                "cannot be covered in earlier phases because no source may pay for them in a later phase"
            )
        col_g, col_s, col_p, col_b = col_g[keep], col_s[keep], col_p[keep], col_b[keep]

    kinds = np.array([s.kind for s in sources], dtype=object)
    col_cost = _premiums_by_group(scenario, table, g_inc, g_sec, kinds, (col_g, col_s, col_p))
    col_w = months[col_p] * weights[col_g] if col_g.size else np.zeros(0)
    gg, pp = np.meshgrid(np.arange(G), np.arange(P), indexing="ij")
    shortfall = _premiums_by_group(
        scenario, table, g_inc, g_sec, np.array([table.shortfall_funder], dtype=object), (gg.ravel(), np.zeros(G * P, np.int64), pp.ravel())
    ).reshape(G, P)

    # village floor and cap
    v_total = np.bincount(g_v, weights=g_n, minlength=V).astype(np.int64) if G else np.zeros(V, np.int64)
    dq = scenario.quota
    qmin = np.array([(v.quota.min if v.quota and v.quota.min is not None else dq.min) or 0 for v in villages], dtype=np.int64)
    qmax = np.array(
        [
            (v.quota.max if v.quota and v.quota.max is not None else (dq.max if dq.max is not None else NONE))
            for v in villages
        ],
        dtype=np.int64,
    )
    target = np.repeat(np.minimum(qmin, v_total)[:, None], P, axis=1)
    vmax = np.repeat(qmax[:, None], P, axis=1)
    low_cap = np.flatnonzero((qmax != NONE) & (qmax < np.minimum(qmin, v_total)))
    if low_cap.size:
        names = ", ".join(villages[i].id for i in low_cap[:10]) + (" ..." if low_cap.size > 10 else "")
        warnings.append(
            f"quota.max is below the village floor in {low_cap.size} village(s) ({names}), "
            f"in every phase ({', '.join(phase_ids)}): the floor cannot be met there"
        )
    rule_warnings, barred = rules.check(scenario, table, groups, col_g, col_s, col_p, phase_ids)
    warnings += rule_warnings
    if barred:
        raise ScenarioError(barred)
    unknown_kinds = sorted({s.kind for s in sources} - set(table.funders))
    if unknown_kinds:
        warnings.append(f"unknown source kind(s) {', '.join(unknown_kinds)}: priced without any funder discount")

    model = Model(
        scenario=scenario,
        groups=groups,
        phase_ids=phase_ids,
        months=months,
        source_ids=[s.id for s in sources],
        col_g=col_g,
        col_s=col_s,
        col_p=col_p,
        col_cost=col_cost,
        col_w=col_w.astype(float),
        col_brow=col_b,
        budget=np.array(budgets, dtype=np.int64),
        budget_source=np.array(b_src, dtype=np.int64),
        budget_village=np.array(b_vil, dtype=np.int64),
        target=target,
        vmax=vmax,
        shortfall_premium=shortfall,
        weights=weights,
        quota_bonus=float(scenario.objective.quota_bonus),
        warnings=warnings,
    )
    src_rank = scenario.source_rank([s.id for s in sources])
    check_exact(model)
    model.parts = split_parts(model, src_rank)
    return model


#: Every rupiah total is summed in int64; with this margin no plan can overflow it.
EXACT_LIMIT = 2**62


def check_exact(model: Model) -> None:
    """Refuse a scenario whose rupiah totals could overflow int64 (they would not stay exact).

    Parameters
    ----------
    model : Model
        A built model.
    """
    n = model.groups["count"].to_numpy(np.int64).astype(float)
    totals = {
        "cost of every eligible (group, source, phase)": float(np.dot(n[model.col_g], model.col_cost.astype(float))),
        "shortfall of every worker": float((n[:, None] * model.shortfall_premium.astype(float)).sum()),
        "sum of the budgets": float(model.budget.astype(float).sum()),
    }
    over = [(what, v) for what, v in totals.items() if not v < EXACT_LIMIT]
    if over:
        raise ScenarioError(
            [Problem("", f"the {what} reaches Rp{v:,.0f}, above Rp{EXACT_LIMIT:,} (too large to compute exactly)") for what, v in over]
        )


def split_parts(model: Model, src_rank: np.ndarray) -> list[Part]:
    """Split the model into independent parts (connected components), each as a :class:`Part`.

    Parameters
    ----------
    model : Model
        A built model.
    src_rank : ndarray
        Rank of each source in ``source_order``.

    Returns
    -------
    list of Part
        The independent parts, each with its own arrays.
    """
    n = model.n_cols
    if n == 0:
        return []
    P = len(model.phase_ids)
    G = len(model.groups)
    g_v = model.groups["vidx"].to_numpy(np.int64)
    g_n = model.groups["count"].to_numpy(np.int64)
    gp_global = model.col_g * P + model.col_p
    vp_global = g_v[model.col_g] * P + model.col_p
    qcoef_all = (model.months[None, :] * model.quota_bonus).repeat(model.target.shape[0], axis=0)
    links_vp = ((model.target > 0) & (qcoef_all > 0)) | (model.vmax != NONE)
    link_col_vp = links_vp.ravel()[vp_global]
    nb = model.budget.size
    NG, NV = G * P, model.target.size
    # graph nodes: columns | budget rows | (group, phase) | (village, phase)
    rows_e = [np.arange(n), np.arange(n), np.flatnonzero(link_col_vp)]
    cols_e = [n + model.col_brow, n + nb + gp_global, n + nb + NG + vp_global[link_col_vp]]
    if model.scenario.objective.continuity and P > 1:
        g_all = np.repeat(np.arange(G), P - 1)
        p_all = np.tile(np.arange(P - 1), G)
        rows_e.append(n + nb + g_all * P + p_all)
        cols_e.append(n + nb + g_all * P + p_all + 1)
    r = np.concatenate(rows_e)
    c = np.concatenate(cols_e)
    N = n + nb + NG + NV
    graph = sparse.coo_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(N, N)).tocsr()
    _, labels = connected_components(graph, directed=False)
    col_label = labels[:n]
    order = np.argsort(col_label, kind="stable")
    bounds = np.flatnonzero(np.diff(col_label[order])) + 1
    gran = _granularity(np.concatenate([model.col_w, model.months * model.quota_bonus]))
    parts = []
    for cols in np.split(order, bounds):
        b_u, brow = np.unique(model.col_brow[cols], return_inverse=True)
        gp_u, gp = np.unique(gp_global[cols], return_inverse=True)
        vp_u, vp = np.unique(vp_global[cols], return_inverse=True)
        gp_next = next_phase(gp_u, P) if model.scenario.objective.continuity else np.full(gp_u.size, NONE, dtype=np.int64)
        parts.append(
            Part(
                cols=cols,
                w=model.col_w[cols],
                cost=model.col_cost[cols],
                rank=src_rank[model.col_s[cols]],
                brow=brow.astype(np.int64),
                budget=model.budget[b_u],
                gp=gp.astype(np.int64),
                cap=g_n[gp_u // P],
                gp_next=gp_next,
                gp_phase=(gp_u % P).astype(np.int64),
                vp=vp.astype(np.int64),
                target=model.target.ravel()[vp_u],
                qcoef=qcoef_all.ravel()[vp_u].astype(float),
                vmax=model.vmax.ravel()[vp_u],
                granularity=gran,
            )
        )
    return parts


def next_phase(gp_u: np.ndarray, P: int) -> np.ndarray:
    """The continuity link: for sorted (group, phase) codes ``g * P + p``, the position of ``(g, p + 1)``, or NONE.

    The one home of the link between a group's phase and its next: the LP rows
    (:mod:`premium_alloc.solvers.lp`) and the repair read it from here.

    Parameters
    ----------
    gp_u : ndarray
        Sorted (group, phase) codes.
    P : int
        Number of phases.

    Returns
    -------
    ndarray
        Position in ``gp_u`` of the next phase of each code, or NONE.
    """
    out = np.full(gp_u.size, NONE, dtype=np.int64)
    pos = np.searchsorted(gp_u, gp_u + 1)
    ok = (pos < gp_u.size) & ((gp_u % P) < P - 1)
    ok[ok] &= gp_u[pos[ok]] == gp_u[ok] + 1
    out[ok] = pos[ok]
    return out


def build_model(
    scenario: ScenarioLike,
    *,
    workers: pd.DataFrame | None = None,
    rates: RateTable | None = None,
) -> Model:
    """Group a scenario's workers and build its integer program, split into independent parts.

    Parameters
    ----------
    scenario : Scenario, dict or path
        A v1 scenario (loaded and validated when not a :class:`Scenario`).
    workers : DataFrame, optional
        A worker list (``worker_id, village, priority, sector[, income]``) used instead of
        the scenario's ``worker_groups`` / ``workers`` file.
    rates : RateTable, optional
        A dated rate table instead of the packaged one.

    Returns
    -------
    Model
        The arrays of the program; :func:`premium_alloc.engine.solve_model` solves it.
    """
    sc = as_scenario(scenario)
    groups, listed = group_table(sc, workers)
    model = model_from_groups(sc, groups, rates)
    model.workers = listed
    model.excluded = excluded_table(sc, listed)
    return model
