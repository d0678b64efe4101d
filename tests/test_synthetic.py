"""Tests of the seeded synthetic scenario generators (premium_alloc.synthetic)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from premium_alloc import places, synthetic

V1_KEYS = {
    "format", "name", "programs", "income", "phases", "quota", "villages",
    "worker_groups", "sources", "objective",
}
CODE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})\.(\d{4})$")
PRIORITIES = {"extreme", "poor", "vulnerable"}
SECTORS = {"palm", "farming", "fishing", "trade", "transport"}


@pytest.fixture(scope="module")
def kapuas() -> dict[str, Any]:
    return synthetic.kapuas_2024()


@pytest.fixture(scope="module")
def prov() -> dict[str, Any]:
    return synthetic.province(3, regencies=6, villages=300, workers=60_000)


@pytest.fixture(scope="module")
def nat() -> dict[str, Any]:
    return synthetic.national(5, villages=3_000, workers=600_000, regencies=120)


def _total(sc: dict[str, Any]) -> int:
    return sum(g["count"] for g in sc["worker_groups"])


def _walk(obj: Any) -> None:
    """Assert only plain JSON types (no numpy scalars) appear anywhere."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert type(k) is str
            _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v)
    else:
        assert type(obj) in (str, int, float, bool), (type(obj), obj)


def _check_shape(sc: dict[str, Any], real: bool = False) -> None:
    assert set(sc) == V1_KEYS
    assert sc["format"] == "premium-alloc/v1"
    assert "synthetic" in sc["name"].lower()
    _walk(sc)
    ids = [v["id"] for v in sc["villages"]]
    assert len(ids) == len(set(ids))
    for v in sc["villages"]:
        m = CODE.match(v["id"])
        assert m, v["id"]
        assert int(m.group(3)) >= 1 and int(m.group(4)) >= (1001 if real else 2001)
        assert v["regency"] == v["id"][:5] and v["province"] == v["id"][:2]
    known = set(ids)
    keys = set()
    for g in sc["worker_groups"]:
        assert g["village"] in known
        assert g["count"] > 0
        assert g["priority"] in PRIORITIES and g["sector"] in SECTORS
        if "income" in g:
            assert g["income"] % 100_000 == 0 and g["income"] != sc["income"]
        key = (g["village"], g["priority"], g["sector"], g.get("income", sc["income"]))
        assert key not in keys
        keys.add(key)
    src_ids = [s["id"] for s in sc["sources"]]
    assert len(src_ids) == len(set(src_ids))
    assert sc["objective"]["source_order"] == src_ids
    dd = [s for s in sc["sources"] if s["kind"] == "dana_desa"]
    assert len(dd) == 1 and dd[0]["id"] == "DD" and dd[0]["scope"] == "village"
    if real:  # real places: Dana Desa for every desa, none for a kelurahan
        assert set(dd[0]["budgets"]) == {v for v in known if places.kind(v) == "desa"}
    else:
        assert set(dd[0]["budgets"]) == known  # every village, and only known villages
    for s in sc["sources"]:
        budgets = list(s["budgets"].values()) if "budgets" in s else [s["budget"]]
        for b in budgets:
            assert type(b) is int and b > 0 and b % 1000 == 0
        if s["kind"] == "dbh_sawit":
            assert s["eligible"]["sector"] == ["palm"]
    assert [p["id"] for p in sc["phases"]] == ["p1", "p2"]
    assert sc["quota"] == {"min": 100}


