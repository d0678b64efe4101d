"""Kemendagri place lookups at scale, against a plain Python dict loop, and their cost in validation.

- **lookup**: ``places.name`` over a column of village codes (every village of the country,
  repeated, as in a worker list) against a loop over a ``dict`` built from the same table, one
  code at a time; and ``places.describe`` (kind, name, district, regency and province names)
  against the same loop doing the five look-ups per code;
- **validate**: ``validate_dict`` of a synthetic national scenario (75,000 villages, one Dana Desa
  budget per village) with the place checks (kelurahan budgets, unknown codes) and with them
  switched off, so the extra cost of the checks is measured on the same input.

Results go to ``results/places.json`` and ``results/places.md``. Synthetic data only.

    .venv/bin/python benchmarks/places.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from premium_alloc import places, scenario, synthetic

OUT = Path(__file__).resolve().parent / "results"


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    t0 = time.perf_counter()
    table = places.table()
    load = time.perf_counter() - t0
    villages = table.index[table["level"] == 4].to_numpy(dtype=object)
    rows = []
    as_dict = {c: (n, k) for c, n, k in zip(table.index, table["name"], table["kind"])}
    for reps in (1, 4, 12):
        codes = np.tile(villages, reps)
        vec = best(lambda: places.name(codes))

        def loop() -> None:
            out = []
            for c in codes.tolist():
                hit = as_dict.get(c.strip())
                out.append(hit[0] if hit else None)

        def loop_describe() -> None:
            out = []
            for c in codes.tolist():
                c = c.strip()
                hit = as_dict.get(c)
                d, r, p = as_dict.get(c[:8]), as_dict.get(c[:5]), as_dict.get(c[:2])
                out.append((hit[1] if hit else None, hit[0] if hit else None, d and d[0], r and r[0], p and p[0]))

        base = best(loop)
        rows.append({"lookup": "name", "codes": int(codes.size), "vectorised_s": round(vec, 4), "dict_loop_s": round(base, 4), "ratio": round(base / vec, 2)})
        vec = best(lambda: places.describe(codes))
        base = best(loop_describe)
        rows.append({"lookup": "describe", "codes": int(codes.size), "vectorised_s": round(vec, 4), "dict_loop_s": round(base, 4), "ratio": round(base / vec, 2)})
    sc = synthetic.national(0, villages=75_000, workers=2_000_000, regencies=514)
    with_checks = best(lambda: scenario.validate_dict(sc), repeat=2)
    saved = scenario._place_problems
    scenario._place_problems = lambda d, v, s: []  # type: ignore[assignment]
    try:
        without = best(lambda: scenario.validate_dict(sc), repeat=2)
    finally:
        scenario._place_problems = saved  # type: ignore[assignment]
    checked = scenario.Scenario.from_dict(sc)
    t = time.perf_counter()
    warned = scenario.place_warnings(checked)
    warn_s = time.perf_counter() - t
    out = {
        "table_load_s": round(load, 3),
        "lookup": rows,
        "validate_national_s": {"with_place_checks": round(with_checks, 3), "without": round(without, 3),
                                "extra": round(with_checks - without, 3)},
        "place_warnings_national_s": round(warn_s, 3),
        "place_warnings": [w[:120] for w in warned],
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "places.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    md = ["| lookup | codes | vectorised s | dict loop s | loop / vectorised |", "|---|---:|---:|---:|---:|"]
    md += [f"| {r['lookup']} | {r['codes']:,} | {r['vectorised_s']} | {r['dict_loop_s']} | {r['ratio']} |" for r in rows]
    v = out["validate_national_s"]
    md += ["", f"Table load (once per process): {out['table_load_s']} s.",
           f"validate_dict, national synthetic scenario (75,000 villages): {v['with_place_checks']} s with the place checks, "
           f"{v['without']} s without ({v['extra']} s for them); place warnings {out['place_warnings_national_s']} s."]
    (OUT / "places.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
