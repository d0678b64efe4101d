"""Budget answers and explanations, each figure checked against an independent re-solve.

Minimum budgets are checked with an independent feasibility program written in this file
from the contract's text: budget B reaches the target, B minus one premium does not.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import premium_alloc as pa
from premium_alloc import analysis, cases, synthetic, variants
from premium_alloc.cli import main

RATES = {"JKK": 10_000, "JKM": 6_800}
V = ["62.03.01.2011", "62.03.01.2020", "62.03.02.2007"]


def tiny(apbd: int = 3_000_000, dd: int = 1_500_000, dbh: int = 1_000_000, continuity: bool = False) -> dict:
    """Three villages, two phases (2 + 4 months), Dana Desa per village, DBH for palm, APBD."""
    groups = [
        (V[0], 14, "extreme", "palm"), (V[0], 9, "poor", "farming"), (V[0], 6, "vulnerable", "trade"),
        (V[1], 8, "extreme", "farming"), (V[1], 11, "poor", "palm"),
        (V[2], 5, "extreme", "fishing"), (V[2], 12, "vulnerable", "palm"),
    ]
    return {
        "format": "premium-alloc/v1",
        "name": "tiny",
        "programs": ["JKK", "JKM"],
        "rates": dict(RATES),
        "phases": [{"id": "p1", "start": "2023-11", "months": 2}, {"id": "p2", "start": "2024-01", "months": 4}],
        "quota": {"min": 20},
        "villages": [{"id": v, "regency": "62.03", "province": "62"} for v in V],
        "worker_groups": [{"village": v, "count": n, "priority": p, "sector": s} for v, n, p, s in groups],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V[0]: dd, V[1]: dd // 2}},
            {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": dbh, "eligible": {"sector": ["palm"]}},
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": apbd},
        ],
        "objective": {"priority_weights": {"extreme": 3, "poor": 2, "vulnerable": 1}, "quota_bonus": 10,
                      "continuity": continuity, "source_order": ["DD", "DBH", "APBD"], "gap": 0.0},
    }


def reaches(sc: dict, target: str) -> bool:
    """Independent check: does some integer plan meet the target within the budgets?

    A feasibility MILP written from the contract's text (scipy's HiGHS), not from the
    library: x[g,s,p] integer, budgets, cover <= n, target covers = n, floors, caps,
    continuity. Only for scenarios with explicit ``rates`` (premium = months x sum of rates).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    monthly = sum(sc["rates"][p] for p in sc["programs"])
    phases = sorted(sc["phases"], key=lambda p: p["start"])
    pid = [p["id"] for p in phases]
    months = {p["id"]: p["months"] for p in phases}
    groups = sc["worker_groups"]
    vil = {v["id"]: v for v in sc["villages"]}
    cols = []  # (group index, source, phase, budget key)
    for gi, g in enumerate(groups):
        for s in sc["sources"]:
            if s.get("scope") == "village" and g["village"] not in s["budgets"]:
                continue
            el = s.get("eligible", {})
            if "sector" in el and g["sector"] not in el["sector"]:
                continue
            if "village" in el and g["village"] not in el["village"]:
                continue
            for p in pid:
                if p in s.get("phases", pid):
                    key = (s["id"], g["village"]) if s.get("scope") == "village" else (s["id"], None)
                    cols.append((gi, s, p, key))
    n = len(cols)
    rows, lo, hi = [], [], []

    def row(coefs, low, high):
        r = np.zeros(n)
        for j, c in coefs:
            r[j] += c
        rows.append(r)
        lo.append(low)
        hi.append(high)

    for key in {c[3] for c in cols}:
        s = next(s for s in sc["sources"] if s["id"] == key[0])
        b = s["budgets"][key[1]] if key[1] else s["budget"]
        row([(j, months[c[2]] * monthly) for j, c in enumerate(cols) if c[3] == key], -np.inf, b)
    want_all = "all" in target
    for gi, g in enumerate(groups):
        must = want_all or ("extreme" in target and g["priority"] == "extreme")
        for p in pid:
            js = [j for j, c in enumerate(cols) if c[0] == gi and c[2] == p]
            if must and not js:
                return False
            row([(j, 1) for j in js], g["count"] if must else -np.inf, g["count"])
        if sc["objective"].get("continuity"):
            for a, b in zip(pid, pid[1:]):
                row([(j, 1) for j, c in enumerate(cols) if c[0] == gi and c[2] == a]
                    + [(j, -1) for j, c in enumerate(cols) if c[0] == gi and c[2] == b], -np.inf, 0)
    for v in vil:
        q = {**sc.get("quota", {}), **vil[v].get("quota", {})}
        floor = min(q.get("min", 0), sum(g["count"] for g in groups if g["village"] == v)) if "floors" in target else -np.inf
        cap = q.get("max", np.inf)
        for p in pid:
            row([(j, 1) for j, c in enumerate(cols) if groups[c[0]]["village"] == v and c[2] == p], floor, cap)
    if n == 0:
        return all(b <= 0 for b in lo)
    res = milp(np.zeros(n), constraints=LinearConstraint(np.array(rows), lo, hi), integrality=np.ones(n),
               bounds=Bounds(0, np.inf))
    return res.status == 0


