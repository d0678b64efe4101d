"""Premiums from the dated rate table, checked against numbers worked out by hand.

Every expected figure is written out as a literal (with the arithmetic in a comment); none
is computed with the library.  Sources of the hand figures: the regulations and announcements
cited in docs/concepts.md.
"""

from __future__ import annotations

import pytest

import premium_alloc as pa
from premium_alloc import monthly_premium, phase_premium

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from handworked import V1, group
except ImportError:  # tests imported as a package
    from tests.handworked import V1, group

PKG = ["JKK", "JKM"]
#: the PP 50/2025 discount switched on for the village funders (the default is off)
ON = {"dana_desa": True, "apbdes": True}


# ---- one month, no discount ----------------------------------------------------------------
def test_jkk_jkm_lowest_tier_is_16800():
    # JKK 1% of 1,000,000 = 10,000; JKM flat 6,800
    assert monthly_premium(PKG, "2024-01", income=1_000_000) == 16_800
    assert monthly_premium(["JKK"], "2024-01", income=1_000_000) == 10_000
    assert monthly_premium(["JKM"], "2024-01", income=1_000_000) == 6_800


def test_default_income_is_lowest_tier():
    assert monthly_premium(PKG, "2024-01") == 16_800


def test_with_jht_is_36800():
    # + JHT 2% of 1,000,000 = 20,000
    assert monthly_premium(["JKK", "JKM", "JHT"], "2024-01", income=1_000_000) == 36_800
    assert monthly_premium(["JHT"], "2024-01", income=1_000_000) == 20_000


def test_jkk_is_one_percent_of_declared_income():
    assert monthly_premium(["JKK"], "2024-01", income=1_500_000) == 15_000
    # JKM does not depend on income: 15,000 + 6,800
    assert monthly_premium(PKG, "2024-01", income=1_500_000) == 21_800
    # JHT 2% of 1,500,000
    assert monthly_premium(["JHT"], "2024-01", income=1_500_000) == 30_000


def test_jp_three_percent_below_the_ceiling():
    # 3% of 1,000,000
    assert monthly_premium(["JP"], "2024-06", income=1_000_000) == 30_000
    # 3% of 5,000,000
    assert monthly_premium(["JP"], "2024-06", income=5_000_000) == 150_000
    # the whole Kubu Raya package: 10,000 + 6,800 + 20,000 + 30,000
    assert monthly_premium(["JKK", "JKM", "JHT", "JP"], "2024-06", income=1_000_000) == 66_800


def test_jp_capped_at_the_wage_ceiling():
    # from March 2024 the ceiling is 10,042,300: 3% of it = 301,269
    assert monthly_premium(["JP"], "2024-06", income=12_000_000) == 301_269
    assert monthly_premium(["JP"], "2024-03", income=20_000_000) == 301_269
    # exactly at the ceiling
    assert monthly_premium(["JP"], "2024-06", income=10_042_300) == 301_269
    # Feb 2024 still uses the 2023 ceiling 9,559,600: 3% = 286,788
    assert monthly_premium(["JP"], "2024-02", income=12_000_000) == 286_788
    # JKK and JHT are not capped by the JP ceiling: 1% and 2% of 12,000,000
    assert monthly_premium(["JKK"], "2024-06", income=12_000_000) == 120_000
    assert monthly_premium(["JHT"], "2024-06", income=12_000_000) == 240_000


def test_jp_2022_uses_the_2022_wage_ceiling():
    # from March 2022 the ceiling is 9,077,600: 3% of it = 272,328 (not 3% of 20,000,000 = 600,000)
    assert monthly_premium(["JP"], "2022-06", income=20_000_000) == 272_328
    assert monthly_premium(["JP"], "2022-03", income=9_077_600) == 272_328
    # Feb 2022 still uses the 2021 ceiling 8,754,600: 3% = 262,638
    assert monthly_premium(["JP"], "2022-02", income=20_000_000) == 262_638
    # below the ceiling nothing changes: 3% of 5,000,000
    assert monthly_premium(["JP"], "2022-06", income=5_000_000) == 150_000
    # Jan, Feb at 262,638; Mar, Apr at 272,328: 525,276 + 544,656
    assert phase_premium(["JP"], "2022-01", 4, income=20_000_000) == 1_069_932


