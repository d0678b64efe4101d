"""Worker lists: read a CSV of one row per worker, validate it in bulk, aggregate into groups.

The ``worker_id`` (often a NIK) is an opaque key: it is never put in a message or a log.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError
from ..scenario import MAX_INCOME

REQUIRED = ("worker_id", "village", "priority", "sector")
GROUP_KEY = ["village", "priority", "sector", "income"]
MAX_ERRORS = 20


_NAME_COLUMN = re.compile(r"name|nama", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+\s+[^\W\d_]+")  # two words of letters: perhaps a person's name


def _show(value: object, private: Collection[str] = ()) -> str:
    """A cell value fit for a message: never an ID (12+ digits, masked) nor a name (not shown)."""
    text = str(value)
    if sum(ch.isdigit() for ch in text) >= 12:
        return repr(text[:6] + "*" * max(len(text) - 6, 0)) + " (masked: it looks like an ID)"
    if text in private or _WORDS.search(text):
        return "(value not shown: it may be a name)"
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def _private(df: pd.DataFrame, i: int) -> set[str]:
    """The cells of row ``i`` in name-like columns (a value pasted from them is not shown)."""
    return {str(df[c].iat[i]).strip() for c in df.columns if _NAME_COLUMN.search(str(c)) and c not in REQUIRED}


def read_workers(
    path: str | Path,
    *,
    villages: Collection[str],
    default_income: int = 1_000_000,
    max_errors: int = MAX_ERRORS,
) -> pd.DataFrame:
    """Read and validate a worker CSV; return columns worker_id, village, priority, sector, income.

    Raises :class:`ScenarioError` with the first ``max_errors`` problems (by line number) and a
    count of the rest. Duplicate worker IDs are errors, never merged or double counted.
    """
    path = Path(path)
    name = path.name
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise ScenarioError([Problem("workers", f"{name!r}: no such file")]) from None
    except ImportError:
        raise ScenarioError([Problem("workers", f"{name!r}: reading .xlsx needs openpyxl")]) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        at = re.search(r"line (\d+)", str(err)) if isinstance(err, pd.errors.ParserError) else None
        where = f" (line {at.group(1)}: a row with more fields than the header?)" if at else ""
        raise ScenarioError([Problem("workers", f"{name!r} cannot be parsed: {err.__class__.__name__}{where}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ScenarioError([Problem(f"{name}", f"missing column(s): {', '.join(missing)}")])
    for c in [*REQUIRED, *(["income"] if "income" in df.columns else [])]:
        df[c] = _strip(df[c])

    line = np.arange(len(df)) + 2  # 1-based, after the header line
    problems: list[tuple[int, int, Problem]] = []
    total = 0  # every problem found; only the first max_errors (by line) are kept

    def add(mask: np.ndarray, order: int, make) -> None:  # type: ignore[no-untyped-def]
        nonlocal total
        hits = np.flatnonzero(mask)
        total += int(hits.size)
        for i in hits[:max_errors]:
            problems.append((int(line[i]), order, make(int(i))))

    wid = df["worker_id"].to_numpy(dtype=object)
    add(wid == "", 0, lambda i: Problem(f"{name} line {line[i]}, worker_id", "is empty"))
    dup = df["worker_id"].duplicated(keep="first").to_numpy() & (wid != "")
    if dup.any():
        first_line = pd.Series(line, index=df.index).groupby(df["worker_id"]).transform("first").to_numpy()
        add(dup, 1, lambda i: Problem(f"{name} line {line[i]}, worker_id", f"duplicates the worker_id of line {first_line[i]} (masked)"))
    vil = df["village"].to_numpy(dtype=object)
    known = np.asarray(pd.Series(vil).isin(set(villages)))
    add(~known, 2, lambda i: Problem(f"{name} line {line[i]}, village", f"{_show(vil[i], _private(df, i))} is not a known village"))
    for col in ("priority", "sector"):
        vals = df[col].to_numpy(dtype=object)
        add(vals == "", 3, lambda i, col=col: Problem(f"{name} line {line[i]}, {col}", "is empty"))
    if "income" in df.columns:
        raw = df["income"]
        blank = (raw == "").to_numpy()
        # parsed once per distinct text (a handful of income tiers), not once per worker
        codes, uniq = pd.factorize(raw.where(~blank, None))
        num_u = pd.to_numeric(pd.Series(np.asarray(uniq, dtype=object), dtype=object), errors="coerce").to_numpy(dtype=float)
        num = pd.Series(np.where(codes >= 0, num_u[np.maximum(codes, 0)] if num_u.size else np.nan, np.nan), index=raw.index)
        bad = (~blank) & (num.isna() | (num <= 0) | (num % 1 != 0) | (num > MAX_INCOME)).to_numpy()
        rv = raw.to_numpy(dtype=object)
        add(bad, 4, lambda i: Problem(f"{name} line {line[i]}, income", f"{_show(rv[i], _private(df, i))} is not a whole number of rupiah from 1 to {MAX_INCOME:,}"))
        income = np.where(blank | bad, default_income, num.fillna(default_income).to_numpy()).astype(np.int64)
    else:
        income = np.full(len(df), default_income, dtype=np.int64)
    if problems:
        problems.sort(key=lambda t: (t[0], t[1]))
        shown = [p for _, _, p in problems[:max_errors]]
        raise ScenarioError(shown, more=max(0, total - len(shown)))
    return pd.DataFrame(
        {
            "worker_id": df["worker_id"].to_numpy(dtype=object),
            "village": df["village"].to_numpy(dtype=object),
            "priority": df["priority"].to_numpy(dtype=object),
            "sector": df["sector"].to_numpy(dtype=object),
            "income": income,
        }
    )


def check_worker_frame(workers: pd.DataFrame, *, villages: Collection[str], max_errors: int = MAX_ERRORS) -> None:
    """Validate a worker list passed as a DataFrame (rows numbered from 1); raise :class:`ScenarioError`.

    The same rules as :func:`read_workers`: duplicate or empty IDs, unknown villages and bad
    incomes are errors (an ID is never shown), so that no worker is ever counted twice.
    """
    missing = [c for c in (*REQUIRED, "income") if c not in workers.columns]
    if missing:
        raise ScenarioError([Problem("workers", f"missing column(s): {', '.join(missing)}")])
    wid = workers["worker_id"].astype(str).str.strip()
    vil = workers["village"].to_numpy(dtype=object)
    income = pd.to_numeric(workers["income"], errors="coerce")
    inc = income.to_numpy(dtype=float)
    checks = [
        ("worker_id", (wid == "").to_numpy(), lambda i: "is empty"),
        ("worker_id", (wid.duplicated(keep="first") & (wid != "")).to_numpy(), lambda i: "duplicates an earlier worker_id (masked)"),
        ("village", ~workers["village"].isin(set(villages)).to_numpy(), lambda i: f"{_show(vil[i], _private(workers, i))} is not a known village"),
        ("income", ~((inc > 0) & (inc <= MAX_INCOME) & (np.mod(inc, 1) == 0)), lambda i: "is not a whole number of rupiah from 1 to " f"{MAX_INCOME:,}"),
    ]
    found: list[tuple[int, int, Problem]] = []
    total = 0
    for order, (col, mask, say) in enumerate(checks):
        hits = np.flatnonzero(mask)
        total += int(hits.size)
        found += [(int(i), order, Problem(f"workers row {int(i) + 1}, {col}", say(int(i)))) for i in hits[:max_errors]]
    if found:
        found.sort(key=lambda t: (t[0], t[1]))
        shown = [p for _, _, p in found[:max_errors]]
        raise ScenarioError(shown, more=total - len(shown))


def aggregate(workers: pd.DataFrame) -> pd.DataFrame:
    """Count workers per (village, priority, sector, income), in bulk."""
    return workers.groupby(GROUP_KEY, sort=True, observed=True).size().rename("count").reset_index()


def _strip(col: pd.Series) -> pd.Series:
    """``col.astype(str).str.strip()``: str.strip mapped directly when every value is a str (10x faster)."""
    s = col.astype(str)
    if not s.isna().any():
        try:
            return pd.Series(list(map(str.strip, s.to_numpy(dtype=object))), index=s.index, dtype=s.dtype)
        except TypeError:
            pass
    return s.str.strip()


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
