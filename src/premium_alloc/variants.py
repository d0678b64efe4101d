"""Scenario variants: a base scenario plus named changes, compared side by side.

A change works like a reform of tax-benefit models: a function from a scenario to a new
scenario, leaving the base untouched. A :class:`Variant` is a name and a list of changes.
Changes are built in Python (:func:`budget`, :func:`months`, :func:`program`, :func:`quota`,
:func:`discount`, :func:`shift_years`, ...) or read from short text, the same in the CLI
and in a variants YAML file (:func:`parse_change`)::

    APBD+=2e9          add Rp2,000,000,000 to source APBD (DD+=5jt adds to every village)
    APBD-=500jt        take Rp500,000,000 away
    DBH*=1.5           multiply a budget (every village budget, for a village source)
    APBD=3e9           set a budget
    months=6           every phase lasts 6 months (months.p1=2 for one phase)
    programs+=JHT      add a program (programs-=JHT removes it; programs=JKK,JKM sets them)
    quota=150          village floor 150 everywhere (quota.max=150 sets a cap, quota.max=none drops it)
    discount=off       no PP 50/2025 discount for Dana Desa and APBDes (discount.dana_desa=off for one)
    year+=1            shift every phase start by a year (year=2025: the first phase starts in 2025)
    continuity=on      a group's cover may not fall from one phase to the next
    workers.extreme*=0.5   scale the worker counts of one priority (rounded to whole workers)
    drop=DD            remove a source
    year_rules=error   a source kind barred in a phase's year is an error, not a warning
    set.objective.quota_bonus=5   any other field, by its dotted path (value read as YAML)

Amounts accept ``2e9``, ``2_000_000_000``, ``2.000.000.000`` and the suffixes ``rb``/``k``
(thousand), ``jt``/``juta`` (million), ``bn``/``miliar`` (billion) and ``t``/``triliun``.
A variant on the command line is ``NAME:CHANGE;CHANGE...``, e.g. ``"apbd+2bn:APBD+=2e9"``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import tally
from .engine import solve
from .errors import Problem, ScenarioError
from .formats import parse_money
from .io.load import as_scenario, parse_text
from .labels import relabel, switch
from .result import Result
from .safeio import max_input_bytes, read_bounded
from .scenario import Scenario, to_dict

__all__ = [
    "Change",
    "Comparison",
    "Variant",
    "budget",
    "compare",
    "continuity",
    "discount",
    "drop_source",
    "load_variants",
    "months",
    "parse_amount",
    "parse_change",
    "parse_variant",
    "program",
    "programs",
    "quota",
    "scale_workers",
    "setting",
    "shift_years",
    "start_year",
    "summarize",
    "to_dict",
    "year_rules",
]


def _bad(text: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(f"variant change {text!r}", message)])


@dataclass(frozen=True)
class Change:
    """One named change: ``apply`` edits a copy of the scenario dict in place."""

    text: str
    apply: Callable[[dict[str, Any]], None] = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Variant:
    """A named list of changes applied, in order, to a base scenario."""

    name: str
    changes: tuple[Change, ...] = ()

    def apply(self, base: Scenario | Mapping[str, Any]) -> Scenario:
        """The base with every change applied (validated again; the base is untouched)."""
        data = copy.deepcopy(to_dict(base))
        for ch in self.changes:
            ch.apply(data)
        if self.name and self.changes:
            data["name"] = f"{data.get('name', '')} [{self.name}]".strip()
        return Scenario.from_dict(data)

    def __str__(self) -> str:
        return f"{self.name}: " + "; ".join(c.text for c in self.changes)


# --------------------------------------------------------------------------- amounts

def parse_amount(text: str | int | float) -> int:
    """Whole rupiah from ``2e9``, ``2_000_000_000``, ``2.000.000.000``, ``500jt``, ``2bn``, ``Rp1,5 miliar``.

    The one money reader of the package (:func:`premium_alloc.formats.parse_money`).

    Parameters
    ----------
    text : str, int or float
        What the planner typed.

    Returns
    -------
    int
        Whole rupiah; raises ValueError on anything else.
    """
    return parse_money(text)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _factor(text: str | float) -> Decimal:
    try:
        f = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if f < 0:
        raise ValueError(f"{text!r} is negative")
    return f


def _switch(text: str | bool) -> bool:
    on = switch(text)
    if on is None:
        raise ValueError(f"{text!r} is not on or off")
    return on


# --------------------------------------------------------------------------- changes


def _source(data: dict[str, Any], sid: str, text: str) -> dict[str, Any]:
    for s in data.get("sources", []):
        if s.get("id") == sid:
            return s
    known = ", ".join(str(s.get("id")) for s in data.get("sources", []))
    raise _bad(text, f"{sid!r} is not a known source ({known})")


def budget(source: str, *, add: int | None = None, factor: float | None = None, to: int | None = None) -> Change:
    """Change a source's budget: ``add`` rupiah (negative to cut), multiply by ``factor``, or set ``to``.

    For a village source (``scope: village``) the change applies to every village's budget.

    Parameters
    ----------
    source : str
        The source's id.
    add : int, optional
        Rupiah to add (negative to cut).
    factor : float, optional
        Multiply the budget.
    to : int, optional
        Set the budget (a pooled source only).

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    given = [k for k, v in (("add", add), ("factor", factor), ("to", to)) if v is not None]
    if len(given) != 1:
        raise ValueError("budget(): give exactly one of add, factor or to")
    if add is not None:
        text = f"{source}{'+' if add >= 0 else '-'}={abs(int(add))}"
    elif factor is not None:
        text = f"{source}*={factor}"
    else:
        text = f"{source}={to}"
    f = None if factor is None else _factor(factor)

    def apply(data: dict[str, Any]) -> None:
        s = _source(data, source, text)

        def new(old: int) -> int:
            if add is not None:
                value = int(old) + int(add)
            elif f is not None:
                value = _round(Decimal(int(old)) * f)
            else:
                value = int(to)  # type: ignore[arg-type]
            if value < 0:
                raise _bad(text, f"makes the budget of {source} negative (Rp{value:,})")
            return value

        if s.get("scope") == "village":
            s["budgets"] = {v: new(b) for v, b in (s.get("budgets") or {}).items()}
        else:
            s["budget"] = new(int(s.get("budget") or 0))

    return Change(text, apply)


