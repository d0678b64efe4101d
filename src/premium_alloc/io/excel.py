"""Planner workbooks: read a scenario from Excel, write a scenario or the template.

A planner workbook has one sheet per part of a v1 scenario (headers in English or Bahasa
Indonesia, any order; sheet names likewise):

- ``settings``: two columns ``key`` / ``value``: name, programs (``JKK,JKM``), income,
  quota_min, quota_max, quota_bonus, continuity, gap, time_limit, source_order,
  ``weight.<priority>`` (e.g. ``weight.extreme``), discount_dana_desa, discount_apbdes, year_rules, unknown_places;
- ``phases``: id, start (YYYY-MM), months;
- ``villages``: id, name, district, regency, province, quota_min, quota_max;
- ``worker_groups``: village, priority, sector, count, income; or ``workers``: worker_id,
  village, priority, sector, income (one row per worker, counted into groups; the IDs are
  validated like a worker CSV and never shown);
- ``sources``: id, kind, scope, budget, phases, eligible_sector, eligible_priority,
  eligible_regency, eligible_province, eligible_village, name (lists comma-separated);
- ``budgets``: source, village, budget (the per-village budgets of ``scope: village`` sources).

Needs ``openpyxl`` (the ``excel`` extra).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import SCENARIO_FORMAT
from ..cases import kayong_utara_2023
from ..errors import MissingDependencyError, Problem, ScenarioError
from ..labels import check_lang, label, reverse, sheet, switch
from ..safeio import atomic_write, read_bounded, text_safe
from ..scenario import Scenario, to_dict
from .workers import aggregate, validate_workers

__all__ = ["read_workbook", "style_sheet", "write_frame", "write_scenario", "write_template"]

SHEETS = ("settings", "phases", "villages", "worker_groups", "workers", "sources", "budgets")
_COLUMNS = {
    "phases": ["id", "start", "months"],
    "villages": ["id", "name", "district", "regency", "province", "quota_min", "quota_max"],
    "worker_groups": ["village", "priority", "sector", "count", "income"],
    "workers": ["worker_id", "village", "priority", "sector", "income"],
    "sources": ["id", "kind", "scope", "budget", "phases", "eligible_sector", "eligible_priority",
                "eligible_regency", "eligible_province", "eligible_village", "name"],
    "budgets": ["source", "village", "budget"],
    "settings": ["key", "value"],
}
_ELIGIBLE = ("sector", "priority", "regency", "province", "village")
RUPIAH = '"Rp"#,##0'
COUNT = "#,##0"


def require_openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared extra
        raise MissingDependencyError("openpyxl", "excel", "reading or writing .xlsx") from None
    return openpyxl


# --------------------------------------------------------------------------- reading


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _cell(v: Any) -> Any:
    """A cell as a plain value: whole floats as int, dates as YYYY-MM, text stripped."""
    if _blank(v):
        return None
    if isinstance(v, (dt.datetime, dt.date, pd.Timestamp)):
        return f"{v.year:04d}-{v.month:02d}"
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        return v.strip()
    return v


def _text(v: Any) -> str | None:
    v = _cell(v)
    return None if v is None else str(v)


def _list(v: Any) -> list[str] | None:
    t = _text(v)
    return None if t is None else [p.strip() for p in t.split(",") if p.strip()]


def _bool(v: Any, where: str, problems: list[Problem]) -> bool | None:
    v = _cell(v)
    if v is None:
        return None
    on = switch(v)
    if on is None:
        problems.append(Problem(where, f"{v!r} is not yes or no"))
    return on


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    require_openpyxl()
    data = read_bounded(path, where=path.name)  # a regular file within the size limit, read in memory
    try:
        raw = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object, header=0)
    except zipfile.BadZipFile:
        raise ScenarioError([Problem(path.name, "cannot read the workbook: it is not an .xlsx file (or it is damaged)")]) from None
    except (ValueError, OSError, KeyError, EOFError) as err:
        raise ScenarioError([Problem(path.name, f"cannot read the workbook: {err.__class__.__name__}")]) from None
    names = reverse("sheets")
    out: dict[str, pd.DataFrame] = {}
    for name, df in raw.items():
        key = names.get(str(name).strip().lower())
        if key not in SHEETS:
            continue  # instructions and other sheets are ignored
        cols = {label(c, lang).lower(): c for lang in ("en", "id") for c in _COLUMNS[key]} | {c: c for c in _COLUMNS[key]}
        df = df.rename(columns=lambda c: cols.get(str(c).strip().lower(), str(c).strip()))
        df = df.dropna(how="all")
        out[key] = df
    return out


def _row_path(sheet_key: str, i: int, col: str) -> str:
    return f"sheet {sheet_key}, row {i + 2}, {col}"


_INDEXED = re.compile(r"^(phases|villages|worker_groups|sources)\[(\d+)\]")


def _with_rows(problems: list[Problem], rows: Mapping[str, list[int]]) -> list[Problem]:
    """Name the workbook row next to each scenario field path."""
    out = []
    for p in problems:
        m = _INDEXED.match(p.path)
        if m and m.group(1) in rows and int(m.group(2)) < len(rows[m.group(1)]):
            out.append(Problem(f"{p.path} (sheet {m.group(1)}, row {rows[m.group(1)][int(m.group(2))]})", p.message))
        else:
            out.append(p)
    return out


def read_workbook(path: str | Path) -> Scenario:
    """Read a planner workbook into a validated v1 :class:`Scenario` (every problem at once)."""
    path = Path(path)
    sh = _sheets(path)
    problems: list[Problem] = []
    rows: dict[str, list[int]] = {}
    data: dict[str, Any] = {"format": SCENARIO_FORMAT, "name": path.stem}
    for need in ("phases", "villages", "sources"):
        if need not in sh:
            problems.append(Problem(f"sheet {need}", "is missing"))
    if "worker_groups" not in sh and "workers" not in sh:
        problems.append(Problem("sheet worker_groups", "is missing (or give a workers sheet)"))
    if problems:
        raise ScenarioError(problems)

    # settings
    objective: dict[str, Any] = {}
    assumptions: dict[str, Any] = {}
    quota: dict[str, Any] = {}
    if "settings" in sh:
        s = sh["settings"]
        if "key" not in s.columns or "value" not in s.columns:
            problems.append(Problem("sheet settings", "needs the columns key and value"))
        else:
            for i, (k, raw) in enumerate(zip(s["key"], s["value"])):
                key, val = _text(k), _cell(raw)
                where = _row_path("settings", i, str(key))
                if key is None or val is None:
                    continue
                key = key.strip().lower()
                if key == "name":
                    data["name"] = str(val)
                elif key == "programs":
                    data["programs"] = _list(val)
                elif key == "income":
                    data["income"] = val
                elif key in ("quota_min", "quota_max"):
                    quota[key[6:]] = val
                elif key in ("quota_bonus", "gap", "time_limit"):
                    objective[key] = val
                elif key == "continuity":
                    objective[key] = _bool(val, where, problems)
                elif key == "source_order":
                    objective[key] = _list(val)
                elif key.startswith("weight."):
                    objective.setdefault("priority_weights", {})[key[7:]] = val
                elif key in ("discount_dana_desa", "discount_apbdes"):
                    assumptions[key] = _bool(val, where, problems)
                elif key in ("year_rules", "unknown_places"):
                    assumptions[key] = str(val)
                else:
                    problems.append(Problem(where, f"{key!r} is not a known setting"))
    if quota:
        data["quota"] = quota
    if objective:
        data["objective"] = objective
    if assumptions:
        data["assumptions"] = assumptions

    def records(key: str) -> list[tuple[int, dict[str, Any]]]:
        df = sh[key]
        unknown = [c for c in df.columns if c not in _COLUMNS[key] and not str(c).startswith("Unnamed")]
        for c in unknown:
            problems.append(Problem(f"sheet {key}, column {c!r}", "is not a known column"))
        return [(int(i), {c: _cell(v) for c, v in r.items() if c in _COLUMNS[key]}) for i, (_, r) in enumerate(df.iterrows())]

    data["phases"] = []
    rows["phases"] = []
    for i, r in records("phases"):
        data["phases"].append({k: r.get(k) for k in ("id", "start", "months")})
        rows["phases"].append(i + 2)

    data["villages"] = []
    rows["villages"] = []
    for i, r in records("villages"):
        v: dict[str, Any] = {"id": _text(r.get("id"))}
        for k in ("name", "district", "regency", "province"):
            if r.get(k) is not None:
                v[k] = _text(r[k])
        q = {k[6:]: r[k] for k in ("quota_min", "quota_max") if r.get(k) is not None}
        if q:
            v["quota"] = q
        data["villages"].append(v)
        rows["villages"].append(i + 2)

    if "worker_groups" in sh:
        data["worker_groups"] = []
        rows["worker_groups"] = []
        for i, r in records("worker_groups"):
            g = {"village": _text(r.get("village")), "count": r.get("count"), "priority": _text(r.get("priority")), "sector": _text(r.get("sector"))}
            if r.get("income") is not None:
                g["income"] = r["income"]
            data["worker_groups"].append(g)
            rows["worker_groups"].append(i + 2)
    else:
        data["worker_groups"] = _workers_to_groups(path, sh["workers"], data, problems)

    data["sources"] = []
    rows["sources"] = []
    by_id: dict[str, dict[str, Any]] = {}
    for i, r in records("sources"):
        src: dict[str, Any] = {"id": _text(r.get("id")), "kind": _text(r.get("kind"))}
        if r.get("scope") is not None:
            src["scope"] = _text(r["scope"])
        if r.get("budget") is not None:
            src["budget"] = r["budget"]
        if r.get("phases") is not None:
            src["phases"] = _list(r["phases"])
        elig = {k: _list(r[f"eligible_{k}"]) for k in _ELIGIBLE if r.get(f"eligible_{k}") is not None}
        if elig:
            src["eligible"] = elig
        if r.get("name") is not None:
            src["name"] = _text(r["name"])
        data["sources"].append(src)
        rows["sources"].append(i + 2)
        if src["id"]:
            by_id[src["id"]] = src
    if "budgets" in sh:
        for i, r in records("budgets"):
            sid, vid = _text(r.get("source")), _text(r.get("village"))
            if sid not in by_id:
                problems.append(Problem(_row_path("budgets", i, "source"), f"{sid!r} is not a source of the sources sheet"))
                continue
            by_id[sid].setdefault("budgets", {})
            if vid in by_id[sid]["budgets"]:
                problems.append(Problem(_row_path("budgets", i, "village"), f"{vid!r} has a second budget for {sid}"))
            by_id[sid]["budgets"][vid] = r.get("budget")
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.from_dict(data)
    except ScenarioError as e:
        raise ScenarioError(_with_rows(e.problems, rows), e.more) from None


def _workers_to_groups(path: Path, df: pd.DataFrame, data: dict[str, Any], problems: list[Problem]) -> list[dict[str, Any]]:
    """Validate a workers sheet like a worker CSV (never showing an ID) and count it into groups."""
    cols = [c for c in _COLUMNS["workers"] if c in df.columns]
    villages = [v["id"] for v in data.get("villages", []) if v.get("id")]
    # validated in memory: the IDs (NIKs) never go to a temporary file
    cells = df[cols].map(lambda v: "" if _blank(v) else str(_cell(v)))
    rows = np.asarray(df.index, dtype=np.int64) + 2 if df.index.dtype.kind in "iu" else None  # sheet rows, after the header
    try:
        income = int(data.get("income", 1_000_000))
    except (TypeError, ValueError):
        income = 1_000_000  # reported with the settings
    try:
        workers = validate_workers(cells, villages=villages, default_income=income, where="sheet workers", unit="row", numbers=rows)
    except ScenarioError as e:
        problems.extend(e.problems)
        return []
    groups = aggregate(workers)
    return [
        {"village": str(r.village), "count": int(r.count), "priority": str(r.priority), "sector": str(r.sector), "income": int(r.income)}
        for r in groups.itertuples(index=False)
    ]


# --------------------------------------------------------------------------- writing


def style_sheet(ws: Any, df: pd.DataFrame, keys: list[str]) -> None:
    """Bold header, frozen top row, filter, widths, and number formats by column meaning."""
    from openpyxl.styles import Alignment, Font, PatternFill

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = head_fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    for j, key in enumerate(keys, start=1):
        fmt = None
        if key.endswith("_idr") or key == "budget":
            fmt = RUPIAH
        elif key in ("spent_share",):
            fmt = "0.0%"
        elif key == "gap":
            fmt = "0.000%"
        elif key in ("eligible", "covered", "uncovered", "workers", "count", "quota_target", "missing", "months", "income", "worker_months", "extreme_worker_months", "lost"):
            fmt = COUNT
        letter = ws.cell(row=1, column=j).column_letter
        width = max([len(str(ws.cell(row=1, column=j).value or ""))] + [len(str(v)) for v in df.iloc[:200, j - 1].tolist()] if len(df) else [10])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
        if fmt:
            for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                row[0].number_format = fmt


def write_frame(wb: Any, title: str, df: pd.DataFrame, lang: str) -> None:
    ws = wb.create_sheet(title)
    keys = [str(c) for c in df.columns]
    ws.append([label(k, lang) for k in keys])
    for rec in df.itertuples(index=False):
        ws.append([plain_value(v) for v in rec])
    text_cells(ws, df)
    style_sheet(ws, df, keys)


def text_cells(ws: Any, df: pd.DataFrame, first_row: int = 2) -> None:
    """Store the cells of ``df`` written from ``first_row`` that start with ``=`` as text, not formulas.

    openpyxl reads any string starting with ``=`` as a formula; a worker ID or a village name
    such as ``=HYPERLINK(...)`` must stay inert text (the OWASP CSV-injection rule).
    """
    for j, c in enumerate(df.columns, start=1):
        col = df[c]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        vals = col.tolist()
        if text_safe(vals, ("=",)) == vals:
            continue
        for i, v in enumerate(vals):
            if isinstance(v, str) and v.startswith("="):
                ws.cell(row=first_row + i, column=j).data_type = "s"


def sheet_cells_as_text(ws: Any) -> None:
    """:func:`text_cells` for a whole (small) sheet written by another writer (pandas)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def plain_value(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, (list, tuple, dict)):
        return str(v)
    return v


