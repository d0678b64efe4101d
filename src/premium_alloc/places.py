"""Kemendagri places: provinces, regencies and cities, districts and villages, with names and kind.

The list is data (``data/places.csv.gz``, derived from the MIT-licensed ``cahyadsn/wilayah``
copy of the Kemendagri 2025 code list, notice in ``data/places-LICENSE.txt``; rebuilt by
``tools/build_places.py``). It is read once, on first use.

A code is dotted: ``PP`` (province), ``PP.RR`` (regency or city), ``PP.RR.DD`` (district,
*kecamatan*), ``PP.RR.DD.VVVV`` (village). A village whose fourth part starts with 1 is a
*kelurahan* (urban ward, no Dana Desa); 2 is a *desa*; 3 a *desa adat* (counted as desa).

Every lookup takes one code (returns a scalar) or a sequence / array / Series of codes
(returns a numpy array of the same length), so a whole column is looked up at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, overload

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS",
    "SOURCE",
    "describe",
    "districts",
    "is_known",
    "kind",
    "level",
    "looks_like_code",
    "name",
    "names_for",
    "parent",
    "table",
    "villages",
]

#: Level number of each part count of a code.
LEVELS: dict[int, str] = {1: "province", 2: "regency", 3: "district", 4: "village"}
#: Where the list comes from (shown in docs and notices).
SOURCE = "Kemendagri 2025 region codes (Kepmendagri 300.2.2-2138/2025), via github.com/cahyadsn/wilayah (MIT)"

_CODE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
_CODE_PATTERN = r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$"


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    """The whole list, indexed by code: columns ``name``, ``level`` (1-4) and ``kind``.

    ``kind`` is ``desa`` or ``kelurahan`` for a village, ``kabupaten`` or ``kota`` for a
    regency or city, and empty for a province or district.
    """
    with resources.files("premium_alloc").joinpath("data/places.csv.gz").open("rb") as fh:
        frame = pd.read_csv(
            fh, compression="gzip", dtype={"code": str, "name": str, "level": np.int8, "kind": str}, keep_default_na=False
        )
    frame = frame.set_index("code")
    if not frame.index.is_unique:  # the build script refuses duplicates; a hand-edited file may not
        raise ValueError("data/places.csv.gz lists a code twice")
    return frame


def _is_scalar(codes: Any) -> bool:
    return isinstance(codes, str) or codes is None or np.isscalar(codes)


def _series(codes: Any) -> pd.Series:
    """Codes as a Series of stripped strings ("" where missing)."""
    if isinstance(codes, pd.Series | pd.Index):
        values = codes.to_numpy(dtype=object)
    elif isinstance(codes, np.ndarray):
        values = codes.astype(object, copy=False)
    else:
        values = np.array(list(codes), dtype=object)
    s = pd.Series(values, dtype=object)
    s = s.where(s.notna(), "")
    return s.astype(str).str.strip()


def _as_array(codes: Any) -> np.ndarray:
    return _series(codes).to_numpy(dtype=object)


def _uniques(codes: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(inverse, uniques)``: each value's index into its distinct values, stripped (-1 where missing).

    A column of a million worker codes has at most a few tens of thousands of distinct values:
    every lookup works on those, then spreads back with one take.
    """
    if isinstance(codes, pd.Series | pd.Index):
        values = codes.to_numpy(dtype=object)
    elif isinstance(codes, np.ndarray):
        values = codes.astype(object, copy=False).ravel()
    else:
        values = np.array(list(codes), dtype=object)
    inverse, uniq = pd.factorize(values, use_na_sentinel=True)
    return inverse, _as_array(np.asarray(uniq, dtype=object))


def _spread(inverse: np.ndarray, per_unique: np.ndarray, missing: Any) -> np.ndarray:
    """Values per unique spread back to every position; ``missing`` where the value was missing."""
    if not len(per_unique):
        return np.full(len(inverse), missing, dtype=object if per_unique.dtype == object else per_unique.dtype)
    out = per_unique[np.maximum(inverse, 0)]
    if (inverse < 0).any():
        out = out.astype(object) if out.dtype != object and missing is None else out.copy()
        out[inverse < 0] = missing
    return out


