"""Building blocks of the hand-worked test scenarios, shared by several test modules.

Village codes follow Kemendagri PP.RR.DD.VVVV: V1 and V2 lie in regency 62.03 (Kapuas),
V3 in regency 62.04. Every function returns a fresh object, so a test may mutate it.
"""

from __future__ import annotations

from typing import Any

V1 = "62.03.01.2011"
V2 = "62.03.02.2006"
V3 = "62.04.01.2004"


def group(village: str, count: int, priority: str = "poor", sector: str = "palm", **extra: Any) -> dict[str, Any]:
    """One ``worker_groups`` entry (``extra``: optional keys such as ``income``)."""
    return {"village": village, "count": count, "priority": priority, "sector": sector, **extra}


def location_villages() -> list[dict[str, Any]]:
    """Three villages for the location filters: V2 has no province, V3 is in another regency."""
    return [
        {"id": V1, "name": "A", "regency": "62.03", "province": "62"},
        {"id": V2, "name": "B", "regency": "62.03"},
        {"id": V3, "name": "C", "regency": "62.04", "province": "62"},
    ]


def valid_base(name: str = "base") -> dict[str, Any]:
    """A small valid scenario: two villages, two phases, a village, a palm-only and a p1-only source.

    The base of the bad-input cases: each case breaks one field of it.
    """
    return {
        "format": "premium-alloc/v1",
        "name": name,
        "programs": ["JKK", "JKM"],
        "phases": [
            {"id": "p1", "start": "2024-01", "months": 6},
            {"id": "p2", "start": "2024-07", "months": 6},
        ],
        "villages": [{"id": V1, "name": "A", "regency": "62.03"}, {"id": V2, "name": "B", "regency": "62.03"}],
        "worker_groups": [group(V1, 10, "poor", "palm"), group(V2, 5, "extreme", "farming")],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 1_000_000}},
            {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 5_000_000, "eligible": {"sector": ["palm"]}},
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 2_000_000, "phases": ["p1"]},
        ],
        "objective": {"source_order": ["DD", "DBH", "APBD"]},
    }
