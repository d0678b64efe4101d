"""Fast paths give the same answers as the plain ones: paused collector, pool workers, column rows, numpy grouping. No timing assertions."""

from __future__ import annotations

import gc

from premium_alloc.cli.gcpause import paused_gc
from premium_alloc.parallel import PartPool


def test_paused_gc_nests_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_restores_after_an_error() -> None:
    try:
        with paused_gc():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def _remember(value: int) -> None:
    global _SEEN
    _SEEN = value


def _gc_state(_: int) -> tuple[bool, int]:
    return gc.isenabled(), _SEEN


_SEEN = 0


def test_pool_workers_collect_even_when_forked_while_paused() -> None:
    with paused_gc():
        with PartPool(2, initializer=_remember, initargs=(7,)) as pool:
            states = list(pool.map(_gc_state, range(4)))
    assert states == [(True, 7)] * 4  # the caller's initializer still runs


# -- result rows kept as columns ------------------------------------------------------

import json  # noqa: E402
import pickle  # noqa: E402
from dataclasses import asdict  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import premium_alloc as pa  # noqa: E402
from premium_alloc import jsonfast, synthetic  # noqa: E402
from premium_alloc.jsonfast import Coded, Columns  # noqa: E402
from premium_alloc.result import RowTable  # noqa: E402


def _ref(doc: object, indent: int | None) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))


@pytest.mark.parametrize("n", [0, 3, 64, 1000])
def test_columns_encode_as_their_rows(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonfast, "CHUNK_ROWS", 7)  # many chunks
    rng = np.random.default_rng(n)
    g = rng.integers(0, 40, n)
    sp = rng.integers(0, 6, n)
    names = [f"v{i} é\"%s\n" for i in range(40)]
    mixed = [None if i % 5 == 0 else (1.5 if i % 5 == 1 else (True if i % 5 == 2 else i * 1000)) for i in range(40)]
    cols = Columns(
        ["village", "pri%d", "income", "source", "phase", "workers", "met", "share"],
        [Coded(g, names), Coded(g, [f"p{i % 3}" for i in range(40)]), Coded(g, mixed), Coded(sp, ["A", "B", "C"] * 2),
         Coded(sp, ["p1", "p2"] * 3), rng.integers(0, 10**12, n), rng.integers(0, 2, n).astype(bool), rng.random(n)],
    )
    rows = cols.rows()
    assert len(rows) == n and (not n or set(rows[0]) == set(cols.keys))
    for indent in (None, 1, 2):
        assert jsonfast.dumps({"a": cols, "b": [cols], "c": 1}, indent=indent) == _ref({"a": rows, "b": [rows], "c": 1}, indent)


def test_columns_with_odd_values_fall_back_to_json_dumps() -> None:
    cols = Columns(["a", "b"], [[float("nan"), 1.0] * 50, [[1, 2]] * 100])
    assert jsonfast.dumps([cols, cols], indent=1) == _ref([cols.rows(), cols.rows()], 1)
    with pytest.raises(ValueError):
        Columns(["a", "b"], [[1], [1, 2]])


@pytest.fixture(scope="module")
def solved() -> bytes:
    return pickle.dumps(pa.solve(pa.Scenario.from_dict(synthetic.province(5, regencies=3, villages=120, workers=12_000))))


@pytest.fixture()
def province_result(solved: bytes) -> pa.Result:
    return pickle.loads(solved)  # a fresh copy each time: reading rows changes a result


def test_result_rows_stay_columns_until_read(province_result: pa.Result, solved: bytes) -> None:
    r = province_result
    assert type(r.__dict__["_allocations"]) is RowTable and type(r.__dict__["_villages"]) is RowTable
    text, frames = r.to_json(indent=1), r.frames()
    plain = r.to_dict()
    assert type(r.__dict__["_allocations"]) is RowTable  # nothing above made the objects
    rows = r.allocations
    assert rows and all(type(a) is pa.Allocation for a in rows) and r.allocations is rows
    assert [asdict(a) for a in rows] == plain["allocations"] and [asdict(v) for v in r.villages] == plain["villages"]
    assert r.to_json(indent=1) == text == _ref(plain, 1)
    for name, frame in r.frames().items():  # frames from objects equal frames from columns
        pd.testing.assert_frame_equal(frame, frames[name])
    assert r == pickle.loads(solved)


def test_result_rows_read_back_after_a_change(province_result: pa.Result, solved: bytes) -> None:
    r = province_result
    r.allocations = r.allocations[:5]
    r.villages.pop()
    doc = json.loads(r.to_json())
    assert len(doc["allocations"]) == 5 and len(doc["villages"]) == len(pickle.loads(solved).villages) - 1


def test_coverage_frame_from_columns_is_the_groupby(province_result: pa.Result) -> None:
    r = province_result
    fast = r.coverage_frame()
    assert type(r.__dict__["_allocations"]) is RowTable
    r.allocations  # noqa: B018 - made into objects: the groupby path
    pd.testing.assert_frame_equal(fast, r.coverage_frame())
    assert len(fast) > 1


# -- process pool: shrinking chunks, items inherited by forked workers ----------------

import multiprocessing  # noqa: E402

from premium_alloc import parallel  # noqa: E402
from premium_alloc.parallel import guided_chunks  # noqa: E402