def with_budget(sc: dict, source: str, extra: int, village: str | None = None) -> dict:
    d = copy.deepcopy(sc)
    s = next(s for s in d["sources"] if s["id"] == source)
    if village is None:
        s["budget"] += extra
    else:
        s["budgets"][village] += extra
    return d


@pytest.mark.parametrize("target", ["all", "extreme", "floors", "extreme+floors"])
@pytest.mark.parametrize("source", ["APBD", "DBH"])
@pytest.mark.parametrize("continuity", [False, True])
def test_min_budget_exact_to_one_premium_pooled(target, source, continuity):
    sc = tiny(apbd=1_200_000, dd=600_000, dbh=400_000, continuity=continuity)
    nd = analysis.min_budget(sc, source, target)
    if nd.status == "unreachable":
        # no amount of this source: check with a huge budget
        assert not reaches(with_budget(sc, source, 10**12), target)
        return
    assert nd.status == "exact"
    assert nd.resolution_idr == 2 * 16_800  # the smallest phase premium this source pays
    assert reaches(with_budget(sc, source, nd.need_idr), target)
    if nd.need_idr >= nd.resolution_idr:
        assert not reaches(with_budget(sc, source, nd.need_idr - nd.resolution_idr), target)
    else:
        assert nd.need_idr == 0 or not reaches(sc, target)


@pytest.mark.parametrize("target", ["all", "floors"])
def test_min_budget_per_village(target):
    sc = tiny(apbd=1_800_000, dd=300_000, dbh=200_000)
    nd = analysis.min_budget(sc, "DD", target)
    assert nd.status == "exact"
    need = dict(zip(nd.by_village["village"], nd.by_village["need_idr"]))
    assert sum(need.values()) == nd.need_idr
    full = copy.deepcopy(sc)
    for v, k in need.items():
        full = with_budget(full, "DD", int(k), v)
    assert reaches(full, target)
    for v, k in need.items():  # one premium less in any village misses the target
        if k >= nd.resolution_idr:
            assert not reaches(with_budget(full, "DD", -nd.resolution_idr, v), target)


def test_min_budget_exact_to_the_rupiah():
    sc = tiny(apbd=1_000_000, dd=600_000, dbh=400_000)
    nd = analysis.min_budget(sc, "APBD", "all", exact="rupiah")
    assert nd.status == "exact" and nd.resolution_idr == 1
    assert reaches(with_budget(sc, "APBD", nd.need_idr), "all")
    assert not reaches(with_budget(sc, "APBD", nd.need_idr - 1), "all")


