"""Worker lists: read a CSV of one row per worker, validate it in bulk, aggregate into groups.

The ``worker_id`` (often a NIK) is an opaque key: it is never put in a message or a log.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Collection, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError, shown
from ..ids import clean_all, fold_all, invisible
from ..labels import canonical, unknown_message
from ..rates import default_table
from ..safeio import read_bounded
from ..scenario import MAX_INCOME

REQUIRED = ("worker_id", "village", "priority", "sector")
GROUP_KEY = ["village", "priority", "sector", "income", "pktd"]
MAX_ERRORS = 20
#: optional columns that say who is not eligible (see :data:`EXCLUSION_REASONS`) or a PKTD worker
OPTIONAL = ("income", "pktd", "existing_payer", "membership", "age", "birth_date")
#: why a listed worker is not eligible: already paid for by someone else (PBI, an employer,
#: another programme), an active BPJS Ketenagakerjaan membership, or above the BPU age limit
EXCLUSION_REASONS = ("existing_payer", "active_membership", "over_age_limit")
_YES = frozenset({"yes", "ya", "y", "true", "1", "aktif", "active", "x"})
_NO = frozenset({"", "no", "tidak", "t", "n", "false", "0", "-", "none", "tidak ada", "nonaktif", "non-aktif", "inactive", "tidak aktif"})


_NAME_COLUMN = re.compile(r"name|nama", re.IGNORECASE)


def _show(value: object, private: Collection[str] = ()) -> str:
    """A cell value fit for a message: never an ID (12+ digits, masked) nor a name (not shown)."""
    return shown(str(value), private)


def _private(df: pd.DataFrame, i: int) -> set[str]:
    """The cells of row ``i`` in name-like columns (a value pasted from them is not shown)."""
    return {str(df[c].iat[i]).strip() for c in df.columns if _NAME_COLUMN.search(str(c)) and c not in REQUIRED}


def read_workers(
    path: str | Path,
    *,
    villages: Collection[str],
    default_income: int = 1_000_000,
    max_errors: int = MAX_ERRORS,
    terms: Mapping[str, Collection[str]] | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Read and validate a worker CSV; return columns worker_id, village, priority, sector, income, pktd, excluded.

    Optional columns: ``income``; ``pktd`` (yes/no: a worker of village cash-for-work);
    ``existing_payer`` (who already pays: PBI, an employer...; empty or "-" if nobody);
    ``membership`` (active / aktif / yes if the worker already has an active membership);
    ``age`` (whole years) or ``birth_date`` (YYYY-MM-DD, the age taken on ``as_of``, the start
    of the first phase). ``excluded`` is the reason a worker is not eligible (one of
    :data:`EXCLUSION_REASONS`, the first that applies) or "" for an eligible worker; excluded
    workers are kept in the frame, counted by reason, never dropped silently.

    The file is read in memory through :func:`premium_alloc.safeio.read_bounded` (a regular file
    only, within the size limit and read timeout). Raises :class:`ScenarioError` with the first
    ``max_errors`` problems (by line number) and a count of the rest. Duplicate worker IDs are
    errors, never merged or double counted; see :func:`validate_workers` for the rules.
    """
    path = Path(path)
    name = path.name
    data = read_bounded(path, where="workers")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            df = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
        else:
            df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8")
    except ImportError:
        raise ScenarioError([Problem("workers", f"{name!r}: reading .xlsx needs openpyxl")]) from None
    except pd.errors.EmptyDataError:
        raise ScenarioError([Problem("workers", f"{name!r} is empty (no header line)")]) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, zipfile.BadZipFile, KeyError, OSError) as err:
        at = re.search(r"line (\d+)", str(err)) if isinstance(err, pd.errors.ParserError) else None
        where = f" (line {at.group(1)}: a row with more fields than the header?)" if at else ""
        raise ScenarioError([Problem("workers", f"{name!r} cannot be parsed: {err.__class__.__name__}{where}")]) from None
    return validate_workers(df, villages=villages, default_income=default_income, where=name, max_errors=max_errors, terms=terms, as_of=as_of)