def write_scenario(scenario: Scenario | Mapping[str, Any], path: str | Path, *, lang: str = "en", instructions: bool = True) -> Path:
    """Write a scenario (with ``worker_groups``) as a planner workbook that :func:`read_workbook` reads back."""
    check_lang(lang)
    openpyxl = require_openpyxl()
    d = to_dict(scenario)
    if d.get("worker_groups") is None:
        raise ValueError("write_scenario needs a scenario with worker_groups")
    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    obj = d.get("objective", {})
    settings: list[tuple[str, Any]] = [("name", d.get("name", "")), ("programs", ",".join(d.get("programs", ["JKK", "JKM"]))), ("income", d.get("income", 1_000_000))]
    q = d.get("quota", {})
    settings += [(f"quota_{k}", q[k]) for k in ("min", "max") if q.get(k) is not None]
    settings += [(f"weight.{k}", v) for k, v in obj.get("priority_weights", {}).items()]
    settings += [(k, obj[k]) for k in ("quota_bonus", "continuity", "gap", "time_limit") if k in obj]
    if obj.get("source_order"):
        settings.append(("source_order", ",".join(obj["source_order"])))
    settings += [(k, v) for k, v in d.get("assumptions", {}).items() if v is not None]
    frames: dict[str, pd.DataFrame] = {
        "settings": pd.DataFrame(settings, columns=["key", "value"]),
        "phases": pd.DataFrame(d["phases"], columns=_COLUMNS["phases"]),
        "villages": pd.DataFrame(
            [{**{k: v.get(k) for k in ("id", "name", "district", "regency", "province")},
              "quota_min": (v.get("quota") or {}).get("min"), "quota_max": (v.get("quota") or {}).get("max")} for v in d["villages"]],
            columns=_COLUMNS["villages"],
        ),
        "worker_groups": pd.DataFrame(d["worker_groups"], columns=_COLUMNS["worker_groups"]),
        "sources": pd.DataFrame(
            [{"id": s["id"], "kind": s["kind"], "scope": s.get("scope", "regency"), "budget": s.get("budget"),
              "phases": ",".join(s["phases"]) if s.get("phases") else None,
              **{f"eligible_{k}": ",".join((s.get("eligible") or {}).get(k, [])) or None for k in _ELIGIBLE},
              "name": s.get("name")} for s in d["sources"]],
            columns=_COLUMNS["sources"],
        ),
        "budgets": pd.DataFrame(
            [{"source": s["id"], "village": v, "budget": b} for s in d["sources"] for v, b in (s.get("budgets") or {}).items()],
            columns=_COLUMNS["budgets"],
        ),
    }
    if instructions:
        ws = wb.create_sheet("README" if lang == "en" else "PETUNJUK")
        for line in _INSTRUCTIONS[lang]:
            ws.append([line])
        ws.column_dimensions["A"].width = 110
    for key, df in frames.items():
        df = df.dropna(axis=1, how="all") if key in ("villages", "sources", "worker_groups") else df
        keep = list(df.columns)
        ws = wb.create_sheet(sheet(key, lang))
        ws.append([label(c, lang) for c in keep])
        for rec in df.itertuples(index=False):
            ws.append([None if _blank(v) else plain_value(v) for v in rec])
        text_cells(ws, df)
        style_sheet(ws, df, keep)
    return atomic_write(path, wb.save)


