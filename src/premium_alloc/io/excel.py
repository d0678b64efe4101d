"""Planner workbooks: read a scenario from Excel, write a scenario or the template.

A planner workbook has one sheet per part of a v1 scenario. Sheet names, headers, setting keys
and values may be in Bahasa Indonesia or English (``data/labels.yaml``), in any column order:

- ``settings`` / ``pengaturan``: two columns key / value (the keys are in ``SETTINGS``, e.g.
  quota_min, quota_bonus, continuity, ``weight <priority>``, year_rules, unknown_places);
- ``phases`` / ``tahap``: id, start (YYYY-MM), months;
- ``villages`` / ``desa``: id, name, district, regency, province, quota_min, quota_max;
- ``worker_groups`` / ``kelompok pekerja``: village, priority, sector, count, income, pktd; or
  ``workers`` / ``pekerja``: worker_id (NIK), village, priority, sector, income, pktd (one row
  per worker, counted into groups; the IDs are validated like a worker CSV and never shown);
- ``sources`` / ``sumber dana``: id, kind, scope, budget, year, phases, eligible_* (lists
  comma-separated), name;
- ``budgets`` / ``anggaran desa``: source, village, budget (per-village budgets).

Every problem is reported at once, at the cell a planner sees: the sheet name as written, the
Excel row number and the column header (``pekerja, baris 101, kolom NIK``), in ``lang``.
Blank rows are skipped without shifting any row number. Needs ``openpyxl`` (the ``excel`` extra).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import places
from .._version import SCENARIO_FORMAT
from ..cases import kayong_utara_2023
from ..errors import MissingDependencyError, Problem, ScenarioError
from ..formats import MoneyError, parse_money
from ..labels import check_lang, known, label, reverse, sheet, switch, table, term, translate, word
from ..safeio import atomic_write, read_bounded, text_safe
from ..scenario import Scenario, declared_terms, to_dict
from .workers import aggregate, exclusion_counts, validate_workers

__all__ = ["read_workbook", "read_workbook_workers", "style_sheet", "write_frame", "write_scenario", "write_template"]

SHEETS = ("settings", "phases", "villages", "worker_groups", "workers", "sources", "budgets", "excluded")
_ELIGIBLE = ("sector", "priority", "regency", "province", "village", "pktd")
_COLUMNS = {
    "settings": ["key", "value"],
    "phases": ["id", "start", "months"],
    "villages": ["id", "name", "district", "regency", "province", "quota_min", "quota_max"],
    "worker_groups": ["village", "priority", "sector", "count", "income", "pktd"],
    "workers": ["worker_id", "village", "priority", "sector", "income", "pktd", "existing_payer", "membership", "age", "birth_date"],
    "sources": ["id", "kind", "scope", "budget", "year", "phases", *[f"eligible_{k}" for k in _ELIGIBLE], "name"],
    "budgets": ["source", "village", "budget"],
    "excluded": ["village", "reason", "count"],
}
_REQUIRED = {
    "phases": ["id", "start", "months"],
    "villages": ["id"],
    "worker_groups": ["village", "priority", "sector", "count"],
    "workers": ["worker_id", "village", "priority", "sector"],
    "sources": ["id", "kind"],
    "budgets": ["source", "village", "budget"],
    "excluded": ["village", "reason", "count"],
    "settings": ["key", "value"],
}
#: settings keys -> the scenario field each sets (``weight`` is followed by a priority)
SETTINGS = {
    "name": "name", "programs": "programs", "income": "income",
    "quota_min": "quota.min", "quota_max": "quota.max",
    "quota_bonus": "objective.quota_bonus", "continuity": "objective.continuity", "gap": "objective.gap",
    "time_limit": "objective.time_limit", "source_order": "objective.source_order",
    "discount_dana_desa": "assumptions.discount_dana_desa", "discount_apbdes": "assumptions.discount_apbdes",
    "year_rules": "assumptions.year_rules", "unknown_places": "assumptions.unknown_places",
    "extra_priorities": "labels.priority", "extra_sectors": "labels.sector", "extra_kinds": "labels.kind",
}
_LIST_SETTINGS = ("programs", "source_order", "extra_priorities", "extra_sectors", "extra_kinds")
_BOOL_SETTINGS = ("continuity", "discount_dana_desa", "discount_apbdes")
_LEVEL_SETTINGS = ("year_rules", "unknown_places")
_MONEY = {("settings", "income"), ("worker_groups", "income"), ("workers", "income"), ("sources", "budget"), ("budgets", "budget")}
_WHOLE = {("phases", "months"), ("villages", "quota_min"), ("villages", "quota_max"), ("worker_groups", "count"), ("sources", "year"),
          ("excluded", "count")}
_LISTS = {"phases", "eligible_sector", "eligible_priority", "eligible_regency", "eligible_province", "eligible_village", "eligible_pktd"}
RUPIAH = '"Rp"#,##0'
COUNT = "#,##0"
TEXT = "@"


def require_openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared extra
        raise MissingDependencyError("openpyxl", "excel", "reading or writing .xlsx") from None
    return openpyxl


# --------------------------------------------------------------------------- cells


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
    return None if t is None else [p.strip() for p in re.split(r"[,;]", t) if p.strip()]


def _yes_no(v: Any) -> bool | None:
    """``True``/``False`` for yes/no in either language (:func:`premium_alloc.labels.switch`); ``None`` otherwise."""
    return switch(_cell(v) if not isinstance(v, bool) else v)


# --------------------------------------------------------------------------- reading


@dataclass
class _Sheet:
    """One recognised sheet: its key, its name as written, headers as written, and non-blank rows."""

    key: str
    title: str
    headers: dict[str, str]  # column key -> header as written
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, column key -> raw cell value)


@dataclass
class _Reader:
    lang: str
    problems: list[Problem] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # scenario field path -> cell location

    def at(self, sh: _Sheet, row: int | None, col: str | None = None) -> str:
        """``pekerja, baris 101, kolom NIK`` (in the reader's language)."""
        out = sh.title
        if row is not None:
            out += f", {word('row', self.lang)} {row}"
        if col is not None:
            out += f", {word('column', self.lang)} {sh.headers.get(col, label(col, self.lang))}"
        return out

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, translate(message, self.lang)))

    def put(self, path: str, sh: _Sheet, row: int, col: str | None) -> None:
        self.cells[path] = self.at(sh, row, col)

    def money(self, sh: _Sheet, row: int, col: str, v: Any) -> Any:
        v = _cell(v)
        if isinstance(v, str):
            try:
                return parse_money(v, negative=True)  # a negative amount is the scenario's to report
            except MoneyError as e:
                self.add(self.at(sh, row, col), str(e))
                return None
        return v

    def whole(self, sh: _Sheet, row: int, col: str, v: Any) -> Any:
        v = _cell(v)
        if isinstance(v, str) and re.fullmatch(r"[\d.,\s]+", v):
            try:
                return parse_money(v)
            except MoneyError:
                pass
        return v


