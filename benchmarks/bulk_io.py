"""Bulk I/O at scale: worker CSV in, per-worker plan out, result JSON out, against plain Python.

For each size, on the same data:

- **read**: ``read_workers`` + ``aggregate`` (vectorised validation and counting) against a
  ``csv.DictReader`` loop that checks each row and counts groups in a dict, the way one would
  write it by hand;
- **plan**: ``write_worker_plan`` against a per-worker loop that hands out each group's
  allocations in turn and writes one CSV row per worker and phase;
- **json**: ``Result.write_json`` against ``json.dump`` of ``Result.to_dict()``, on provinces
  of growing size (up to about half a million allocation rows).

Time per row is reported at every size: flat means linear work (no quadratic step). Results
go to ``results/bulk_io.json`` and ``results/bulk_io.md``. Synthetic data only.

    .venv/bin/python benchmarks/bulk_io.py            # 250k, 500k and 1M workers
    .venv/bin/python benchmarks/bulk_io.py --quick    # 50k and 100k
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import premium_alloc as pa
from premium_alloc import synthetic
from premium_alloc.plan import write_worker_plan
from premium_alloc.io.workers import aggregate, read_workers

HERE = Path(__file__).resolve().parent
PRIORITIES = {"extreme", "poor", "vulnerable"}


def _timed(fn, *args, **kwargs) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def make_case(tmp: Path, workers: int, seed: int = 0) -> tuple[Path, dict[str, Any]]:
    """A province scenario whose groups are expanded to one CSV row per worker (synthetic NIKs)."""
    data = synthetic.province(seed, villages=max(workers // 200, 20), workers=workers)
    g = pd.DataFrame(data.pop("worker_groups"))
    counts = g["count"].to_numpy(np.int64)
    rows = g.loc[g.index.repeat(counts)].reset_index(drop=True)
    nik = (np.int64(6_100_000_000_000_000) + np.random.default_rng(seed).permutation(len(rows))).astype(str)
    income = rows["income"] if "income" in rows else pd.Series(np.nan, index=rows.index)
    frame = pd.DataFrame(
        {
            "worker_id": nik,
            "village": rows["village"],
            "priority": rows["priority"],
            "sector": rows["sector"],
            "income": income.astype("Int64").astype(str).replace("<NA>", ""),
        }
    )
    csv_path = tmp / f"workers_{workers}.csv"
    frame.to_csv(csv_path, index=False)
    data["workers"] = csv_path.name
    scenario_path = tmp / f"scenario_{workers}.json"
    scenario_path.write_text(json.dumps(data), encoding="utf-8")
    return scenario_path, data


def naive_read(path: Path, villages: set[str], default_income: int) -> dict[tuple, int]:
    """Row-by-row reading with the same checks (known village, priority given, income whole, unique ID)."""
    counts: dict[tuple, int] = {}
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            wid = row["worker_id"].strip()
            if not wid or wid in seen:
                raise ValueError(f"line {line}: worker_id empty or repeated")
            seen.add(wid)
            village = row["village"].strip()
            if village not in villages:
                raise ValueError(f"line {line}: unknown village")
            priority = row["priority"].strip()
            if not priority:
                raise ValueError(f"line {line}: priority empty")
            raw = row["income"].strip()
            income = int(raw) if raw else default_income
            if income < 0:
                raise ValueError(f"line {line}: negative income")
            key = (village, priority, row["sector"].strip(), income)
            counts[key] = counts.get(key, 0) + 1
    return counts


def naive_plan(result: pa.Result, workers: pd.DataFrame, path: Path) -> None:
    """One worker at a time: each group's allocations are handed out in worker_id order."""
    queues: dict[tuple, list[list]] = {}
    for a in result.allocations:
        queues.setdefault((a.village, a.priority, a.sector, a.income, a.phase), []).append(
            [a.source, a.workers, a.cost_idr // a.workers]
        )
    phases = [p.phase for p in result.phases]
    ordered = workers.sort_values("worker_id")
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["worker_id", "village", "phase", "source", "cost_idr"])
        for wid, v, pr, se, inc in zip(
            ordered["worker_id"], ordered["village"], ordered["priority"], ordered["sector"], ordered["income"]
        ):
            masked = wid[:6] + "*" * (len(wid) - 6)
            for ph in phases:
                q = queues.get((v, pr, se, int(inc), ph))
                while q and q[0][1] == 0:
                    q.pop(0)
                if q:
                    q[0][1] -= 1
                    out.writerow([masked, v, ph, q[0][0], q[0][2]])
                else:
                    out.writerow([masked, v, ph, "", 0])