def write_template(path: str | Path, *, lang: str = "en") -> Path:
    """Write the planner template: a small filled-in example (Kayong Utara shaped, illustrative)."""
    return write_scenario(kayong_utara_2023(villages=6), path, lang=lang)


_INSTRUCTIONS = {
    "en": [
        "premium_alloc planner workbook (illustrative example data: replace it with your own).",
        "Sheets: settings (key/value), phases, villages, worker_groups (or workers: one row per worker), sources, budgets.",
        "phases: id, start as YYYY-MM (type it as text), months.",
        "villages: id (Kemendagri code), name, optional quota_min / quota_max (village floor and cap).",
        "worker_groups: village, priority (extreme, poor, vulnerable), sector (palm, farming, ...), count, optional income.",
        "sources: id, kind (dana_desa, apbdes, dbh_sawit, apbd, apbd_provinsi, apbn, csr), scope (village or regency),",
        "  budget in whole rupiah (for scope regency), phases it may pay (comma-separated, blank = all), eligible_* filters.",
        "budgets: one row per village for every scope-village source (source, village, budget).",
        "Headers may be in English or Bahasa Indonesia. Solve with: premium-alloc solve book.xlsx --xlsx result.xlsx",
    ],
    "id": [
        "Buku kerja perencana premium_alloc (data contoh ilustratif: ganti dengan data Anda).",
        "Lembar: pengaturan (kunci/nilai), tahap, desa, kelompok pekerja (atau pekerja: satu baris per pekerja), sumber dana, anggaran desa.",
        "tahap: kode, mulai YYYY-MM (ketik sebagai teks), bulan.",
        "desa: kode Kemendagri, nama, target minimal / batas maksimal (opsional).",
        "kelompok pekerja: desa, prioritas (extreme, poor, vulnerable), sektor (palm, farming, ...), jumlah pekerja, penghasilan (opsional).",
        "sumber dana: kode, jenis (dana_desa, apbdes, dbh_sawit, apbd, apbd_provinsi, apbn, csr), cakupan (village atau regency),",
        "  anggaran dalam rupiah (cakupan regency), tahap berlaku (dipisah koma, kosong = semua), filter yang boleh.",
        "anggaran desa: satu baris per desa untuk sumber dana bercakupan village (sumber dana, desa, anggaran).",
        "Judul kolom boleh bahasa Inggris atau Indonesia. Jalankan: premium-alloc solve buku.xlsx --xlsx hasil.xlsx",
    ],
}