def _header_map(key: str) -> dict[str, str]:
    """Every accepted header of a sheet (lower case, both languages) -> column key."""
    out: dict[str, str] = {}
    for c in _COLUMNS[key]:
        for lang in ("en", "id"):
            out.setdefault(label(c, lang).strip().lower(), c)
        out.setdefault(c, c)
    if key in ("workers",):
        out.update({"nik": "worker_id", "id": "worker_id"})
    return out


def _open(path: Path) -> Any:
    openpyxl = require_openpyxl()
    data = read_bounded(path, where=path.name)  # a regular file within the size limit, read in memory
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise ScenarioError([Problem(path.name, "cannot read the workbook: it is not an .xlsx file (or it is damaged)")]) from None
    except Exception as err:  # openpyxl's InvalidFileException and other damaged-file errors
        raise ScenarioError([Problem(path.name, f"cannot read the workbook: {err.__class__.__name__}")]) from None


def _detect_lang(titles: list[str]) -> str:
    ids = {label(k, "id", "sheets").lower() for k in SHEETS}
    ens = {label(k, "en", "sheets").lower() for k in SHEETS}
    t = {x.strip().lower() for x in titles}
    return "id" if len(t & ids) > len(t & ens) else "en"


def _read_sheets(path: Path, lang: str | None) -> tuple[dict[str, _Sheet], _Reader]:
    wb = _open(path)
    try:
        titles = list(wb.sheetnames)
        reader = _Reader(check_lang(lang) if lang is not None else _detect_lang(titles))
        names = reverse("sheets")
        out: dict[str, _Sheet] = {}
        for title in titles:
            key = names.get(title.strip().lower())
            if key not in SHEETS:
                continue  # instructions, lists and the planner's own sheets are ignored
            ws = wb[title]
            rows = ws.iter_rows(values_only=True)
            head = next(rows, None) or ()
            hmap = _header_map(key)
            cols: list[str | None] = []
            headers: dict[str, str] = {}
            sh = _Sheet(key, title, headers, [])
            for j, h in enumerate(head):
                if _blank(h):
                    cols.append(None)
                    continue
                ck = hmap.get(str(h).strip().lower())
                if ck is None:
                    reader.add(f"{title}, {word('row', reader.lang)} 1, {word('column', reader.lang)} {str(h).strip()}",
                               f"is not a known column (known: {', '.join(label(c, reader.lang) for c in _COLUMNS[key])})")
                    cols.append(None)
                    continue
                if ck in headers:
                    reader.add(f"{title}, {word('row', reader.lang)} 1, {word('column', reader.lang)} {str(h).strip()}", "is a second column for the same field")
                    cols.append(None)
                    continue
                headers[ck] = str(h).strip()
                cols.append(ck)
            for i, values in enumerate(rows, start=2):
                rec = {c: v for c, v in zip(cols, values) if c is not None}
                if all(_blank(v) for v in values or ()):
                    continue  # a blank row: skipped, and no later row number moves
                sh.rows.append((i, rec))
            missing = [c for c in _REQUIRED[key] if c not in headers]
            if missing and (sh.rows or key != "budgets"):
                reader.add(f"{title}, {word('row', reader.lang)} 1", f"missing column(s): {', '.join(label(c, reader.lang) for c in missing)}")
            out[key] = sh
        return out, reader
    finally:
        wb.close()


def read_workbook(path: str | Path, *, lang: str | None = None) -> Scenario:
    """Read a planner workbook into a validated v1 :class:`Scenario` (every problem at once).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file.
    lang : {"en", "id"}, optional
        Language of the problem messages; by default that of the sheet names.

    Raises
    ------
    ScenarioError
        Every problem, each at its cell (sheet as written, Excel row, column header).
    """
    return read_workbook_workers(path, lang=lang)[0]


