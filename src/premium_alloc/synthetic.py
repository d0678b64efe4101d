"""Seeded synthetic scenarios shaped like Indonesia (scenario format v1).

ALL DATA PRODUCED HERE IS ILLUSTRATIVE AND SYNTHETIC. Village names, worker counts,
priorities, sectors, incomes and budgets are random draws; they are not real figures
for any village, regency or province, even where a region code (e.g. 62.03, Kapuas)
or a headline total (39,073 verified workers in Kapuas 2024) is borrowed for realism.

Every function returns a plain ``dict`` in scenario format v1 (only plain Python
``int``/``float``/``str``/``bool``/``list``/``dict`` values, so ``json.dumps`` works) and is
deterministic for a given seed. Generation is vectorised with
``numpy.random.default_rng(seed)``; Python loops run only per village (to build the
output dicts) or per regency, never per worker.

Conventions:

- Village codes follow Kemendagri ``PP.RR.DD.VVVV``: districts ``01``.., villages
  ``2001``.. within each district (``2xxx`` is the range of rural villages, *desa*).
- Worker groups are (village, priority, sector[, income]); zero-count groups are omitted.
- Money (whole rupiah, rounded to thousands) totals about ``budget_share`` of the cost
  of covering every worker for every phase at Rp16,800 a month (JKK+JKM, lowest tier),
  split roughly Dana Desa 25% / DBH Sawit 25% / APBD 50% (APBD takes the DBH share
  in regencies without palm workers).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from . import places
from ._version import SCENARIO_FORMAT
from .rates import monthly_premium
from .safeio import open_atomic

__all__ = ["kapuas_2024", "national", "on_real_places", "province", "regency", "write"]

FORMAT = SCENARIO_FORMAT
DEFAULT_INCOME = 1_000_000
PRIORITIES = ("extreme", "poor", "vulnerable")
SECTORS = ("palm", "farming", "fishing", "trade", "transport")
# Shares of the non-palm sectors among non-palm workers.
_OTHER_SECTOR_SHARES = np.array([0.40, 0.15, 0.30, 0.15])
# Dirichlet parameters of the priority mix per village (mean 20% / 35% / 45%).
_PRIORITY_ALPHA = np.array([2.0, 3.5, 4.5])
# Declared income tiers other than the default, and their relative frequency.
_RAISED_INCOMES = np.array([1_500_000, 2_000_000, 2_500_000])
_RAISED_WEIGHTS = np.array([0.6, 0.3, 0.1])
# Probability that a group declares a raised income, by priority.
_RAISED_PROB = np.array([0.10, 0.25, 0.40])
_DD_SHARE = 0.25
_DBH_SHARE = 0.25
_MIN_WORKERS_PER_VILLAGE = 10

# Province codes (the 34 provinces before the 2022 Papua split) and their number of
# regencies and cities, used as weights to spread regencies across provinces.
_PROVINCES: dict[int, int] = {
    11: 23, 12: 33, 13: 19, 14: 12, 15: 11, 16: 17, 17: 10, 18: 15, 19: 7, 21: 7,
    31: 6, 32: 27, 33: 35, 34: 5, 35: 38, 36: 8, 51: 9, 52: 10, 53: 22,
    61: 14, 62: 14, 63: 13, 64: 10, 65: 5, 71: 15, 72: 13, 73: 24, 74: 17, 75: 6,
    76: 6, 81: 11, 82: 10, 91: 13, 94: 29,
}
# Palm-oil provinces (Sumatra and Kalimantan) where most regencies receive DBH Sawit.
_PALM_PROVINCES = frozenset({12, 14, 15, 16, 61, 62, 63, 64})


# --------------------------------------------------------------------------- helpers


def _round_thousands(x: np.ndarray) -> np.ndarray:
    """Round rupiah amounts to thousands, at least Rp1,000, as int64."""
    return np.maximum(np.rint(np.asarray(x, dtype=float) / 1000.0), 1.0).astype(np.int64) * 1000


def _split_exact(rng: np.random.Generator, total: int, weights: np.ndarray, floor: int) -> np.ndarray:
    """Split ``total`` into ``len(weights)`` ints summing exactly to it, each >= floor if possible."""
    n = len(weights)
    base = min(floor, total // n) if n else 0
    p = np.asarray(weights, dtype=float)
    p = p / p.sum()
    return base + rng.multinomial(total - base * n, p).astype(np.int64)


def _largest_remainder(total: int, weights: np.ndarray, floor: int = 1) -> np.ndarray:
    """Deterministic split of ``total`` in proportion to ``weights``, each part >= floor."""
    n = len(weights)
    rest = total - floor * n
    if rest < 0:
        raise ValueError(f"cannot give {n} parts at least {floor} each out of {total}")
    share = np.asarray(weights, dtype=float) / float(np.sum(weights)) * rest
    parts = np.floor(share).astype(np.int64)
    short = rest - int(parts.sum())
    if short:
        parts[np.argsort(-(share - parts), kind="stable")[:short]] += 1
    return parts + floor


def _layout(
    rng: np.random.Generator, villages_per_regency: np.ndarray, villages_per_district: float
) -> tuple[np.ndarray, np.ndarray]:
    """District number and village number (2001..) of every village, regency by regency."""
    districts: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    for m in villages_per_regency.tolist():
        d = int(min(99, max(1, round(m / villages_per_district))))
        sizes = 1 + rng.multinomial(m - d, rng.dirichlet(np.full(d, 4.0)))
        starts = np.cumsum(sizes) - sizes
        districts.append(np.repeat(np.arange(1, d + 1), sizes))
        numbers.append(2001 + np.arange(m) - np.repeat(starts, sizes))
    return np.concatenate(districts).astype(np.int64), np.concatenate(numbers).astype(np.int64)


def _sector_mix(rng: np.random.Generator, palm_share: np.ndarray) -> np.ndarray:
    """Per-village sector weights (V x 5): 1 to 3 sectors, one dominant."""
    v = len(palm_share)
    p = np.empty((v, len(SECTORS)))
    p[:, 0] = palm_share
    p[:, 1:] = (1.0 - palm_share)[:, None] * _OTHER_SECTOR_SHARES[None, :]
    with np.errstate(divide="ignore"):
        keys = np.log(p) + rng.gumbel(size=p.shape)  # Gumbel top-k: sampling w/o replacement
    order = np.argsort(-keys, axis=1, kind="stable")
    k = rng.choice(np.array([1, 2, 3]), size=v, p=[0.35, 0.45, 0.20])
    rank_w = np.column_stack(
        [np.ones(v), rng.uniform(0.25, 0.7, v), rng.uniform(0.1, 0.35, v), np.zeros((v, 2))]
    )
    rank_w[np.arange(5)[None, :] >= k[:, None]] = 0.0
    w = np.zeros_like(p)
    np.put_along_axis(w, order, rank_w, axis=1)
    w[p <= 0.0] = 0.0
    return w / w.sum(axis=1, keepdims=True)


def _groups(
    rng: np.random.Generator,
    workers: np.ndarray,
    palm_share: np.ndarray,
    varied_premiums: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised worker groups: (village index, priority idx, sector idx, count, income)."""
    v = len(workers)
    sector_w = _sector_mix(rng, palm_share)
    prio_w = rng.dirichlet(_PRIORITY_ALPHA, size=v)
    cell_p = (prio_w[:, :, None] * sector_w[:, None, :]).reshape(v, -1)  # priority-major
    cell_p /= cell_p.sum(axis=1, keepdims=True)
    counts = rng.multinomial(workers, cell_p)
    vi, cell = np.nonzero(counts)
    cnt = counts[vi, cell].astype(np.int64)
    pi, si = np.divmod(cell, len(SECTORS))
    income = np.full(len(cnt), DEFAULT_INCOME, dtype=np.int64)
    if varied_premiums:
        u = rng.random(len(cnt))
        tier = rng.choice(len(_RAISED_INCOMES), size=len(cnt), p=_RAISED_WEIGHTS)
        raised = u < _RAISED_PROB[pi]
        income[raised] = _RAISED_INCOMES[tier[raised]]
    return vi, pi, si, cnt, income


