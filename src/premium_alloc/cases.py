"""Small scenarios shaped like the real cases in the domain notes (ILLUSTRATIVE SYNTHETIC DATA).

Village codes, names, worker counts and budgets are made up (seeded draws); only the shape of
each case follows public reports: Sintang's two phases across a fiscal year, Kayong Utara's
"1 Desa 100" village floor paid from village budgets. Each function returns a plain v1 dict.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["kayong_utara_2023", "sintang_2023"]

FORMAT = "premium-alloc/v1"
_MONTHLY = 16_800  # JKK 10,000 + JKM 6,800 at the lowest income tier
_WEIGHTS = {"extreme": 3, "poor": 2, "vulnerable": 1}


def _case(
    *,
    name: str,
    phases: list[dict[str, Any]],
    quota_min: int,
    village_ids: list[str],
    regency: str,
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
        "villages": [{"id": v, "name": f"Desa {v}", "regency": regency, "province": regency[:2]} for v in village_ids],
        "worker_groups": groups,
        "sources": sources,
        "objective": {"priority_weights": dict(_WEIGHTS), **objective},
    }


def sintang_2023(*, apbd_2024: int = 150_000_000, continuity: bool = True, csr: bool = True) -> dict[str, Any]:
    """Sintang-shaped: 3,000 extreme-poor workers, JKK+JKM, 2 months from 2023-11 then 4 from 2024-01.

    Each fiscal year has its own APBD budget (source ``phases``): APBD2023 pays phase p1 only,
    APBD2024 phase p2 only. ``apbd_2024`` below Rp201,600,000 cannot keep everyone covered in
    2024, so with continuity the 2023 cover is held to what 2024 can sustain. A plantation
    CSR fund pays for palm workers of three villages in 2024.
    """
    rng = np.random.default_rng(61_05)
    n_v = 12
    ids = [f"61.05.{1 + i // 4:02d}.{2001 + i % 4}" for i in range(n_v)]
    counts = rng.multinomial(3_000, rng.dirichlet(np.full(n_v, 3.0)))
    palm = rng.uniform(0.2, 0.6, n_v)
    groups = []
    for vid, c, share in zip(ids, counts.tolist(), palm.tolist()):
        k = int(round(c * share))
        for sector, cnt in (("palm", k), ("farming", c - k)):
            if cnt:
                groups.append({"village": vid, "count": cnt, "priority": "extreme", "sector": sector})
    sources: list[dict[str, Any]] = [
        {"id": "APBD2023", "kind": "apbd", "scope": "regency", "budget": 3_000 * 2 * _MONTHLY, "phases": ["p1"],
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
        groups=groups,
        sources=sources,
        objective={"continuity": bool(continuity), "source_order": [s["id"] for s in sources], "gap": 0.001},
    )


def kayong_utara_2023(*, villages: int = 16, regency_budget: int = 25_000_000) -> dict[str, Any]:
    """Kayong Utara-shaped "1 Desa 100": every village funds at least 100 workers from its village budget.

    One 12-month phase in 2023, JKK+JKM. Each village has an APBDes budget sized for 50-110
    workers and 50-260 eligible workers (some below 100, whose floor is what they have), and
    a small regency APBD tops up. Some villages miss their 100; :func:`premium_alloc.analysis.explain`
    says by how much and what would lift them.
    """
    rng = np.random.default_rng(61_06)
    ids = [f"61.06.{1 + i // 6:02d}.{2001 + i % 6}" for i in range(villages)]
    workers = rng.integers(50, 260, villages)
    can_pay = rng.integers(50, 111, villages)
    year_cost = 12 * _MONTHLY
    groups = []
    for vid, w in zip(ids, workers.tolist()):
        mix = rng.multinomial(w, [0.25, 0.35, 0.40])
        for pri, cnt in zip(("extreme", "poor", "vulnerable"), mix.tolist()):
            if cnt:
                groups.append({"village": vid, "count": cnt, "priority": pri, "sector": "farming"})
    budgets = {vid: int(k) * year_cost - int(rng.integers(0, year_cost)) for vid, k in zip(ids, can_pay.tolist())}
    sources = [
        {"id": "APBDes", "kind": "apbdes", "scope": "village", "budgets": budgets, "name": "APBDes (village budgets)"},
        {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": int(regency_budget), "name": "APBD Kabupaten Kayong Utara"},
    ]
    return _case(
        name="Kayong Utara 2023, 1 Desa 100 (illustrative synthetic data)",
        phases=[{"id": "y2023", "start": "2023-01", "months": 12}],
        quota_min=100,
        village_ids=ids,
        regency="61.06",
        groups=groups,
        sources=sources,
        objective={"quota_bonus": 10, "source_order": ["APBDes", "APBD"], "gap": 0.001},
    )