@pytest.mark.parametrize(
    "month,premium",
    [
        ("2015-07", 210_000),  # 3% of 7,000,000
        ("2016-03", 220_059),  # 3% of 7,335,300
        ("2017-03", 231_105),  # 3% of 7,703,500
        ("2018-03", 242_820),  # 3% of 8,094,000
        ("2019-03", 255_372),  # 3% of 8,512,400
        ("2020-03", 268_191),  # 3% of 8,939,700
        ("2021-03", 262_638),  # 3% of 8,754,600 (lowered after the 2020 contraction)
        ("2022-03", 272_328),  # 3% of 9,077,600
        ("2023-03", 286_788),  # 3% of 9,559,600
        ("2024-03", 301_269),  # 3% of 10,042,300
        ("2025-03", 316_422),  # 3% of 10,547,400
    ],
)
def test_jp_wage_ceiling_every_march(month, premium):
    assert monthly_premium(["JP"], month, income=50_000_000) == premium


# ---- whole phases ----------------------------------------------------------------------------
def test_sintang_total_via_phase_premium():
    # 2 months from 2023-11 and 4 from 2024-01: 6 x 16,800 = 100,800 per worker
    p1 = phase_premium(PKG, "2023-11", 2)
    p2 = phase_premium(PKG, "2024-01", 4)
    assert p1 == 33_600
    assert p2 == 67_200
    # 3,000 x (2 + 4) x 16,800
    assert 3_000 * (p1 + p2) == 302_400_000


def test_bangka_apbd_twelve_months():
    per_worker = phase_premium(PKG, "2024-01", 12, funder="apbd")
    assert per_worker == 201_600  # 12 x 16,800
    assert 950 * per_worker == 191_520_000


def test_readme_example_six_months():
    assert phase_premium(["JKK", "JKM"], "2024-01", 6) == 100_800


def test_phase_crossing_a_year_boundary_sums_its_months():
    # JP ceiling changes in March 2024: Jan, Feb at 286,788; Mar, Apr at 301,269
    # 2 x 286,788 + 2 x 301,269 = 573,576 + 602,538
    assert phase_premium(["JP"], "2024-01", 4, income=20_000_000) == 1_176_114
    # Nov 2026 .. Apr 2027, Dana Desa, farming: Nov, Dec discounted (8,400), Jan..Apr full
    # 2 x 8,400 + 4 x 16,800 = 16,800 + 67,200
    assert phase_premium(PKG, "2026-11", 6, sector="farming", funder="dana_desa", switches=ON) == 84_000
    # the same months for a transport worker: Nov 2026 .. Mar 2027 discounted, Apr 2027 full
    # 5 x 8,400 + 16,800 = 42,000 + 16,800
    assert phase_premium(PKG, "2026-11", 6, sector="transport", funder="dana_desa", switches=ON) == 58_800
    # Dec 2023 .. Jan 2024, nothing changes: 2 x 16,800
    assert phase_premium(PKG, "2023-12", 2) == 33_600


# ---- PP 50/2025 discount ------------------------------------------------------------------------
def test_dana_desa_other_sector_may_2026_is_halved():
    # JKK 10,000 -> 5,000; JKM 6,800 -> 3,400
    assert monthly_premium(PKG, "2026-05", sector="farming", funder="dana_desa", switches=ON) == 8_400
    assert monthly_premium(["JKK"], "2026-05", sector="farming", funder="dana_desa", switches=ON) == 5_000
    assert monthly_premium(["JKM"], "2026-05", sector="farming", funder="dana_desa", switches=ON) == 3_400


def test_discount_leaves_jht_alone():
    # 5,000 + 3,400 + 20,000 (JHT is not discounted)
    assert monthly_premium(["JKK", "JKM", "JHT"], "2026-05", sector="farming", funder="dana_desa", switches=ON) == 28_400


