"""Workers listed but not eligible: existing payer, active membership, BPU age limit; PKTD workers.

Every expected figure is counted by hand from the rows written below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import premium_alloc as pa
from premium_alloc.plan import worker_plan
from premium_alloc.report import summary_tables

V1 = "62.03.01.2011"  # Pulau Telo, desa
V2 = "62.03.02.2006"  # Bakungin, desa

HEADER = "worker_id,village,priority,sector,existing_payer,membership,age,birth_date,pktd"
ROWS = [
    # id, village, priority, sector, existing_payer, membership, age, birth_date, pktd
    ("W01", V1, "poor", "farming", "PBI", "", "", "", ""),  # existing payer
    ("W02", V1, "poor", "farming", "perusahaan", "", "70", "", ""),  # existing payer first, though also over 65
    ("W03", V1, "poor", "farming", "-", "aktif", "", "", ""),  # active membership
    ("W04", V1, "poor", "farming", "", "tidak", "70", "", ""),  # over the age limit
    ("W05", V1, "poor", "farming", "", "", "", "1950-03-15", ""),  # 73 on 2024-01-01: over
    ("W06", V1, "poor", "farming", "", "", "", "1958-06-01", "ya"),  # 65 on 2024-01-01: eligible, PKTD
    ("W07", V1, "poor", "farming", "", "", "65", "", "yes"),  # 65: eligible, PKTD
    ("W08", V2, "extreme", "palm", "", "", "", "", ""),
    ("W09", V2, "extreme", "palm", "tidak ada", "", "40", "", "no"),
    ("W10", V2, "extreme", "palm", "", "inactive", "", "1958-12-31", ""),  # 65 on 2024-01-01
]


def write(tmp_path: Path, rows=ROWS, sources=None, start="2024-01") -> Path:
    (tmp_path / "workers.csv").write_text("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    sc = {
        "format": "premium-alloc/v1",
        "name": "exclusions",
        "phases": [{"id": "p1", "start": start, "months": 6}],
        "villages": [{"id": V1}, {"id": V2}],
        "workers": "workers.csv",
        "sources": sources or [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10**9}],
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(sc), encoding="utf-8")
    return path


def test_excluded_workers_are_counted_by_reason_not_planned(tmp_path):
    r = pa.solve(write(tmp_path), gap=0)
    # 10 listed: W01, W02 existing payer; W03 active membership; W04, W05 over 65 -> 5 eligible
    assert r.phases[0].eligible == 5 and r.phases[0].covered == 5
    assert r.sources[0].spent_idr == 5 * 6 * 16_800  # 504,000
    assert r.excluded_by_reason() == {"existing_payer": 2, "active_membership": 1, "over_age_limit": 2}
    assert [(e.village, e.reason, e.workers) for e in r.excluded] == [
        (V1, "active_membership", 1), (V1, "existing_payer", 2), (V1, "over_age_limit", 2)
    ]
    doc = json.loads(r.to_json())
    assert doc["excluded"] == [
        {"village": V1, "reason": "active_membership", "workers": 1},
        {"village": V1, "reason": "existing_payer", "workers": 2},
        {"village": V1, "reason": "over_age_limit", "workers": 2},
    ]
    assert list(r.excluded_frame()["workers"]) == [1, 2, 2]
    text = " ".join(str(t) for t in summary_tables(r))
    assert "Not eligible (listed, excluded from the plan): 5 worker(s)" in text
    assert "already paid for by another payer 2" in text


def test_worker_plan_keeps_the_excluded_workers(tmp_path):
    path = write(tmp_path)
    sc = pa.load_scenario(path)
    workers = pa.read_workers(sc.workers, villages=[V1, V2], as_of=__import__("datetime").date(2024, 1, 1))
    assert workers["excluded"].tolist() == [
        "existing_payer", "existing_payer", "active_membership", "over_age_limit", "over_age_limit", "", "", "", "", ""
    ]
    assert workers["pktd"].tolist() == [False] * 5 + [True, True] + [False] * 3
    r = pa.solve(sc, gap=0)
    plan = worker_plan(r, workers, mask=False)
    assert len(plan) == 10  # every listed worker, once per phase
    assert plan.set_index("worker_id")["excluded"].to_dict()["W05"] == "over_age_limit"
    assert (plan[plan["excluded"] != ""]["source"] == "").all()
    assert (plan[plan["excluded"] == ""]["source"] == "APBD").all()


def test_bad_exclusion_cells_are_named_by_line(tmp_path):
    rows = list(ROWS)
    rows[2] = ("W03", V1, "poor", "farming", "", "maybe", "", "", "")
    rows[3] = ("W04", V1, "poor", "farming", "", "", "abc", "", "")
    rows[4] = ("W05", V1, "poor", "farming", "", "", "", "15/03/1950", "")
    rows[5] = ("W06", V1, "poor", "farming", "", "", "", "", "perhaps")
    with pytest.raises(pa.ScenarioError) as e:
        pa.solve(write(tmp_path, rows))
    got = [str(p) for p in e.value.problems]
    assert got == [
        "workers.csv line 4, membership: 'maybe' is not active or inactive (aktif / tidak)",
        "workers.csv line 5, age: 'abc' is not a whole number of years from 0 to 130",
        "workers.csv line 6, birth_date: '15/03/1950' is not a date YYYY-MM-DD",
        "workers.csv line 7, pktd: 'perhaps' is not yes or no (ya / tidak)",
    ]


def test_pktd_column_feeds_the_2026_dana_desa_rule(tmp_path):
    dd = {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 10**9, V2: 10**9}, "eligible": {"pktd": ["yes"]}}
    r = pa.solve(write(tmp_path, sources=[dd], start="2026-01"), gap=0)
    # W06 and W07 are the PKTD workers; on 2026-01-01 W06 (born 1958-06-01) is 67, over the limit,
    # and so is W10: eligible W07, W08, W09. Dana Desa pays W07 only: 6 x 16,800 (no discount by default)
    assert r.phases[0].eligible == 3
    assert r.phases[0].covered == 1 and r.sources[0].spent_idr == 100_800
    assert r.excluded_by_reason() == {"existing_payer": 2, "active_membership": 1, "over_age_limit": 4}
    assert not [w for w in r.warnings if "dana_desa_2026" in w]


def test_scenario_level_exclusion_counts(tmp_path):
    sc = {
        "format": "premium-alloc/v1",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": V1}],
        "worker_groups": [{"village": V1, "count": 39_073, "priority": "poor", "sector": "farming"}],
        "excluded": [{"village": V1, "reason": "existing_payer", "count": 7_951}],
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 0}],
    }
    r = pa.solve(sc)
    # Kapuas 2024: 47,024 proposed, 39,073 verified: 7,951 dropped out
    assert r.phases[0].eligible == 39_073 and r.excluded_by_reason() == {"existing_payer": 7_951}
    bad = dict(sc, excluded=[{"village": "62.03.99.2001", "reason": "moved", "count": 1}])
    msgs = [str(p) for p in pa.validate_dict(bad)]
    assert any(m.startswith("excluded[0].reason: 'moved'") for m in msgs)
    assert "excluded[0].village: '62.03.99.2001' is not a known village" in msgs


def test_caller_frame_with_exclusion_columns():
    sc = pa.Scenario.from_dict({
        "format": "premium-alloc/v1",
        "phases": [{"id": "p1", "start": "2024-01", "months": 1}],
        "villages": [{"id": V1}],
        "workers": "unused.csv",
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10**9}],
    })
    frame = pd.DataFrame({"worker_id": ["a", "b", "c"], "village": [V1] * 3, "priority": ["poor"] * 3, "sector": ["farming"] * 3,
                          "income": [1_000_000] * 3, "membership": ["", "active", ""], "age": [30, 40, 80]})
    r = pa.solve(sc, workers=frame, gap=0)
    assert r.phases[0].eligible == 1 and r.excluded_by_reason() == {"active_membership": 1, "over_age_limit": 1}