def test_min_budget_unreachable_explains():
    sc = tiny()
    sc["sources"] = [s for s in sc["sources"] if s["id"] != "APBD"]  # fishing/trade workers: no source
    sc["objective"]["source_order"] = ["DD", "DBH"]
    nd = analysis.min_budget(sc, "DBH", "all")
    assert nd.status == "unreachable" and nd.need_idr is None
    assert "no eligible source" in nd.text
    capped = tiny()
    capped["villages"][0]["quota"] = {"max": 10}
    nd2 = analysis.min_budget(capped, "APBD", "floors")
    assert nd2.status == "unreachable" and "quota.max 10 is below the floor 20" in nd2.text
    tbl = analysis.need_table(tiny(), "extreme")
    assert list(tbl["source"]) == ["DD", "DBH", "APBD"]


def test_kapuas_extreme_target_is_reachable_today():
    sc = synthetic.kapuas_2024()
    nd = analysis.min_budget(sc, "APBD", "extreme")
    # some plan reaches it today; the optimiser's plan (which values floors more) needs more
    assert nd.any_plan_idr == 0 and nd.lower_idr == 0
    assert nd.status == "sufficient" and nd.need_idr > 0
    # the witness plan covers every extreme-poor worker in every phase within today's budgets
    model = pa.Scenario.from_dict(sc)
    r = pa.solve(model)
    m = r.model
    spent = np.zeros(m.budget.size, dtype=np.int64)
    np.add.at(spent, m.col_brow, nd.x * m.col_cost)
    assert (spent <= m.budget).all()
    cover = np.zeros((len(m.groups), len(m.phase_ids)), dtype=np.int64)
    np.add.at(cover, (m.col_g, m.col_p), nd.x)
    ext = (m.groups["priority"] == "extreme").to_numpy()
    assert (cover[ext] == m.groups["count"].to_numpy()[ext, None]).all()


def test_frontier_points_equal_independent_solves():
    sc = synthetic.regency(7, villages=15, workers=2_500)
    amounts = [0, 50_000_000, 150_000_000]
    fr = analysis.frontier(sc, "APBD", amounts)
    assert list(fr["source_budget_idr"]) == amounts
    for a, (_, row) in zip(amounts, fr.iterrows()):
        d = copy.deepcopy(sc)
        next(s for s in d["sources"] if s["id"] == "APBD")["budget"] = a
        r = pa.solve(d)
        assert row["objective"] == r.objective
        # people, never summed over phases; worker-months are people x months
        assert row["covered_every_phase"] <= min(p.covered for p in r.phases) <= max(p.covered for p in r.phases) <= row["covered_some_phase"]
        assert row["worker_months"] == sum(p.covered * m["months"] for p, m in zip(r.phases, d["phases"]))
        assert row["shortfall_idr"] == r.shortfall_idr
    assert fr["worker_months"].is_monotonic_increasing
    frv = analysis.frontier(sc, "DD", factors=[0, 1])
    assert frv["source_budget_idr"].iloc[0] == 0
    assert frv["source_budget_idr"].iloc[1] == sum(next(s for s in sc["sources"] if s["id"] == "DD")["budgets"].values())
    with pytest.raises(ValueError):
        analysis.frontier(sc, "DD", [1, 2])


def test_marginal_values_agree_with_lp_finite_differences():
    sc = synthetic.regency(11, villages=25, workers=5_000)
    mv = analysis.marginal_values(sc, step=10_000)
    for _, row in mv.iterrows():
        assert row["fd_w_per_bn"] == pytest.approx(row["w_per_bn"], rel=1e-4, abs=1e-3)
        assert row["text"].startswith(f"One more Rp1 billion of {row['source']}")
    # an independent finite difference of the LP, by hand, for the pooled APBD
    base = analysis.lp_value(sc)
    d = copy.deepcopy(sc)
    next(s for s in d["sources"] if s["id"] == "APBD")["budget"] += 10_000
    fd = (analysis.lp_value(d) - base) / 10_000 * 1e9
    assert fd == pytest.approx(mv.set_index("source").loc["APBD", "w_per_bn"], rel=1e-4, abs=1e-3)
    # re-solving the integer plan with Rp1 billion more covers more
    assert (mv["gain_worker_months"] >= 0).all()


