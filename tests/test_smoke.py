"""End-to-end smoke checks of the demo path (numbers checked in the dedicated test modules)."""

from premium_alloc import synthetic
from premium_alloc.cli import main


def test_demo_cli_runs(capsys):
    assert main(["demo", "--quiet"]) == 0


def test_demo_counts_every_worker_once():
    import premium_alloc as pa

    r = pa.solve(synthetic.kapuas_2024())
    for p in r.phases:
        assert p.eligible == 39_073
        assert p.covered + p.uncovered == 39_073
