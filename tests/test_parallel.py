"""Parallel solving (process pool, Dask cluster) and bulk I/O at scale. No timing assertions."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import premium_alloc as pa
from premium_alloc import jsonfast, synthetic
from premium_alloc.engine import SolveOptions, solve_model
from premium_alloc.groups import group_table
from premium_alloc.io.workers import aggregate, read_workers
from premium_alloc.model import model_from_groups as build_model
from premium_alloc.parallel import (
    PARALLEL_MIN_COLUMNS,
    ClientExecutor,
    PartPool,
    as_executor,
    chunk_indices,
    default_executor,
    make_executor,
)
from premium_alloc.plan import worker_plan
from premium_alloc.scenario import Scenario


@pytest.fixture(scope="module")
def province_small() -> Scenario:
    return Scenario.from_dict(synthetic.province(3, regencies=6, villages=200, workers=20_000))


@pytest.fixture(scope="module")
def serial_json(province_small: Scenario) -> str:
    result = pa.solve(province_small)
    assert result.info is not None and result.info.parts > 1
    return result.to_json(indent=1)


def test_process_pool_gives_the_serial_json(province_small: Scenario, serial_json: str) -> None:
    with PartPool(2) as pool:
        result = pa.solve(province_small, executor=pool)
    assert result.to_json(indent=1) == serial_json


def test_any_executor_gives_the_serial_json(province_small: Scenario, serial_json: str) -> None:
    with ThreadPoolExecutor(2) as pool:
        assert pa.solve(province_small, executor=pool).to_json(indent=1) == serial_json


def test_dask_local_cluster_gives_the_serial_json(province_small: Scenario, serial_json: str) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=50
    ) as cluster, distributed.Client(cluster) as client:
        ex = as_executor(client)
        assert isinstance(ex, ClientExecutor)
        result = pa.solve(province_small, executor=ex)
        assert result.to_json(indent=1) == serial_json
        # the adapter also runs plain functions, in input order, and single submissions
        assert list(ex.map(pow, range(200), [2] * 200)) == [i * i for i in range(200)]
        assert ex.submit(pow, 3, 4).result(timeout=30) == 81


def test_chunks_balance_work_and_keep_every_item() -> None:
    weights = [1000.0] + [1.0] * 499
    chunks = chunk_indices(weights, 8)
    assert sorted(i for c in chunks for i in c) == list(range(500))
    assert len(chunks) == 8
    assert chunks[0] == [0]  # the big part alone, submitted first
    assert all(c == sorted(c) for c in chunks)
    assert chunk_indices([], 4) == []
    assert chunk_indices([1.0, 1.0], 8) == [[0], [1]]


def test_part_pool_map_keeps_order_with_few_round_trips() -> None:
    with PartPool(2) as pool:
        out = list(pool.map(divmod, range(500), [7] * 500, chunksize=1))
    assert out == [divmod(i, 7) for i in range(500)]


def test_default_executor_only_for_big_models() -> None:
    assert default_executor(1, 10**7) is None
    assert default_executor(500, 1000) is None
    ex = default_executor(500, PARALLEL_MIN_COLUMNS + 1, max_workers=2)
    try:
        assert isinstance(ex, PartPool)
    finally:
        if ex is not None:
            ex.shutdown()
    assert make_executor(1, 500, 10**7) is None
    assert as_executor(None) is None
    with pytest.raises(TypeError):
        as_executor(object())


def test_parts_pickle_and_solve_alone(province_small: Scenario) -> None:
    import pickle

    groups, _ = group_table(province_small)
    model = build_model(province_small, groups)
    blob = pickle.dumps(model.parts, protocol=pickle.HIGHEST_PROTOCOL)
    parts = pickle.loads(blob)
    assert [p.cols.tolist() for p in parts] == [p.cols.tolist() for p in model.parts]
    a = solve_model(model, SolveOptions())
    model.parts = parts
    b = solve_model(model, SolveOptions())
    assert a.to_json() == b.to_json()


# ------------------------------------------------------------------------- bulk I/O


def _worker_csv(path: Path, villages: list[str], n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "worker_id": np.char.add("6203", np.char.zfill(np.arange(n).astype(str), 12)),
            "village": np.asarray(villages, dtype=object)[rng.integers(0, len(villages), n)],
            "priority": np.array(["extreme", "poor", "vulnerable"], dtype=object)[rng.integers(0, 3, n)],
            "sector": np.array(["palm", "farming", "fishing"], dtype=object)[rng.integers(0, 3, n)],
            "income": np.where(rng.random(n) < 0.2, "1500000", np.where(rng.random(n) < 0.1, "", "1000000")),
        }
    )
    df.to_csv(path, index=False)
    return df


def test_200k_worker_csv_reads_and_aggregates(tmp_path: Path) -> None:
    villages = [f"62.03.{d:02d}.{2000 + v:04d}" for d in range(1, 11) for v in range(1, 31)]
    src = _worker_csv(tmp_path / "workers.csv", villages, 200_000)
    workers = read_workers(tmp_path / "workers.csv", villages=villages, default_income=1_000_000)
    assert len(workers) == 200_000
    assert workers["worker_id"].tolist() == src["worker_id"].tolist()
    groups = aggregate(workers)
    # independent count: plain Python over the raw file's rows
    expected: dict[tuple[str, str, str, int], int] = {}
    for v, p, s, inc in zip(src["village"], src["priority"], src["sector"], src["income"]):
        key = (v, p, s, int(inc) if inc else 1_000_000)
        expected[key] = expected.get(key, 0) + 1
    got = {(r.village, r.priority, r.sector, int(r.income)): int(r.count) for r in groups.itertuples()}
    assert got == expected
    assert int(groups["count"].sum()) == 200_000


def test_worker_plan_at_scale_is_consistent(tmp_path: Path) -> None:
    data = synthetic.regency(5, villages=40, workers=4_000)
    villages = [v["id"] for v in data["villages"]]
    _worker_csv(tmp_path / "w.csv", villages, 30_000, seed=1)
    data.pop("worker_groups")
    data["workers"] = "w.csv"
    (tmp_path / "s.json").write_text(json.dumps(data), encoding="utf-8")
    sc = pa.load_scenario(tmp_path / "s.json")
    result = pa.solve(sc)
    workers = read_workers(sc.workers, villages=villages, default_income=sc.income)  # type: ignore[arg-type]
    plan = worker_plan(result, workers)
    assert len(plan) == len(workers) * len(sc.phases)
    covered = plan[plan["source"] != ""].groupby("phase").size()
    for ph in result.phases:
        assert int(covered.get(ph.phase, 0)) == ph.covered
    paid = plan.groupby("source")["cost_idr"].sum()
    for s in result.sources:
        assert int(paid.get(s.source, 0)) == s.spent_idr


def test_fast_json_is_json_dumps(province_small: Scenario) -> None:
    result = pa.solve(province_small)
    doc = result.to_dict()
    for indent in (None, 1, 2):
        ref = json.dumps(doc, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
        assert result.to_json(indent=indent) == ref
        assert jsonfast.dumps(doc, indent=indent) == ref
    odd = {"rows": [{"a": i, "b": f"é\"{i}\n", "c": i / 3, "d": i % 2 == 0, "e": None} for i in range(100)]}
    odd["rows"][7]["c"] = float("nan")
    odd["mixed"] = [{"a": 1}] * 70 + [{"b": 2}]
    for indent in (None, 1):
        ref = json.dumps(odd, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
        assert jsonfast.dumps(odd, indent=indent) == ref


def test_write_json_round_trips(tmp_path: Path, province_small: Scenario) -> None:
    result = pa.solve(province_small)
    path = result.write_json(tmp_path / "r.json")
    text = path.read_text(encoding="utf-8")
    assert text == result.to_json(indent=1) + "\n"
    assert json.loads(text)["allocations"] == [dict(a.__dict__) for a in result.allocations]


def test_cli_jobs_option(tmp_path: Path) -> None:
    from premium_alloc.cli import main

    synthetic.write(synthetic.province(3, regencies=6, villages=200, workers=20_000), tmp_path / "p.json")
    assert main(["solve", str(tmp_path / "p.json"), "--out", str(tmp_path / "a.json"), "-q", "--jobs", "2"]) == 0
    assert main(["solve", str(tmp_path / "p.json"), "--out", str(tmp_path / "b.json"), "-q", "--jobs", "1"]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
