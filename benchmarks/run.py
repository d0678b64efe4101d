"""Run every comparison in one go, on the same synthetic data, and write benchmarks/results/.

    python benchmarks/run.py                 # everything (national included: a few minutes)
    python benchmarks/run.py --quick         # no national, shorter PuLP time limit

Compared, in one run:
- ours: ``premium-alloc solve SCENARIO --out RESULT.json`` end to end (a fresh process: import,
  read JSON, build, solve, verify, write), with its peak memory (the process and its workers);
- raw floor: the same model built as numpy arrays and passed straight to highspy's LP, part by
  part (``build_model`` + ``solvers.lp.linear_program`` + ``HighsSolver().solve``; no repair, no report);
- HiGHS's own MILP on each part's exact model, 2 s, no start (regency);
- naive: one PuLP binary per worker, source and phase (HiGHS through PuLP), with a time limit;
- greedy: by priority, cheapest source first (``benchmarks/greedy.py``).

Writes ``results/results.json`` (every figure), ``results/results.md`` (tables with ratios and
the targets) and ``results/benchmarks.png``. All data is synthetic (``premium_alloc.synthetic``).
Wall times depend on what else runs on the machine: the load average is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import premium_alloc as pa  # noqa: E402
from premium_alloc import synthetic
from premium_alloc.solvers.highs import HighsSolver  # noqa: E402
from premium_alloc.solvers.lp import linear_program  # noqa: E402
from premium_alloc.groups import group_table  # noqa: E402
from premium_alloc.model import model_from_groups as build_model  # noqa: E402
from premium_alloc import Scenario, load_scenario  # noqa: E402

from common import cli as _cli  # noqa: E402
from common import load as _load  # noqa: E402
from greedy import greedy_summary, plan_summary  # noqa: E402
from naive_pulp import solve_naive  # noqa: E402

TARGETS = {
    "regency_cli_s": 2.0,
    "province_cli_s": 5.0,
    "national_cli_s": 30.0,
    "national_gap": 0.01,
    "national_peak_gb": 4.0,
    "national_vs_floor": 2.0,
    "national_cli_vs_floor": 1.3,
    "regency_vs_milp": 0.001,
    "pulp_speedup_40k": 100.0,
    "demo_vs_greedy": 0.05,
}


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return "?"


def run_cli(scenario: Path, out: Path, extra: list[str] | None = None) -> dict[str, Any]:
    """Wall time and peak memory (process tree, sampled) of ``premium-alloc solve``."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil ships with most environments
        psutil = None
    cmd = [*_cli(), "solve", str(scenario), "--out", str(out), "-q", *(extra or [])]
    load0 = _load()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        if psutil is None:
            return
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, rss)
            except psutil.Error:
                break
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    doc = json.loads(out.read_text(encoding="utf-8"))
    return {
        "command": " ".join(["premium-alloc", *cmd[len(_cli()):]]).replace(str(scenario.parent) + os.sep, ""),
        "seconds": wall,
        "peak_rss_gb": peak / 1e9 if peak else None,
        "status": doc["status"],
        "objective": doc["objective"],
        "bound": doc["bound"],
        "gap": doc["gap"],
        "allocations": len(doc["allocations"]),
        "load_before": load0,
        "load_after": _load(),
    }


def raw_floor(sc: Scenario, path: Path | None = None) -> dict[str, Any]:
    """Parse the scenario file, build the model as numpy arrays and solve each part's LP with highspy; nothing else.

    With ``path`` the floor includes reading and validating the file (as the CLI must).
    """
    t_parse = time.perf_counter()
    if path is not None:
        sc = load_scenario(path)
    t0 = time.perf_counter()
    groups, _ = group_table(sc)
    model = build_model(sc, groups)
    t1 = time.perf_counter()
    lp_obj = 0.0
    solver = HighsSolver()
    for part in model.parts:
        lp_obj += solver.solve(linear_program(part)).objective
    t2 = time.perf_counter()
    return {
        "seconds": t2 - t_parse,
        "parse_seconds": t0 - t_parse,
        "build_seconds": t1 - t0,
        "lp_seconds": t2 - t1,
        "lp_objective": lp_obj,
        "columns": model.n_cols,
        "parts": len(model.parts),
    }