def measure(tmp: Path, n: int) -> dict[str, Any]:
    print(f"{n:,} workers: generating", flush=True)
    scenario_path, data = make_case(tmp, n)
    csv_path = scenario_path.parent / data["workers"]
    villages = [v["id"] for v in data["villages"]]
    default_income = int(data.get("income", 1_000_000))

    print(f"{n:,} workers: reading", flush=True)
    t_read, workers = _timed(read_workers, csv_path, villages=villages, default_income=default_income)
    t_agg, groups = _timed(aggregate, workers)
    t_naive_read, naive_counts = _timed(naive_read, csv_path, set(villages), default_income)
    ours_counts = {
        (r.village, r.priority, r.sector, int(r.income)): int(r.count) for r in groups.itertuples(index=False)
    }
    if ours_counts != naive_counts:
        raise SystemExit("aggregation differs from the row-by-row count")

    print(f"{n:,} workers: solving", flush=True)
    t_solve, result = _timed(pa.solve, pa.load_scenario(scenario_path))
    print(f"{n:,} workers: plan and JSON", flush=True)
    t_plan, _ = _timed(write_worker_plan, result, workers, tmp / "plan.csv")
    t_naive_plan, _ = _timed(naive_plan, result, workers, tmp / "plan_naive.csv")
    ours_plan = pd.read_csv(tmp / "plan.csv", dtype=str, keep_default_na=False)
    naive = pd.read_csv(tmp / "plan_naive.csv", dtype=str, keep_default_na=False)
    by_source = ours_plan.groupby(["phase", "source"]).size()
    if not by_source.equals(naive.groupby(["phase", "source"]).size()):
        raise SystemExit("per-worker plan differs from the per-worker loop by phase and source")
    plan_rows = len(ours_plan)
    return {
        "workers": n,
        "villages": len(villages),
        "groups": len(groups),
        "plan_rows": plan_rows,
        "solve_seconds": t_solve,
        "read": {"ours": t_read + t_agg, "naive": t_naive_read, "ours_us_per_row": 1e6 * (t_read + t_agg) / n},
        "plan": {"ours": t_plan, "naive": t_naive_plan, "ours_us_per_row": 1e6 * t_plan / plan_rows},
    }


def measure_json(tmp: Path, villages: int) -> dict[str, Any]:
    """Result JSON of a province with ``villages`` villages (about 4 allocation rows each)."""
    print(f"JSON, {villages:,} villages: solving", flush=True)
    result = pa.solve(synthetic.province(1, regencies=min(max(villages // 500, 1), 99), villages=villages, workers=villages * 100))
    t_json, _ = _timed(result.write_json, tmp / "result.json")

    def stdlib_json() -> None:
        with (tmp / "result_stdlib.json").open("w", encoding="utf-8") as fh:
            json.dump(result.to_dict(), fh, indent=1, ensure_ascii=False)
            fh.write("\n")

    t_stdlib, _ = _timed(stdlib_json)
    rows = len(result.allocations) + len(result.villages)
    return {
        "villages": villages,
        "allocation_rows": len(result.allocations),
        "rows": rows,
        "ours": t_json,
        "stdlib": t_stdlib,
        "ours_us_per_row": 1e6 * t_json / rows,
        "byte_identical_to_stdlib": (tmp / "result.json").read_bytes() == (tmp / "result_stdlib.json").read_bytes(),
    }


def _scaling(rows: list[dict[str, Any]], size: str, *paths: str) -> str:
    """'k x more rows took t x as long' between the first and last size."""
    first, last = rows[0], rows[-1]

    def get(r: dict[str, Any]) -> float:
        for p in paths:
            r = r[p]
        return float(r)  # type: ignore[arg-type]

    return f"{last[size] / first[size]:.1f}x the rows took {get(last) / get(first):.1f}x as long"


def write_markdown(res: dict[str, Any], path: Path) -> None:
    lines = [
        "# Bulk I/O",
        "",
        f"Run {res['started']} on {res['cpus']} CPU(s), load average {res['load_start']} at start, "
        f"{res['load_end']} at end. Synthetic data (`premium_alloc.synthetic.province`, expanded to one CSV "
        "row per worker). Flat microseconds per row from size to size mean linear work.",
        "",
        "## Worker list in, per-worker plan out",
        "",
        "| workers | groups | read + aggregate s | row-by-row s | speedup | us/row | "
        "plan rows | plan CSV s | per-worker loop s | speedup | us/row |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res["sizes"]:
        rd, pl = r["read"], r["plan"]
        lines.append(
            f"| {r['workers']:,} | {r['groups']:,} | {rd['ours']:.2f} | {rd['naive']:.2f} | "
            f"{rd['naive'] / rd['ours']:.1f}x | {rd['ours_us_per_row']:.2f} | {r['plan_rows']:,} | {pl['ours']:.2f} | "
            f"{pl['naive']:.2f} | {pl['naive'] / pl['ours']:.1f}x | {pl['ours_us_per_row']:.2f} |"
        )
    lines += [
        "",
        f"Reading: {_scaling(res['sizes'], 'workers', 'read', 'ours')}; plan: "
        f"{_scaling(res['sizes'], 'workers', 'plan', 'ours')}.",
        "",
        "## Result JSON",
        "",
        "| villages | allocation rows | rows (allocations + villages) | write_json s | json.dump s | json.dump / ours | us/row | same bytes |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in res["json"]:
        lines.append(
            f"| {r['villages']:,} | {r['allocation_rows']:,} | {r['rows']:,} | {r['ours']:.2f} | {r['stdlib']:.2f} | "
            f"{r['stdlib'] / r['ours']:.1f}x | {r['ours_us_per_row']:.2f} | {'yes' if r['byte_identical_to_stdlib'] else 'no'} |"
        )
    lines += ["", f"JSON: {_scaling(res['json'], 'rows', 'ours')}.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    sizes = [50_000, 100_000] if args.quick else [250_000, 500_000, 1_000_000]
    json_villages = [1_000, 4_000] if args.quick else [10_000, 40_000, 120_000]
    res: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cpus": os.cpu_count(),
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "sizes": [],
        "json": [],
    }
    with tempfile.TemporaryDirectory(prefix="pa-bulk-") as tmp:
        for n in sizes:
            res["sizes"].append(measure(Path(tmp), n))
            print(json.dumps(res["sizes"][-1]), flush=True)
        for v in json_villages:
            res["json"].append(measure_json(Path(tmp), v))
            print(json.dumps(res["json"][-1]), flush=True)
    res["load_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bulk_io.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    write_markdown(res, args.out / "bulk_io.md")
    print((args.out / "bulk_io.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
