"""Small scenarios shaped like the real cases in the domain notes (ILLUSTRATIVE SYNTHETIC DATA).

Villages are real: Kemendagri 2025 codes, names and districts from :mod:`premium_alloc.places`
(Sintang 61.05, Kayong Utara 61.11, Kapuas 62.03). Worker counts and budgets are made up
(seeded draws) except where a public report gives them (Kapuas 2025: 9,960 workers for 7
months); the shape of each case follows public reports: Sintang's two phases across a fiscal
year, Kayong Utara's "1 Desa 100" village floor paid from village budgets. Each function
returns a plain v1 dict.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import places
from ._version import SCENARIO_FORMAT
from .rates import monthly_premium

__all__ = ["kapuas_2025", "kayong_utara_2023", "sintang_2023"]

FORMAT = SCENARIO_FORMAT


def _monthly(month: str) -> int:
    """JKK + JKM for one worker at the lowest income tier in ``month`` (YYYY-MM), from the rate table."""
    return monthly_premium(("JKK", "JKM"), month)

_WEIGHTS = {"extreme": 3, "poor": 2, "vulnerable": 1}


def _case(
    *,
    name: str,
    phases: list[dict[str, Any]],
    quota_min: int,
    village_ids: list[str],
    regency: str,
    name_of: dict[str, str] | None = None,
    district_of: dict[str, str] | None = None,
    groups: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    objective: dict[str, Any],
) -> dict[str, Any]:
    """A v1 scenario for one regency's villages, JKK+JKM at the lowest income tier."""
    return {
        "format": FORMAT,
        "name": name,
        "programs": ["JKK", "JKM"],
        "income": 1_000_000,
        "phases": phases,
        "quota": {"min": quota_min},
        "villages": [
            {
                "id": v,
                "name": (name_of or {}).get(v, f"Desa {v}"),
                **({"district": district_of[v]} if district_of and v in district_of else {}),
                "regency": regency,
                "province": regency[:2],
            }
            for v in village_ids
        ],
        "worker_groups": groups,
        "sources": sources,
        "objective": {"priority_weights": dict(_WEIGHTS), **objective},
    }


def _real(regency: str, *, n: int | None = None, per_district: int | None = None, desa_only: bool = False) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Codes, names and district names of a regency's real villages (the first ``n``, in code order).

    ``per_district`` takes that many villages from each district in turn; ``desa_only`` skips kelurahan.
    """
    v = places.villages(regency)
    if desa_only:
        v = v[v["kind"] == "desa"]
    if per_district is not None:
        v = v.groupby("district", sort=True).head(per_district)
        v = v[v["district"].map(v["district"].value_counts()) == per_district]
    if n is not None:
        if n > len(v):
            raise ValueError(f"villages: {n} is more than the {len(v)} villages of {regency} ({places.name(regency)})")
        v = v.iloc[:n]
    codes = v["code"].tolist()
    return codes, dict(zip(codes, v["name"].tolist())), dict(zip(codes, v["district_name"].tolist()))


def sintang_2023(*, apbd_2024: int = 150_000_000, continuity: bool = True, csr: bool = True) -> dict[str, Any]:
    """Sintang-shaped: 3,000 extreme-poor workers, JKK+JKM, 2 months from 2023-11 then 4 from 2024-01.

    Each fiscal year has its own APBD budget (source ``phases``): APBD2023 pays phase p1 only,
    APBD2024 phase p2 only. ``apbd_2024`` below Rp201,600,000 cannot keep everyone covered in
    2024, so with continuity the 2023 cover is held to what 2024 can sustain. A plantation
    CSR fund pays for palm workers of three villages in 2024.

    Parameters
    ----------
    apbd_2024 : int
        The 2024 APBD budget.
    continuity : bool
        Keep 2023 cover to what 2024 can sustain.
    csr : bool
        Add the plantation CSR source.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    rng = np.random.default_rng(61_05)
    n_v = 12
    ids, names, districts = _real("61.05", n=n_v, per_district=4, desa_only=True)  # 4 desa in each of 3 districts
    counts = rng.multinomial(3_000, rng.dirichlet(np.full(n_v, 3.0)))
    palm = rng.uniform(0.2, 0.6, n_v)
    groups = []
    for vid, c, share in zip(ids, counts.tolist(), palm.tolist()):
        k = int(round(c * share))
        for sector, cnt in (("palm", k), ("farming", c - k)):
            if cnt:
                groups.append({"village": vid, "count": cnt, "priority": "extreme", "sector": sector})
    sources: list[dict[str, Any]] = [
        {"id": "APBD2023", "kind": "apbd", "scope": "regency", "budget": 3_000 * 2 * _monthly("2023-11"), "phases": ["p1"],
         "name": "APBD Kabupaten Sintang 2023"},
        {"id": "APBD2024", "kind": "apbd", "scope": "regency", "budget": int(apbd_2024), "phases": ["p2"],
         "name": "APBD Kabupaten Sintang 2024"},
    ]
    if csr:
        sources.append(
            {"id": "CSR", "kind": "csr", "scope": "regency", "budget": 20_000_000, "phases": ["p2"],
             "eligible": {"sector": ["palm"], "village": ids[:3]}, "name": "Plantation CSR forum"}
        )
    return _case(
        name="Sintang 2023-2024 (illustrative synthetic data)",
        phases=[{"id": "p1", "start": "2023-11", "months": 2}, {"id": "p2", "start": "2024-01", "months": 4}],
        quota_min=0,
        village_ids=ids,
        regency="61.05",
        name_of=names,
        district_of=districts,
        groups=groups,
        sources=sources,
        objective={"continuity": bool(continuity), "source_order": [s["id"] for s in sources], "gap": 0.001},
    )