def test_kapuas_2024(kapuas: dict[str, Any]) -> None:
    _check_shape(kapuas, real=True)
    assert _total(kapuas) == 39_073
    assert len(kapuas["villages"]) == 231
    assert kapuas["name"] == "Kapuas 2024 (illustrative synthetic data)"
    assert all(v["id"].startswith("62.03.") for v in kapuas["villages"])
    assert [s["id"] for s in kapuas["sources"]] == ["DD", "DBH", "APBD"]
    assert [p["start"] for p in kapuas["phases"]] == ["2024-01", "2024-07"]
    assert kapuas["programs"] == ["JKK", "JKM"]
    assert "synthetic" in (synthetic.kapuas_2024.__doc__ or "").lower()
    assert "not real" in (synthetic.__doc__ or "").lower()
    # Money: about 60% of covering everyone for 12 months at Rp16,800, split 25/25/50 before the
    # 17 kelurahan's Dana Desa share moved to the APBD (below).
    full = 39_073 * 12 * 16_800
    dd = sum(kapuas["sources"][0]["budgets"].values())
    dbh, apbd = kapuas["sources"][1]["budget"], kapuas["sources"][2]["budget"]
    assert 0.55 <= (dd + dbh + apbd) / full <= 0.65
    assert 0.18 < dd / (dd + dbh + apbd) < 0.25 and 0.5 < apbd / (dd + dbh + apbd) < 0.57


def test_kapuas_2024_on_real_places(kapuas: dict[str, Any]) -> None:
    real = places.villages("62.03")
    # the 231 real villages, in code order, with their real names and district names
    assert [v["id"] for v in kapuas["villages"]] == real["code"].tolist()
    assert [v["name"] for v in kapuas["villages"]] == real["name"].tolist()
    assert kapuas["villages"][0] == {
        "id": "62.03.01.1006", "name": "Murung Keramat", "district": "Selat", "regency": "62.03", "province": "62"
    }
    dd = kapuas["sources"][0]["budgets"]
    assert len(dd) == 214  # desa only; the 17 kelurahan get no Dana Desa
    assert not any(places.kind(v) == "kelurahan" for v in dd)
    # the money is the synthetic draw's: the kelurahan's Dana Desa went to the APBD, to the rupiah
    coded = synthetic._kapuas_2024_codes(2024)
    old_dd = coded["sources"][0]["budgets"]
    old_ids = sorted(old_dd)
    kel = [old for old, new in zip(old_ids, real["code"]) if places.kind(new) == "kelurahan"]
    assert len(kel) == 17
    assert kapuas["sources"][2]["budget"] == coded["sources"][2]["budget"] + sum(old_dd[v] for v in kel)
    assert sum(dd.values()) == sum(old_dd.values()) - sum(old_dd[v] for v in kel)
    assert kapuas["sources"][1] == coded["sources"][1]  # DBH unchanged
    # worker counts per village unchanged, village by village
    def per_village(sc):
        c = Counter()
        for g in sc["worker_groups"]:
            c[g["village"]] += g["count"]
        return c
    old_c, new_c = per_village(coded), per_village(kapuas)
    assert [old_c[o] for o in old_ids] == [new_c[n] for n in real["code"]]


def test_regency_villages_and_priorities(kapuas: dict[str, Any]) -> None:
    per_village = Counter()
    for g in kapuas["worker_groups"]:
        per_village[g["village"]] += g["count"]
    sizes = sorted(per_village.values())
    assert sum(1 for n in sizes if n < 100) >= 5  # some small villages ...
    assert sum(1 for n in sizes if n >= 100) > len(sizes) / 2  # ... most larger
    assert {g["priority"] for g in kapuas["worker_groups"]} == PRIORITIES
    assert {g["sector"] for g in kapuas["worker_groups"]} == SECTORS
    assert any("income" in g for g in kapuas["worker_groups"])
    districts = {v["id"][:8] for v in kapuas["villages"]}
    assert len(districts) > 5
    assert "62.03.01" in districts


@pytest.mark.parametrize("workers", [0, 1, 57, 40_000])
def test_regency_exact_totals(workers: int) -> None:
    sc = synthetic.regency(7, villages=40, workers=workers, province_code="12", regency_code="7")
    assert _total(sc) == workers
    assert all(v["id"].startswith("12.07.") for v in sc["villages"])
    if workers >= 40:
        _check_shape(sc)


def test_regency_options() -> None:
    flat = synthetic.regency(1, villages=30, workers=5_000, varied_premiums=False, palm_share=0.0)
    assert not any("income" in g for g in flat["worker_groups"])
    assert not any(g["sector"] == "palm" for g in flat["worker_groups"])
    assert [s["id"] for s in flat["sources"]] == ["DD", "APBD"]
    jht = synthetic.regency(1, villages=30, workers=5_000, jht_share=1.0, year=2026, name="X synthetic")
    assert jht["programs"] == ["JKK", "JKM", "JHT"]
    assert jht["name"] == "X synthetic"
    assert [p["start"] for p in jht["phases"]] == ["2026-01", "2026-07"]


