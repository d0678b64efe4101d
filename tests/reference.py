"""Independent test oracle for the premium_alloc contract (scenario format v1).

Written from ``docs/contract.md`` ("Meaning (what optimal is)") only; it
does not import or mirror the library.  It is deliberately simple and only supports
scenarios that

* use ``worker_groups`` (not a ``workers`` CSV), and
* give an explicit ``rates`` map with a monthly Rp amount for every listed program, so the
  premium of a worker for a phase is ``months * sum(rates[prog] for prog in programs)``
  whatever the month, sector, income or funder (no rate table, no discounts).

Public API
----------
``reference_optimum(scenario, *, method="milp" | "brute") -> ReferenceResult``
    Exact optimum W of the contract's problem (``objective.gap`` is ignored: the oracle is
    always exact).  "milp" is a PuLP model solved by the bundled CBC with gapRel=0;
    "brute" enumerates every feasible integer plan (tiny scenarios only).
``evaluate_allocations(scenario, allocations) -> (W, violations)``
    W of any plan given in the result format, and a list of human-readable violated
    constraints (empty when the plan is feasible).
``scenario_groups(scenario) -> list[Group]``
    The groups in "group_index" order (first appearance in ``worker_groups``; rows with the
    same (village, priority, sector, income) are summed).
``phase_premium(scenario, phase_id) -> int`` and ``monthly_premium(scenario) -> int``.
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = [
    "Group",
    "ReferenceResult",
    "reference_optimum",
    "evaluate_allocations",
    "scenario_groups",
    "monthly_premium",
    "phase_premium",
    "DEFAULT_INCOME",
]

DEFAULT_INCOME = 1_000_000

GroupKey = tuple[str, Any, Any, int]  # (village, priority, sector, income)


# --------------------------------------------------------------------------------------
# Reading a scenario
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Group:
    """One worker group: the workers sharing (village, priority, sector, income)."""

    index: int
    village: str
    priority: Any
    sector: Any
    income: int
    count: int

    @property
    def key(self) -> GroupKey:
        return (self.village, self.priority, self.sector, self.income)


def _whole(value: Any, what: str) -> int:
    """An integral number as a Python int (rejects bools, fractions, strings)."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"{what}: {value!r} is not a whole number")


def _month_key(start: Any) -> tuple[int, int]:
    if isinstance(start, (_dt.date, _dt.datetime)):
        return (start.year, start.month)
    text = str(start)
    year, month = text.split("-")[:2]
    return (int(year), int(month))


def _income(value: Any, default: int) -> int:
    if value is None:
        return default
    return _whole(value, "income")