def _positions(codes: Any) -> np.ndarray:
    """Row of each code in :func:`table` (-1 where unknown), looked up once per distinct code."""
    inverse, uniq = _uniques(codes)
    pos_u = table().index.get_indexer(pd.Index(uniq, dtype=object)) if len(uniq) else np.zeros(0, dtype=np.intp)
    return _spread(inverse, pos_u, -1)


def _column(codes: Any, col: str, missing: Any) -> Any:
    scalar = _is_scalar(codes)
    pos = _positions([codes] if scalar else codes)
    values = table()[col].to_numpy()
    out = np.where(pos >= 0, values[np.maximum(pos, 0)] if len(values) else missing, missing)
    if col != "level":
        out = out.astype(object)
    return out[0] if scalar else out


@overload
def looks_like_code(codes: str) -> bool: ...
@overload
def looks_like_code(codes: Iterable[Any]) -> np.ndarray: ...
def looks_like_code(codes: Any) -> Any:
    """Whether each value has the shape of a dotted Kemendagri code (``62.03.01.2011``).

    Shape only: a code of the right shape may still be missing from the list (see
    :func:`is_known`). Undotted digits are not taken as codes (BPS codes are also 10 digits).
    """
    if _is_scalar(codes):
        return isinstance(codes, str) and bool(_CODE.match(codes.strip()))
    inverse, uniq = _uniques(codes)
    ok_u = pd.Series(uniq, dtype=object).str.match(_CODE_PATTERN).to_numpy(dtype=bool) if len(uniq) else np.zeros(0, dtype=bool)
    return _spread(inverse, ok_u, False).astype(bool)


@overload
def is_known(codes: str) -> bool: ...
@overload
def is_known(codes: Iterable[Any]) -> np.ndarray: ...
def is_known(codes: Any) -> Any:
    """Whether each code is in the Kemendagri list (at any level)."""
    if _is_scalar(codes):
        return bool(_positions([codes])[0] >= 0)
    return _positions(codes) >= 0


def name(codes: Any) -> Any:
    """Official name of each code (``None`` where unknown): ``name("62.03") == "Kabupaten Kapuas"``.

    In a DataFrame built from the result, unknown names show as missing values (NA).
    """
    return _column(codes, "name", None)


def kind(codes: Any) -> Any:
    """``desa`` / ``kelurahan`` for a village, ``kabupaten`` / ``kota`` for a regency, ``""`` for others, ``None`` if unknown."""
    return _column(codes, "kind", None)


def level(codes: Any) -> Any:
    """Level of each known code: 1 province, 2 regency or city, 3 district, 4 village (0 if unknown)."""
    out = _column(codes, "level", 0)
    return int(out) if _is_scalar(codes) else out.astype(np.int64)


def parent(codes: Any, at: int | str) -> Any:
    """The code at level ``at`` (1-4 or a name in :data:`LEVELS`) containing each code, from its shape.

    ``parent("62.03.01.2011", "regency") == "62.03"``; ``None`` where the code does not have
    the shape of a code or is above that level.
    """
    lv = at if isinstance(at, int) else {v: k for k, v in LEVELS.items()}.get(at, 0)
    if lv not in LEVELS:
        raise ValueError(f"at: {at!r} is not a level ({', '.join(LEVELS.values())})")
    width = (2, 5, 8, 13)[lv - 1]
    scalar = _is_scalar(codes)
    inverse, uniq = _uniques([codes] if scalar else codes)
    su = pd.Series(uniq, dtype=object)
    ok = su.str.match(_CODE_PATTERN).to_numpy(dtype=bool) & (su.str.len().to_numpy() >= width) if len(uniq) else np.zeros(0, dtype=bool)
    out_u = su.str[:width].to_numpy(dtype=object, copy=True) if len(uniq) else np.zeros(0, dtype=object)
    out_u[~ok] = None
    out = _spread(inverse, out_u, None)
    return out[0] if scalar else out