def test_province(prov: dict[str, Any]) -> None:
    _check_shape(prov)
    assert _total(prov) == 60_000
    assert len(prov["villages"]) == 300
    regs = sorted({v["regency"] for v in prov["villages"]})
    assert regs == [f"61.{r:02d}" for r in range(1, 7)]
    apbd = [s for s in prov["sources"] if s["kind"] == "apbd"]
    dbh = [s for s in prov["sources"] if s["kind"] == "dbh_sawit"]
    assert sorted(s["id"] for s in apbd) == [f"APBD.{r}" for r in regs]
    assert 1 <= len(dbh) < len(regs)  # only some regencies are palm regencies
    for s in apbd + dbh:
        code = s["id"].split(".", 1)[1]
        assert s["eligible"]["regency"] == [code]
    palm_regs = {s["eligible"]["regency"][0] for s in dbh}
    for g in prov["worker_groups"]:
        if g["sector"] == "palm":
            assert g["village"][:5] in palm_regs


def test_national_small(nat: dict[str, Any]) -> None:
    _check_shape(nat)
    assert _total(nat) == 600_000
    assert len(nat["villages"]) == 3_000
    provinces = {int(v["province"]) for v in nat["villages"]}
    assert 34 <= len(provinces) <= 38
    assert all(11 <= p <= 94 for p in provinces)
    regs = {v["regency"] for v in nat["villages"]}
    assert len(regs) == 120
    apbd = [s for s in nat["sources"] if s["kind"] == "apbd"]
    dbh = [s for s in nat["sources"] if s["kind"] == "dbh_sawit"]
    assert len(apbd) == 120
    assert {s["eligible"]["regency"][0] for s in apbd} == regs
    dbh_provs = Counter(int(s["id"].split(".")[1]) for s in dbh)
    core = {12, 14, 15, 16, 61, 62, 63, 64}
    assert dbh and sum(n for p, n in dbh_provs.items() if p in core) > len(dbh) / 2


def test_national_validation_errors() -> None:
    with pytest.raises(ValueError):
        synthetic.national(villages=10, workers=100, regencies=20)


@pytest.mark.parametrize(
    "make",
    [
        lambda s: synthetic.regency(s, villages=50, workers=8_000),
        lambda s: synthetic.province(s, regencies=4, villages=120, workers=20_000),
        lambda s: synthetic.national(s, villages=600, workers=100_000, regencies=60),
    ],
    ids=["regency", "province", "national"],
)
def test_determinism(make: Any) -> None:
    a, b, c = make(11), make(11), make(12)
    assert a == b
    assert json.dumps(a) == json.dumps(b)
    assert a != c


def test_kapuas_deterministic(kapuas: dict[str, Any]) -> None:
    assert synthetic.kapuas_2024() == kapuas
    assert synthetic.kapuas_2024(1) != kapuas


def test_json_round_trip(kapuas: dict[str, Any], nat: dict[str, Any], tmp_path: Path) -> None:
    assert json.loads(json.dumps(kapuas)) == kapuas
    p = synthetic.write(kapuas, tmp_path / "k.json")
    assert p == tmp_path / "k.json"
    assert json.loads(p.read_text(encoding="utf-8")) == kapuas
    big = synthetic.write(nat, tmp_path / "sub" / "n.json")
    text = big.read_text(encoding="utf-8")
    assert "\n  " not in text  # compact for large scenarios
    assert json.loads(text) == nat


def test_yaml_round_trip(tmp_path: Path) -> None:
    sc = synthetic.regency(2, villages=25, workers=4_000)
    for suffix in (".yaml", ".yml"):
        p = synthetic.write(sc, tmp_path / f"s{suffix}")
        assert yaml.safe_load(p.read_text(encoding="utf-8")) == sc
