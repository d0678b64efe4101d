"""The law month by month: funder rules, fiscal years, places, JP, each with a hand-worked figure or message."""

from __future__ import annotations

import pytest

import premium_alloc as pa

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from handworked import V1, V2, group
except ImportError:  # tests imported as a package
    from tests.handworked import V1, V2, group

KEL = "62.03.01.1006"  # Murung Keramat, a kelurahan of Selat, Kapuas


def scenario(sources, phases=None, groups=None, **extra):
    sc = {
        "format": "premium-alloc/v1",
        "name": "rules",
        "programs": ["JKK", "JKM"],
        "phases": phases or [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": V1, "name": "Pulau Telo", "regency": "62.03"}, {"id": V2, "name": "Bakungin", "regency": "62.03"}],
        "worker_groups": groups or [group(V1, 10, "poor", "farming"), group(V2, 4, "poor", "palm")],
        "sources": sources,
    }
    sc.update(extra)
    return sc


def dd(**extra):
    return {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 10**9, V2: 10**9}, **extra}


def apbd(budget=10**9, **extra):
    return {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": budget, **extra}


def rule_warnings(r, word):
    return [w for w in r.warnings if word in w]


# ---- Dana Desa by year, every month of a phase -----------------------------------------------
def test_dana_desa_phase_from_2023_11_for_4_months_hits_2024():
    # Nov, Dec 2023 are allowed; Jan, Feb 2024 are barred: the rule is checked month by month
    r = pa.solve(scenario([dd()], phases=[{"id": "p1", "start": "2023-11", "months": 4}]))
    (w,) = rule_warnings(r, "dana_desa_2024")
    assert w.startswith("source DD (dana_desa) pays for phase p1 (2024-01..2024-02): Dana Desa \"tidak dapat digunakan\"")
    assert "Kemendes PDTT SE 4/PRI.00/I/2024 (5 Jan 2024); Permendagri 15/2023" in w and "confidence N" in w
    # the rule never changes who pays: 14 workers x 4 months x 16,800 = 940,800 from Dana Desa
    assert r.sources[0].spent_idr == 940_800


def test_dana_desa_2023_alone_raises_nothing():
    r = pa.solve(scenario([dd()], phases=[{"id": "p1", "start": "2023-01", "months": 12}]))
    assert not rule_warnings(r, "rule dana_desa")


def test_dana_desa_in_2024_is_an_error_under_year_rules_error():
    sc = scenario([dd()], phases=[{"id": "p1", "start": "2023-11", "months": 4}], assumptions={"year_rules": "error"})
    with pytest.raises(pa.ScenarioError) as e:
        pa.solve(sc)
    # the barred months, and the budget paying for two fiscal years (2023 and 2024)
    kind, phases = e.value.problems
    assert kind.path == "sources[0].kind"
    assert "phase p1 (2024-01..2024-02)" in kind.message and "rule dana_desa_2024" in kind.message
    assert phases.path == "sources[0].phases"
    assert phases.message.startswith("source DD (dana_desa) pays for months of 2 fiscal years (2023: p1; 2024: p1)")


def test_dana_desa_2025_says_no_rule_was_found():
    r = pa.solve(scenario([dd()], phases=[{"id": "p1", "start": "2025-06", "months": 7}]))
    (w,) = rule_warnings(r, "dana_desa_2025")
    assert "phase p1 (2025-06..2025-12)" in w
    assert "no rule was found on Dana Desa paying BPJS Ketenagakerjaan premiums in 2025; treated as barred" in w
    assert "none found (2024 rule kept); confidence I" in w


def test_dana_desa_2026_only_for_pktd_workers():
    groups = [group(V1, 4, "poor", "farming", pktd=True), group(V1, 6, "poor", "farming"), group(V2, 3, "poor", "palm")]
    phases = [{"id": "p1", "start": "2026-01", "months": 1}]
    r = pa.solve(scenario([dd()], phases=phases, groups=groups))
    (w,) = rule_warnings(r, "dana_desa_2026")
    # 6 + 3 workers are not marked PKTD
    assert w.startswith("source DD (dana_desa) may pay 9 worker(s) not marked as PKTD workers in phase p1 (2026-01)")
    assert "Permendes 16/2025" in w
    # restricted on purpose: no warning, and Dana Desa pays the 4 PKTD workers only: 4 x 16,800
    r2 = pa.solve(scenario([dd(eligible={"pktd": ["yes"]})], phases=phases, groups=groups), gap=0)
    assert not rule_warnings(r2, "dana_desa_2026")
    assert r2.sources[0].spent_idr == 67_200 and r2.phases[0].covered == 4
    with pytest.raises(pa.ScenarioError, match=r"sources\[0\].eligible.pktd\[0\]: 'maybe' is not yes or no"):
        pa.Scenario.from_dict(scenario([dd(eligible={"pktd": ["maybe"]})], phases=phases, groups=groups))


# ---- DBH Sawit: palm only unless widened on purpose --------------------------------------------
def dbh(**extra):
    return {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 10**9, **extra}


def test_dbh_without_a_sector_filter_is_warned():
    r = pa.solve(scenario([dbh()]))
    (w,) = rule_warnings(r, "dbh_sawit_palm")
    assert w.startswith("source DBH (dbh_sawit) has no sector filter, so it may pay workers of every sector in phase p1 (2024-01..2024-06)")
    assert "PP 38/2023; PMK 91/2023; confidence R" in w
    with pytest.raises(pa.ScenarioError, match=r"sources\[0\].eligible: source DBH \(dbh_sawit\) has no sector filter"):
        pa.solve(scenario([dbh()], assumptions={"year_rules": "error"}))


def test_dbh_widened_on_purpose_is_a_warning_even_when_strict():
    sc = scenario([dbh(eligible={"sector": ["palm", "farming"]})], assumptions={"year_rules": "error"})
    r = pa.solve(sc, gap=0)
    (w,) = rule_warnings(r, "dbh_sawit_palm")
    assert w.startswith("source DBH (dbh_sawit) is widened on purpose to sector(s) farming beyond palm")
    # it pays the farm workers too: 14 x 6 x 16,800 = 1,411,200
    assert r.sources[0].spent_idr == 1_411_200


def test_dbh_palm_only_with_no_palm_workers_pays_nobody():
    r = pa.solve(scenario([dbh(eligible={"sector": ["palm"]}), apbd()], groups=[group(V1, 10, "poor", "farming")]))
    assert "source DBH (dbh_sawit) may pay only sector(s) palm, and no worker has them: it pays nobody" in r.warnings
    assert r.sources[0].spent_idr == 0


# ---- a source's fiscal year ----------------------------------------------------------------------
def test_budget_of_one_year_paying_the_next_is_warned():
    phases = [{"id": "p1", "start": "2024-11", "months": 4}]
    r = pa.solve(scenario([apbd(year=2024)], phases=phases))
    (w,) = rule_warnings(r, "is a 2024 budget")
    assert w.startswith("source APBD (apbd) is a 2024 budget but pays for months of another year: phase p1 (2025-01..2025-02)")
    # without `year:` the months themselves span two fiscal years
    r = pa.solve(scenario([apbd()], phases=phases))
    (w,) = rule_warnings(r, "fiscal years")
    assert w.startswith("source APBD (apbd) pays for months of 2 fiscal years (2024: p1; 2025: p1)")
    with pytest.raises(pa.ScenarioError, match=r"sources\[0\].year: source APBD \(apbd\) is a 2024 budget"):
        pa.solve(scenario([apbd(year=2024)], phases=phases, assumptions={"year_rules": "error"}))


def test_dbh_carry_over_into_next_years_apbd():
    # DBH 2023 paid in full by 27 Dec 2023, budgeted in APBD 2024: the source's year is 2024
    phases = [{"id": "p1", "start": "2024-01", "months": 12}]
    r = pa.solve(scenario([dbh(year=2024, eligible={"sector": ["palm"]})], phases=phases))
    assert not [w for w in r.warnings if "fiscal year" in w or "budget but pays" in w]
    r = pa.solve(scenario([dbh(year=2023, eligible={"sector": ["palm"]})], phases=phases))
    assert any("is a 2023 budget but pays for months of another year: phase p1 (2024-01..2024-12)" in w for w in r.warnings)


def test_a_company_has_no_fiscal_year_rule():
    phases = [{"id": "p1", "start": "2024-11", "months": 4}]
    r = pa.solve(scenario([{"id": "CSR", "kind": "csr", "scope": "regency", "budget": 10**9}], phases=phases))
    assert not [w for w in r.warnings if "fiscal year" in w]


# ---- JP and the discount shown beside the default ----------------------------------------------
def test_jp_for_non_wage_workers_is_a_local_arrangement():
    r = pa.solve(scenario([apbd()], programs=["JKK", "JKM", "JP"]))
    (w,) = rule_warnings(r, "JP (pension)")
    assert w.startswith("JP (pension) is in the plan: by law it is for wage workers (PP 45/2015)")
    assert "local arrangement, no legal route was found" in w
    assert not rule_warnings(pa.solve(scenario([apbd()])), "JP (pension)")


def test_dana_desa_default_shows_the_discounted_figure_beside_it():
    phases = [{"id": "p1", "start": "2026-04", "months": 6}]
    groups = [group(V1, 10, "poor", "farming", pktd=True)]
    r = pa.solve(scenario([dd(eligible={"pktd": ["yes"]})], phases=phases, groups=groups), gap=0)
    (w,) = rule_warnings(r, "PP 50/2025")
    # 6 x 16,800 = 100,800 without the discount (default); 6 x 8,400 = 50,400 with it
    assert w == (
        "source DD (dana_desa) is priced without the PP 50/2025 discount in phase p1 (the default): Rp100,800 a worker "
        "for the phase at the Rp1,000,000 tier (non-transport); Rp50,400 if it got the discount "
        "(assumptions.discount_dana_desa: true, variant discount=on)"
    )
    assert r.sources[0].spent_idr == 1_008_000  # 10 x 100,800
    on = scenario([dd(eligible={"pktd": ["yes"]})], phases=phases, groups=groups, assumptions={"discount_dana_desa": True})
    r_on = pa.solve(on, gap=0)
    assert r_on.sources[0].spent_idr == 504_000 and not rule_warnings(r_on, "PP 50/2025")


# ---- places ------------------------------------------------------------------------------------
def test_dana_desa_for_a_kelurahan_is_refused():
    sc = scenario([{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 5, KEL: 5}}])
    sc["villages"].append({"id": KEL, "regency": "62.03"})
    problems = pa.validate_dict(sc)
    assert [str(p) for p in problems] == [
        "sources[0].budgets.62.03.01.1006: '62.03.01.1006' (Murung Keramat) is a kelurahan: a kelurahan receives no "
        "Dana Desa (only a desa does); pay its workers from the APBD"
    ]


def test_unknown_kemendagri_code_warns_or_is_refused():
    sc = scenario([apbd()])
    sc["villages"][1]["id"] = "62.03.02.2099"  # right shape, not in the 2025 list
    sc["worker_groups"][1]["village"] = "62.03.02.2099"
    r = pa.solve(sc)
    (w,) = rule_warnings(r, "look like Kemendagri codes")
    assert w.startswith("1 id(s) look like Kemendagri codes but are not in the 2025 list: villages[1].id '62.03.02.2099'")
    strict = {**sc, "assumptions": {"unknown_places": "error"}}
    problems = pa.validate_dict(strict)
    assert [p.path for p in problems] == ["villages[1].id"]
    assert "'62.03.02.2099' looks like a Kemendagri code but is not in the 2025 list" in problems[0].message
    # an id that is not shaped like a code is the planner's own and raises nothing
    free = scenario([apbd()])
    free["villages"][1]["id"] = "Desa-B"
    free["worker_groups"][1]["village"] = "Desa-B"
    assert not rule_warnings(pa.solve(free), "Kemendagri")