def ours_in_process(sc: Scenario) -> tuple[dict[str, Any], Any]:
    """``pa.solve`` in this process (scenario already loaded): build, solve, verify, report."""
    from premium_alloc.parallel import default_executor

    t0 = time.perf_counter()
    groups, _ = group_table(sc)
    model = build_model(sc, groups)
    ex = default_executor(len(model.parts), model.n_cols)
    try:
        from premium_alloc.engine import SolveOptions, solve_model

        result = solve_model(model, SolveOptions(), executor=ex)
    finally:
        if ex is not None:
            ex.shutdown()
    return (
        {
            "seconds": time.perf_counter() - t0,
            "status": result.status,
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "parallel": ex is not None,
            "methods": result.info.methods if result.info else {},
        },
        result,
    )


def highs_milp_reference(sc: Scenario, time_limit: float = 2.0) -> dict[str, Any]:
    """HiGHS's own MILP on each part's exact model, ``time_limit`` s each, no start."""
    groups, _ = group_table(sc)
    model = build_model(sc, groups)
    total, bound, t0 = 0.0, 0.0, time.perf_counter()
    for part in model.parts:
        lp = linear_program(part)
        out = HighsSolver().solve(lp, integer=True, gap=1e-4, abs_gap=1e-6, time_limit=time_limit)
        total += out.objective
        bound += out.bound
    return {"objective": total, "bound": bound, "seconds": time.perf_counter() - t0, "time_limit_per_part": time_limit, "parts": len(model.parts)}


def naive_vs_ours(sizes: list[int], time_limit: float) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        data = synthetic.regency(7, villages=max(5, round(n * 230 / 40_000)), workers=n)
        sc = Scenario.from_dict(data)
        t0 = time.perf_counter()
        ours = pa.solve(sc)
        ours_s = time.perf_counter() - t0
        naive = solve_naive(ours.model, time_limit=time_limit)
        rows.append(
            {
                "workers": n,
                "villages": len(sc.villages),
                "ours_seconds": ours_s,
                "ours_objective": ours.objective,
                "ours_bound": ours.bound,
                "naive": naive,
                "speedup": naive["seconds"] / ours_s,
                "naive_objective_vs_ours": (naive["objective"] / ours.objective) if naive["objective"] else None,
            }
        )
        print(f"  naive PuLP {n:>6,} workers: {naive['seconds']:.1f} s ({naive['sol_status']}), ours {ours_s:.3f} s", flush=True)
    return rows


def greedy_vs_ours(name: str, sc: Scenario, result: Any | None = None) -> dict[str, Any]:
    if result is None:
        result = pa.solve(sc)
    g = greedy_summary(result.model)
    o = plan_summary(result.model, result.x)
    return {
        "scenario": name,
        "ours": o,
        "greedy": g,
        "W_gain": o["W"] / g["W"] - 1.0,
        "weighted_worker_months_gain": o["weighted_worker_months"] / g["weighted_worker_months"] - 1.0,
    }