def read_workbook_workers(path: str | Path, *, lang: str | None = None) -> tuple[Scenario, pd.DataFrame | None]:
    """:func:`read_workbook`, plus the worker list of a workers sheet (``None`` without one).

    The scenario carries the workers counted into ``worker_groups``; for a per-worker plan, pass
    the frame to :func:`premium_alloc.engine.build_model` with
    ``scenario.model_copy(update={"worker_groups": None, "workers": NAME})``.
    """
    path = Path(path)
    sh, rd = _read_sheets(path, lang)
    L = rd.lang
    data: dict[str, Any] = {"format": SCENARIO_FORMAT, "name": path.stem}
    for need in ("phases", "villages", "sources"):
        if need not in sh:
            rd.add(f"{word('sheet', L)} {sheet(need, L)}", "is missing")
    if "worker_groups" not in sh and "workers" not in sh:
        rd.add(f"{word('sheet', L)} {sheet('worker_groups', L)}", f"is missing (or give a {sheet('workers', L)} sheet)")
    if "worker_groups" in sh and "workers" in sh and sh["worker_groups"].rows and sh["workers"].rows:
        rd.add(sh["workers"].title, f"give either {sh['worker_groups'].title} or {sh['workers'].title}, not both")
    if rd.problems:
        raise ScenarioError(rd.problems)

    if "settings" in sh:
        _read_settings(sh["settings"], rd, data)
    data["phases"] = []
    for i, (row, r) in enumerate(sh["phases"].rows):
        s = sh["phases"]
        data["phases"].append({"id": _text(r.get("id")), "start": _text(r.get("start")), "months": rd.whole(s, row, "months", r.get("months"))})
        rd.put(f"phases[{i}]", s, row, None)
        for c in ("id", "start", "months"):
            rd.put(f"phases[{i}].{c}", s, row, c)

    data["villages"] = []
    s = sh["villages"]
    for i, (row, r) in enumerate(s.rows):
        v: dict[str, Any] = {"id": _text(r.get("id"))}
        for k in ("name", "district", "regency", "province"):
            if _cell(r.get(k)) is not None:
                v[k] = _text(r[k])
        q = {k[6:]: rd.whole(s, row, k, r[k]) for k in ("quota_min", "quota_max") if _cell(r.get(k)) is not None}
        if q:
            v["quota"] = q
        data["villages"].append(v)
        rd.put(f"villages[{i}]", s, row, None)
        for c in ("id", "name", "district", "regency", "province"):
            rd.put(f"villages[{i}].{c}", s, row, c)
        rd.put(f"villages[{i}].quota.min", s, row, "quota_min")
        rd.put(f"villages[{i}].quota.max", s, row, "quota_max")

    workers: pd.DataFrame | None = None
    if "workers" in sh and (sh["workers"].rows or "worker_groups" not in sh):
        workers = _read_workers(sh["workers"], rd, data)
        data["worker_groups"] = [] if workers is None else _groups_of(workers)
    else:
        data["worker_groups"] = []
        s = sh["worker_groups"]
        for i, (row, r) in enumerate(s.rows):
            g: dict[str, Any] = {"village": _text(r.get("village")), "count": rd.whole(s, row, "count", r.get("count")),
                                 "priority": _text(r.get("priority")), "sector": _text(r.get("sector"))}
            if _cell(r.get("income")) is not None:
                g["income"] = rd.money(s, row, "income", r["income"])
            if _cell(r.get("pktd")) is not None:
                g["pktd"] = _flag(rd, s, row, "pktd", r["pktd"])
            data["worker_groups"].append(g)
            rd.put(f"worker_groups[{i}]", s, row, None)
            for c in ("village", "count", "priority", "sector", "income", "pktd"):
                rd.put(f"worker_groups[{i}].{c}", s, row, c)

    if "excluded" in sh:  # listed workers who are not eligible, as counts
        s = sh["excluded"]
        for i, (row, r) in enumerate(s.rows):
            data.setdefault("excluded", []).append(
                {"village": _text(r.get("village")), "reason": _text(r.get("reason")), "count": rd.whole(s, row, "count", r.get("count"))}
            )
            rd.put(f"excluded[{i}]", s, row, None)
            for c in ("village", "reason", "count"):
                rd.put(f"excluded[{i}].{c}", s, row, c)
    if workers is not None:  # listed but not eligible: kept as counts, never dropped silently
        ex = exclusion_counts(workers)
        if len(ex):
            data.setdefault("excluded", []).extend(
                {"village": str(v), "reason": str(r), "count": int(c)} for v, r, c in zip(ex["village"], ex["reason"], ex["count"])
            )
    _read_sources(sh, rd, data)
    # scenario rules too, so that every problem comes at once (not the cells already reported)
    try:
        sc = Scenario.from_dict(data)
    except ScenarioError as e:
        seen = {p.path for p in rd.problems}
        more = [p for p in _at_cells(e.problems, rd) if p.path not in seen]
        raise ScenarioError(_by_cell(rd.problems + more), e.more) from None
    if rd.problems:
        raise ScenarioError(_by_cell(rd.problems))
    return sc, workers


def _flag(rd: _Reader, s: _Sheet, row: int, col: str, v: Any) -> Any:
    b = _yes_no(v)
    if b is None:
        rd.add(rd.at(s, row, col), f"{_text(v)!r} is not {word('yes', rd.lang)} or {word('no', rd.lang)}")
    return b