def months(n: int, phase: str | None = None) -> Change:
    """Set the length of every phase (or of ``phase``) to ``n`` months.

    Parameters
    ----------
    n : int
        Months.
    phase : str, optional
        Only this phase.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    text = f"months{'.' + phase if phase else ''}={n}"

    def apply(data: dict[str, Any]) -> None:
        hit = [p for p in data["phases"] if phase is None or p["id"] == phase]
        if not hit:
            raise _bad(text, f"{phase!r} is not a known phase")
        for p in hit:
            p["months"] = int(n)

    return Change(text, apply)


def program(name: str, on: bool = True) -> Change:
    """Add (``on=True``) or remove a program (JKK, JKM, JHT, JP) from the cover package.

    Parameters
    ----------
    name : str
        JKK, JKM, JHT or JP.
    on : bool
        Add (True) or remove (False).

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    text = f"programs{'+' if on else '-'}={name}"

    def apply(data: dict[str, Any]) -> None:
        progs = list(data.get("programs") or ["JKK", "JKM"])
        if on and name not in progs:
            progs.append(name)
        if not on:
            progs = [p for p in progs if p != name]
        data["programs"] = progs

    return Change(text, apply)


def programs(names: Sequence[str]) -> Change:
    """Set the cover package.

    Parameters
    ----------
    names : sequence of str
        The whole cover package.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    names = list(names)

    def apply(data: dict[str, Any]) -> None:
        data["programs"] = list(names)

    return Change(f"programs={','.join(names)}", apply)


_KEEP: Any = object()


def quota(min: int | None | Any = _KEEP, max: int | None | Any = _KEEP) -> Change:  # noqa: A002 - the field names
    """Set the village floor (``min``) and/or cap (``max``; ``None`` removes it), in every village.

    The scenario's default and every village's own value of that field are replaced.

    Parameters
    ----------
    min : int, optional
        The village floor.
    max : int or None, optional
        The cap (``None`` removes it).

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    parts = []
    if min is not _KEEP:
        parts.append(f"quota.min={'none' if min is None else min}")
    if max is not _KEEP:
        parts.append(f"quota.max={'none' if max is None else max}")
    if not parts:
        raise ValueError("quota(): give min and/or max")
    text = ";".join(parts)

    def apply(data: dict[str, Any]) -> None:
        for key, value in (("min", min), ("max", max)):
            if value is _KEEP:
                continue
            q = dict(data.get("quota") or {})
            if value is None:
                q.pop(key, None)
            else:
                q[key] = int(value)
            data["quota"] = q
            for v in data.get("villages", []):
                if isinstance(v.get("quota"), dict) and key in v["quota"]:
                    vq = dict(v["quota"])
                    vq.pop(key)
                    v["quota"] = vq

    return Change(text, apply)


