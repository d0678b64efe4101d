"""Determinism: the same input and options give byte-identical result JSON and per-worker
plans, run after run, process after process (whatever the hash seed), whatever the order of
the worker rows, and across the HiGHS and CBC back-ends where the optimum is unique.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import premium_alloc as pa
from premium_alloc import synthetic
from premium_alloc.plan import worker_plan

try:
    from reference import reference_optimum
except ImportError:  # tests imported as a package
    from tests.reference import reference_optimum

V1, V2, V3 = "62.03.01.2011", "62.03.02.2006", "62.04.01.2004"
P6 = 6 * 16_800  # a worker for the 6-month phase


@pytest.fixture(autouse=True)
def _quiet_pulp():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.x announces 4.0
        yield


def unique_optimum() -> dict:
    """Each group has exactly one possible payer and each budget one best use, so exactly one
    plan reaches the optimum (checked against the reference in a test below):

    - DD pays extreme workers only: V1 has money for 25 of its 40 (plus Rp100), V2 for all 25;
    - DBH pays palm workers who are poor or vulnerable: the 20 poor (weight 2) first, then 17
      of the 50 vulnerable (weight 1), plus Rp5 that buys nobody;
    - APBD pays poor farming workers only: 10 of the 30.
    """
    return {
        "format": "premium-alloc/v1",
        "name": "unique optimum",
        "programs": ["JKK", "JKM"],
        "rates": {"JKK": 10_000, "JKM": 6_800},
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [
            {"id": V1, "name": "Satu", "regency": "62.03"},
            {"id": V2, "name": "Dua", "regency": "62.03"},
            {"id": V3, "name": "Tiga", "regency": "62.04"},
        ],
        "worker_groups": [
            {"village": V1, "count": 40, "priority": "extreme", "sector": "palm"},
            {"village": V1, "count": 30, "priority": "poor", "sector": "farming"},
            {"village": V2, "count": 25, "priority": "extreme", "sector": "farming"},
            {"village": V2, "count": 50, "priority": "vulnerable", "sector": "palm"},
            {"village": V3, "count": 20, "priority": "poor", "sector": "palm"},
        ],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 25 * P6 + 100, V2: 30 * P6},
             "eligible": {"priority": ["extreme"]}},
            {"id": "DBH", "kind": "dbh_sawit", "budget": 37 * P6 + 5, "eligible": {"sector": ["palm"], "priority": ["poor", "vulnerable"]}},
            {"id": "APBD", "kind": "apbd", "budget": 10 * P6, "eligible": {"priority": ["poor"], "sector": ["farming"]}},
        ],
        "objective": {"priority_weights": {"extreme": 3, "poor": 2, "vulnerable": 1}, "source_order": ["DD", "DBH", "APBD"], "gap": 0.0},
    }


EXPECTED = {
    (V1, "extreme", "DD"): 25,
    (V1, "poor", "APBD"): 10,
    (V2, "extreme", "DD"): 25,
    (V2, "vulnerable", "DBH"): 17,
    (V3, "poor", "DBH"): 20,
}


def _plan(r: pa.Result) -> dict:
    return {(a.village, a.priority, a.source): a.workers for a in r.allocations}


def test_the_optimum_is_the_one_expected():
    ref = reference_optimum(unique_optimum())
    assert ref.objective == 6 * (3 * 50 + 2 * 30 + 1 * 17)
    r = pa.solve(unique_optimum())
    assert r.status == "optimal" and r.objective == ref.objective == r.bound
    assert _plan(r) == EXPECTED


BACKENDS = [
    {"backend": "highs"},
    {"backend": "highs", "milp": "always"},
    {"backend": "cbc"},
    {"backend": "cbc", "milp": "always"},
    {"backend": "pulp_highs", "milp": "always"},  # HiGHS through PuLP
]


def test_same_bytes_across_runs_and_back_ends():
    texts = {json.dumps(kw): pa.solve(unique_optimum(), **kw).to_json(indent=1) for kw in BACKENDS}
    again = pa.solve(unique_optimum()).to_json(indent=1)
    assert len(set(texts.values())) == 1, {k: v[:200] for k, v in texts.items()}
    assert again == texts[json.dumps(BACKENDS[0])]


def _workers(sc: dict, seed: int | None = None) -> pd.DataFrame:
    rows = []
    for gi, g in enumerate(sc["worker_groups"]):
        for k in range(g["count"]):
            rows.append((f"6203{gi + 1:02d}{(k * 7919) % 10**6:06d}{k:04d}", g["village"], g["priority"], g["sector"], 1_000_000))
    df = pd.DataFrame(rows, columns=["worker_id", "village", "priority", "sector", "income"])
    if seed is not None:
        df = df.iloc[np.random.default_rng(seed).permutation(len(df))].reset_index(drop=True)
    return df


def test_per_worker_plans_are_identical_across_runs_orders_and_back_ends(tmp_path):
    sc = unique_optimum()
    listed = {k: v for k, v in sc.items() if k != "worker_groups"} | {"workers": "workers.csv"}
    plans, jsons = set(), set()
    for seed, kw in [(None, BACKENDS[0]), (1, BACKENDS[0]), (2, BACKENDS[1]), (3, BACKENDS[2]), (4, BACKENDS[3]), (None, BACKENDS[0])]:
        workers = _workers(sc, seed)
        r = pa.solve(listed, workers=workers, **kw)
        jsons.add(r.to_json())
        plans.add(worker_plan(r, workers).to_csv(index=False) + worker_plan(r, workers, mask=False).to_csv(index=False))
    assert len(jsons) == 1 and len(plans) == 1
    # and through files and the CLI
    _workers(sc, 5).to_csv(tmp_path / "workers.csv", index=False)
    (tmp_path / "s.json").write_text(json.dumps(listed), encoding="utf-8")
    from premium_alloc.cli import main

    outs = []
    for backend in ("highs", "cbc"):
        out, plan = tmp_path / f"r_{backend}.json", tmp_path / f"p_{backend}.csv"
        assert main(["solve", str(tmp_path / "s.json"), "-q", "--backend", backend, "--out", str(out), "--plan", str(plan)]) == 0
        outs.append((out.read_bytes(), plan.read_bytes()))
    assert outs[0] == outs[1]
    masked, unmasked = plans.pop().split("worker_id,village,phase,source,cost_idr\n")[1:]
    assert plan.read_text(encoding="utf-8") == "worker_id,village,phase,source,cost_idr\n" + masked


def test_under_continuity_a_covered_worker_stays_covered():
    sc = unique_optimum()
    sc["phases"] = [{"id": "p1", "start": "2024-01", "months": 3}, {"id": "p2", "start": "2024-04", "months": 3}]
    sc["objective"]["continuity"] = True
    listed = {k: v for k, v in sc.items() if k != "worker_groups"} | {"workers": "workers.csv"}
    workers = _workers(sc, 9)
    r = pa.solve(listed, workers=workers)
    plan = worker_plan(r, workers, mask=False)
    wide = plan.pivot(index="worker_id", columns="phase", values="source")
    assert not ((wide["p1"] != "") & (wide["p2"] == "")).any()
    assert worker_plan(pa.solve(listed, workers=_workers(sc, 10)), _workers(sc, 10)).equals(worker_plan(r, workers))


def _cli_json(tmp_path, name: str, seed: str) -> bytes:
    out = tmp_path / f"{name}.json"
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run(
        [sys.executable, "-m", "premium_alloc.cli", "solve", str(tmp_path / "s.json"), "-q", "--out", str(out)],
        env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def test_same_bytes_in_fresh_processes_with_different_hash_seeds(tmp_path):
    sc = synthetic.regency(11, villages=40, workers=6000)
    (tmp_path / "s.json").write_text(json.dumps(sc), encoding="utf-8")
    first = _cli_json(tmp_path, "a", "1")
    assert first == _cli_json(tmp_path, "b", "12345")
    assert first.decode("utf-8") == pa.solve(sc).to_json(indent=1) + "\n"


def test_same_bytes_run_after_run_on_a_regency():
    sc = synthetic.regency(5, villages=60, workers=9000)
    a, b = pa.solve(sc), pa.solve(sc)
    assert a.to_json() == b.to_json()
    assert a.to_json(indent=1) == b.to_json(indent=1)
