"""The documentation site builds without a warning, and cites every rule of the rate table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_build_strict(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "reference" / "index.html").exists()


def test_concepts_cite_every_reference_in_the_rate_table():
    rates = yaml.safe_load((ROOT / "src" / "premium_alloc" / "data" / "rates.yaml").read_text(encoding="utf-8"))
    refs = set()
    for prog in rates["programs"].values():
        refs |= {v["reference"] for v in prog["values"].values()}
        refs |= {v["reference"] for v in prog.get("ceiling", {}).get("values", {}).values()}
    refs |= {d["reference"] for d in rates["discounts"]} | {r["reference"] for r in rates["funder_rules"]}
    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    missing = sorted(r for r in refs if r not in text)
    assert not missing, missing