class _Model:
    """The contract's index sets and data, read straight from the scenario dict."""

    def __init__(self, scenario: dict) -> None:
        if "workers" in scenario and "worker_groups" not in scenario:
            raise ValueError("reference oracle supports worker_groups only, not workers")
        self.scenario = scenario
        self.default_income = _income(scenario.get("income"), DEFAULT_INCOME)

        # premium: explicit rates only
        programs = list(scenario.get("programs") or [])
        rates = scenario.get("rates")
        if not programs:
            raise ValueError("reference oracle needs a non-empty `programs` list")
        if not isinstance(rates, dict) or any(p not in rates for p in programs):
            raise ValueError("reference oracle needs `rates` for every program")
        self.monthly = sum(_whole(rates[p], f"rates.{p}") for p in programs)

        # phases, ordered by start YYYY-MM (stable for equal starts)
        raw_phases = list(scenario.get("phases") or [])
        order = sorted(range(len(raw_phases)), key=lambda i: (_month_key(raw_phases[i]["start"]), i))
        self.phases: list[str] = [str(raw_phases[i]["id"]) for i in order]
        self.months: dict[str, int] = {
            str(ph["id"]): _whole(ph["months"], "months") for ph in raw_phases
        }

        # villages and quota
        self.villages: dict[str, dict] = {str(v["id"]): v for v in scenario.get("villages") or []}
        top_quota = scenario.get("quota") or {}
        self._top_min = _whole(top_quota.get("min", 0), "quota.min")
        self._top_max = top_quota.get("max")

        # groups: (village, priority, sector, income), identical keys summed
        counts: dict[GroupKey, int] = {}
        for row in scenario.get("worker_groups") or []:
            key = (
                str(row["village"]),
                row.get("priority"),
                row.get("sector"),
                _income(row.get("income"), self.default_income),
            )
            counts[key] = counts.get(key, 0) + _whole(row["count"], "count")
        self.groups: list[Group] = [
            Group(i, k[0], k[1], k[2], k[3], n) for i, (k, n) in enumerate(counts.items())
        ]
        self.group_by_key: dict[GroupKey, int] = {g.key: g.index for g in self.groups}

        # sources
        self.sources: list[dict] = list(scenario.get("sources") or [])
        self.source_by_id: dict[str, dict] = {str(s["id"]): s for s in self.sources}
        self.source_ids: list[str] = [str(s["id"]) for s in self.sources]

        # objective
        objective = scenario.get("objective") or {}
        self.weights: dict = dict(objective.get("priority_weights") or {})
        self.bonus = objective.get("quota_bonus", 0) or 0
        self.continuity = bool(objective.get("continuity", False))

    # ---- helpers, one per sentence of the contract ------------------------------------
    def weight(self, g: Group) -> float:
        return self.weights.get(g.priority, 1)

    def quota_min(self, v: str) -> int:
        vq = (self.villages.get(v) or {}).get("quota") or {}
        return _whole(vq.get("min", self._top_min), "quota.min")

    def quota_max(self, v: str) -> int | None:
        vq = (self.villages.get(v) or {}).get("quota") or {}
        value = vq.get("max", self._top_max)
        return None if value is None else _whole(value, "quota.max")

    def village_workers(self, v: str) -> int:
        return sum(g.count for g in self.groups if g.village == v)

    def floor_target(self, v: str) -> int:
        """T[v,p] = min(quota_min(v), sum of n_g in v) (the same for every phase)."""
        return min(self.quota_min(v), self.village_workers(v))

    def all_villages(self) -> list[str]:
        seen = list(self.villages)
        for g in self.groups:
            if g.village not in seen:
                seen.append(g.village)
        return seen

    def eligible(self, g: Group, sid: str, pid: str) -> bool:
        s = self.source_by_id[sid]
        phases = s.get("phases")
        if phases is not None and pid not in [str(p) for p in phases]:
            return False
        village = self.villages.get(g.village) or {}
        values = {
            "sector": g.sector,
            "priority": g.priority,
            "village": g.village,
            "regency": village.get("regency"),
            "province": village.get("province"),
        }
        for key, allowed in (s.get("eligible") or {}).items():
            if key not in values:
                raise ValueError(f"reference oracle: unknown eligible key {key!r}")
            if values[key] is None:
                return False
            if str(values[key]) not in [str(a) for a in allowed]:
                return False
        if s.get("scope") == "village":
            budgets = s.get("budgets") or {}
            if g.village not in [str(k) for k in budgets]:
                return False
        return True

    def premium(self, g: Group, sid: str, pid: str) -> int:
        """P(g,s,p): whole-phase premium.  With explicit rates it ignores g and s."""
        return self.months[pid] * self.monthly

    def bucket(self, g: Group, sid: str) -> tuple[str, str | None]:
        """The budget a payment by `sid` for `g` draws on."""
        s = self.source_by_id[sid]
        return (sid, g.village) if s.get("scope") == "village" else (sid, None)

    def budget(self, bucket: tuple[str, str | None]) -> int:
        sid, village = bucket
        s = self.source_by_id[sid]
        if village is None:
            return _whole(s["budget"], f"sources[{sid}].budget")
        budgets = {str(k): b for k, b in (s.get("budgets") or {}).items()}
        return _whole(budgets[village], f"sources[{sid}].budgets[{village}]")

    def triples(self) -> list[tuple[int, str, str]]:
        return [
            (g.index, sid, pid)
            for g in self.groups
            for pid in self.phases
            for sid in self.source_ids
            if self.eligible(g, sid, pid)
        ]

    def objective_from_covers(self, cover: dict[tuple[int, str], int]) -> float:
        """W for given covers c[g,p]; quota credit q = min(T, covered) (0 if bonus <= 0)."""
        total = 0.0
        for pid in self.phases:
            inner = 0.0
            for g in self.groups:
                inner += self.weight(g) * cover.get((g.index, pid), 0)
            if self.bonus > 0:
                for v in self.all_villages():
                    covered = sum(cover.get((g.index, pid), 0) for g in self.groups if g.village == v)
                    inner += self.bonus * min(self.floor_target(v), covered)
            total += self.months[pid] * inner
        return float(total)