def test_marginal_value_of_a_saturated_source_is_zero():
    sc = tiny(apbd=10**10)
    mv = analysis.marginal_values(pa.solve(sc), check=False).set_index("source")
    assert mv.loc["APBD", "w_per_bn"] == 0


def test_explain_accounts_for_every_uncovered_worker():
    sc = tiny(apbd=300_000, dd=200_000, dbh=150_000)
    sc["worker_groups"].append({"village": V[2], "count": 4, "priority": "poor", "sector": "transport"})
    sc["sources"][2]["eligible"] = {"sector": ["palm", "farming", "trade", "fishing"]}
    r = pa.solve(sc)
    ex = analysis.explain(r)
    by_phase = ex.uncovered.groupby("phase")["uncovered"].sum()
    for p in r.phases:
        assert by_phase.get(p.phase, 0) == p.uncovered
    transport = ex.uncovered[ex.uncovered.sector == "transport"]
    assert set(transport.reason) == {"no_source"} and transport.uncovered.sum() == 8
    below = {(v.village, v.phase) for v in r.villages if not v.quota_met}
    assert set(zip(ex.villages.village, ex.villages.phase)) == below
    assert (ex.villages["missing"] == ex.villages["quota_target"] - ex.villages["covered"]).all()
    # a budget binds exactly when what is left cannot pay one more worker it may pay for
    for _, b in ex.budgets.iterrows():
        assert b["left_idr"] == b["budget_idr"] - b["spent_idr"] >= 0
    assert ex.budgets["binding"].any()
    assert ex.lines()[0].startswith("Budgets that bind")
    lines = analysis.explain_village(r, V[2])
    assert lines and lines[0].startswith("p1:")


def test_explain_quota_cap_and_setting_effects():
    sc = tiny(apbd=10**9)
    sc["villages"][0]["quota"] = {"max": 12}
    r = pa.solve(sc)
    ex = analysis.explain(r)
    assert set(ex.uncovered[ex.uncovered.village == V[0]].reason) == {"quota_cap"}
    assert any("quota.max" in w for w in r.warnings)
    row = ex.villages[ex.villages.village == V[0]].iloc[0]
    assert row["reason"] == "quota_cap" and "raise quota.max" in row["fix"]
    eff = analysis.setting_effects(sc)
    lost = eff[eff.setting == "quota.max"].set_index("phase")["lost"]
    free = pa.solve(variants.Variant("x", (variants.quota(max=None),)).apply(pa.Scenario.from_dict(sc)))
    cov = {(v.village, v.phase): v.covered for v in free.villages}
    for p in ("p1", "p2"):
        assert lost[p] == cov[(V[0], p)] - 12


def test_sintang_continuity_with_a_small_later_budget():
    sc = cases.sintang_2023()
    r = pa.solve(sc)
    ex = analysis.explain(r)
    assert set(ex.uncovered[ex.uncovered.phase == "p1"].reason) == {"continuity"}
    eff = analysis.setting_effects(sc)
    free = pa.solve(variants.parse_variant("x:continuity=off").apply(pa.Scenario.from_dict(sc)))
    assert eff["lost"].sum() == free.phases[0].covered - r.phases[0].covered > 0
    nd = analysis.min_budget(sc, "APBD2024", "all")
    assert nd.status == "exact"
    # independent check: 3,000 workers x 4 months x Rp16,800 less what 2024 money can pay
    csr_palm = sum(g["count"] for g in sc["worker_groups"] if g["sector"] == "palm" and g["village"] in sc["sources"][2]["eligible"]["village"])
    assert nd.need_idr == 3_000 * 4 * 16_800 - 150_000_000 - csr_palm * 4 * 16_800


