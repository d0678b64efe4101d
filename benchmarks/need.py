"""`need` on the Kapuas-sized demo: the re-solved answer against the proof run to the old 60 s limit.

For each target and source: the wall time, the solves made, the amount that suffices when
re-solved (``need_idr``) and the least amount some plan needs (``any_plan_idr``, with its
proven lower bound). The baseline is the integer program alone with the old 60 s limit
(what `need` used to report: an amount for *some* plan, not checked by a solve).
Writes ``results/need.json`` and ``results/need.md``::

    .venv/bin/python benchmarks/need.py
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import premium_alloc as pa
from premium_alloc import analysis, synthetic
from premium_alloc.analysis import budget as B

OUT = Path(__file__).parent / "results"


def proof_only(sc: pa.Scenario, source: str, target: str, limit: float) -> tuple[float, str, int | None]:
    """The integer program alone (the old answer), timed."""
    model = pa.build_model(sc)
    tgt = B.Target.parse(target)
    si = sc.source_index(source)
    gp, vp = B._target_gp(model, tgt), B._target_vp(model, tgt)
    t0 = time.perf_counter()
    if B._static_unreachable(model, gp, vp):
        return time.perf_counter() - t0, "unreachable", None
    cost = model.col_cost[model.col_s == si]
    res = int(cost[cost > 0].min()) if (cost > 0).any() else 1
    status, _x, over, _lower = B._least_extra(model, si, gp, vp, res, limit)
    need = None if over is None else int(over[model.budget_source == si].sum())
    return time.perf_counter() - t0, status, need


def main() -> None:
    sc = pa.Scenario.from_dict(synthetic.kapuas_2024())
    rows = []
    for target in ("all", "extreme", "floors"):
        for s in sc.sources:
            t0 = time.perf_counter()
            nd = analysis.min_budget(sc, s.id, target)
            new_s = time.perf_counter() - t0
            old_s, old_status, old_need = proof_only(sc, s.id, target, 60.0)
            rows.append({
                "target": target, "source": s.id, "status": nd.status, "seconds": round(new_s, 2), "solves": nd.solves,
                "need_idr": nd.need_idr, "any_plan_idr": nd.any_plan_idr, "lower_idr": nd.lower_idr,
                "old_seconds": round(old_s, 2), "old_status": old_status, "old_need_idr": old_need,
            })
            print(rows[-1], flush=True)
    OUT.mkdir(exist_ok=True)
    load = os.getloadavg()[0]
    (OUT / "need.json").write_text(json.dumps({"load_average": load, "rows": rows}, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# need on the Kapuas-sized demo (39,073 workers, 231 villages)", "",
        f"Load average when run: {load:.1f} (2 cores).", "",
        "| target | source | status | s | solves | need (Rp, re-solved) | some plan (Rp) | old s (60 s proof) | old answer (Rp) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['target']} | {r['source']} | {r['status']} | {r['seconds']} | {r['solves']} | {r['need_idr'] if r['need_idr'] is not None else '-'} "
            f"| {r['any_plan_idr'] if r['any_plan_idr'] is not None else '-'} | {r['old_seconds']} | {r['old_need_idr'] if r['old_need_idr'] is not None else '-'} |"
        )
    by_t = {t: (sum(r["seconds"] for r in rows if r["target"] == t), sum(r["old_seconds"] for r in rows if r["target"] == t)) for t in ("all", "extreme", "floors")}
    lines += ["", "| target | every source, s | old proof, s | ratio |", "|---|---|---|---|"]
    lines += [f"| {t} | {a:.1f} | {b:.1f} | {b / a:.1f}x |" for t, (a, b) in by_t.items()]
    (OUT / "need.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