@pytest.mark.parametrize("funder", ["apbd", "dbh_sawit", "apbd_provinsi", "apbn"])
@pytest.mark.parametrize("sector", ["farming", "palm", "transport"])
@pytest.mark.parametrize("month", ["2026-01", "2026-05", "2026-12", "2027-03"])
def test_apbd_and_dbh_sawit_never_discounted(funder, sector, month):
    assert monthly_premium(PKG, month, sector=sector, funder=funder) == 16_800


@pytest.mark.parametrize("funder", ["dana_desa", "apbdes", "csr"])
def test_non_apbd_funders_get_the_discount(funder):
    assert monthly_premium(PKG, "2026-06", sector="palm", funder=funder, switches=ON) == 8_400


@pytest.mark.parametrize("funder", ["dana_desa", "apbdes"])
def test_village_funders_get_no_discount_by_default(funder):
    # PP 50/2025 Art. 3 excludes premiums paid through the APBN or APBD; Dana Desa is an APBN
    # transfer, so the default is the conservative reading: the full 10,000 + 6,800
    assert monthly_premium(PKG, "2026-06", sector="palm", funder=funder) == 16_800
    assert phase_premium(PKG, "2026-04", 9, sector="farming", funder=funder) == 151_200  # 9 x 16,800
    # a company or CSR forum gets the discount with no switch: 5,000 + 3,400
    assert monthly_premium(PKG, "2026-06", sector="palm", funder="csr") == 8_400


@pytest.mark.parametrize(
    "sector,month,premium",
    [
        # transport: Jan 2026 .. Mar 2027
        ("transport", "2025-12", 16_800),
        ("transport", "2026-01", 8_400),
        ("transport", "2027-01", 8_400),
        ("transport", "2027-03", 8_400),
        ("transport", "2027-04", 16_800),
        # other sectors: Apr .. Dec 2026
        ("farming", "2026-01", 16_800),
        ("farming", "2026-03", 16_800),
        ("farming", "2026-04", 8_400),
        ("farming", "2026-12", 8_400),
        ("farming", "2027-01", 16_800),
    ],
)
def test_discount_window_edges(sector, month, premium):
    assert monthly_premium(PKG, month, sector=sector, funder="dana_desa", switches=ON) == premium


def test_whole_discount_windows_as_phases():
    # other sectors: Apr..Dec 2026 = 9 months at 8,400
    assert phase_premium(PKG, "2026-04", 9, sector="farming", funder="dana_desa", switches=ON) == 75_600
    # 12 months of 2026 for farming: 3 x 16,800 + 9 x 8,400 = 50,400 + 75,600
    assert phase_premium(PKG, "2026-01", 12, sector="farming", funder="dana_desa", switches=ON) == 126_000
    # transport: Jan 2026 .. Mar 2027 = 15 months at 8,400
    assert phase_premium(PKG, "2026-01", 15, sector="transport", funder="dana_desa", switches=ON) == 126_000
    # the same 12 months of 2026 paid by APBD: 12 x 16,800
    assert phase_premium(PKG, "2026-01", 12, sector="farming", funder="apbd") == 201_600


def test_dana_desa_switch_off_removes_the_discount():
    assert monthly_premium(PKG, "2026-05", sector="farming", funder="dana_desa", switches={"dana_desa": False}) == 16_800
    assert monthly_premium(PKG, "2026-05", sector="farming", funder="dana_desa", switches={"dana_desa": True}) == 8_400
    # the switch is per funder kind: APBDes keeps its own (on here, off by default)
    assert monthly_premium(PKG, "2026-05", sector="farming", funder="apbdes", switches={"dana_desa": False, "apbdes": True}) == 8_400
    assert monthly_premium(PKG, "2026-05", sector="farming", funder="apbdes", switches={"dana_desa": True}) == 16_800


# ---- discount and switch through a scenario ----------------------------------------------------
def _dd_scenario(**extra) -> dict:
    sc = {
        "format": "premium-alloc/v1",
        "name": "DD 2026",
        "programs": ["JKK", "JKM"],
        "phases": [{"id": "p1", "start": "2026-04", "months": 6}],
        "villages": [{"id": V1, "name": "Desa Satu"}],
        "worker_groups": [group(V1, 10, "poor", "farming")],
        "sources": [{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 10**9}}],
        "assumptions": {"discount_dana_desa": True},  # these tests are about the discounted figure
    }
    sc.update(extra)
    return sc