def validate_workers(
    df: pd.DataFrame,
    *,
    villages: Collection[str],
    default_income: int = 1_000_000,
    where: str = "workers",
    unit: str = "line",
    first: int = 2,
    numbers: np.ndarray | None = None,
    max_errors: int = MAX_ERRORS,
    terms: Mapping[str, Collection[str]] | None = None,
    locate: Callable[[int, str], str] | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Validate worker rows (text cells, as read from a file); return the clean five-column frame.

    Every text is compared in NFC with surrounding spaces removed; an ID, village, priority or
    sector holding an invisible character is refused; two IDs that differ only in case are one
    worker typed twice (refused). Problems name ``where`` and the ``unit`` (``line`` or ``row``,
    numbered from ``first``); an ID is never shown, a village only when it looks neither like an
    ID nor a name (``numbers``, when given, are the rows' own numbers; ``locate(number, column)``,
    when given, names a cell instead, e.g. ``pekerja, baris 101, kolom NIK``). Priorities and
    sectors are read through the closed vocabulary (``terms``: values the scenario declared).
    The optional eligibility columns (see :func:`read_workers`) give ``pktd`` and ``excluded``;
    a frame that already has both keeps them. Raises :class:`ScenarioError` with every problem
    (the first ``max_errors``).
    """
    df = df.copy(deep=False)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ScenarioError([Problem(f"{where}", f"missing column(s): {', '.join(missing)}")])
    line = np.arange(len(df)) + first if numbers is None else np.asarray(numbers)

    def at(n: Any, col: str) -> str:
        return locate(int(n), col) if locate is not None else f"{where} {unit} {n}, {col}"

    problems: list[tuple[int, int, Problem]] = []
    total = 0  # every problem found; only the first max_errors (by line) are kept

    def add(mask: np.ndarray, order: int, make) -> None:  # type: ignore[no-untyped-def]
        nonlocal total
        hits = np.flatnonzero(mask)
        total += int(hits.size)
        for i in hits[:max_errors]:
            problems.append((int(line[i]), order, make(int(i))))

    for c in [*REQUIRED, *(["income"] if "income" in df.columns else [])]:
        if c == "worker_id":  # one value per worker
            raw_vals = _text(df[c])
            vals, bad = clean_all(raw_vals)
            if vals is not raw_vals or df[c].dtype != object:
                df[c] = pd.Series(vals, index=df.index, dtype=object)
            mask = np.zeros(len(df), dtype=bool)
            mask[bad] = True
        else:  # a few distinct values (villages, tiers): cleaned once each
            codes, uniq = pd.factorize(df[c], use_na_sentinel=True)
            u_raw = _text(pd.Series(np.asarray(uniq, dtype=object), dtype=object))
            u_vals, u_bad = clean_all(u_raw)
            if u_vals is not u_raw or (codes < 0).any() or df[c].dtype != object:
                df[c] = pd.Series(np.asarray([*u_vals, ""], dtype=object)[codes], index=df.index, dtype=object)
            mask = np.isin(codes, np.asarray(u_bad, dtype=np.int64)) if u_bad else np.zeros(len(df), dtype=bool)
        if mask.any():
            add(mask, 0, lambda i, c=c: Problem(at(line[i], c), f"contains an invisible character ({invisible(df[c].iat[i])}): retype it"))

    wid = df["worker_id"].to_numpy(dtype=object)
    add(wid == "", 1, lambda i: Problem(at(line[i], "worker_id"), "is empty"))
    folded = pd.Series(fold_all(wid.tolist()), index=df.index)
    dup = folded.duplicated(keep="first").to_numpy() & (wid != "")
    if dup.any():
        first_line = pd.Series(line, index=df.index).groupby(folded).transform("first").to_numpy()
        same = (pd.Series(wid, index=df.index).groupby(folded).transform("first").to_numpy() == wid)
        add(dup, 2, lambda i: Problem(
            at(line[i], "worker_id"),
            f"duplicates the worker_id of {unit} {first_line[i]} " + ("(masked)" if same[i] else "(the same ID but for case or Unicode form; masked)"),
        ))
    vil = df["village"].to_numpy(dtype=object)
    known = np.asarray(pd.Series(vil).isin(set(villages)))
    add(~known & (vil != ""), 3, lambda i: Problem(at(line[i], "village"), f"{_show(vil[i], _private(df, i))} is not a known village"))
    add(vil == "", 3, lambda i: Problem(at(line[i], "village"), "is empty"))
    for col in ("priority", "sector"):
        vals = df[col].to_numpy(dtype=object)
        add(vals == "", 4, lambda i, col=col: Problem(at(line[i], col), "is empty"))
        # read through the vocabulary once per distinct text (a handful), not once per worker
        codes, uniq = pd.factorize(df[col])
        extra = tuple((terms or {}).get(col, ()))
        canon = [canonical(col, u, extra) for u in uniq.tolist()]
        unknown = np.array([c is None and u != "" for c, u in zip(canon, uniq.tolist())], dtype=bool)
        if unknown.any():
            add(unknown[codes], 4, lambda i, col=col, vals=vals, extra=extra: Problem(at(line[i], col), _unknown(col, vals[i], extra, _private(df, i))))
        if len(uniq):
            df[col] = pd.Series(np.array([c if c is not None else u for c, u in zip(canon, uniq.tolist())], dtype=object)[codes], index=df.index, dtype=object)
    if "income" in df.columns:
        raw = df["income"]
        blank = (raw == "").to_numpy()
        # parsed once per distinct text (a handful of income tiers), not once per worker
        codes, uniq = pd.factorize(raw.where(~blank, None))
        num_u = pd.to_numeric(pd.Series(np.asarray(uniq, dtype=object), dtype=object), errors="coerce").to_numpy(dtype=float)
        num = pd.Series(np.where(codes >= 0, num_u[np.maximum(codes, 0)] if num_u.size else np.nan, np.nan), index=raw.index)
        bad = (~blank) & (num.isna() | (num <= 0) | (num % 1 != 0) | (num > MAX_INCOME)).to_numpy()
        rv = raw.to_numpy(dtype=object)
        add(bad, 5, lambda i: Problem(at(line[i], "income"), f"{_show(rv[i], _private(df, i))} is not a whole number of rupiah from 1 to {MAX_INCOME:,}"))
        income = np.where(blank | bad, default_income, num.fillna(default_income).to_numpy()).astype(np.int64)
    else:
        income = np.full(len(df), default_income, dtype=np.int64)
    if "pktd" in df.columns and "excluded" in df.columns and df["pktd"].dtype == bool:  # a frame read before
        pktd = df["pktd"].to_numpy(dtype=bool)
        excluded = pd.Series(_text(df["excluded"]), dtype=object).to_numpy(dtype=object)
        bad_reason = ~np.isin(excluded, ["", *EXCLUSION_REASONS])
        add(bad_reason, 6, lambda i: Problem(at(line[i], "excluded"), f"{_show(excluded[i])} is not one of {', '.join(EXCLUSION_REASONS)} (or empty)"))
    else:
        text = pd.DataFrame(
            {c: pd.Series(_text(df[c]), index=df.index, dtype=object).str.strip() for c in OPTIONAL if c in df.columns and c != "income"},
            index=df.index,
        )
        pktd, excluded, bad_cells = eligibility_columns(text, as_of=as_of)
        for col, mask, say in bad_cells:
            vals = text[col].to_numpy(dtype=object)
            add(mask, 6, lambda i, col=col, vals=vals, say=say: Problem(at(line[i], col), f"{_show(vals[i], _private(df, i))} {say}"))
    if problems:
        problems.sort(key=lambda t: (t[0], t[1]))
        shown_ = [p for _, _, p in problems[:max_errors]]
        raise ScenarioError(shown_, more=max(0, total - len(shown_)))
    return pd.DataFrame(
        {
            "worker_id": df["worker_id"].to_numpy(dtype=object, copy=True),
            "village": df["village"].to_numpy(dtype=object, copy=True),
            "priority": df["priority"].to_numpy(dtype=object, copy=True),
            "sector": df["sector"].to_numpy(dtype=object, copy=True),
            "income": income,
            "pktd": pktd,
            "excluded": excluded,
        }
    )


def _words(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(yes, no) masks of a yes/no column, in either language, per distinct text (not per worker)."""
    codes, uniq = pd.factorize(col.astype(str).str.strip().str.lower())
    u = np.asarray(uniq, dtype=object)
    yes_u = np.array([t in _YES for t in u.tolist()], dtype=bool)
    no_u = np.array([t in _NO for t in u.tolist()], dtype=bool)
    return yes_u[codes], no_u[codes]


def eligibility_columns(
    df: pd.DataFrame, *, as_of: date | None = None, max_age: int | None = None
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray, str]]]:
    """The ``pktd`` flag and the exclusion reason of each row, from the optional columns, in bulk.

    Returns ``(pktd, excluded, bad)``: ``bad`` lists ``(column, mask, message)`` for cells
    that mean nothing (never guessed). ``max_age`` defaults to the rate table's BPU age limit.
    """
    n = len(df)
    bad: list[tuple[str, np.ndarray, str]] = []
    pktd = np.zeros(n, dtype=bool)
    if "pktd" in df.columns:
        yes, no = _words(df["pktd"])
        pktd = yes
        bad.append(("pktd", ~(yes | no), "is not yes or no (ya / tidak)"))
    excluded = np.full(n, "", dtype=object)

    def mark(mask: np.ndarray, reason: str) -> None:
        excluded[mask & (excluded == "")] = reason

    if "existing_payer" in df.columns:
        _, none = _words(df["existing_payer"])
        mark(~none, "existing_payer")
    if "membership" in df.columns:
        yes, no = _words(df["membership"])
        bad.append(("membership", ~(yes | no), "is not active or inactive (aktif / tidak)"))
        mark(yes, "active_membership")
    limit = max_age if max_age is not None else bpu_max_age()
    age = np.full(n, np.nan)
    if "age" in df.columns:
        raw = df["age"].astype(str).str.strip()
        num = pd.to_numeric(raw.where(raw != "", None), errors="coerce").to_numpy(dtype=float)
        given = (raw != "").to_numpy()
        bad.append(("age", given & ~((num >= 0) & (num <= 130) & (np.mod(num, 1) == 0)), "is not a whole number of years from 0 to 130"))
        age = np.where(given & (num >= 0) & (num <= 130), num, np.nan)
    if "birth_date" in df.columns:
        raw = df["birth_date"].astype(str).str.strip()
        given = (raw != "").to_numpy()
        born = pd.to_datetime(raw.where(given, None), format="%Y-%m-%d", errors="coerce")
        ok = born.notna().to_numpy()
        bad.append(("birth_date", given & ~ok, "is not a date YYYY-MM-DD"))
        if as_of is None:
            bad.append(("birth_date", given & ok, "needs the plan's start to give an age (use the age column)"))
        else:
            y = born.dt.year.to_numpy(dtype=float)
            m = born.dt.month.to_numpy(dtype=float)
            d = born.dt.day.to_numpy(dtype=float)
            years = as_of.year - y - ((as_of.month < m) | ((as_of.month == m) & (as_of.day < d)))
            age = np.where(ok, years, age)
    mark(age > limit, "over_age_limit")  # NaN (unknown age) is never above the limit
    return pktd, excluded, bad


