"""The Kemendagri place list: counts and names checked by hand against the source file.

Facts below were read in ``db/wilayah.sql`` of github.com/cahyadsn/wilayah (Kepmendagri
300.2.2-2138/2025) and agree with the domain notes: Kapuas 62.03 has 17 districts and 231
villages (214 desa, 17 kelurahan); Kayong Utara is 61.11 (6 districts, 43 desa); 61.06 is
Kapuas Hulu.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from premium_alloc import places


def test_kapuas_counts():
    v = places.villages("62.03")
    assert len(v) == 231
    assert (v["kind"] == "desa").sum() == 214
    assert (v["kind"] == "kelurahan").sum() == 17
    assert len(places.districts("62.03")) == 17
    assert v["district"].nunique() == 17
    assert v["code"].is_unique and v["code"].is_monotonic_increasing


def test_kayong_utara_is_6111_not_6106():
    assert places.name("61.11") == "Kabupaten Kayong Utara"
    assert places.name("61.06") == "Kabupaten Kapuas Hulu"
    v = places.villages("61.11")
    assert len(v) == 43 and set(v["kind"]) == {"desa"}
    assert places.districts("61.11")["name"].tolist() == [
        "Sukadana", "Simpang Hilir", "Teluk Batang", "Pulau Maya", "Seponti", "Kepulauan Karimata"
    ]


def test_names_of_the_seed_regencies():
    codes = ["62.03", "61.05", "61.11", "61.12", "19.01", "62", "61"]
    assert places.name(codes).tolist() == [
        "Kabupaten Kapuas", "Kabupaten Sintang", "Kabupaten Kayong Utara", "Kabupaten Kubu Raya",
        "Kabupaten Bangka", "Kalimantan Tengah", "Kalimantan Barat",
    ]
    assert places.kind("62.03") == "kabupaten"


def test_village_names_and_kind():
    # 62.03.01 Selat: Pulau Telo (desa), Murung Keramat (kelurahan); 62.03.02.1001 Mambulau
    assert places.name("62.03.01.2011") == "Pulau Telo"
    assert places.kind("62.03.01.2011") == "desa"
    assert places.name("62.03.01.1006") == "Murung Keramat"
    assert places.kind("62.03.01.1006") == "kelurahan"
    assert places.name("62.03.02.1001") == "Mambulau"
    assert places.name("62.03.01") == "Selat"


def test_national_totals():
    t = places.table()
    counts = t["level"].value_counts().to_dict()
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}
    vk = t.loc[t["level"] == 4, "kind"].value_counts().to_dict()
    assert vk == {"desa": 75266, "kelurahan": 8496}  # 14 desa adat (3xxx, Papua) counted as desa
    # the fourth part's first digit says the kind: 1 kelurahan, 2 or 3 desa
    vil = t[t["level"] == 4]
    first = vil.index.str[9]
    assert ((first == "1") == (vil["kind"] == "kelurahan")).all()


def test_unknown_and_shape():
    assert places.looks_like_code("62.03.01.2011")
    assert places.looks_like_code(" 62.03 ")
    assert not places.looks_like_code("6203012011")  # undotted: BPS codes look the same
    assert not places.looks_like_code("V001")
    assert not places.looks_like_code("62.3")
    assert places.is_known("62.03.01.2011")
    assert not places.is_known("62.03.99.2001")  # right shape, not in the list
    assert places.looks_like_code("62.03.99.2001")
    assert places.name("62.03.99.2001") is None
    assert places.kind("nope") is None
    assert places.level("62.03.01") == 3 and places.level("nope") == 0


def test_vectorised_with_missing_values():
    codes = pd.Series(["62.03.01.2011", None, "x", "62.03.01.1006", np.nan])
    assert places.is_known(codes).tolist() == [True, False, False, True, False]
    assert places.looks_like_code(codes).tolist() == [True, False, False, True, False]
    assert places.name(codes).tolist() == ["Pulau Telo", None, None, "Murung Keramat", None]
    assert places.kind(codes).tolist() == ["desa", None, None, "kelurahan", None]
    assert places.parent(codes, "regency").tolist() == ["62.03", None, None, "62.03", None]
    assert places.level(codes).tolist() == [4, 0, 0, 4, 0]
    big = np.repeat(places.villages("62.03")["code"].to_numpy(), 100)
    assert (places.kind(big) == "desa").sum() == 21_400


def test_describe():
    d = places.describe(["62.03.01.2011", "99.99.01.2001"])
    row = d.iloc[0]
    assert (row["name"], row["district_name"], row["regency_name"], row["province_name"]) == (
        "Pulau Telo", "Selat", "Kabupaten Kapuas", "Kalimantan Tengah"
    )
    assert not d.iloc[1]["known"] and pd.isna(d.iloc[1]["regency_name"])
    assert d.iloc[1]["regency"] == "99.99"


def test_villages_of_a_district_and_bad_codes():
    selat = places.villages("62.03.01")
    assert len(selat) == 10 and (selat["kind"] == "kelurahan").sum() == 8
    with pytest.raises(KeyError, match="62.99.*not a regency code in the Kemendagri list"):
        places.villages("62.99")
    with pytest.raises(KeyError, match="not a regency code"):
        places.districts("Kapuas")
    with pytest.raises(ValueError, match="not a level"):
        places.parent("62.03", "kecamatan")
