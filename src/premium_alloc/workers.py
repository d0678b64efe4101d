"""Worker lists: read a CSV of one row per worker, validate it in bulk, aggregate into groups.

The ``worker_id`` (often a NIK) is an opaque key: it is never put in a message or a log.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Problem, ScenarioError

REQUIRED = ("worker_id", "village", "priority", "sector")
GROUP_KEY = ["village", "priority", "sector", "income"]
MAX_ERRORS = 20


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
        raise ScenarioError([Problem("workers", f"{name!r} cannot be parsed: {err.__class__.__name__}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ScenarioError([Problem(f"{name}", f"missing column(s): {', '.join(missing)}")])
    for c in [*REQUIRED, *(["income"] if "income" in df.columns else [])]:
        df[c] = df[c].astype(str).str.strip()

    line = np.arange(len(df)) + 2  # 1-based, after the header line
    problems: list[tuple[int, int, Problem]] = []

    def add(mask: np.ndarray, order: int, make) -> None:  # type: ignore[no-untyped-def]
        for i in np.flatnonzero(mask)[: max_errors + 1]:
            problems.append((int(line[i]), order, make(int(i))))
        extra = int(mask.sum()) - min(int(mask.sum()), max_errors + 1)
        if extra:
            problems.append((10**12, order, Problem(f"{name}", f"{extra} more row(s) like the above")))

    wid = df["worker_id"].to_numpy(dtype=object)
    add(wid == "", 0, lambda i: Problem(f"{name} line {line[i]}, worker_id", "is empty"))
    dup = df["worker_id"].duplicated(keep="first").to_numpy() & (wid != "")
    if dup.any():
        first_line = pd.Series(line, index=df.index).groupby(df["worker_id"]).transform("first").to_numpy()
        add(dup, 1, lambda i: Problem(f"{name} line {line[i]}, worker_id", f"duplicates the worker_id of line {first_line[i]} (masked)"))
    vil = df["village"].to_numpy(dtype=object)
    known = np.asarray(pd.Series(vil).isin(set(villages)))
    add(~known, 2, lambda i: Problem(f"{name} line {line[i]}, village", f"{vil[i]!r} is not a known village"))
    for col in ("priority", "sector"):
        vals = df[col].to_numpy(dtype=object)
        add(vals == "", 3, lambda i, col=col: Problem(f"{name} line {line[i]}, {col}", "is empty"))
    if "income" in df.columns:
        raw = df["income"]
        blank = (raw == "").to_numpy()
        num = pd.to_numeric(raw.where(~blank, None), errors="coerce")
        bad = (~blank) & (num.isna() | (num <= 0) | (num % 1 != 0)).to_numpy()
        rv = raw.to_numpy(dtype=object)
        add(bad, 4, lambda i: Problem(f"{name} line {line[i]}, income", f"{rv[i]!r} is not a positive whole number of rupiah"))
        income = np.where(blank | bad, default_income, num.fillna(default_income).to_numpy()).astype(np.int64)
    else:
        income = np.full(len(df), default_income, dtype=np.int64)
    if problems:
        problems.sort(key=lambda t: (t[0], t[1]))
        shown = [p for _, _, p in problems[:max_errors]]
        raise ScenarioError(shown, more=max(0, len(problems) - max_errors))
    return pd.DataFrame(
        {
            "worker_id": df["worker_id"].to_numpy(dtype=object),
            "village": df["village"].to_numpy(dtype=object),
            "priority": df["priority"].to_numpy(dtype=object),
            "sector": df["sector"].to_numpy(dtype=object),
            "income": income,
        }
    )


def aggregate(workers: pd.DataFrame) -> pd.DataFrame:
    """Count workers per (village, priority, sector, income), in bulk."""
    return workers.groupby(GROUP_KEY, sort=True, observed=True).size().rename("count").reset_index()


def mask_nik(ids: pd.Series | np.ndarray, keep: int = 6) -> np.ndarray:
    """Mask IDs: keep the first ``keep`` characters (a NIK's region code), star the rest."""
    s = pd.Series(np.asarray(ids, dtype=object)).astype(str)
    head = s.str.slice(0, keep).to_numpy(dtype=object)
    lengths = s.str.len().to_numpy()
    out = head.copy()
    for n in np.unique(lengths[lengths > keep]):  # a handful of distinct lengths, not a loop per worker
        sel = lengths == n
        out[sel] = head[sel] + "*" * int(n - keep)
    return out