def test_cli_planner_commands(tmp_path, capsys):
    path = synthetic.write(tiny(), tmp_path / "tiny.yaml")
    assert main(["need", str(path), "-t", "all", "-s", "APBD", "--csv", str(tmp_path / "n.csv")]) == 0
    assert "more of APBD" in capsys.readouterr().out
    assert main(["frontier", str(path), "-s", "APBD", "--amounts", "0,1jt,2jt", "--csv", str(tmp_path / "f.csv")]) == 0
    assert (tmp_path / "f.csv").read_text().count("\n") == 4
    assert main(["explain", str(path), "--settings", "--lang", "id"]) == 0
    assert main(["explain", str(path), "--village", V[0]]) == 0
    assert main(["marginal", str(path), "--per", "1jt"]) == 0
    assert "One more Rp1 million of APBD" in capsys.readouterr().out
    assert main(["explain", str(path), "--lang", "fr"]) == 2


@pytest.mark.parametrize("name", ["tiny", "kayong"])
def test_marginal_worker_months_exist_and_the_re_solve_is_shown(name):
    # every premium in these scenarios is Rp16,800 a month: Rp1 billion buys at most 59,523 worker-months
    sc = tiny(apbd=1_200_000, dd=600_000, dbh=400_000) if name == "tiny" else cases.kayong_utara_2023()
    per = 1_000_000 if name == "tiny" else 1_000_000_000
    mv = analysis.marginal_values(sc, per=per)
    months = {p["id"]: p["months"] for p in sc["phases"]}
    base = pa.solve(sc)
    base_wm = sum(p.covered * months[p.phase] for p in base.phases)
    for _, row in mv.iterrows():
        assert row["coverage_w_per_bn"] + row["floor_w_per_bn"] == pytest.approx(row["w_per_bn"])
        assert row["coverage_w_per_bn"] >= -1e-9 and row["floor_w_per_bn"] >= -1e-9
        assert row["worker_months_per_bn"] <= 1e9 / 16_800 + 1e-6
        assert row["max_worker_months_per_bn"] == pytest.approx(1e9 / 16_800)
        # the re-solved effect of the whole amount, checked by an independent solve
        d = copy.deepcopy(sc)
        s = next(s for s in d["sources"] if s["id"] == row["source"])
        if s["scope"] == "village":
            k = len(s["budgets"])
            s["budgets"] = {v: b + per // k + (1 if i < per % k else 0) for i, (v, b) in enumerate(s["budgets"].items())}
        else:
            s["budget"] += per
        r1 = pa.solve(d)
        gain = sum(p.covered * months[p.phase] for p in r1.phases) - base_wm
        assert row["gain_worker_months"] == gain
        # money the base plan left unspent (remainders below one premium) may join the extra
        left = sum(x.budget_idr - x.spent_idr for x in base.sources)
        assert gain <= (per + left) / 16_800
        assert "Re-solved with" in row["text"]
        if row["w_per_bn"] > 0 and row["priority"]:
            assert f"{row['worker_months_per_bn'] * per / 1e9:,.0f} more" in row["text"]


def test_planner_functions_take_a_solved_result_or_its_scenario():
    sc = tiny(apbd=1_200_000, dd=600_000, dbh=400_000, continuity=False)
    r = pa.solve(sc)
    a, b = analysis.min_budget(sc, "APBD", "all"), analysis.min_budget(r, "APBD", "all")
    assert (a.status, a.need_idr) == (b.status, b.need_idr)
    assert analysis.frontier(r, "APBD", factors=[1.0]).equals(analysis.frontier(sc, "APBD", factors=[1.0]))
    assert analysis.explain(sc).lines() == analysis.explain(r).lines()
    assert variants.compare(r, ["more:APBD+=100000"]).results["more"].objective == variants.compare(sc, ["more:APBD+=100000"]).results["more"].objective