def discount(on: bool, funders: Iterable[str] = ("dana_desa", "apbdes")) -> Change:
    """Switch the PP 50/2025 discount assumption for village funders (``assumptions.discount_*``).

    Parameters
    ----------
    on : bool
        Assume the discount applies.
    funders : iterable of str
        Funder kinds it applies to.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    funders = tuple(funders)
    text = f"discount{'' if set(funders) == {'dana_desa', 'apbdes'} else '.' + ','.join(funders)}={'on' if on else 'off'}"

    def apply(data: dict[str, Any]) -> None:
        a = dict(data.get("assumptions") or {})
        for f in funders:
            if f not in ("dana_desa", "apbdes"):
                raise _bad(text, f"{f!r} has no discount switch (dana_desa, apbdes)")
            a[f"discount_{f}"] = bool(on)
        data["assumptions"] = a

    return Change(text, apply)


def _shift(start: str, years: int) -> str:
    y, m = start.split("-")
    return f"{int(y) + years:04d}-{m}"


def shift_years(n: int) -> Change:
    """Shift every phase start by ``n`` years (rates, discounts and year rules follow the dates).

    Parameters
    ----------
    n : int
        Years (negative: earlier).

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """

    def apply(data: dict[str, Any]) -> None:
        for p in data["phases"]:
            p["start"] = _shift(str(p["start"]), int(n))

    return Change(f"year{'+' if n >= 0 else '-'}={abs(int(n))}", apply)


def start_year(year: int) -> Change:
    """Shift the phases so that the earliest one starts in ``year`` (months kept).

    Parameters
    ----------
    year : int
        The year the earliest phase starts in.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """

    def apply(data: dict[str, Any]) -> None:
        first = min(int(str(p["start"])[:4]) for p in data["phases"])
        for p in data["phases"]:
            p["start"] = _shift(str(p["start"]), int(year) - first)

    return Change(f"year={year}", apply)


def continuity(on: bool = True) -> Change:
    """Require (or stop requiring) that a group's cover never falls from one phase to the next.

    Parameters
    ----------
    on : bool
        Require continuity.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """

    def apply(data: dict[str, Any]) -> None:
        obj = dict(data.get("objective") or {})
        obj["continuity"] = bool(on)
        data["objective"] = obj

    return Change(f"continuity={'on' if on else 'off'}", apply)


def scale_workers(priority: str | None, factor: float) -> Change:
    """Multiply the worker counts of one priority (or of all, ``None``), rounded to whole workers.

    Parameters
    ----------
    priority : str or None
        One priority, or every worker.
    factor : float
        Multiplier of the counts.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    f = _factor(factor)
    text = f"workers{'.' + priority if priority else ''}*={factor}"

    def apply(data: dict[str, Any]) -> None:
        if data.get("worker_groups") is None:
            raise _bad(text, "needs a scenario with worker_groups (a worker list is not scaled)")
        for g in data["worker_groups"]:
            if priority is None or g.get("priority") == priority:
                g["count"] = _round(Decimal(int(g["count"])) * f)

    return Change(text, apply)


