"""The case scenarios on real places, and the Kapuas 2025 figure worked by hand."""

from __future__ import annotations

import premium_alloc as pa
from premium_alloc import cases, places


def test_kapuas_2025_costs_rp1_171_296_000():
    sc = cases.kapuas_2025()
    assert sum(g["count"] for g in sc["worker_groups"]) == 9_960
    assert [(p["start"], p["months"]) for p in sc["phases"]] == [("2025-06", 7)]
    # 9,960 workers x 7 months x Rp16,800 (JKK 10,000 + JKM 6,800, lowest tier)
    assert sc["sources"][0]["budget"] == 1_171_296_000
    r = pa.solve(sc, gap=0)
    assert r.phases[0].covered == 9_960 and r.phases[0].uncovered == 0
    assert r.sources[0].spent_idr == 1_171_296_000
    assert r.phases[0].shortfall_idr == 0


def test_kapuas_2025_one_rupiah_short_leaves_one_worker():
    r = pa.solve(cases.kapuas_2025(apbd=1_171_296_000 - 1), gap=0)
    # one worker fewer: 9,959 x 117,600 = 1,171,178,400 spent; shortfall one worker's 7 x 16,800
    assert r.phases[0].covered == 9_959
    assert r.sources[0].spent_idr == 1_171_178_400
    assert r.phases[0].shortfall_idr == 117_600


def test_kapuas_2025_on_the_231_real_villages():
    sc = cases.kapuas_2025()
    assert [v["id"] for v in sc["villages"]] == places.villages("62.03")["code"].tolist()
    assert all(places.is_known([v["id"] for v in sc["villages"]]))


def test_kayong_utara_on_61_11_and_its_43_desa():
    sc = cases.kayong_utara_2023()
    ids = [v["id"] for v in sc["villages"]]
    assert len(ids) == 43 and all(i.startswith("61.11.") for i in ids)
    assert set(places.kind(ids)) == {"desa"}
    assert {v["regency"] for v in sc["villages"]} == {"61.11"}
    assert sc["villages"][0]["name"] == "Sutera" and sc["villages"][0]["district"] == "Sukadana"
    assert set(sc["sources"][0]["budgets"]) == set(ids)
    assert "Kayong Utara" in sc["sources"][1]["name"]
    small = cases.kayong_utara_2023(villages=6)
    assert [v["id"] for v in small["villages"]] == ids[:6]


def test_sintang_on_real_desa_of_three_districts():
    sc = cases.sintang_2023()
    ids = [v["id"] for v in sc["villages"]]
    assert len(ids) == 12 and all(places.is_known(ids)) and set(places.kind(ids)) == {"desa"}
    assert sorted({i[:8] for i in ids}) == ["61.05.01", "61.05.02", "61.05.03"]
    assert sum(g["count"] for g in sc["worker_groups"]) == 3_000