def test_scenario_dana_desa_pays_the_discounted_premium():
    r = pa.solve(_dd_scenario(), gap=0)
    # 10 workers x 6 months x 8,400
    assert [(a.workers, a.cost_idr) for a in r.allocations] == [(10, 504_000)]
    assert r.sources[0].spent_idr == 504_000


def test_scenario_dana_desa_default_is_no_discount():
    r = pa.solve(_dd_scenario(assumptions={}), gap=0)
    # 10 workers x 6 months x 16,800 (no PP 50/2025 discount for Dana Desa unless switched on)
    assert [(a.workers, a.cost_idr) for a in r.allocations] == [(10, 1_008_000)]


def test_scenario_switch_off_removes_the_discount():
    r = pa.solve(_dd_scenario(assumptions={"discount_dana_desa": False}), gap=0)
    # 10 workers x 6 months x 16,800
    assert [(a.workers, a.cost_idr) for a in r.allocations] == [(10, 1_008_000)]


def test_scenario_discount_decides_what_a_village_budget_buys():
    # Rp504,000 buys 10 workers for 6 months at 8,400, but only 5 at 16,800 (5 x 100,800)
    on = pa.solve(_dd_scenario(sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 504_000}}]), gap=0)
    assert on.phases[0].covered == 10
    off = pa.solve(
        _dd_scenario(
            sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 504_000}}],
            assumptions={"discount_dana_desa": False},
        ),
        gap=0,
    )
    assert off.phases[0].covered == 5
    assert off.sources[0].spent_idr == 504_000


def test_shortfall_is_priced_without_discount():
    # nobody covered: 10 x 6 x 16,800 (APBD price), even though DD would pay 8,400
    r = pa.solve(_dd_scenario(sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 0}}]), gap=0)
    assert r.phases[0].uncovered == 10
    assert r.phases[0].shortfall_idr == 1_008_000


def test_scenario_transport_january_2026_by_funder():
    sc = _dd_scenario(
        phases=[{"id": "jan", "start": "2026-01", "months": 1}],
        worker_groups=[group(V1, 2, "poor", "transport"), group(V1, 3, "poor", "farming")],
    )
    r = pa.solve(sc, gap=0)
    cost = {a.sector: (a.workers, a.cost_idr) for a in r.allocations}
    # transport 2 x 8,400; farming (not yet discounted in January) 3 x 16,800
    assert cost == {"transport": (2, 16_800), "farming": (3, 50_400)}


# ---- rates overrides ------------------------------------------------------------------------------
def test_overrides_apply_to_every_month_and_funder():
    ov = {"JKK": 9_000, "JKM": 6_000}
    for month, sector, funder in [
        ("2024-01", "farming", "apbd"),
        ("2026-05", "farming", "dana_desa"),  # would be discounted without the override
        ("2026-01", "transport", "csr"),
        ("2027-03", "transport", "dana_desa"),
        ("2026-05", "palm", "dbh_sawit"),
    ]:
        assert monthly_premium(PKG, month, sector=sector, funder=funder, overrides=ov) == 15_000
    # income does not change an override either
    assert monthly_premium(PKG, "2024-01", income=3_000_000, overrides=ov) == 15_000
    # a 12-month phase through the discount window: 12 x 15,000
    assert phase_premium(PKG, "2026-01", 12, sector="farming", funder="dana_desa", overrides=ov) == 180_000


def test_override_of_one_program_only():
    # JKM overridden to 7,000; JKK still from the table: 10,000 + 7,000
    assert monthly_premium(PKG, "2024-01", overrides={"JKM": 7_000}) == 17_000
    # 1% of 2,000,000 = 20,000 + 7,000
    assert monthly_premium(PKG, "2024-01", income=2_000_000, overrides={"JKM": 7_000}) == 27_000