def _read_settings(s: _Sheet, rd: _Reader, data: dict[str, Any]) -> None:
    keys = {k.lower(): k for k in SETTINGS} | {label(k, lang, "settings").lower(): k for k in SETTINGS for lang in ("en", "id")}
    weight_words = {label("weight", lang, "settings").lower() for lang in ("en", "id")} | {"weight"}
    levels = {k: k for k in ("warning", "error")} | {label(k, lang, "settings").lower(): k for k in ("warning", "error") for lang in ("en", "id")}
    for row, r in s.rows:
        key_text, val = _text(r.get("key")), _cell(r.get("value"))
        if key_text is None:
            continue
        where = rd.at(s, row, "value")
        low = " ".join(key_text.lower().split())
        m = re.match(r"^(\S+)[.\s]+(.+)$", low)
        if m and m.group(1) in weight_words and low not in keys:
            path = f"objective.priority_weights.{m.group(2)}"
            if val is not None:
                data.setdefault("objective", {}).setdefault("priority_weights", {})[m.group(2)] = val
                rd.cells[path] = where
            continue
        key = keys.get(low)
        if key is None:
            rd.add(rd.at(s, row, "key"), f"{key_text!r} is not a known setting (known: {', '.join(label(k, rd.lang, 'settings') for k in SETTINGS)})")
            continue
        if val is None:
            continue
        target = SETTINGS[key]
        if key in _LIST_SETTINGS:
            val = _list(val)
        elif key == "income":
            val = rd.money(s, row, "value", val)
        elif key in _BOOL_SETTINGS:
            val = _flag(rd, s, row, "value", val)
        elif key in _LEVEL_SETTINGS:
            val = levels.get(str(val).strip().lower(), val)
        elif key in ("quota_min", "quota_max"):
            val = rd.whole(s, row, "value", val)
        elif key == "name":
            val = str(val)
        head, _, leaf = target.rpartition(".")
        (data.setdefault(head, {}) if head else data)[leaf] = val
        rd.cells[target] = where


def _read_workers(s: _Sheet, rd: _Reader, data: dict[str, Any]) -> pd.DataFrame | None:
    """The workers sheet validated like a worker CSV (never showing an ID), at its cells."""
    missing = [c for c in _REQUIRED["workers"] if c not in s.headers]
    if missing:
        return None
    problems: list[Problem] = []
    rows = [row for row, _ in s.rows]
    cols = [c for c in _COLUMNS["workers"] if c in s.headers and c != "pktd"]
    phase_starts = sorted(str(p.get("start")) for p in data.get("phases", []) if re.match(r"^\d{4}-(0[1-9]|1[0-2])$", str(p.get("start"))))
    as_of = dt.date(int(phase_starts[0][:4]), int(phase_starts[0][5:7]), 1) if phase_starts else None
    frame = {}
    for c in cols:
        vals = [r.get(c) for _, r in s.rows]
        if c == "worker_id":
            for row, v in zip(rows, vals):
                if isinstance(v, (int, float)) and not isinstance(v, bool) and len(str(int(v))) >= 15:
                    problems.append(Problem(rd.at(s, row, c), translate("is typed as a number, so Excel kept only 15 digits: format the column as Text and type it again", rd.lang)))
        if c == "income":
            vals = [rd.money(s, row, c, v) if isinstance(_cell(v), str) else v for row, v in zip(rows, vals)]
        frame[c] = ["" if _blank(v) else str(_cell(v)) for v in vals]
    df = pd.DataFrame(frame)
    villages = [v["id"] for v in data.get("villages", []) if v.get("id")]
    try:
        # validated in memory: the IDs (NIKs) never go to a temporary file
        workers = validate_workers(
            df, villages=villages, default_income=data["income"] if isinstance(data.get("income"), int) else 1_000_000,
            where=s.title, unit=word("row", rd.lang), numbers=np.asarray(rows, dtype=np.int64),
            terms=declared_terms(data), locate=lambda n, col: rd.at(s, n, col), as_of=as_of,
        )
    except ScenarioError as e:
        problems += [Problem(p.path, translate(p.message, rd.lang)) for p in e.problems]
        rd.problems += problems
        if e.more:
            rd.problems.append(Problem(s.title, translate(f"... and {e.more} more problem(s)", rd.lang)))
        return None
    if "pktd" in s.headers:
        flags = []
        for row, r in s.rows:
            v = r.get("pktd")
            flags.append(False if _blank(v) else bool(_flag(rd, s, row, "pktd", v)))
        workers["pktd"] = np.array(flags, dtype=bool)
    rd.problems += problems
    return workers


def _groups_of(workers: pd.DataFrame) -> list[dict[str, Any]]:
    if "excluded" in workers.columns:  # counted separately (``excluded``), not planned
        workers = workers[workers["excluded"] == ""]
    if "pktd" in workers.columns and workers["pktd"].any():
        counts = workers.groupby(["village", "priority", "sector", "income", "pktd"], sort=True).size().rename("count").reset_index()
    else:
        counts = aggregate(workers)
        counts["pktd"] = False
    return [
        {"village": str(r.village), "count": int(r.count), "priority": str(r.priority), "sector": str(r.sector), "income": int(r.income),
         **({"pktd": True} if bool(r.pktd) else {})}
        for r in counts.itertuples(index=False)
    ]