def kayong_utara_2023(*, villages: int = 43, regency_budget: int = 25_000_000) -> dict[str, Any]:
    """Kayong Utara-shaped "1 Desa 100": every village funds at least 100 workers from its village budget.

    Kayong Utara is regency 61.11 (6 districts, 43 desa); the villages are its real ones (the
    first ``villages`` in code order). One 12-month phase in 2023, JKK+JKM. Each village has an
    APBDes budget sized for 50-110
    workers and 50-260 eligible workers (some below 100, whose floor is what they have), and
    a small regency APBD tops up. Some villages miss their 100; :func:`premium_alloc.analysis.explain`
    says by how much and what would lift them.

    Parameters
    ----------
    villages : int
        The first villages (in code order) of the regency.
    regency_budget : int
        The regency APBD budget.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    rng = np.random.default_rng(61_11)
    ids, names, districts = _real("61.11", n=villages)
    workers = rng.integers(50, 260, villages)
    can_pay = rng.integers(50, 111, villages)
    year_cost = 12 * _monthly("2023-01")
    groups = []
    for vid, w in zip(ids, workers.tolist()):
        mix = rng.multinomial(w, [0.25, 0.35, 0.40])
        for pri, cnt in zip(("extreme", "poor", "vulnerable"), mix.tolist()):
            if cnt:
                groups.append({"village": vid, "count": cnt, "priority": pri, "sector": "farming"})
    budgets = {vid: int(k) * year_cost - int(rng.integers(0, year_cost)) for vid, k in zip(ids, can_pay.tolist())}
    sources: list[dict[str, Any]] = [
        {"id": "APBDes", "kind": "apbdes", "scope": "village", "budgets": budgets, "name": "APBDes (village budgets)"},
        {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": int(regency_budget), "name": "APBD Kabupaten Kayong Utara"},
    ]
    return _case(
        name="Kayong Utara 2023, 1 Desa 100 (illustrative synthetic data)",
        phases=[{"id": "y2023", "start": "2023-01", "months": 12}],
        quota_min=100,
        village_ids=ids,
        regency="61.11",
        name_of=names,
        district_of=districts,
        groups=groups,
        sources=sources,
        objective={"quota_bonus": 10, "source_order": ["APBDes", "APBD"], "gap": 0.001},
    )


#: Kapuas 2025 as reported: 9,960 workers for 7 months
KAPUAS_2025_WORKERS = 9_960
KAPUAS_2025_MONTHS = 7


def kapuas_2025(*, apbd: int | None = None, start: str = "2025-06") -> dict[str, Any]:
    """Kapuas 2025: 9,960 workers covered for 7 months from the regency APBD, JKK+JKM at the lowest tier.

    The cost reported is 9,960 x 7 x Rp16,800 = Rp1,171,296,000, the default ``apbd``. Workers
    are spread over Kapuas's (62.03) 231 real villages by a seeded draw (the split per village
    is illustrative); Dana Desa is not used (no rule found that allows it in 2025). The 7
    months run from ``start`` (June to December 2025 by default: one fiscal year).

    Parameters
    ----------
    apbd : int, optional
        The APBD budget (default: 9,960 workers x 7 months at the rate table's premium, as reported).
    start : str
        First month (YYYY-MM) of the 7.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    if apbd is None:
        apbd = KAPUAS_2025_WORKERS * KAPUAS_2025_MONTHS * _monthly(start)
    rng = np.random.default_rng(62_03)
    ids, names, districts = _real("62.03")
    weights = rng.lognormal(0.0, 0.5, len(ids))
    counts = 1 + rng.multinomial(KAPUAS_2025_WORKERS - len(ids), weights / weights.sum())
    groups = []
    for vid, c in zip(ids, counts.tolist()):
        mix = rng.multinomial(c, [0.3, 0.3, 0.4])
        for pri, cnt in zip(("extreme", "poor", "vulnerable"), mix.tolist()):
            if cnt:
                groups.append({"village": vid, "count": cnt, "priority": pri, "sector": "farming"})
    sources = [{"id": "APBD2025", "kind": "apbd", "scope": "regency", "budget": int(apbd), "year": 2025,
                "name": "APBD Kabupaten Kapuas 2025"}]
    return _case(
        name="Kapuas 2025: 9,960 workers for 7 months (village split illustrative)",
        phases=[{"id": "y2025", "start": start, "months": KAPUAS_2025_MONTHS}],
        quota_min=0,
        village_ids=ids,
        regency="62.03",
        name_of=names,
        district_of=districts,
        groups=groups,
        sources=sources,
        objective={"gap": 0.0},
    )