def _children(prefix: str, lv: int) -> pd.DataFrame:
    t = table()
    code = prefix.strip()
    rows = t[(t["level"] == lv) & t.index.str.startswith(code + ".")] if code else t[t["level"] == lv]
    return rows


def _require(code: str, lv: int) -> str:
    code = str(code).strip()
    if level(code) != lv:
        what = LEVELS[lv]
        if looks_like_code(code) and not is_known(code):
            raise KeyError(f"{code!r} is not a {what} code in the Kemendagri list")
        raise KeyError(f"{code!r} is not a {what} code (expected {'.'.join(['PP', 'RR', 'DD', 'VVVV'][:lv])})")
    return code


def districts(regency: str) -> pd.DataFrame:
    """The districts (*kecamatan*) of a regency or city: columns ``code``, ``name``, in code order.

    Raises ``KeyError`` when ``regency`` is not a regency code in the list.
    """
    code = _require(regency, 2)
    rows = _children(code, 3)
    return pd.DataFrame({"code": rows.index.to_numpy(dtype=object), "name": rows["name"].to_numpy(dtype=object)})


def villages(area: str) -> pd.DataFrame:
    """The villages of a regency, city or district, in code order.

    Columns ``code``, ``name``, ``kind`` (``desa`` / ``kelurahan``), ``district`` (code) and
    ``district_name``. Raises ``KeyError`` when ``area`` is not a regency or district code in
    the list.
    """
    area = str(area).strip()
    lv = level(area)
    if lv not in (2, 3):
        _require(area, 2)
    rows = _children(area, 4)
    codes = rows.index.to_numpy(dtype=object)
    dist = pd.Series(codes, dtype=object).str[:8].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "code": codes,
            "name": rows["name"].to_numpy(dtype=object),
            "kind": rows["kind"].to_numpy(dtype=object),
            "district": dist,
            "district_name": name(dist) if len(dist) else np.array([], dtype=object),
        }
    )


def names_for(codes: Any, given: Any = None) -> np.ndarray:
    """A name for each code: the ``given`` one where present, else the official name, else the code itself."""
    arr = _as_array(codes)
    official = name(arr) if len(arr) else np.array([], dtype=object)
    out = np.where(pd.isna(official), arr, official).astype(object)
    if given is not None:
        g = pd.Series(list(given), dtype=object)
        has = (g.notna() & (g.astype(str).str.strip() != "")).to_numpy(dtype=bool)
        out[has] = g[has].to_numpy(dtype=object)
    return out


def describe(codes: Any) -> pd.DataFrame:
    """Names of each village code and of its district, regency and province, one row per input.

    Columns ``code``, ``known``, ``kind``, ``name``, ``district``, ``district_name``,
    ``regency``, ``regency_name``, ``province``, ``province_name`` (``None`` where unknown).
    """
    inverse, uniq = _uniques([codes] if _is_scalar(codes) else codes)
    arr = np.append(uniq, "")  # the last row stands for a missing value
    t = table()
    names_col = t["name"].to_numpy(dtype=object)
    kinds_col = t["kind"].to_numpy(dtype=object)
    su = pd.Series(arr, dtype=object)
    shaped = su.str.match(_CODE_PATTERN).to_numpy(dtype=bool)
    lens = su.str.len().to_numpy()

    def lookup(keys: np.ndarray) -> np.ndarray:
        pos = t.index.get_indexer(pd.Index(keys, dtype=object))
        return pos

    def pick(col: np.ndarray, pos: np.ndarray) -> np.ndarray:
        out = col[np.maximum(pos, 0)].astype(object)
        out[pos < 0] = None
        return out

    own = lookup(arr)
    per = pd.DataFrame({"code": arr, "known": own >= 0, "kind": pick(kinds_col, own), "name": pick(names_col, own)})
    for width, col in ((8, "district"), (5, "regency"), (2, "province")):
        up = su.str[:width].to_numpy(dtype=object, copy=True)
        up[~(shaped & (lens >= width))] = None
        per[col] = up
        per[f"{col}_name"] = pick(names_col, lookup(np.where(pd.isna(up), "", up).astype(object)))
    return per.iloc[np.where(inverse >= 0, inverse, len(uniq))].reset_index(drop=True)