def _read_sources(sh: dict[str, _Sheet], rd: _Reader, data: dict[str, Any]) -> None:
    data["sources"] = []
    by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    s = sh["sources"]
    for i, (row, r) in enumerate(s.rows):
        src: dict[str, Any] = {"id": _text(r.get("id")), "kind": _text(r.get("kind"))}
        if _cell(r.get("scope")) is not None:
            src["scope"] = _text(r["scope"])
        if _cell(r.get("budget")) is not None:
            src["budget"] = rd.money(s, row, "budget", r["budget"])
            if src["budget"] is None:
                del src["budget"]
        if _cell(r.get("year")) is not None:
            src["year"] = rd.whole(s, row, "year", r["year"])
        if _cell(r.get("phases")) is not None:
            src["phases"] = _list(r["phases"])
        elig: dict[str, Any] = {}
        for k in _ELIGIBLE:
            vals = _list(r.get(f"eligible_{k}"))
            if vals is None:
                continue
            if k == "pktd":
                vals = ["yes" if _yes_no(v) else ("no" if _yes_no(v) is False else v) for v in vals]
            elig[k] = vals
        if elig:
            src["eligible"] = elig
        if _cell(r.get("name")) is not None:
            src["name"] = _text(r["name"])
        data["sources"].append(src)
        rd.put(f"sources[{i}]", s, row, None)
        for c in ("id", "kind", "scope", "budget", "year", "phases", "name"):
            rd.put(f"sources[{i}].{c}", s, row, c)
        rd.put(f"sources[{i}].budgets", s, row, "scope")
        for k in _ELIGIBLE:
            rd.put(f"sources[{i}].eligible.{k}", s, row, f"eligible_{k}")
        if src["id"]:
            by_id[src["id"]] = (i, src)
    if "budgets" not in sh:
        return
    b = sh["budgets"]
    for row, r in b.rows:
        sid, vid = _text(r.get("source")), _text(r.get("village"))
        if sid not in by_id:
            rd.add(rd.at(b, row, "source"), f"{sid!r} is not a source of the {s.title} sheet")
            continue
        i, src = by_id[sid]
        src.setdefault("budgets", {})
        if vid in src["budgets"]:
            rd.add(rd.at(b, row, "village"), f"{vid!r} has a second budget for {sid}")
            continue
        amount = rd.money(b, row, "budget", r.get("budget"))
        if amount is None and _cell(r.get("budget")) is not None:
            continue  # reported at its cell
        src["budgets"][vid] = amount
        rd.put(f"sources[{i}].budgets.{vid}", b, row, "budget")
        rd.cells.setdefault(f"sources[{i}].budgets.{vid}#key", rd.at(b, row, "village"))


def _by_cell(problems: list[Problem]) -> list[Problem]:
    """Problems in workbook order: by sheet as first met, then row (stable otherwise)."""
    order: dict[str, int] = {}
    keyed = []
    for i, p in enumerate(problems):
        m = re.match(r"^(.*?), \S+ (\d+)", p.path)
        sheet_name, row = (m.group(1), int(m.group(2))) if m else (p.path, 0)
        order.setdefault(sheet_name, len(order))
        keyed.append((order[sheet_name], row, i, p))
    return [p for *_, p in sorted(keyed, key=lambda k: k[:3])]


def _at_cells(problems: list[Problem], rd: _Reader) -> list[Problem]:
    """Each scenario problem at its workbook cell (the longest field path read from a cell)."""
    out = []
    for p in problems:
        path, where = p.path, None
        if path.startswith("sources[") and ".budgets." in path and "is not a known village" in p.message:
            where = rd.cells.get(path + "#key")
        probe = path
        while where is None and probe:
            where = rd.cells.get(probe)
            if where is None:
                cut = max(probe.rfind("."), probe.rfind("["))
                probe = probe[:cut] if cut > 0 else ""
        out.append(Problem(where if where is not None else path, translate(p.message, rd.lang)))
    return out


# --------------------------------------------------------------------------- writing