def scenario_groups(scenario: dict) -> list[Group]:
    """Groups in group_index order (first appearance; identical keys summed)."""
    return list(_Model(scenario).groups)


def monthly_premium(scenario: dict) -> int:
    """Sum of rates[program] over programs (Rp per worker-month)."""
    return _Model(scenario).monthly


def phase_premium(scenario: dict, phase_id: str) -> int:
    """months(phase) * monthly premium (Rp per worker for the whole phase)."""
    m = _Model(scenario)
    return m.months[phase_id] * m.monthly


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------
@dataclass
class ReferenceResult:
    objective: float
    x: dict[tuple[int, str, str], int]
    method: str = "milp"
    groups: list[Group] = field(default_factory=list)
    _model: Any = field(default=None, repr=False, compare=False)

    def cover(self) -> dict[tuple[int, str], int]:
        """c[g,p] for every group index and phase id."""
        out = {(g.index, p): 0 for g in self.groups for p in self._model.phases}
        for (gi, _sid, pid), n in self.x.items():
            out[(gi, pid)] += n
        return out

    def covered(self, phase_id: str) -> int:
        return sum(n for (gi, _s, p), n in self.x.items() if p == phase_id)

    def spent(self) -> dict[str, int]:
        """Rp spent per source id."""
        out = {sid: 0 for sid in self._model.source_ids}
        for (gi, sid, pid), n in self.x.items():
            out[sid] += n * self._model.premium(self.groups[gi], sid, pid)
        return out

    def allocations(self) -> list[dict]:
        """The plan in the contract's result format (rows with workers > 0 only)."""
        rows = []
        for (gi, sid, pid), n in sorted(self.x.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
            if n <= 0:
                continue
            g = self.groups[gi]
            rows.append(
                {
                    "village": g.village,
                    "priority": g.priority,
                    "sector": g.sector,
                    "income": g.income,
                    "source": sid,
                    "phase": pid,
                    "workers": n,
                    "cost_idr": n * self._model.premium(g, sid, pid),
                }
            )
        return rows


# --------------------------------------------------------------------------------------
# Exact optimum
# --------------------------------------------------------------------------------------
def reference_optimum(
    scenario: dict, *, method: str = "milp", max_combinations: int = 200_000
) -> ReferenceResult:
    """Exact optimum of the contract's problem for a small scenario.

    method="milp": PuLP + bundled CBC, gapRel=0.  method="brute": exhaustive enumeration;
    raises ValueError when the decision space exceeds ``max_combinations``.
    """
    model = _Model(scenario)
    if method == "milp":
        x = _solve_milp(model)
    elif method == "brute":
        x = _solve_brute(model, max_combinations)
    else:
        raise ValueError(f"unknown method {method!r}")
    x = {k: v for k, v in x.items() if v > 0}
    cover: dict[tuple[int, str], int] = {}
    for (gi, _sid, pid), n in x.items():
        cover[(gi, pid)] = cover.get((gi, pid), 0) + n
    result = ReferenceResult(
        objective=model.objective_from_covers(cover),
        x=x,
        method=method,
        groups=list(model.groups),
        _model=model,
    )
    w, problems = evaluate_allocations(scenario, result.allocations())
    if problems or not math.isclose(w, result.objective, rel_tol=1e-12, abs_tol=1e-9):
        raise RuntimeError(f"reference {method} produced an invalid plan: {problems} (W={w})")
    return result


def _solve_milp(model: _Model) -> dict[tuple[int, str, str], int]:
    # PuLP 3.x warns about its own 4.0 API changes (LpVariable(...), PULP_CBC_CMD); quiet.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulp(\..*)?")
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*PuLP 4\.0.*")
        return _build_and_solve_milp(model)


def _build_and_solve_milp(model: _Model) -> dict[tuple[int, str, str], int]:
    import pulp

    triples = model.triples()
    if not triples:
        return {}
    prob = pulp.LpProblem("premium_reference", pulp.LpMaximize)

    # Decision: integer x[g,s,p] >= 0 for eligible pairs only.
    x = {
        (gi, sid, pid): pulp.LpVariable(
            f"x_{gi}_{model.source_ids.index(sid)}_{model.phases.index(pid)}",
            lowBound=0,
            upBound=model.groups[gi].count,
            cat=pulp.LpInteger,
        )
        for (gi, sid, pid) in triples
    }

    # Cover c[g,p] = sum_s x[g,s,p] <= n_g.
    cover = {
        (g.index, pid): pulp.lpSum(x[(g.index, sid, pid)] for sid in model.source_ids if (g.index, sid, pid) in x)
        for g in model.groups
        for pid in model.phases
    }
    for g in model.groups:
        for pid in model.phases:
            if any((g.index, sid, pid) in x for sid in model.source_ids):
                prob += cover[(g.index, pid)] <= g.count, f"cover_{g.index}_{model.phases.index(pid)}"

    # Budgets: regency scope -> whole budget; village scope -> per village.
    spend: dict[tuple[str, str | None], list] = {}
    for (gi, sid, pid), var in x.items():
        g = model.groups[gi]
        spend.setdefault(model.bucket(g, sid), []).append(model.premium(g, sid, pid) * var)
    for n, (bucket, terms) in enumerate(spend.items()):
        prob += pulp.lpSum(terms) <= model.budget(bucket), f"budget_{n}"

    villages = model.all_villages()
    village_cover = {
        (v, pid): pulp.lpSum(cover[(g.index, pid)] for g in model.groups if g.village == v)
        for v in villages
        for pid in model.phases
    }

    # Village floor credit q[v,p] <= T[v,p], q[v,p] <= covered in v.
    q = {}
    if model.bonus > 0:
        for vi, v in enumerate(villages):
            target = model.floor_target(v)
            if target <= 0:
                continue
            for pi, pid in enumerate(model.phases):
                q[(v, pid)] = pulp.LpVariable(f"q_{vi}_{pi}", lowBound=0, upBound=target)
                prob += q[(v, pid)] <= village_cover[(v, pid)], f"credit_{vi}_{pi}"

    # quota.max: hard cap on covered workers of v in each phase.
    for vi, v in enumerate(villages):
        cap = model.quota_max(v)
        if cap is None:
            continue
        for pi, pid in enumerate(model.phases):
            prob += village_cover[(v, pid)] <= cap, f"qmax_{vi}_{pi}"

    # Continuity: c[g,p'] >= c[g,p] for every later phase p'.
    if model.continuity:
        for g in model.groups:
            for i, p in enumerate(model.phases):
                for j in range(i + 1, len(model.phases)):
                    later = model.phases[j]
                    prob += cover[(g.index, later)] >= cover[(g.index, p)], f"cont_{g.index}_{i}_{j}"

    # Objective W.
    prob += pulp.lpSum(
        model.months[pid]
        * (
            pulp.lpSum(model.weight(g) * cover[(g.index, pid)] for g in model.groups)
            + model.bonus * pulp.lpSum(q[(v, pid)] for v in villages if (v, pid) in q)
        )
        for pid in model.phases
    )

    status = prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=0))
    if pulp.LpStatus[status] != "Optimal":
        raise RuntimeError(f"CBC status {pulp.LpStatus[status]}")
    out = {}
    for key, var in x.items():
        value = var.value() or 0.0
        rounded = int(round(value))
        if abs(value - rounded) > 1e-6:
            raise RuntimeError(f"non-integral CBC value {value} for {key}")
        out[key] = rounded
    return out