def test_guided_chunks_shrink_and_keep_every_item() -> None:
    weights = [float(w) for w in np.random.default_rng(0).integers(1, 1000, 500)]
    chunks = guided_chunks(weights, 2)
    assert sorted(i for c in chunks for i in c) == list(range(500))
    assert all(c == sorted(c) for c in chunks)
    loads = [sum(weights[i] for i in c) for c in chunks]
    assert loads[0] >= 0.2 * sum(weights) and loads[-1] <= 0.05 * sum(weights)
    assert int(np.argmax(weights)) in chunks[0]  # heaviest first
    assert guided_chunks([], 2) == [] and guided_chunks([5.0], 4) == [[0]]


def test_forked_workers_read_the_items_and_leave_nothing_behind() -> None:
    items = [np.arange(i, i + 3) for i in range(300)]
    with PartPool(2) as pool:
        forked = pool._forks_on_submit()
        first = list(pool.map(np.sum, items))
        assert not pool._forks_on_submit()  # started: the next map pickles its items
        second = list(pool.map(np.sum, items))
    assert first == second == [int(a.sum()) for a in items]
    assert parallel._FORKED == {}
    assert forked == (multiprocessing.get_start_method() == "fork")


# -- groups of a worker_groups list ---------------------------------------------------


def test_listed_groups_equal_the_groupby_path() -> None:
    from premium_alloc import groups as groups_mod

    d = synthetic.regency(3, villages=20, workers=3000)
    d["worker_groups"] = d["worker_groups"] + d["worker_groups"][:50] + [dict(g, income=2_500_000) for g in d["worker_groups"][:30]]
    sc = pa.Scenario.from_dict(d)
    fast, _ = groups_mod.group_table(sc)
    workers = pd.DataFrame(
        [
            {"village": g.village, "priority": g.priority, "sector": g.sector, "income": g.income or sc.income}
            for g in sc.worker_groups
            for _ in range(g.count)
        ]
    )
    slow = groups_mod.aggregate(workers)  # the groupby a worker list goes through
    slow["vidx"] = slow["village"].map({v.id: i for i, v in enumerate(sc.villages)}).astype("int64")
    slow = slow.sort_values(["vidx", "priority", "sector", "income"], kind="stable").reset_index(drop=True)
    slow = slow.astype({"income": "int64", "count": "int64"})
    pd.testing.assert_frame_equal(fast, slow[list(fast.columns)], check_exact=True)
    assert int(fast["count"].sum()) == sum(g.count for g in sc.worker_groups)


# -- cross references: the dict shortcut says what the Mapping path says ---------------


def test_cross_references_same_for_dicts_and_other_mappings() -> None:
    from types import MappingProxyType

    from premium_alloc.scenario import _cross_references

    d = synthetic.regency(3, villages=5, workers=500)
    d["worker_groups"] += [{"village": "nowhere", "count": 1, "priority": "poor", "sector": "x"}, {"village": ["a"], "count": 1}, {"count": 2}, 7]
    d["villages"].append(dict(d["villages"][0]))  # a duplicate id
    found = [str(p) for p in _cross_references(d)]
    proxied = dict(d, worker_groups=[MappingProxyType(g) if isinstance(g, dict) else g for g in d["worker_groups"]],
                   villages=[MappingProxyType(v) for v in d["villages"]])
    assert [str(p) for p in _cross_references(proxied)] == found
    assert any("'nowhere' is not a known village" in p for p in found) and any("['a'] is not a known village" in p for p in found)
    assert any("duplicate id" in p for p in found)


# -- verification: eligibility per source from one sort ---------------------------------


def test_eligibility_violations_are_counted_per_source() -> None:
    from premium_alloc.groups import group_table
    from premium_alloc.model import model_from_groups as build_model
    from premium_alloc.verify import violations

    sc = pa.Scenario.from_dict(synthetic.province(5, regencies=3, villages=60, workers=6000))
    model = build_model(sc, group_table(sc)[0])
    r = pa.solve(sc)
    assert violations(model, r.x) == []
    used = np.flatnonzero(r.x > 0)
    rng = np.random.default_rng(1)
    moved = rng.choice(used, size=40, replace=False)
    model.col_s = model.col_s.copy()
    model.col_s[moved] = rng.integers(0, len(sc.sources), size=moved.size)  # some land on sources that may not pay
    found = violations(model, r.x)
    expected = []  # the rule, source by source over a boolean mask
    s = model.col_s[used]
    g = model.col_g[used]
    vil = model.groups["village"].to_numpy(object)[g]
    for si, src in enumerate(sc.sources):
        sel = s == si
        if not sel.any():
            continue
        ok = np.ones(int(sel.sum()), dtype=bool)
        if src.scope == "village":
            ok &= np.array([v in (src.budgets or {}) for v in vil[sel]], dtype=bool)
        for key, allowed in (src.eligible or {}).items():
            if key in ("sector", "priority", "village"):
                col = model.groups[key].to_numpy(object)[g]
            else:
                col = np.array([getattr(sc.villages[i], key) for i in model.groups["vidx"].to_numpy()[g]], dtype=object)
            ok &= np.array([v in allowed for v in col[sel]], dtype=bool)
        if not ok.all():
            expected.append(f"source {src.id}: {int((~ok).sum())} allocation(s) to groups or phases it may not pay for")
    assert expected and [f for f in found if "may not pay" in f] == expected