def drop_source(source: str) -> Change:
    """Remove a source (and its place in ``source_order``).

    Parameters
    ----------
    source : str
        The source's id.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    text = f"drop={source}"

    def apply(data: dict[str, Any]) -> None:
        _source(data, source, text)
        data["sources"] = [s for s in data["sources"] if s.get("id") != source]
        obj = data.get("objective") or {}
        if obj.get("source_order"):
            obj["source_order"] = [s for s in obj["source_order"] if s != source]

    return Change(text, apply)


def year_rules(level: str) -> Change:
    """Raise a year rule (e.g. Dana Desa in 2024) as a ``warning`` or an ``error``.

    Parameters
    ----------
    level : str
        ``warning`` or ``error``.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    if level not in ("warning", "error"):
        raise ValueError(f"year_rules: {level!r} is not warning or error")

    def apply(data: dict[str, Any]) -> None:
        a = dict(data.get("assumptions") or {})
        a["year_rules"] = level
        data["assumptions"] = a

    return Change(f"year_rules={level}", apply)


def setting(path: str, value: Any) -> Change:
    """Set any field by its dotted path, e.g. ``setting("objective.quota_bonus", 5)``.

    Parameters
    ----------
    path : str
        Dotted path of the field (``objective.quota_bonus``).
    value : Any
        Its new value.

    Returns
    -------
    Change
        Apply it with :class:`Variant` (``Variant(name, (change,)).apply(scenario)``) or :func:`compare`.
    """
    text = f"set.{path}={value}"
    keys = path.split(".")

    def apply(data: dict[str, Any]) -> None:
        node: Any = data
        for k in keys[:-1]:
            if not isinstance(node, dict):
                raise _bad(text, f"{path!r} does not lead to a field")
            node = node.setdefault(k, {})
        if not isinstance(node, dict):
            raise _bad(text, f"{path!r} does not lead to a field")
        node[keys[-1]] = value

    return Change(text, apply)


# --------------------------------------------------------------------------- text syntax

_OP = re.compile(r"^\s*([A-Za-z0-9_.\-/ ]+?)\s*(\+=|-=|\*=|=)\s*(.+?)\s*$")
_KEYWORDS = ("months", "programs", "quota", "discount", "year", "continuity", "workers", "drop", "year_rules", "set")


def parse_change(text: str) -> Change:
    """One change from its text form (see the module documentation for the syntax).

    Parameters
    ----------
    text : str
        A change as the CLI takes it (``APBD+=2e9``, ``quota=150``, ``continuity=on``).

    Returns
    -------
    Change
        The change; raises ValueError naming what is wrong.
    """
    m = _OP.match(text)
    if not m:
        raise _bad(text, "is not NAME+=VALUE, NAME-=VALUE, NAME*=VALUE or NAME=VALUE")
    name, op, value = m.group(1), m.group(2), m.group(3)
    head, _, rest = name.partition(".")
    try:
        if head in _KEYWORDS and head != "set":
            return _keyword(head, rest, op, value, text)
        if head == "set" and rest:
            if op != "=":
                raise ValueError("use set.PATH=VALUE")
            return setting(rest, yaml.safe_load(value))
        sid = rest if head == "budget" and rest else name
        if op == "+=":
            return budget(sid, add=parse_amount(value))
        if op == "-=":
            return budget(sid, add=-parse_amount(value))
        if op == "*=":
            return budget(sid, factor=float(_factor(value)))
        return budget(sid, to=parse_amount(value))
    except ValueError as e:
        raise _bad(text, str(e)) from None


def _keyword(head: str, rest: str, op: str, value: str, text: str) -> Change:
    def need(*ops: str) -> None:
        if op not in ops:
            raise ValueError(f"{head} takes {' or '.join(ops)}")

    if head == "months":
        need("=")
        return months(int(value), rest or None)
    if head == "programs":
        names = [p.strip() for p in value.split(",") if p.strip()]
        if op == "=":
            return programs(names)
        need("+=", "-=")
        if len(names) != 1:
            raise ValueError("add or remove one program at a time")
        return program(names[0], on=op == "+=")
    if head == "quota":
        need("=")
        v = None if value.strip().lower() in ("none", "null", "-") else int(parse_amount(value))
        if rest in ("", "min"):
            return quota(min=v)
        if rest == "max":
            return quota(max=v)
        raise ValueError("use quota=N, quota.min=N or quota.max=N")
    if head == "discount":
        need("=")
        return discount(_switch(value), funders=(rest,) if rest else ("dana_desa", "apbdes"))
    if head == "year":
        if op == "=":
            return start_year(int(value))
        need("+=", "-=")
        return shift_years(int(value) if op == "+=" else -int(value))
    if head == "continuity":
        need("=")
        return continuity(_switch(value))
    if head == "workers":
        need("*=")
        return scale_workers(rest or None, float(_factor(value)))
    if head == "drop":
        need("=")
        return drop_source(value)
    if head == "year_rules":
        need("=")
        return year_rules(value.strip())
    raise ValueError(f"unknown change {head!r}")  # pragma: no cover


