"""The result JSON: our column-template writer (``jsonfast``) against orjson and msgspec.

The libraries need one dict per row, so each is timed with the rows built from the result's
columns (``Result.to_dict()``), which is what they would cost inside ``Result.write_json``.
Best of ``--repeat`` runs per writer, on provinces of growing size; results go to
``results/json_libraries.json`` and ``.md``.

    .venv/bin/python benchmarks/json_libraries.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import premium_alloc as pa
from premium_alloc import synthetic

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import load as _load  # noqa: E402


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(villages: int, repeat: int, tmp: Path) -> dict[str, Any]:
    import msgspec
    import orjson

    r = pa.solve(synthetic.province(0, villages=villages, workers=villages * 200))
    enc = msgspec.json.Encoder()

    def write(name: str, data: bytes | str) -> None:
        (tmp / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    writers: dict[str, Callable[[], Any]] = {
        "jsonfast indent=1 (write_json)": lambda: r.write_json(tmp / "a.json"),
        "jsonfast compact (to_json)": lambda: write("b.json", r.to_json()),
        "rows only (to_dict)": lambda: r.to_dict(),
        "orjson indent=2": lambda: write("c.json", orjson.dumps(r.to_dict(), option=orjson.OPT_INDENT_2)),
        "orjson compact": lambda: write("d.json", orjson.dumps(r.to_dict())),
        "msgspec indent=1": lambda: write("e.json", msgspec.json.format(enc.encode(r.to_dict()), indent=1)),
        "msgspec compact": lambda: write("f.json", enc.encode(r.to_dict())),
    }
    times = {name: best(fn, repeat) for name, fn in writers.items()}
    return {"villages": villages, "allocations": len(r.allocations), "village_rows": len(r.villages), "seconds": times, "load": _load()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--villages", default="10000,20000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pa-json-") as tmp:
        rows = [measure(int(v), args.repeat, Path(tmp)) for v in args.villages.split(",")]
    res = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "python": sys.version.split()[0], "rows": rows}
    (args.out / "json_libraries.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    names = list(rows[0]["seconds"])
    lines = [
        "# Result JSON: jsonfast against orjson and msgspec",
        "",
        f"Run {res['started']} on {res['cpus']} CPU(s), Python {res['python']}; best of {args.repeat} runs. The libraries are",
        "timed with the row dicts they need (`Result.to_dict()`); `rows only` is that step alone.",
        "",
        "| villages | allocation rows | " + " | ".join(names) + " | load |",
        "|---:|---:|" + "---:|" * len(names) + "---|",
    ]
    for r in rows:
        lines.append(f"| {r['villages']:,} | {r['allocations']:,} | " + " | ".join(f"{r['seconds'][n]:.3f}" for n in names) + f" | {r['load']} |")
    (args.out / "json_libraries.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