def write_markdown(res: dict[str, Any], path: Path) -> None:
    L: list[str] = []
    env = res["environment"]
    L += ["# Benchmark results", "", f"Run {res['started']} on {env['cpus']} CPU(s), Python {env['python']}, "
          f"HiGHS via highspy {env['highspy']}, PuLP {env['pulp']}. Load average at start {env['load_start']}, at end {res['load_end']}.",
          "Synthetic data only (`premium_alloc.synthetic`). Wall times depend on other work on the machine.", ""]
    L += ["## End to end through the CLI, against the raw floor", "",
          "The raw floor reads and validates the scenario file, builds the model as numpy arrays and solves each part's LP with",
          "highspy, serially in one process (no repair, verification or report); it is measured right after the CLI, in turn.", "",
          "| scenario | columns | parts | CLI s | peak GB | status | gap | raw floor s (parse + build + LP) | CLI / floor | in-process solve s | in-process / floor |",
          "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for name, r in res["scenarios"].items():
        c, f, o = r["cli"], r["floor"], r["ours"]
        peak = f"{c['peak_rss_gb']:.2f}" if c.get("peak_rss_gb") else "n/a"
        L.append(f"| {name} | {f['columns']:,} | {f['parts']} | {c['seconds']:.2f} | {peak} | {c['status']} | {c['gap']:.3%} | "
                 f"{f['seconds']:.2f} | {c['seconds'] / f['seconds']:.2f}x | {o['seconds']:.2f} | {o['seconds'] / f['seconds']:.2f}x |")
    if "milp_reference" in res:
        m = res["milp_reference"]
        L += ["", "## Regency: our plan against HiGHS's own MILP (exact model, 2 s per part, no start)", "",
              "| ours W | HiGHS MILP W | HiGHS MILP bound | ours / MILP - 1 |", "|---:|---:|---:|---:|",
              f"| {m['ours_objective']:,.1f} | {m['objective']:,.1f} | {m['bound']:,.1f} | {m['ours_vs_milp']:+.4%} |"]
    L += ["", "## Worker-level PuLP model (one binary per worker, source, phase; HiGHS through PuLP)", "",
          "| workers | variables | PuLP build s | PuLP solve s | PuLP status | ours s | PuLP / ours (time) | PuLP W / ours W |",
          "|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in res["naive"]:
        nv = r["naive"]
        ratio = f"{r['naive_objective_vs_ours']:.4f}" if r["naive_objective_vs_ours"] is not None else "no plan"
        L.append(f"| {r['workers']:,} | {nv['variables']:,} | {nv['build_seconds']:.2f} | {nv['solve_seconds']:.2f} | "
                 f"{nv['sol_status']}{' (time limit)' if nv['hit_time_limit'] else ''} | {r['ours_seconds']:.3f} | "
                 f"{'>= ' if nv['hit_time_limit'] else ''}{r['speedup']:,.0f}x | {ratio} |")
    L += ["", "## Greedy (by priority, cheapest source first) against ours", "",
          "| scenario | ours W | greedy W | W gain | weighted worker-months gain | village-phases at floor: ours / greedy | unspent: ours / greedy |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for r in res["greedy"]:
        o, g = r["ours"], r["greedy"]
        L.append(f"| {r['scenario']} | {o['W']:,.0f} | {g['W']:,.0f} | {r['W_gain']:+.1%} | {r['weighted_worker_months_gain']:+.1%} | "
                 f"{o['village_phases_at_floor']:.0%} / {g['village_phases_at_floor']:.0%} | {o['unspent_share']:.1%} / {g['unspent_share']:.1%} |")
    L += ["", "## Targets", "", "| target | measured | met |", "|---|---:|---|"]
    for t in res["targets"]:
        L.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'NO'} |")
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


def plot(res: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401 - NullFormatter

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    ax = axes[0]
    names = list(res["scenarios"])
    xs = np.arange(len(names))
    cli = [res["scenarios"][n]["cli"]["seconds"] for n in names]
    floor = [res["scenarios"][n]["floor"]["seconds"] for n in names]
    ax.bar(xs - 0.2, floor, 0.4, label="raw floor: numpy build + highspy LP")
    ax.bar(xs + 0.2, cli, 0.4, label="ours: CLI end to end")
    for i, (f, c) in enumerate(zip(floor, cli)):
        ax.text(i + 0.2, c, f"{c / f:.1f}x", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, names)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (log)")
    ax.set_title("Time against the raw floor")
    ax.legend(fontsize=8)

    ax = axes[1]
    ws = [r["workers"] for r in res["naive"]]
    ax.plot(ws, [r["naive"]["seconds"] for r in res["naive"]], "o-", label="worker-level PuLP + HiGHS")
    ax.plot(ws, [r["ours_seconds"] for r in res["naive"]], "s-", label="ours")
    for r in res["naive"]:
        if r["naive"]["hit_time_limit"]:
            ax.annotate("time limit", (r["workers"], r["naive"]["seconds"]), fontsize=8, xytext=(-30, 6), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ws, [f"{w:,}" for w in ws])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("workers")
    ax.set_ylabel("seconds (log)")
    ax.set_title("One variable per worker against ours")
    ax.legend(fontsize=8)

    ax = axes[2]
    labels = [r["scenario"] for r in res["greedy"]]
    xs = np.arange(len(labels))
    ax.bar(xs - 0.2, [1.0] * len(labels), 0.4, label="greedy (= 1)")
    ax.bar(xs + 0.2, [1 + r["W_gain"] for r in res["greedy"]], 0.4, label="ours")
    for i, r in enumerate(res["greedy"]):
        ax.text(i + 0.2, 1 + r["W_gain"], f"{r['W_gain']:+.1%}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, labels)
    ax.set_ylim(0.8, max(1.3, 1.05 + max(r["W_gain"] for r in res["greedy"])))
    ax.set_ylabel("objective W relative to greedy")
    ax.set_title("Weighted coverage against greedy")
    ax.legend(fontsize=8)
    fig.suptitle("premium_alloc benchmarks (synthetic data)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    sc = res["scenarios"]

    def add(name: str, measured: str, met: bool) -> None:
        out.append({"target": name, "measured": measured, "met": bool(met)})

    if "regency" in sc:
        c = sc["regency"]["cli"]
        add("regency: CLI end to end <= 2 s", f"{c['seconds']:.2f} s", c["seconds"] <= TARGETS["regency_cli_s"])
        add("regency: status optimal at gap 0.5%", f"{c['status']}, gap {c['gap']:.3%}", c["status"] == "optimal" and c["gap"] <= 0.005)
    if "milp_reference" in res:
        m = res["milp_reference"]
        add("regency: within 0.1% of HiGHS MILP (2 s)", f"{m['ours_vs_milp']:+.4%}", m["ours_vs_milp"] >= -TARGETS["regency_vs_milp"])
    if "province" in sc:
        c = sc["province"]["cli"]
        add("province: CLI end to end <= 5 s", f"{c['seconds']:.2f} s", c["seconds"] <= TARGETS["province_cli_s"])
    if "national" in sc:
        c, f = sc["national"]["cli"], sc["national"]["floor"]
        add("national: gap <= 1%", f"{c['gap']:.3%}", c["gap"] <= TARGETS["national_gap"])
        add("national: CLI end to end <= 30 s", f"{c['seconds']:.1f} s", c["seconds"] <= TARGETS["national_cli_s"])
        if c.get("peak_rss_gb"):
            add("national: peak memory <= 4 GB", f"{c['peak_rss_gb']:.2f} GB", c["peak_rss_gb"] <= TARGETS["national_peak_gb"])
        add("national: <= 1.3x the raw floor (CLI end to end; floor: parse + build + LPs)", f"{c['seconds'] / f['seconds']:.2f}x", c["seconds"] / f["seconds"] <= TARGETS["national_cli_vs_floor"])
        o = sc["national"]["ours"]
        add("national: <= 2x the raw floor (in-process build + solve)", f"{o['seconds'] / f['seconds']:.2f}x", o["seconds"] / f["seconds"] <= TARGETS["national_vs_floor"])
    big = [r for r in res["naive"] if r["workers"] >= 40_000]
    if big:
        r = big[-1]
        lower = ">= " if r["naive"]["hit_time_limit"] else ""
        add(">= 100x faster than worker-level PuLP at 40k workers", f"{lower}{r['speedup']:,.0f}x ({r['naive']['sol_status']})", r["speedup"] >= TARGETS["pulp_speedup_40k"])
    demo = [r for r in res["greedy"] if r["scenario"] == "demo"]
    if demo:
        add("demo: weighted coverage >= greedy + 5%", f"W {demo[0]['W_gain']:+.1%}, worker-months {demo[0]['weighted_worker_months_gain']:+.1%}",
            demo[0]["W_gain"] >= TARGETS["demo_vs_greedy"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the national scenario; PuLP time limit 20 s")
    ap.add_argument("--pulp-sizes", default="2000,10000,40000", help="worker counts for the worker-level PuLP model")
    ap.add_argument("--pulp-time-limit", type=float, default=None, help="seconds per PuLP solve (default 60, 20 with --quick)")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--replot", action="store_true", help="only redraw tables and plot from OUT/results.json")
    ap.add_argument("--scenarios", default=None, help="comma-separated scenarios (regency, province, national) to re-run, "
                    "kept with every other section of OUT/results.json; skips the MILP, greedy and PuLP comparisons")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each scenario's CLI and floor (the fastest is kept)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        res = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
        write_markdown(res, args.out / "results.md")
        plot(res, args.out / "benchmarks.png")
        return 0
    res: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "highspy": _version("highspy"),
            "pulp": _version("pulp"),
            "premium_alloc": pa.__version__,
            "load_start": _load(),
        },
        "scenarios": {},
    }
    makers = {"regency": synthetic.regency, "province": synthetic.province}
    if not args.quick:
        makers["national"] = synthetic.national
    only = [s.strip() for s in args.scenarios.split(",")] if args.scenarios else None
    if only:
        makers = {k: v for k, v in makers.items() if k in only}
        old = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
        res = {**old, "started": res["started"], "environment": res["environment"], "scenarios": dict(old.get("scenarios", {}))}
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        tmpd = Path(tmp)
        for name, make in makers.items():
            print(f"{name}: generating", flush=True)
            path = synthetic.write(make(), tmpd / f"{name}.json")
            clis, floors = [], []
            for _ in range(args.repeat):  # CLI and floor in turn, so that both see the same load
                print(f"{name}: CLI", flush=True)
                clis.append(run_cli(path, tmpd / f"{name}.result.json"))
                print(f"{name}: raw floor", flush=True)
                floors.append(raw_floor(None, path))  # type: ignore[arg-type]
            cli = min(clis, key=lambda c: c["seconds"])
            floor = min(floors, key=lambda f: f["seconds"])
            cli["all_seconds"] = [c["seconds"] for c in clis]
            floor["all_seconds"] = [f["seconds"] for f in floors]
            sc = load_scenario(path)
            print(f"{name}: in-process solve", flush=True)
            ours, result = ours_in_process(sc)
            res["scenarios"][name] = {"cli": cli, "floor": floor, "ours": ours}
            print(f"  CLI {cli['seconds']:.2f} s, floor {floor['seconds']:.2f} s, in-process {ours['seconds']:.2f} s, gap {cli['gap']:.3%}", flush=True)
            if only:
                pass
            elif name == "regency":
                m = highs_milp_reference(sc)
                m["ours_objective"] = cli["objective"]
                m["ours_vs_milp"] = cli["objective"] / m["objective"] - 1.0
                res["milp_reference"] = m
                res.setdefault("greedy", []).append(greedy_vs_ours("regency", sc, result))
            elif name == "province":
                res.setdefault("greedy", []).append(greedy_vs_ours("province", sc, result))
            del result
    if not only:
        print("demo: greedy", flush=True)
        res.setdefault("greedy", []).insert(0, greedy_vs_ours("demo", Scenario.from_dict(synthetic.kapuas_2024())))
        limit = args.pulp_time_limit if args.pulp_time_limit is not None else (20.0 if args.quick else 60.0)
        sizes = [int(s) for s in args.pulp_sizes.split(",") if s.strip()]
        print(f"naive PuLP (time limit {limit:.0f} s)", flush=True)
        res["naive"] = naive_vs_ours(sizes, limit)
    res["load_end"] = _load()
    res["targets"] = targets(res)
    (args.out / "results.json").write_text(json.dumps(res, indent=1, default=str) + "\n", encoding="utf-8")
    write_markdown(res, args.out / "results.md")
    plot(res, args.out / "benchmarks.png")
    print((args.out / "results.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