def parse_variant(text: str) -> Variant:
    """``NAME:CHANGE;CHANGE...`` (the CLI's ``--variant``); without ``NAME:`` the text names it.

    Parameters
    ----------
    text : str
        ``NAME:CHANGE;CHANGE...``.

    Returns
    -------
    Variant
        The named variant.
    """
    name, sep, rest = text.partition(":")
    if not sep or "=" in name:
        name, rest = text.strip(), text
    changes = tuple(parse_change(c) for c in rest.split(";") if c.strip())
    if not changes:
        raise _bad(text, "names no change")
    return Variant(name.strip(), changes)


def load_variants(path: str | Path) -> tuple[str | None, list[Variant]]:
    """Read a variants YAML file: ``base:`` (optional path) and ``variants:`` (name + changes).

    ```yaml
    base: kapuas.yaml
    variants:
      - name: APBD +Rp2 bn
        changes: ["APBD+=2e9"]
      - name: with JHT
        changes: ["programs+=JHT", "APBD*=1.5"]
    ```

    Parameters
    ----------
    path : str or Path
        A variants YAML file.

    Returns
    -------
    tuple
        ``(base, variants)``: the base scenario path or ``None``, and the variants.
    """
    path = Path(path)
    # bounded like a scenario (a regular file, size limit); duplicate keys refused with their lines
    raw = read_bounded(path, where=path.name, limit=max_input_bytes(yaml=True))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(path.name, "is not UTF-8 text")]) from None
    data = parse_text(text, suffix=path.suffix) or {}
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise ScenarioError([Problem(path.name, "needs a `variants:` list")])
    out = []
    for i, v in enumerate(data["variants"]):
        if not isinstance(v, dict) or "name" not in v or not isinstance(v.get("changes"), list):
            problems.append(Problem(f"variants[{i}]", "needs `name` and a `changes` list"))
            continue
        try:
            out.append(Variant(str(v["name"]), tuple(parse_change(str(c)) for c in v["changes"])))
        except ScenarioError as e:
            problems += [Problem(f"variants[{i}].{p.path}", p.message) for p in e.problems]
    if problems:
        raise ScenarioError(problems)
    base = data.get("base")
    if base is not None:
        base = str((path.parent / str(base)).resolve()) if not Path(str(base)).is_absolute() else str(base)
    return base, out


# --------------------------------------------------------------------------- comparing


