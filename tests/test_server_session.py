"""The server's session: a what-if re-solved on the kept model equals a fresh solve of the changed scenario."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from server_helpers import V1, V2, V3, scaled, small

import premium_alloc as pa
from premium_alloc.errors import ScenarioError
from premium_alloc.server.session import Session, WhatIf, rebudget, scale_village_budgets


@pytest.fixture(scope="module")
def session() -> Session:
    return Session(pa.Scenario.from_dict(small()))


def test_village_budgets_scale_by_integer_arithmetic() -> None:
    b = {V1: 6_000_000, V2: 3_000_001, V3: 2_000_000}
    got = scale_village_budgets(b, 5_500_000)
    assert got == {V1: 6_000_000 * 5_500_000 // 11_000_001, V2: 3_000_001 * 5_500_000 // 11_000_001, V3: 2_000_000 * 5_500_000 // 11_000_001}
    assert got == {V1: 2999999, V2: 1500000, V3: 999999}  # worked by hand: never more than typed
    # nothing to scale: spread evenly, the remainder to the first villages
    assert scale_village_budgets({V1: 0, V2: 0, V3: 0}, 10) == {V1: 4, V2: 3, V3: 3}


@settings(max_examples=12, deadline=None)
@given(
    dd=st.integers(0, 30_000_000),
    dbh=st.integers(0, 30_000_000),
    apbd=st.integers(0, 40_000_000),
)
def test_whatif_equals_a_fresh_solve_of_the_changed_scenario(session: Session, dd: int, dbh: int, apbd: int) -> None:
    change = WhatIf.from_json({"budgets": {"DD": dd, "DBH": dbh, "APBD": apbd}})
    got = session.solve(change).result
    data = scaled(scaled(scaled(small(), "DD", dd), "DBH", dbh), "APBD", apbd)
    want = pa.solve(data, jobs=1)
    assert got.to_json(indent=1) == want.to_json(indent=1)


def test_rebudget_gives_the_arrays_of_a_fresh_build(session: Session) -> None:
    data = scaled(small(), "DD", 7_777_777)
    sc = pa.Scenario.from_dict(data)
    kept = rebudget(pa.build_model(small()), sc)
    fresh = pa.build_model(data)
    assert np.array_equal(kept.budget, fresh.budget)
    assert len(kept.parts) == len(fresh.parts)
    for a, b in zip(kept.parts, fresh.parts):
        assert np.array_equal(a.budget, b.budget) and np.array_equal(a.cols, b.cols)


def test_months_and_programs_rebuild_the_model(session: Session) -> None:
    change = WhatIf.from_json({"months": {"p2": 3}, "programs": ["JKK", "JKM", "JHT"]})
    got = session.solve(change).result
    data = small()
    data["phases"][1]["months"] = 3
    data["programs"] = ["JKK", "JKM", "JHT"]
    assert got.to_json(indent=1) == pa.solve(data, jobs=1).to_json(indent=1)


def test_bad_controls_are_named() -> None:
    with pytest.raises(ScenarioError) as err:
        WhatIf.from_json({"budgets": {"DD": -1, "APBD": 2.5, "DBH": True}, "months": {"p1": 0}})
    paths = {p.path for p in err.value.problems}
    assert paths == {"budgets.DD", "budgets.APBD", "budgets.DBH", "months.p1"}
    s = Session(pa.Scenario.from_dict(small()))
    with pytest.raises(ScenarioError) as err2:
        s.solve(WhatIf.from_json({"budgets": {"NOPE": 1}, "months": {"p9": 2}}))
    assert {p.path for p in err2.value.problems} == {"budgets.NOPE", "months.p9"}


def test_marginal_is_the_solve_with_one_more_billion(session: Session) -> None:
    change = WhatIf.from_json({"budgets": {"APBD": 5_000_000}})
    rows = {r["source"]: r for r in session.marginal(change, per=10_000_000)}
    base = pa.solve(scaled(small(), "APBD", 5_000_000), jobs=1)
    for sid in ("DD", "DBH", "APBD"):
        now = {"DD": 11_000_001, "DBH": 9_000_000, "APBD": 5_000_000}[sid]
        more = pa.solve(scaled(scaled(small(), "APBD", 5_000_000), sid, now + 10_000_000), jobs=1)
        assert rows[sid]["covered_gain"] == {p.phase: q.covered - p.covered for p, q in zip(base.phases, more.phases)}
        assert rows[sid]["shortfall_gain_idr"] == base.shortfall_idr - more.shortfall_idr


def test_a_phase_cannot_be_stretched_over_the_next() -> None:
    from premium_alloc.server.session import month_limits

    s = Session(pa.Scenario.from_dict(small()))
    # p1 starts 2024-01 and p2 2024-07: p1 may last up to 6 months, p2 (the last) up to 12
    assert month_limits(small()["phases"]) == {"p1": (6, "p2"), "p2": (12, None)}
    with pytest.raises(ScenarioError) as err:
        s.solve(WhatIf.from_json({"months": {"p1": 7, "p2": 13}}))
    assert {p.path for p in err.value.problems} == {"months.p1", "months.p2"}
    assert "phase p2 starts 6 month(s) after it" in str(err.value)
    assert s.solve(WhatIf.from_json({"months": {"p1": 6, "p2": 12}})).result.phases[1].covered >= 0