def bpu_max_age() -> int:
    """The BPU age limit of the rate table (``eligibility.bpu_max_age``)."""
    return int(default_table().eligibility.get("bpu_max_age", {}).get("value", 65))


def exclusion_counts(workers: pd.DataFrame) -> pd.DataFrame:
    """Excluded workers per (village, reason), in village then reason order: columns village, reason, count."""
    if "excluded" not in workers.columns:
        return pd.DataFrame({"village": [], "reason": [], "count": []}).astype({"count": "int64"})
    ex = workers[workers["excluded"] != ""]
    out = ex.groupby(["village", "excluded"], sort=True).size().rename("count").reset_index()
    return out.rename(columns={"excluded": "reason"}).astype({"count": "int64"})


def _unknown(field: str, value: object, extra: tuple[str, ...], private: Collection[str]) -> str:
    """The vocabulary message, unless the cell may hold an ID or a name (then the value is not shown)."""
    shown = _show(value, private)
    if shown.startswith("(value not shown") or "masked" in shown:
        return f"{shown} is not a known {field}"
    return unknown_message(field, value, extra)


def check_worker_frame(
    workers: pd.DataFrame,
    *,
    villages: Collection[str],
    default_income: int = 1_000_000,
    max_errors: int = MAX_ERRORS,
    terms: Mapping[str, Collection[str]] | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Validate a worker list passed as a DataFrame (rows numbered from 1) like the rows of a CSV.

    The same rules as :func:`read_workers`, all problems at once: missing or empty cells
    (``NaN``/``None`` in any required column), duplicate IDs (ignoring case and spaces),
    invisible characters, unknown villages and bad incomes are errors (an ID is never shown), so
    that no worker is dropped or counted twice. Returns the clean frame (the one to use).
    """
    if not isinstance(workers, pd.DataFrame):
        raise ScenarioError([Problem("workers", f"must be a pandas DataFrame, got {type(workers).__name__}")])
    return validate_workers(
        workers, villages=villages, default_income=default_income, where="workers", unit="row", first=1, max_errors=max_errors, terms=terms, as_of=as_of
    )


def _text(col: pd.Series) -> list[str]:
    """Cells as text: missing cells (NaN, None) as "", whole floats without ".0"."""
    if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
        vals = col.tolist()
        if pd.api.types.infer_dtype(vals, skipna=False) == "string":  # one C pass: every cell is text
            return vals
        return ["" if v is None or (isinstance(v, float) and v != v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in vals]
    if col.dtype.kind == "f":
        return ["" if v != v else (str(int(v)) if float(v).is_integer() else str(v)) for v in col.tolist()]
    return [("" if v is None else str(v)) for v in col.astype(object).where(col.notna(), None).tolist()]


def aggregate(workers: pd.DataFrame) -> pd.DataFrame:
    """Count the eligible workers per (village, priority, sector, income, pktd), in bulk (excluded ones are not counted)."""
    w = workers
    if "excluded" in w.columns:
        w = w[w["excluded"] == ""]
    if "pktd" not in w.columns:
        w = w.assign(pktd=False)
    return w.groupby(GROUP_KEY, sort=True, observed=True).size().rename("count").reset_index()


def mask_nik(ids: pd.Series | np.ndarray, keep: int = 6) -> np.ndarray:
    """Mask IDs: keep the first ``keep`` characters (a NIK's region code), star the rest.

    Never more than half of an ID is kept, so a short ID (``keep`` characters or fewer, or
    not much longer) is never exported in clear: ``"ABC123"`` becomes ``"ABC***"``.
    """
    vals = np.asarray(ids, dtype=object)
    if all(type(v) is str for v in vals.tolist()):  # the usual case, one pass in Python (no .str machinery)
        return np.array(
            [
                v[:keep] + "*" * (len(v) - keep) if len(v) >= 2 * keep else v[: len(v) // 2] + "*" * (len(v) - len(v) // 2)
                for v in vals.tolist()
            ],
            dtype=object,
        ).reshape(vals.shape)
    s = pd.Series(np.asarray(ids, dtype=object)).astype(str)
    lengths = s.str.len().to_numpy()
    out = np.empty(len(s), dtype=object)
    for n in np.unique(lengths):  # a handful of distinct lengths, not a loop per worker
        sel = lengths == n
        k = min(keep, int(n) // 2)
        out[sel] = s[sel].str.slice(0, k).to_numpy(dtype=object) + "*" * int(n - k)
    return out
