"""A feasible status says why; the FGD sentence per phase; people, phases and months never mixed."""

from __future__ import annotations

import json

import pytest

import premium_alloc as pa
from premium_alloc import report, synthetic
from premium_alloc.cli import main
from premium_alloc.formats import count, rupiah


@pytest.fixture(scope="module")
def regency():
    return synthetic.regency(3, villages=40, workers=8_000)


def test_feasible_carries_its_reason(regency):
    r = pa.solve(regency, milp="never", gap=0.0)
    assert r.status == "feasible" and r.gap > 0
    assert r.status_reason == "milp_off"
    assert json.loads(r.to_json())["status_reason"] == "milp_off"
    assert "milp=never" in report.status_sentence(r, "en")
    t = pa.solve(regency, gap=0.0, time_limit=1e-9)  # no time for a MILP
    assert (t.status, t.status_reason) == ("feasible", "time_limit")
    assert "time limit" in report.status_sentence(t, "en") and "batas waktu" in report.status_sentence(t, "id")
    ok = pa.solve(regency)
    assert ok.status == "optimal" and ok.status_reason is None
    assert "status_reason" not in json.loads(ok.to_json()) and report.status_sentence(ok) is None


def test_cli_warns_on_a_feasible_status(tmp_path, capsys):
    path = synthetic.write(synthetic.regency(3, villages=40, workers=8_000), tmp_path / "r.yaml")
    assert main(["solve", str(path), "--gap", "0", "--time-limit", "0.000001", "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "not proven optimal" in err and "time limit" in err
    assert main(["solve", str(path), "--gap", "0", "--time-limit", "0.000001"]) == 0
    assert "not proven optimal" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "id"])
def test_fgd_sentence_per_phase(lang):
    sc = synthetic.kapuas_2024()
    r = pa.solve(sc)
    lines = report.fgd_sentences(r, lang)
    assert len(lines) == len(r.phases) == 2
    alloc = r.allocations_frame()
    kind = {s["id"]: s["kind"] for s in sc["sources"]}
    for line, ph in zip(lines, r.phases):
        paid = alloc[alloc.phase == ph.phase].groupby("source")["workers"].sum()
        assert line.startswith(ph.phase)
        assert count(39_073, lang) in line and count(ph.eligible, lang) in line
        for sid, n in paid.items():
            # named "kind (id)", or by the id alone when it is the kind's own word ("APBD", never "APBD (APBD)")
            assert (f"({sid}) " in line or f" {sid} {count(int(n), lang)}" in line) and count(int(n), lang) in line
        assert "APBD (APBD)" not in line
        assert int(paid.sum()) + ph.uncovered == ph.eligible  # one payer per worker per phase
        assert count(ph.uncovered, lang) in line and rupiah(ph.shortfall_idr, lang) in line
        assert ("Dana Desa" in line) == ("dana_desa" in kind.values())
        assert ("covers" in line) == (lang == "en") and ("menanggung" in line) == (lang == "id")


def test_demo_prints_the_fgd_sentence_in_the_chosen_language(capsys):
    assert main(["demo", "--lang", "id"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "dari 39.073 pekerja terverifikasi, Dana Desa (DD) menanggung" in out
    assert main(["demo"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "of 39,073 verified workers, Dana Desa (DD) covers" in out and "remain uncovered; the shortfall is Rp" in out


def test_sources_of_one_kind_are_added_up_and_named():
    sc = synthetic.kapuas_2024()
    apbd = next(s for s in sc["sources"] if s["kind"] == "apbd")
    second = dict(apbd, id="APBD2", budget=500_000_000)
    sc["sources"].append(second)
    sc["objective"]["source_order"] = [*sc["objective"].get("source_order", [s["id"] for s in sc["sources"][:-1]]), "APBD2"]
    r = pa.solve(sc)
    line = report.fgd_sentences(r)[0]
    cov = r.coverage_frame()
    n = int(cov[(cov.phase == r.phases[0].phase) & cov.source.isin([apbd["id"], "APBD2"])]["workers"].sum())
    assert f"APBD ({apbd['id']}, APBD2) {count(n)}" in line


def test_counts_of_people_and_worker_months():
    sc = synthetic.regency(5, villages=8, workers=1_200)
    r = pa.solve(sc)
    months = {p["id"]: p["months"] for p in sc["phases"]}
    alloc = r.allocations_frame()
    for s in r.sources:
        mine = alloc[alloc.source == s.source]
        per_phase = mine.groupby("phase")["workers"].sum()
        assert s.workers_by_phase == {p.phase: int(per_phase.get(p.phase, 0)) for p in r.phases}  # people per phase
        assert s.workers == int(mine["workers"].sum())  # v1: worker-phases
        assert s.worker_months == int((mine["workers"] * mine["phase"].map(months)).sum())
    for p in r.phases:
        assert p.months == months[p.phase] and p.worker_months == p.covered * p.months
    assert r.worker_months == sum(p.covered * months[p.phase] for p in r.phases)
    frame = r.sources_frame()
    assert "workers" not in frame.columns  # a sum over phases is never labelled workers
    assert {f"workers_{p.phase}" for p in r.phases} | {"worker_months", "worker_phases"} <= set(frame.columns)