def _decision_space(model: _Model, triples: list[tuple[int, str, str]]) -> int:
    """Number of integer x with c[g,p] <= n_g (ignoring budgets): prod C(n+k, k)."""
    per_cell: dict[tuple[int, str], int] = {}
    for gi, _sid, pid in triples:
        per_cell[(gi, pid)] = per_cell.get((gi, pid), 0) + 1
    total = 1
    for (gi, _pid), k in per_cell.items():
        total *= math.comb(model.groups[gi].count + k, k)
    return total


def _solve_brute(model: _Model, max_combinations: int) -> dict[tuple[int, str, str], int]:
    triples = sorted(model.triples(), key=lambda t: (t[0], model.phases.index(t[2]), t[1]))
    space = _decision_space(model, triples)
    if space > max_combinations:
        raise ValueError(f"decision space {space} exceeds max_combinations={max_combinations}")

    cover_left = {(g.index, p): g.count for g in model.groups for p in model.phases}
    budget_left = {}
    for gi, sid, _pid in triples:
        b = model.bucket(model.groups[gi], sid)
        budget_left[b] = model.budget(b)
    caps = {v: model.quota_max(v) for v in model.all_villages()}
    premiums = [model.premium(model.groups[gi], sid, pid) for gi, sid, pid in triples]
    buckets = [model.bucket(model.groups[gi], sid) for gi, sid, _pid in triples]
    values = [0] * len(triples)
    best: list = [None, None]  # W, x

    def feasible_leaf() -> dict[tuple[int, str], int] | None:
        cover = {(g.index, p): g.count - cover_left[(g.index, p)] for g in model.groups for p in model.phases}
        for v, cap in caps.items():
            if cap is None:
                continue
            for p in model.phases:
                if sum(cover[(g.index, p)] for g in model.groups if g.village == v) > cap:
                    return None
        if model.continuity:
            for g in model.groups:
                for i, p in enumerate(model.phases):
                    for later in model.phases[i + 1 :]:
                        if cover[(g.index, later)] < cover[(g.index, p)]:
                            return None
        return cover

    def dfs(i: int) -> None:
        if i == len(triples):
            cover = feasible_leaf()
            if cover is None:
                return
            w = model.objective_from_covers(cover)
            if best[0] is None or w > best[0]:
                best[0] = w
                best[1] = {t: values[k] for k, t in enumerate(triples)}
            return
        gi, _sid, pid = triples[i]
        price, bucket = premiums[i], buckets[i]
        top = cover_left[(gi, pid)]
        if price > 0:
            top = min(top, budget_left[bucket] // price)
        for n in range(top + 1):
            values[i] = n
            cover_left[(gi, pid)] -= n
            budget_left[bucket] -= n * price
            dfs(i + 1)
            cover_left[(gi, pid)] += n
            budget_left[bucket] += n * price
        values[i] = 0

    dfs(0)
    # covering nobody is always feasible, so best is set
    return best[1] or {}


# --------------------------------------------------------------------------------------
# Checking any plan
# --------------------------------------------------------------------------------------
_ALLOC_KEYS = ("village", "priority", "sector", "source", "phase", "workers")


def evaluate_allocations(scenario: dict, allocations: Iterable[dict]) -> tuple[float, list[str]]:
    """W of a plan (allocation rows in the result format) and its violated constraints.

    Checks: known group/source/phase, whole non-negative workers, cost_idr equal to
    workers * premium, eligibility of every (group, source, phase) with workers > 0,
    budgets to the rupiah (Python ints, computed from workers * premium), cover <= group
    count, quota.max, continuity.  W is recomputed from the rows (quota credit is
    min(T[v,p], covered) when quota_bonus > 0).  Rows for the same (group, source, phase)
    are added up.
    """
    model = _Model(scenario)
    problems: list[str] = []
    x: dict[tuple[int, str, str], int] = {}

    for i, row in enumerate(allocations):
        where = f"allocations[{i}]"
        missing = [k for k in _ALLOC_KEYS if k not in row]
        if missing:
            problems.append(f"{where}: missing fields {missing}")
            continue
        try:
            income = _income(row.get("income"), model.default_income)
        except ValueError:
            problems.append(f"{where}: income {row.get('income')!r} is not whole")
            continue
        key = (str(row["village"]), row["priority"], row["sector"], income)
        gi = model.group_by_key.get(key)
        sid, pid = str(row["source"]), str(row["phase"])
        if gi is None:
            problems.append(f"{where}: no worker group {key}")
            continue
        if sid not in model.source_by_id:
            problems.append(f"{where}: unknown source {sid!r}")
            continue
        if pid not in model.months:
            problems.append(f"{where}: unknown phase {pid!r}")
            continue
        workers = row["workers"]
        if isinstance(workers, bool) or not isinstance(workers, (int, float)) or (
            isinstance(workers, float) and not workers.is_integer()
        ):
            problems.append(f"{where}: workers {workers!r} is not a whole number")
            continue
        workers = int(workers)
        if workers < 0:
            problems.append(f"{where}: workers {workers} is negative")
            continue
        g = model.groups[gi]
        expected_cost = workers * model.premium(g, sid, pid)
        cost = row.get("cost_idr")
        if cost is not None and (
            isinstance(cost, bool)
            or not isinstance(cost, (int, float))
            or cost != expected_cost
        ):
            problems.append(f"{where}: cost_idr {cost!r} != workers x premium = {expected_cost}")
        if workers > 0 and not model.eligible(g, sid, pid):
            problems.append(f"{where}: source {sid} may not pay for group {key} in phase {pid}")
        x[(gi, sid, pid)] = x.get((gi, sid, pid), 0) + workers

    # cover <= n_g
    cover: dict[tuple[int, str], int] = {(g.index, p): 0 for g in model.groups for p in model.phases}
    for (gi, _sid, pid), n in x.items():
        cover[(gi, pid)] += n
    for (gi, pid), c in cover.items():
        g = model.groups[gi]
        if c > g.count:
            problems.append(f"cover of group {g.key} in phase {pid} is {c} > {g.count} workers")

    # budgets, exact integers
    spent: dict[tuple[str, str | None], int] = {}
    for (gi, sid, pid), n in x.items():
        g = model.groups[gi]
        if n == 0:
            continue
        bucket = model.bucket(g, sid)
        spent[bucket] = spent.get(bucket, 0) + n * model.premium(g, sid, pid)
    for bucket, total in spent.items():
        sid, village = bucket
        try:
            limit = model.budget(bucket)
        except KeyError:
            problems.append(f"source {sid} has no budget for village {village} but spends {total}")
            continue
        if total > limit:
            where = f"source {sid}" + (f" village {village}" if village is not None else "")
            problems.append(f"{where} spends Rp{total} > budget Rp{limit} (over by Rp{total - limit})")

    # quota.max
    for v in model.all_villages():
        cap = model.quota_max(v)
        if cap is None:
            continue
        for pid in model.phases:
            covered = sum(cover[(g.index, pid)] for g in model.groups if g.village == v)
            if covered > cap:
                problems.append(f"village {v} phase {pid}: covered {covered} > quota.max {cap}")

    # continuity
    if model.continuity:
        for g in model.groups:
            for i, p in enumerate(model.phases):
                for later in model.phases[i + 1 :]:
                    if cover[(g.index, later)] < cover[(g.index, p)]:
                        problems.append(
                            f"continuity: group {g.key} cover falls from {cover[(g.index, p)]} "
                            f"in {p} to {cover[(g.index, later)]} in {later}"
                        )

    return model.objective_from_covers(cover), problems