def summarize(result: Result, priority: str = "extreme") -> dict[str, Any]:
    """Headline figures of a result, each in its unit.

    People: ``eligible`` (the verified list), ``covered_every_phase`` and
    ``covered_some_phase`` (the per-worker plan covers the same workers of a group first in
    every phase, so these are the smallest and the largest cover of each group over the
    phases), ``uncovered_every_phase`` (people covered in no phase) and
    ``<priority>_not_covered_throughout`` (people of ``priority`` missing cover in at least one
    phase; 0 means every one of them is covered in every phase). Worker-months (people times
    months, summed over phases): ``worker_months``, ``<priority>_worker_months``,
    ``uncovered_worker_months``. Village-phases: ``villages_below_floor``. Money: rupiah.

    Parameters
    ----------
    result : Result
        A solved result.
    priority : str
        The priority whose cover is reported on its own.

    Returns
    -------
    dict
        Headline figures (W, gap, covered worker-months, shortfall, villages at floor...).
    """
    model = result.model
    assert model is not None
    assert result.x is not None
    cover = tally.cover(model, result.x)
    n = model.groups["count"].to_numpy(np.int64)
    is_p = (model.groups["priority"] == priority).to_numpy()
    wm = cover * model.months[None, :]
    every, some = (cover.min(axis=1), cover.max(axis=1)) if cover.shape[1] else (np.zeros_like(n), np.zeros_like(n))
    return {
        "status": result.status,
        "objective": result.objective,
        "gap": result.gap,
        "budget_idr": sum(s.budget_idr for s in result.sources),
        "spent_idr": sum(s.spent_idr for s in result.sources),
        "eligible": int(n.sum()),
        "covered_every_phase": int(every.sum()),
        "covered_some_phase": int(some.sum()),
        "uncovered_every_phase": int((n - some).sum()),
        "worker_months": int(wm.sum()),
        "uncovered_worker_months": int(((n[:, None] - cover) * model.months[None, :]).sum()),
        f"{priority}_worker_months": int(wm[is_p].sum()),
        f"{priority}_not_covered_throughout": int((n[is_p] - every[is_p]).sum()),
        "villages_below_floor": sum(1 for v in result.villages if not v.quota_met),
        "shortfall_idr": result.shortfall_idr,
        "warnings": len(result.warnings),
    }


@dataclass
class Comparison:
    """Scenarios solved side by side: the base first, then each variant."""

    names: list[str]
    scenarios: dict[str, Scenario]
    results: dict[str, Result]
    variants: dict[str, Variant]
    priority: str = "extreme"

    def frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per variant (index), with the headline figures of :func:`summarize`."""
        rows = [{"variant": n, **summarize(self.results[n], self.priority)} for n in self.names]
        return relabel(pd.DataFrame(rows).set_index("variant"), lang)

    def delta(self, lang: str | None = None) -> pd.DataFrame:
        """Numeric figures of each variant minus those of the base (the first row)."""
        num = self.frame().select_dtypes("number").drop(columns=["gap"], errors="ignore")
        return relabel(num - num.iloc[0], lang)

    def sources_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Budget, spent, people paid per phase (``workers_<phase>``) and worker-months per (variant, source)."""
        frames = [self.results[n].sources_frame().assign(variant=n) for n in self.names]
        df = pd.concat(frames, ignore_index=True)
        per_phase = [c for c in df.columns if c.startswith("workers_")]
        df = df[["variant", "source", "budget_idr", "spent_idr", *per_phase, "worker_months"]]
        return relabel(df, lang)


def _as_variant(v: Variant | str | tuple[str, Sequence[Change | str]]) -> Variant:
    if isinstance(v, Variant):
        return v
    if isinstance(v, str):
        return parse_variant(v)
    name, changes = v
    return Variant(name, tuple(c if isinstance(c, Change) else parse_change(c) for c in changes))


def compare(
    base: Scenario | Mapping[str, Any] | str | Path | Result,
    variants: Iterable[Variant | str | tuple[str, Sequence[Change | str]]],
    *,
    base_name: str = "base",
    priority: str = "extreme",
    progress: Callable[[str], None] | None = None,
    **solve_kwargs: Any,
) -> Comparison:
    """Solve the base and every variant; return a :class:`Comparison`.

    ``variants`` are :class:`Variant` objects, ``"NAME:CHANGE;..."`` texts or
    ``(name, [changes])`` pairs. ``solve_kwargs`` go to :func:`premium_alloc.solve`;
    ``progress`` is called with a short message before each solve.
    """
    sc = as_scenario(base)  # a solved Result stands for its scenario
    vs = [_as_variant(v) for v in variants]
    names = [base_name] + [v.name for v in vs]
    if len(set(names)) != len(names):
        raise ScenarioError([Problem("variants", f"{names!r} repeats a name")])
    scenarios = {base_name: sc, **{v.name: v.apply(sc) for v in vs}}
    results = {}
    for i, (n, s) in enumerate(scenarios.items()):
        if progress is not None:
            progress(f"solving {n} ({i + 1}/{len(scenarios)})")
        results[n] = solve(s, **solve_kwargs)
    return Comparison(names, scenarios, results, {v.name: v for v in vs}, priority)