def style_sheet(ws: Any, df: pd.DataFrame, keys: list[str], *, header_rows: int = 1) -> None:
    """Bold header, frozen header rows, filter, widths, and number formats by column meaning."""
    from openpyxl.styles import Alignment, Font, PatternFill

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for c in ws[header_rows]:
        c.font = Font(bold=True)
        c.fill = head_fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{header_rows + 1}"
    if ws.max_row > header_rows:
        ws.auto_filter.ref = f"A{header_rows}:{ws.cell(row=ws.max_row, column=max(1, ws.max_column)).coordinate}"
    for j, key in enumerate(keys, start=1):
        fmt = number_format(key)
        letter = ws.cell(row=header_rows, column=j).column_letter
        sample = [len(str(v)) for v in df.iloc[:200, j - 1].tolist()] if len(df) and j - 1 < df.shape[1] else []
        width = max([min(len(str(ws.cell(row=header_rows, column=j).value or "")), 24), *sample, 8])
        if fmt == RUPIAH:
            width = max(width + 4, 16)
        ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
        if fmt:
            for row in ws.iter_rows(min_row=header_rows + 1, min_col=j, max_col=j):
                row[0].number_format = fmt
    # wrapped headers need the height of their lines (Excel and LibreOffice do not grow it on open)
    lines = 1
    for j in range(1, ws.max_column + 1):
        text = str(ws.cell(row=header_rows, column=j).value or "")
        w = ws.column_dimensions[ws.cell(row=header_rows, column=j).column_letter].width or 10
        lines = max(lines, -(-len(text) // max(int(w) - 1, 1)))
    ws.row_dimensions[header_rows].height = 15 * min(lines, 4)


_COUNTS = {"eligible", "covered", "uncovered", "workers", "count", "quota_target", "missing", "months", "worker_months",
           "extreme_worker_months", "lost", "villages_below_floor", "extreme_uncovered", "quota_min", "quota_max"}


#: Excel locale tags: a number format shows the separators of the workbook's language
#: (LibreOffice honours them; Excel shows the reader's own separators either way)
_LOCALE_TAG = {"id": "[$-421]", "en": "[$-409]"}


def localise_formats(wb: Any, lang: str) -> None:
    """Tag every number format of ``wb`` with the language, so that 1.234.567 (id) or 1,234,567 (en) shows."""
    tag = _LOCALE_TAG[check_lang(lang)]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                f = c.number_format
                if f and f not in ("General", TEXT) and not f.startswith("[$"):
                    c.number_format = tag + f


def number_format(key: str) -> str | None:
    """The Excel number format of a column, from its key: rupiah, counts, shares, gaps."""
    if key.endswith("_idr") or key in ("budget", "income"):
        return RUPIAH
    if key in ("spent_share",):
        return "0.0%"
    if key == "gap":
        return "0.000%"
    if key in _COUNTS or key.endswith("_workers") or key.startswith("workers_"):
        return COUNT
    return None


def write_frame(wb: Any, title: str, df: pd.DataFrame, lang: str) -> Any:
    """A sheet of ``df``: headers in ``lang``, formats by column meaning; returns the sheet."""
    ws = wb.create_sheet(title)
    keys = [str(c) for c in df.columns]
    ws.append([label(k, lang) for k in keys])
    for rec in df.itertuples(index=False):
        ws.append([plain_value(v) for v in rec])
    text_cells(ws, df)
    style_sheet(ws, df, keys)
    return ws


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
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (list, tuple, dict)):
        return str(v)
    return v


def _setting_rows(d: Mapping[str, Any], lang: str) -> list[tuple[str, str, Any]]:
    """(key, label, value) rows of the settings sheet, values in the planner's words."""
    obj, q, asm = d.get("objective", {}), d.get("quota", {}), d.get("assumptions", {})
    values: dict[str, Any] = {
        "name": d.get("name", ""), "programs": ",".join(d.get("programs", ["JKK", "JKM"])), "income": d.get("income", 1_000_000),
        "quota_min": q.get("min"), "quota_max": q.get("max"),
        "quota_bonus": obj.get("quota_bonus"), "continuity": obj.get("continuity"), "gap": obj.get("gap"), "time_limit": obj.get("time_limit"),
        "source_order": ",".join(obj["source_order"]) if obj.get("source_order") else None,
    }
    values.update({k: asm.get(k) for k in ("discount_dana_desa", "discount_apbdes", "year_rules", "unknown_places")})
    declared = d.get("labels") or {}
    values.update({f"extra_{f}": ",".join(declared[k]) for f, k in (("priorities", "priority"), ("sectors", "sector"), ("kinds", "kind")) if declared.get(k)})
    rows: list[tuple[str, str, Any]] = []
    for key, v in values.items():
        if key in _BOOL_SETTINGS and v is not None:
            v = word("yes", lang) if v else word("no", lang)
        elif key in _LEVEL_SETTINGS and v is not None:
            v = label(str(v), lang, "settings")
        if v is not None or key in ("quota_max", "source_order"):
            rows.append((key, label(key, lang, "settings"), v))
        if key == "quota_bonus":
            for p, w in obj.get("priority_weights", {}).items():
                rows.append((f"weight.{p}", _weight_key(p, lang), w))
    return rows


def _weight_key(priority: str, lang: str) -> str:
    """``bobot miskin ekstrem`` / ``weight extreme poor``: the settings key of a priority weight."""
    return f"{label('weight', lang, 'settings')} {term('priority', priority, lang)}"


def _lists(lang: str) -> dict[str, list[str]]:
    """The closed sets a planner picks from, in ``lang`` (drop-down lists)."""
    yes, no = word("yes", lang), word("no", lang)
    return {
        "priority": [term("priority", k, lang) for k in known("priority")],
        "sector": [term("sector", k, lang) for k in known("sector")],
        "kind": [term("kind", k, lang) for k in known("kind")],
        "scope": [term("scope", k, lang) for k in known("scope")],
        "yes_no": [yes, no],
        "level": [label("warning", lang, "settings"), label("error", lang, "settings")],
        "setting": [label(k, lang, "settings") for k in SETTINGS] + [_weight_key(p, lang) for p in known("priority")],
    }


def _list_refs(lang: str) -> dict[str, str]:
    """Cell ranges of the (hidden) lists sheet, one column per closed set, in :func:`_lists` order."""
    from openpyxl.utils import get_column_letter

    title = sheet("lists", lang)
    return {name: f"'{title}'!${get_column_letter(j)}$2:${get_column_letter(j)}${len(vals) + 1}" for j, (name, vals) in enumerate(_lists(lang).items(), start=1)}


def _planner_value(sheet_key: str, col: str, v: Any, lang: str) -> Any:
    """A scenario value as the planner writes it (``palm`` -> ``sawit`` in ``id``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    field_of = {"priority": "priority", "sector": "sector", "kind": "kind", "scope": "scope",
                "eligible_sector": "sector", "eligible_priority": "priority"}
    if col in field_of:
        f = field_of[col]
        if isinstance(v, str) and "," in v:
            return ",".join(term(f, p.strip(), lang) for p in v.split(","))
        return term(f, str(v), lang)
    if col in ("pktd",) and isinstance(v, (bool, np.bool_)):
        return word("yes", lang) if v else word("no", lang)
    if col == "eligible_pktd" and isinstance(v, str):
        return ",".join(word(p.strip(), lang) for p in v.split(","))
    return plain_value(v)


def _validations(ws: Any, key: str, cols: list[str], lists_ref: dict[str, str], lang: str, n_rows: int) -> None:
    """Excel drop-down lists on every column of ``key`` with a closed set of values."""
    from openpyxl.worksheet.datavalidation import DataValidation

    pick = {
        "priority": "priority", "sector": "sector", "kind": "kind", "scope": "scope", "pktd": "yes_no",
        "village": "village", "source": "source",
        "eligible_sector": "sector", "eligible_priority": "priority", "eligible_pktd": "yes_no", "eligible_village": "village",
    }
    last = max(n_rows + 1, 1000 if key != "workers" else 100_000)
    for j, c in enumerate(cols, start=1):
        ref = lists_ref.get(pick.get(c, ""))
        if key == "settings" and c == "key":
            ref = lists_ref["setting"]
        if ref is None:
            continue
        # a comma list of several values is allowed in eligible_* columns, and weight keys in settings: no stop alert there
        multi = c.startswith("eligible_") or key == "settings"
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showDropDown=False)
        dv.promptTitle = word("choose_from_list", lang)[:32]
        dv.prompt = word("choose_from_list", lang)
        dv.showInputMessage = True
        dv.showErrorMessage = not multi
        dv.errorTitle = word("not_in_list", lang)[:32]
        dv.error = word("not_in_list", lang)
        letter = ws.cell(row=1, column=j).column_letter
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)


def write_scenario(
    scenario: Scenario | Mapping[str, Any],
    path: str | Path,
    *,
    lang: str = "en",
    instructions: bool = True,
    workers: pd.DataFrame | None = None,
) -> Path:
    """Write a scenario as a planner workbook that :func:`read_workbook` reads back.

    Sheet names, headers, setting keys and values are in ``lang``; every column with a closed
    set of values carries an Excel drop-down list; an instructions sheet describes exactly the
    columns written. ``workers`` (worker_id, village, priority, sector[, income]) writes a
    workers sheet (one row per worker) instead of the worker groups.
    """
    check_lang(lang)
    openpyxl = require_openpyxl()
    d = to_dict(scenario)
    if d.get("worker_groups") is None and workers is None:
        raise ValueError("write_scenario needs a scenario with worker_groups, or a workers frame")
    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    settings = _setting_rows(d, lang)
    elig = _ELIGIBLE
    frames: dict[str, pd.DataFrame] = {
        "settings": pd.DataFrame([(lbl, v) for _, lbl, v in settings], columns=["key", "value"]),
        "phases": pd.DataFrame(d["phases"], columns=_COLUMNS["phases"]),
        "villages": pd.DataFrame(
            [{**{k: v.get(k) for k in ("id", "name", "district", "regency", "province")},
              "quota_min": (v.get("quota") or {}).get("min"), "quota_max": (v.get("quota") or {}).get("max")} for v in d["villages"]],
            columns=_COLUMNS["villages"],
        ),
        "sources": pd.DataFrame(
            [{"id": s["id"], "kind": s["kind"], "scope": s.get("scope", "regency"), "budget": s.get("budget"), "year": s.get("year"),
              "phases": ",".join(s["phases"]) if s.get("phases") else None,
              **{f"eligible_{k}": ",".join(map(str, (s.get("eligible") or {}).get(k, []))) or None for k in elig},
              "name": s.get("name")} for s in d["sources"]],
            columns=_COLUMNS["sources"],
        ),
        "budgets": pd.DataFrame(
            [{"source": s["id"], "village": v, "budget": b} for s in d["sources"] for v, b in (s.get("budgets") or {}).items()],
            columns=_COLUMNS["budgets"],
        ),
    }
    if d.get("excluded"):
        frames["excluded"] = pd.DataFrame(d["excluded"], columns=_COLUMNS["excluded"])
    if workers is not None:
        w = workers.reindex(columns=[c for c in _COLUMNS["workers"] if c in workers.columns or c in ("worker_id", "village", "priority", "sector")])
        frames["workers"] = w
        order = ["settings", "phases", "villages", "workers", "sources", "budgets"]
    else:
        frames["worker_groups"] = pd.DataFrame(d["worker_groups"], columns=_COLUMNS["worker_groups"])
        order = ["settings", "phases", "villages", "worker_groups", "sources", "budgets"]
    if "excluded" in frames:
        order.append("excluded")
    # drop optional columns nobody filled (an instructions sheet then describes exactly what is there)
    keep_always = {"villages": {"id", "name", "district", "quota_min"}, "sources": {"id", "kind", "scope", "budget", "phases", "eligible_sector", "name"},
                   "worker_groups": {"village", "priority", "sector", "count", "income"}, "workers": {"worker_id", "village", "priority", "sector", "income"}}
    for key in keep_always:
        if key in frames:
            df = frames[key]
            frames[key] = df[[c for c in df.columns if c in keep_always[key] or df[c].notna().any()]]

    lists = _lists(lang)
    lists_ref = _list_refs(lang)
    vil_title, src_title = sheet("villages", lang), sheet("sources", lang)
    lists_ref["village"] = f"'{vil_title}'!$A$2:$A${max(len(d['villages']) + 1, 2000)}"
    lists_ref["source"] = f"'{src_title}'!$A$2:$A$200"
    if instructions:
        _write_instructions(wb, frames, order, lang)
    for key in order:
        df = frames[key]
        cols = list(df.columns)
        ws = wb.create_sheet(sheet(key, lang))
        ws.append([label(c, lang) for c in cols])
        for rec in df.itertuples(index=False):
            ws.append([_planner_value(key, c, v, lang) for c, v in zip(cols, rec)])
        sheet_cells_as_text(ws)  # a name or ID such as =HYPERLINK(...) stays inert text
        style_sheet(ws, df, cols)
        for j, c in enumerate(cols, start=1):
            if c in ("id", "village", "worker_id", "start", "regency", "province", "phases", "source") or c.startswith("eligible_"):
                letter = ws.cell(row=1, column=j).column_letter
                ws.column_dimensions[letter].number_format = TEXT  # codes and NIK stay text, never numbers
                for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    row[0].number_format = TEXT
        _validations(ws, key, cols, lists_ref, lang, len(df))
        if key == "settings":
            _settings_validations(ws, settings, lists_ref, lang)
    ls = wb.create_sheet(sheet("lists", lang))
    for j, (name, values) in enumerate(lists.items(), start=1):
        ls.cell(row=1, column=j, value=name)
        for i, v in enumerate(values, start=2):
            ls.cell(row=i, column=j, value=v)
    ls.sheet_state = "hidden"
    localise_formats(wb, lang)
    return atomic_write(path, wb.save)


def _settings_validations(ws: Any, settings: list[tuple[str, str, Any]], lists_ref: dict[str, str], lang: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    for i, (key, _, _) in enumerate(settings, start=2):
        name = "yes_no" if key in _BOOL_SETTINGS else ("level" if key in _LEVEL_SETTINGS else None)
        if name is None:
            continue
        dv = DataValidation(type="list", formula1=lists_ref[name], allow_blank=True)
        dv.error = word("not_in_list", lang)
        dv.showErrorMessage = True
        dv.add(f"B{i}")
        ws.add_data_validation(dv)


def _write_instructions(wb: Any, frames: dict[str, pd.DataFrame], order: list[str], lang: str) -> None:
    """The instructions sheet: one line per column actually written, with its allowed values."""
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(sheet("instructions", lang))
    ws.append([word("instructions_head", lang)])
    ws.append([word("instructions_money", lang)])
    ws.append([])
    ws.append([word("col_sheet", lang), word("col_column", lang), word("col_meaning", lang), word("col_values", lang)])
    for c in ws[4]:
        c.font = Font(bold=True)
    lists = _lists(lang)
    values_of = {"priority": lists["priority"], "sector": lists["sector"], "kind": lists["kind"], "scope": lists["scope"],
                 "pktd": lists["yes_no"], "eligible_sector": lists["sector"], "eligible_priority": lists["priority"], "eligible_pktd": lists["yes_no"]}
    help_ = table().get("help", {})
    for key in order:
        for c in frames[key].columns:
            vals = values_of.get(c)
            ws.append([sheet(key, lang), label(c, lang), help_.get(f"{key}.{c}", {}).get(lang, ""), ", ".join(vals) if vals else ""])
    ws.append([])
    ws.append([sheet("settings", lang), word("settings_for", lang), "", ""])
    for k in SETTINGS:
        vals = lists["yes_no"] if k in _BOOL_SETTINGS else (lists["level"] if k in _LEVEL_SETTINGS else None)
        ws.append(["", label(k, lang, "settings"), SETTINGS[k], ", ".join(vals) if vals else ""])
    ws.append(["", f"{label('weight', lang, 'settings')} <{label('priority', lang)}>", "objective.priority_weights", ", ".join(lists["priority"])])
    widths = (20, 30, 70, 60)
    for letter, width in zip("ABCD", widths):
        ws.column_dimensions[letter].width = width
    for r in (1, 2):  # the two opening sentences run across the four columns
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    for row in ws.iter_rows(min_row=1):
        lines = 1
        for j, c in enumerate(row):
            c.alignment = Alignment(wrap_text=True, vertical="top")
            span = sum(widths) if c.row in (1, 2) else widths[min(j, 3)]
            lines = max(lines, -(-len(str(c.value or "")) // max(span - 2, 1)))
        ws.row_dimensions[row[0].row].height = 15 * lines


def write_template(
    path: str | Path, *, lang: str = "en", workers: bool = False, regency: str | None = None, start: str = "2026-01"
) -> Path:
    """Write the planner template: a small filled-in example (Kayong Utara, illustrative figures).

    ``workers=True`` gives a workers sheet (one row per worker, made-up NIKs) instead of groups.
    With ``regency`` (a Kemendagri code such as ``62.03``) the template lists that regency's
    real villages instead (codes, names, districts): one worker-group row per village with a
    count of 0 to fill in, a village-budget (APBDes) row for each desa only (a kelurahan has no
    village budget) and a regency APBD budget of 0, in one 12-month phase from ``start``.
    Raises ``KeyError`` when ``regency`` is not a regency code in the Kemendagri list.
    """
    if regency is not None:
        return write_scenario(regency_template(regency, start=start), path, lang=lang)
    d = kayong_utara_2023(villages=6)
    if not workers:
        return write_scenario(d, path, lang=lang)
    rows = []
    for g in d["worker_groups"]:
        rows += [(g["village"], g["priority"], g["sector"], g.get("income")) for _ in range(int(g["count"]))]
    frame = pd.DataFrame(rows, columns=["village", "priority", "sector", "income"])
    # made-up IDs: the village's numbers then a running number (not real NIKs)
    frame.insert(0, "worker_id", [v.replace(".", "")[:6] + f"{i:010d}" for i, v in enumerate(frame["village"], start=1)])
    return write_scenario(d, path, lang=lang, workers=frame)


def regency_template(regency: str, *, start: str = "2026-01") -> dict[str, Any]:
    """The scenario behind :func:`write_template` for ``regency``: its real villages, counts and budgets 0."""
    vil = places.villages(regency)
    rname = places.name(regency)
    codes = vil["code"].tolist()
    return {
        "format": SCENARIO_FORMAT,
        "name": f"{rname} (template: fill in workers and budgets)",
        "programs": ["JKK", "JKM"],
        "income": 1_000_000,
        "phases": [{"id": "p1", "start": start, "months": 12}],
        "villages": [
            {"id": c, "name": n, "district": d, "regency": c[:5], "province": c[:2]}
            for c, n, d in zip(codes, vil["name"].tolist(), vil["district_name"].tolist())
        ],
        "worker_groups": [{"village": c, "count": 0, "priority": "poor", "sector": "farming"} for c in codes],
        "sources": [
            {"id": "APBDes", "kind": "apbdes", "scope": "village", "name": "APBDes (village budgets, desa only)",
             "budgets": {c: 0 for c, k in zip(codes, vil["kind"].tolist()) if k == "desa"}},
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 0, "name": f"APBD {rname}"},
        ],
        "objective": {"priority_weights": {"extreme": 3, "poor": 2, "vulnerable": 1}, "source_order": ["APBDes", "APBD"]},
    }
