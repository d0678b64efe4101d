"""Start-up of the command line: ``premium-alloc --help`` and ``premium-alloc validate`` on the demo.

Each command is run ``--repeat`` times in a fresh process; the minimum and the median wall
time are recorded with the load average, since other work on the machine inflates them. It
also lists the heavy modules each command imports. Results go to ``results/startup.json`` and
``results/startup.md``.

    .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import cli as _cli  # noqa: E402
from common import load as _load  # noqa: E402

HEAVY = ("pandas", "scipy", "numpy", "pydantic", "highspy", "pulp", "matplotlib", "openpyxl", "rich", "typer")
TARGET_S = 0.4


def _modules(args: list[str]) -> list[str]:
    """The heavy top-level modules imported by ``premium-alloc ARGS`` (one extra run)."""
    code = (
        "import sys\nfrom premium_alloc.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return [m for m in out.stderr.strip().splitlines()[-1].split(",") if m] if out.stderr.strip() else []


def measure(name: str, args: list[str], repeat: int) -> dict[str, Any]:
    times = []
    load0 = _load()
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([*_cli(), *args], capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return {
        "command": name,
        "min_s": min(times),
        "median_s": statistics.median(times),
        "runs": repeat,
        "load_before": load0,
        "load_after": _load(),
        "imports": _modules(args),
        "target_s": TARGET_S,
        "met": min(times) <= TARGET_S,
    }


def write_markdown(res: dict[str, Any], path: Path) -> None:
    lines = [
        "# CLI start-up",
        "",
        f"Run {res['started']} on {res['cpus']} CPU(s), Python {res['python']}. Each command {res['rows'][0]['runs']} times in a fresh process;",
        "the minimum is the figure to compare (the median shows the noise of other work on the machine).",
        "",
        f"| command | min s | median s | load before | target <= {TARGET_S} s | heavy modules imported |",
        "|---|---:|---:|---|---|---|",
    ]
    for r in res["rows"]:
        lines.append(
            f"| `{r['command']}` | {r['min_s']:.2f} | {r['median_s']:.2f} | {r['load_before']} | {'yes' if r['met'] else 'no'} | {', '.join(r['imports']) or '-'} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pa-start-") as tmp:
        demo = Path(tmp) / "demo.yaml"
        subprocess.run([*_cli(), "demo", "--write-scenario", str(demo), "-q"], check=True, capture_output=True)
        rows = [
            measure("premium-alloc --help", ["--help"], args.repeat),
            measure("premium-alloc validate demo.yaml", ["validate", str(demo)], args.repeat),
        ]
    res = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "python": sys.version.split()[0], "rows": rows}
    (args.out / "startup.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    write_markdown(res, args.out / "startup.md")
    print((args.out / "startup.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