def test_scenario_rates_override_every_funder_and_month():
    sc = _dd_scenario(
        rates={"JKK": 9_000, "JKM": 6_000},
        sources=[
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 5 * 6 * 15_000}},
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 4 * 6 * 15_000 + 89_999},
        ],
    )
    r = pa.solve(sc, gap=0)
    # both funders pay 6 x 15,000 = 90,000 per worker: DD 5 workers, APBD 4 (Rp1 short of 5)
    spent = {s.source: (s.workers, s.spent_idr) for s in r.sources}
    assert spent == {"DD": (5, 450_000), "APBD": (4, 360_000)}
    assert r.phases[0].covered == 9
    # the shortfall is priced with the override as well: one worker x 90,000
    assert r.phases[0].shortfall_idr == 90_000


def test_cli_premium_formats_rupiah(capsys):
    from premium_alloc.cli import main

    assert main(["premium", "--programs", "JKK,JKM", "--month", "2026-05", "--funder", "csr", "--sector", "farming", "--lang", "id"]) == 0
    assert "Rp8.400" in capsys.readouterr().out
    assert main(["premium", "--programs", "JKK,JKM", "--month", "2026-05", "--funder", "csr", "--sector", "farming"]) == 0
    assert "Rp8,400" in capsys.readouterr().out  # English: one locale per output


# ---- 2026 JP ceiling and the dated funder rules --------------------------------------------------
def test_jp_ceiling_from_march_2026():
    # 10,547,400 x 1.0511 = 11,086,372.14, down to Rp100: 11,086,300; 3% = 332,589
    assert monthly_premium(["JP"], "2026-03", income=20_000_000) == 332_589
    # Feb 2026 still the 2025 ceiling 10,547,400: 3% = 316,422
    assert monthly_premium(["JP"], "2026-02", income=20_000_000) == 316_422
    # Jan..Apr 2026: 2 x 316,422 + 2 x 332,589 = 632,844 + 665,178
    assert phase_premium(["JP"], "2026-01", 4, income=20_000_000) == 1_298_022


def test_funder_rules_are_dated_data_with_references():
    from premium_alloc.rates import default_table, months_of, span_text

    t = default_table()
    rules = {r.id: r for r in t.rules_for("dana_desa")}
    assert [r.effect for r in rules.values()] == ["allowed", "barred", "barred", "pktd_only"]
    assert "SE 4/PRI.00/I/2024" in rules["dana_desa_2024"].reference
    assert "Permendagri 15/2023" in rules["dana_desa_2024"].reference
    assert not rules["dana_desa_2025"].found and "no rule was found" in rules["dana_desa_2025"].message
    assert rules["dana_desa_2026"].reference == "Permendes 16/2025" and rules["dana_desa_2026"].end is None
    # a phase from 2023-11 for 4 months covers 2024-01 and 2024-02: the 2024 rule hits them
    months = months_of("2023-11", 4)
    assert rules["dana_desa_2024"].months_hit(months) == [(2024, 1), (2024, 2)]
    assert rules["dana_desa_2023"].months_hit(months) == [(2023, 11), (2023, 12)]
    assert span_text(rules["dana_desa_2024"].months_hit(months)) == "2024-01..2024-02"
    (dbh,) = t.rules_for("dbh_sawit")
    assert dbh.effect == "sectors_only" and dbh.sectors == frozenset({"palm"})
    assert "PMK 91/2023" in dbh.cite() and "confidence R" in dbh.cite()
    # fiscal-year budgets: public ones; a company has none
    assert t.has_fiscal_year("apbd") and t.has_fiscal_year("dana_desa") and not t.has_fiscal_year("csr")
    assert t.discount_default("dana_desa") is False and t.discount_default("csr") is None


def test_older_year_rules_key_still_reads():
    from importlib import resources

    import yaml

    from premium_alloc.rates import RateTable

    data = yaml.safe_load(resources.files("premium_alloc").joinpath("data/rates.yaml").read_text(encoding="utf-8"))
    data.pop("funder_rules")
    data["year_rules"] = [{"kind": "apbdes", "years": [2030], "message": "m", "reference": "ref"}]
    t = RateTable.from_dict(data)
    (r,) = t.funder_rules
    assert (r.kind, r.start, r.end, r.effect) == ("apbdes", (2030, 1), (2030, 12), "barred")
    assert [(y.kind, sorted(y.years)) for y in t.year_rules] == [("apbdes", [2030])]