def _base_monthly(year: int, programs: tuple[str, ...] = ("JKK", "JKM")) -> int:
    """One worker's monthly premium at the lowest income tier in January of ``year``, from the rate table."""
    return monthly_premium(programs, f"{year:04d}-01", income=DEFAULT_INCOME)


def _monthly_base(jht_share: float, year: int) -> float:
    return _base_monthly(year) + float(jht_share) * _base_monthly(year, ("JHT",))


def _programs(jht_share: float) -> list[str]:
    return ["JKK", "JKM", "JHT"] if jht_share > 0 else ["JKK", "JKM"]


def _assemble(
    *,
    rng: np.random.Generator,
    name: str,
    year: int,
    prov: np.ndarray,
    reg: np.ndarray,
    reg_of_village: np.ndarray,
    district: np.ndarray,
    number: np.ndarray,
    workers: np.ndarray,
    reg_palm: np.ndarray,
    reg_palm_share: np.ndarray,
    budget_share: float,
    varied_premiums: bool,
    jht_share: float,
    source_ids: str,
) -> dict[str, Any]:
    """Build the v1 scenario dict from per-regency and per-village arrays.

    ``prov``/``reg``/``reg_palm``/``reg_palm_share`` are per regency; ``reg_of_village``,
    ``district``, ``number`` and ``workers`` per village. ``source_ids`` is "plain" (one
    regency: DBH, APBD) or "coded" (DBH.PP.RR, APBD.PP.RR, with a regency filter).
    """
    n_reg = len(reg)
    vi, pi, si, cnt, income = _groups(rng, workers, reg_palm_share[reg_of_village], varied_premiums)

    # ---- money ---------------------------------------------------------------------
    months = 12
    monthly = _monthly_base(jht_share, year)
    reg_workers = np.bincount(reg_of_village, weights=workers, minlength=n_reg)
    money = budget_share * reg_workers * months * monthly
    palm_workers = np.bincount(reg_of_village[vi], weights=cnt * (si == 0), minlength=n_reg)
    has_dbh = reg_palm & (palm_workers > 0)
    dd_w = np.maximum(workers, 1) * rng.lognormal(0.0, 0.3, len(workers))
    dd_w_reg = np.bincount(reg_of_village, weights=dd_w, minlength=n_reg)
    dd = _round_thousands(_DD_SHARE * money[reg_of_village] * dd_w / dd_w_reg[reg_of_village])
    dd_reg = np.bincount(reg_of_village, weights=dd, minlength=n_reg)
    dbh_raw = np.minimum(_DBH_SHARE * money, 0.8 * palm_workers * months * _base_monthly(year))
    dbh = np.where(has_dbh, _round_thousands(dbh_raw), 0)
    apbd = _round_thousands(np.maximum(money - dd_reg - dbh, 1000.0))

    # ---- lists ---------------------------------------------------------------------
    prov_v = prov[reg_of_village].tolist()
    reg_v = reg[reg_of_village].tolist()
    ids = [
        f"{p:02d}.{r:02d}.{d:02d}.{n:04d}"
        for p, r, d, n in zip(prov_v, reg_v, district.tolist(), number.tolist())
    ]
    villages = [
        {"id": i, "name": f"Desa {i}", "regency": i[:5], "province": i[:2]} for i in ids
    ]
    groups: list[dict[str, Any]] = []
    append = groups.append
    for v, p, s, c, inc in zip(vi.tolist(), pi.tolist(), si.tolist(), cnt.tolist(), income.tolist()):
        g: dict[str, Any] = {"village": ids[v], "count": c, "priority": PRIORITIES[p], "sector": SECTORS[s]}
        if inc != DEFAULT_INCOME:
            g["income"] = inc
        append(g)

    sources: list[dict[str, Any]] = [
        {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": dict(zip(ids, dd.tolist()))}
    ]
    dbh_sources: list[dict[str, Any]] = []
    apbd_sources: list[dict[str, Any]] = []
    for r, (p, rc, dbh_r, apbd_r, palm) in enumerate(
        zip(prov.tolist(), reg.tolist(), dbh.tolist(), apbd.tolist(), has_dbh.tolist())
    ):
        code = f"{p:02d}.{rc:02d}"
        if source_ids == "plain":
            dbh_id, apbd_id, filt = "DBH", "APBD", {}
        else:
            dbh_id, apbd_id, filt = f"DBH.{code}", f"APBD.{code}", {"regency": [code]}
        if palm:
            dbh_sources.append(
                {"id": dbh_id, "kind": "dbh_sawit", "scope": "regency", "budget": dbh_r,
                 "eligible": {"sector": ["palm"], **filt}}
            )
        apbd_src: dict[str, Any] = {"id": apbd_id, "kind": "apbd", "scope": "regency", "budget": apbd_r}
        if filt:
            apbd_src["eligible"] = dict(filt)
        apbd_sources.append(apbd_src)
    sources += dbh_sources + apbd_sources

    return {
        "format": FORMAT,
        "name": name,
        "programs": _programs(jht_share),
        "income": DEFAULT_INCOME,
        "phases": [
            {"id": "p1", "start": f"{year:04d}-01", "months": 6},
            {"id": "p2", "start": f"{year:04d}-07", "months": 6},
        ],
        "quota": {"min": 100},
        "villages": villages,
        "worker_groups": groups,
        "sources": sources,
        "objective": {
            "priority_weights": {"extreme": 3, "poor": 2, "vulnerable": 1},
            "quota_bonus": 10,
            "continuity": False,
            "source_order": [s["id"] for s in sources],
            "gap": 0.005,
            "time_limit": 60,
        },
    }


def _village_workers(
    rng: np.random.Generator, total: int, reg_of_village: np.ndarray, reg_factor: np.ndarray
) -> np.ndarray:
    """Skewed split of ``total`` workers over villages (lognormal weights), exact total."""
    w = rng.lognormal(0.0, 0.55, len(reg_of_village)) * reg_factor[reg_of_village]
    return _split_exact(rng, total, w, _MIN_WORKERS_PER_VILLAGE)


def _villages_per_regency(rng: np.random.Generator, villages: int, regencies: int, alpha: float) -> np.ndarray:
    """Random split of ``villages`` over regencies (Dirichlet weights), at least one each."""
    return 1 + rng.multinomial(villages - regencies, rng.dirichlet(np.full(regencies, alpha)))


def _spread(
    rng: np.random.Generator,
    villages_per_regency: np.ndarray,
    workers: int,
    villages_per_district: float,
    regency_sigma: float | None = None,
) -> dict[str, np.ndarray]:
    """Per-village arrays for ``_assemble``: regency index, district, village number, workers.

    ``regency_sigma`` draws a lognormal size factor per regency (``None``: all equal).
    """
    n_reg = len(villages_per_regency)
    reg_of_village = np.repeat(np.arange(n_reg, dtype=np.int64), villages_per_regency)
    district, number = _layout(rng, villages_per_regency, villages_per_district)
    factor = np.ones(n_reg) if regency_sigma is None else rng.lognormal(0.0, regency_sigma, n_reg)
    return {
        "reg_of_village": reg_of_village,
        "district": district,
        "number": number,
        "workers": _village_workers(rng, workers, reg_of_village, factor),
    }


def _check(villages: int, workers: int, regencies: int = 1) -> None:
    if regencies < 1:
        raise ValueError(f"regencies: {regencies} must be at least 1")
    if villages < regencies:
        raise ValueError(f"villages: {villages} must be at least the number of regencies ({regencies})")
    if workers < 0:
        raise ValueError(f"workers: {workers} is negative")


# --------------------------------------------------------------------------- public API


def regency(
    seed: int = 0,
    *,
    villages: int = 230,
    workers: int = 40_000,
    province_code: str = "62",
    regency_code: str = "03",
    name: str | None = None,
    year: int = 2024,
    palm_share: float = 0.3,
    budget_share: float = 0.6,
    varied_premiums: bool = True,
    jht_share: float = 0.0,
) -> dict[str, Any]:
    """Synthetic one-regency scenario (illustrative data): DD per village, DBH Sawit, APBD.

    ``palm_share`` is the approximate share of workers in the palm sector (no DBH source
    when 0). ``jht_share`` > 0 adds JHT to the programs and sizes the money for JHT for
    that share of the workers.

    Parameters
    ----------
    seed : int
        Seed of every random draw (the same seed gives the same scenario).
    villages : int
        Villages.
    workers : int
        Workers in all.
    province_code : str
        Kemendagri province code.
    regency_code : str
        Regency code within the province.
    name : str, optional
        The scenario's name.
    year : int
        Year of the two six-month phases.
    palm_share : float
        Approximate share of palm-sector workers.
    budget_share : float
        Money as a share of covering everyone.
    varied_premiums : bool
        Raise some workers' incomes (dearer premiums).
    jht_share : float
        Share of workers the money also covers JHT for.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    _check(villages, workers)
    rng = np.random.default_rng(seed)
    spread = _spread(rng, np.array([villages]), workers, 13.5)
    code = f"{int(province_code):02d}.{int(regency_code):02d}"
    return _assemble(
        rng=rng,
        name=name or f"Synthetic regency {code} {year} (illustrative synthetic data)",
        year=year,
        prov=np.array([int(province_code)]),
        reg=np.array([int(regency_code)]),
        **spread,
        reg_palm=np.array([palm_share > 0]),
        reg_palm_share=np.array([float(palm_share)]),
        budget_share=budget_share,
        varied_premiums=varied_premiums,
        jht_share=jht_share,
        source_ids="plain",
    )


def on_real_places(scenario: dict[str, Any], regency_code: str) -> dict[str, Any]:
    """Move a one-regency synthetic scenario onto the regency's real Kemendagri villages.

    The i-th village (in code order) becomes the regency's i-th real village: its code, name
    and district name from :mod:`premium_alloc.places`. Only a desa receives Dana Desa, so
    the Dana Desa budget of a village that is really a kelurahan is moved to the regency APBD
    (source ``APBD``): the total money is unchanged. Worker counts stay synthetic.

    Raises ``ValueError`` when the numbers of villages differ.

    Parameters
    ----------
    scenario : dict
        A one-regency synthetic scenario.
    regency_code : str
        A real regency's code (``62.03``).

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    real = places.villages(regency_code)
    old = [v["id"] for v in scenario["villages"]]
    if len(real) != len(old):
        raise ValueError(f"{regency_code} has {len(real)} villages, the scenario {len(old)}")
    codes = real["code"].tolist()
    remap = dict(zip(sorted(old), codes))
    kinds = dict(zip(codes, real["kind"].tolist()))
    sc = dict(scenario)
    sc["villages"] = [
        {"id": c, "name": n, "district": d, "regency": c[:5], "province": c[:2]}
        for c, n, d in zip(codes, real["name"].tolist(), real["district_name"].tolist())
    ]
    sc["worker_groups"] = [{**g, "village": remap[g["village"]]} for g in scenario["worker_groups"]]
    sources = []
    moved = 0
    for src in scenario["sources"]:
        src = dict(src)
        if src.get("budgets") is not None:
            budgets = {remap[v]: b for v, b in src["budgets"].items()}
            if src["kind"] in ("dana_desa", "apbdes"):
                moved += sum(b for v, b in budgets.items() if kinds[v] == "kelurahan")
                budgets = {v: b for v, b in budgets.items() if kinds[v] != "kelurahan"}
            src["budgets"] = budgets
        if src.get("eligible", {}).get("village"):
            src["eligible"] = {**src["eligible"], "village": [remap[v] for v in src["eligible"]["village"]]}
        sources.append(src)
    apbd = next(s for s in sources if s["id"] == "APBD")
    apbd["budget"] = int(apbd["budget"]) + int(moved)
    sc["sources"] = sources
    return sc


def kapuas_2024(seed: int = 2024) -> dict[str, Any]:
    """Illustrative SYNTHETIC demo shaped like Kapuas 2024: 39,073 workers on the 231 real villages; not real figures.

    Villages are Kapuas's (62.03) real Kemendagri codes and names (214 desa with a Dana Desa
    budget, 17 kelurahan without: their share of the money is in the APBD); worker counts,
    priorities, sectors and budgets are synthetic draws.

    Parameters
    ----------
    seed : int
        Seed of the draws.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    return on_real_places(_kapuas_2024_codes(seed), "62.03")


def _kapuas_2024_codes(seed: int) -> dict[str, Any]:
    return regency(
        seed,
        villages=231,
        workers=39_073,
        province_code="62",
        regency_code="03",
        name="Kapuas 2024 (illustrative synthetic data)",
        year=2024,
        palm_share=0.3,
        budget_share=0.6,
        varied_premiums=True,
    )


def province(
    seed: int = 0,
    *,
    regencies: int = 9,
    villages: int = 2_000,
    workers: int = 400_000,
    province_code: str = "61",
    name: str | None = None,
    year: int = 2024,
    palm_regencies: float = 0.6,
    budget_share: float = 0.6,
    varied_premiums: bool = True,
    jht_share: float = 0.0,
) -> dict[str, Any]:
    """Synthetic one-province scenario (illustrative data): per-regency DBH/APBD, DD per village.

    About ``palm_regencies`` of the regencies (at least one, and with two or more
    regencies at least one fewer than all) are palm regencies with a DBH source.

    Parameters
    ----------
    seed : int
        Seed of every random draw.
    regencies : int
        Regencies.
    villages : int
        Villages in all.
    workers : int
        Workers in all.
    province_code : str
        Kemendagri province code.
    name : str, optional
        The scenario's name.
    year : int
        Year of the phases.
    palm_regencies : float
        Share of regencies with a DBH Sawit source.
    budget_share : float
        Money as a share of covering everyone.
    varied_premiums : bool
        Raise some workers' incomes.
    jht_share : float
        Share of workers the money also covers JHT for.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    _check(villages, workers, regencies)
    if regencies > 99:
        raise ValueError(f"regencies: {regencies} exceeds 99 (two-digit regency codes)")
    rng = np.random.default_rng(seed)
    n_palm = int(round(palm_regencies * regencies))
    n_palm = max(1, min(n_palm, regencies - 1)) if regencies >= 2 else (1 if palm_regencies > 0 else 0)
    palm = np.zeros(regencies, dtype=bool)
    palm[rng.permutation(regencies)[:n_palm]] = True
    palm_share = np.where(palm, rng.uniform(0.25, 0.5, regencies), 0.0)
    spread = _spread(rng, _villages_per_regency(rng, villages, regencies, 3.0), workers, 12.0, 0.3)
    pc = int(province_code)
    return _assemble(
        rng=rng,
        name=name or f"Synthetic province {pc:02d} {year} (illustrative synthetic data)",
        year=year,
        prov=np.full(regencies, pc),
        reg=np.arange(1, regencies + 1),
        **spread,
        reg_palm=palm,
        reg_palm_share=palm_share,
        budget_share=budget_share,
        varied_premiums=varied_premiums,
        jht_share=jht_share,
        source_ids="coded",
    )


def national(
    seed: int = 0,
    *,
    villages: int = 75_000,
    workers: int = 20_000_000,
    regencies: int = 514,
    year: int = 2024,
    budget_share: float = 0.6,
    varied_premiums: bool = True,
    name: str | None = None,
) -> dict[str, Any]:
    """Synthetic Indonesia-wide scenario (illustrative data): 34 provinces, per-regency APBD/DBH, one DD.

    With fewer than 34 regencies only the first provinces (by code) are used.

    Parameters
    ----------
    seed : int
        Seed of every random draw.
    villages : int
        Villages in all.
    workers : int
        Workers in all.
    regencies : int
        Regencies in all.
    year : int
        Year of the phases.
    budget_share : float
        Money as a share of covering everyone.
    varied_premiums : bool
        Raise some workers' incomes.
    name : str, optional
        The scenario's name.

    Returns
    -------
    dict
        A v1 scenario as plain data (``pa.solve`` and ``synthetic.write`` take it).
    """
    _check(villages, workers, regencies)
    rng = np.random.default_rng(seed)
    codes = np.array(list(_PROVINCES), dtype=np.int64)
    weights = np.array(list(_PROVINCES.values()), dtype=float)
    if regencies < len(codes):
        codes, weights = codes[:regencies], weights[:regencies]
    rpp = _largest_remainder(regencies, weights)
    if int(rpp.max()) > 99:
        raise ValueError(f"regencies: {regencies} gives a province more than 99 regencies")
    prov = np.repeat(codes, rpp)
    reg = np.concatenate([np.arange(1, k + 1) for k in rpp.tolist()])
    in_palm_prov = np.isin(prov, list(_PALM_PROVINCES))
    palm = rng.random(regencies) < np.where(in_palm_prov, 0.7, 0.05)
    palm_share = np.where(palm, rng.uniform(0.2, 0.5, regencies), 0.0)
    spread = _spread(rng, _villages_per_regency(rng, villages, regencies, 2.5), workers, 10.0, 0.4)
    return _assemble(
        rng=rng,
        name=name or f"Synthetic Indonesia {year} (illustrative synthetic data)",
        year=year,
        prov=prov,
        reg=reg,
        **spread,
        reg_palm=palm,
        reg_palm_share=palm_share,
        budget_share=budget_share,
        varied_premiums=varied_premiums,
        jht_share=0.0,
        source_ids="coded",
    )


def write(scenario: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a scenario as UTF-8 JSON (YAML for .yaml/.yml); large ones as compact JSON.

    Parameters
    ----------
    scenario : dict
        A scenario as plain data.
    path : str or PathLike
        Where to write it.

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in (".yaml", ".yml"):
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(scenario, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)
    else:
        large = len(scenario.get("worker_groups", ())) + len(scenario.get("villages", ())) > 5_000
        if large:
            text = json.dumps(scenario, ensure_ascii=False, separators=(",", ":"))
        else:
            text = json.dumps(scenario, ensure_ascii=False, indent=2)
        text += "\n"
    with open_atomic(out) as fh:
        fh.write(text)
    return out
