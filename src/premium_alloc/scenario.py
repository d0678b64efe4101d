"""Scenario format v1: pydantic models and whole-input validation (no file I/O: see ``io.load``).

Validation reports every problem at once, each with its field path and offending value,
before any solving. See ``docs/contract.md``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeGuard

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from . import labels as _labels
from . import places
from ._version import SCENARIO_FORMAT
from .errors import Problem, ScenarioError, shown
from .formats import MoneyError, parse_money
from .ids import clean, fold_all, invisible
from .rates import PROGRAMS

FORMAT = SCENARIO_FORMAT  # the scenario format id (defined in _version)
ELIGIBLE_KEYS = ("sector", "priority", "village", "regency", "province", "pktd")
#: values of the ``pktd`` filter: workers marked (``yes``) or not marked (``no``) as PKTD workers
PKTD_VALUES = ("yes", "no")
SOURCE_SCOPES = ("village", "regency", "province", "national")
_YM = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Limits that keep a hostile or broken file from exhausting memory.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_YAML_NODES = 5_000_000
MAX_NESTING = 64
#: Largest rupiah amount and group size accepted (every sum is checked again after the build).
MAX_MONEY = 10**18
MAX_COUNT = 10**12
MAX_INCOME = 10**15  # exact as a float64 (worker CSVs), far above any declared income
#: Largest priority weight or quota bonus: W stays exact in float64 sums (weight x count x months).
MAX_WEIGHT = 10**6
#: Years a phase may start in.
MIN_YEAR, MAX_YEAR = 1900, 2100


def _not_bool(v: Any) -> Any:
    if isinstance(v, bool):  # YAML/JSON true/false would silently become 1/0
        raise ValueError("is not a whole number")
    return v


def _money_text(v: Any) -> Any:
    """Typed amounts (``"Rp 25.000.000"``, ``"25jt"``, ``"2,5 M"``) read by the one money parser."""
    if isinstance(v, str):
        try:
            return parse_money(v, negative=True)  # a negative amount is reported by the bound below
        except MoneyError as e:
            raise ValueError(e.reason) from None
    return v


Whole = Annotated[int, BeforeValidator(_not_bool)]
Count = Annotated[Whole, Field(ge=0, le=MAX_COUNT)]
Money = Annotated[Whole, BeforeValidator(_money_text), Field(ge=0, le=MAX_MONEY)]
Income = Annotated[Whole, Field(gt=0, le=MAX_INCOME)]
Rate = Annotated[Whole, Field(ge=0, le=MAX_INCOME)]
Real = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(_Model):
    """A payment phase: ``months`` calendar months from ``start`` (YYYY-MM)."""

    id: str
    start: str
    months: Annotated[Whole, Field(ge=1, le=120)]

    @field_validator("start", mode="before")
    @classmethod
    def _start_is_year_month(cls, v: Any) -> Any:
        if not isinstance(v, str) or not _YM.match(v):
            raise ValueError("is not YYYY-MM")
        if not MIN_YEAR <= int(v[:4]) <= MAX_YEAR:
            raise ValueError(f"is not a year from {MIN_YEAR} to {MAX_YEAR}")
        return v


class Quota(_Model):
    """Village floor (``min``) and optional hard cap (``max``) on covered workers per phase."""

    min: Count | None = None
    max: Count | None = None


class Village(_Model):
    """A village (desa/kelurahan), keyed by its code."""

    id: str
    name: str | None = None
    district: str | None = None
    regency: str | None = None
    province: str | None = None
    quota: Quota | None = None


class WorkerGroup(_Model):
    """``count`` workers of one village with the same priority, sector and income."""

    village: str
    count: Count
    priority: str
    sector: str
    income: Income | None = None
    #: workers of village cash-for-work (padat karya tunai desa): the only ones Dana Desa may pay
    #: from 2026 (None: not marked, as false)
    pktd: bool | None = None


#: why listed workers are not eligible (see ``io.workers``): already paid for by someone else,
#: an active membership, above the BPU age limit
EXCLUSION_REASONS = ("existing_payer", "active_membership", "over_age_limit")


class Excluded(_Model):
    """``count`` workers of a village who were listed but are not eligible, and why."""

    village: str
    reason: Literal["existing_payer", "active_membership", "over_age_limit"]
    count: Count


class Source(_Model):
    """A funding source: one budget (``budget``) or one per village (``budgets``)."""

    id: str
    kind: str
    scope: Literal["village", "regency", "province", "national"] = "regency"
    budget: Money | None = None
    budgets: dict[str, Money] | None = None
    eligible: dict[str, list[str]] | None = None
    phases: list[str] | None = None
    name: str | None = None
    #: fiscal year of the budget (APBD year): a public source paying for months of another year
    #: is warned about. DBH received in December and budgeted in the next APBD takes that year.
    year: Annotated[Whole, Field(ge=1900, le=2200)] | None = None


class Objective(_Model):
    """Weights and solve settings (see the contract's meaning section)."""

    priority_weights: dict[str, Annotated[Real, Field(ge=0, le=MAX_WEIGHT)]] = Field(default_factory=dict)
    quota_bonus: Annotated[Real, Field(ge=0, le=MAX_WEIGHT)] = 0.0
    continuity: bool = False
    source_order: list[str] | None = None
    gap: Annotated[Real, Field(ge=0, lt=1)] = 0.005
    time_limit: Annotated[Real, Field(gt=0)] = 60.0


class Assumptions(_Model):
    """Documented, switchable assumptions (an extension of format v1)."""

    #: whether Dana Desa / APBDes get the PP 50/2025 discount; None keeps the rate table's
    #: default (no discount: the conservative reading of its APBN/APBD exclusion)
    discount_dana_desa: bool | None = None
    discount_apbdes: bool | None = None
    #: how a year rule (e.g. Dana Desa in 2024) is raised: None keeps each rule's level
    #: from the rate table, "warning" or "error" (an invalid scenario, before solving)
    year_rules: Literal["warning", "error"] | None = None
    #: an id that looks like a Kemendagri code but is not in the 2025 list: a warning, or an
    #: error (an invalid scenario) under "error"
    unknown_places: Literal["warning", "error"] | None = None


class Scenario(_Model):
    """A whole v1 scenario. Build one with :func:`load_scenario` or :meth:`from_dict`."""

    format: Literal["premium-alloc/v1"] = SCENARIO_FORMAT
    name: str = ""
    programs: Annotated[list[str], Field(min_length=1)] = Field(default_factory=lambda: ["JKK", "JKM"])
    income: Income = 1_000_000
    rates: dict[str, Rate] | None = None
    phases: Annotated[list[Phase], Field(min_length=1)]
    quota: Quota = Quota()
    villages: list[Village]
    worker_groups: list[WorkerGroup] | None = None
    workers: str | None = None
    #: listed workers who are not eligible, counted by village and reason (reported, never planned)
    excluded: list[Excluded] | None = None
    sources: list[Source]
    objective: Objective = Objective()
    assumptions: Assumptions = Assumptions()
    #: values this scenario adds to the closed vocabulary, e.g. ``{sector: [rubber_tapping]}``
    labels: dict[Literal["priority", "sector", "kind"], list[str]] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base_dir: Path | None = None) -> Scenario:
        """Validate a parsed scenario; raise :class:`ScenarioError` listing every problem."""
        data, terms = normalise_terms(data) if isinstance(data, Mapping) else (data, [])
        checked, problems = _check_dict(data, normalised=True)  # validated once: twice costs seconds nationally
        problems = terms + problems
        if problems:
            raise ScenarioError(problems)
        sc = checked if cls is Scenario and checked is not None else cls.model_validate(normalise_ids(data)[0])
        if sc.workers is not None and base_dir is not None and not Path(sc.workers).is_absolute():
            sc = sc.model_copy(update={"workers": str((base_dir / sc.workers).resolve())})
        return sc

    def terms(self) -> dict[str, tuple[str, ...]]:
        """Values this scenario adds to the closed vocabulary (see :func:`declared_terms`)."""
        return declared_terms({"labels": self.labels or {}, "objective": {"priority_weights": dict(self.objective.priority_weights)}})

    @property
    def ordered_sources(self) -> list[Source]:
        """Sources in tie-break order: ``source_order`` first, the rest as listed."""
        order = list(self.objective.source_order or [])
        rank = {sid: i for i, sid in enumerate(order)}
        keyed = sorted((rank.get(s.id, len(order)), i) for i, s in enumerate(self.sources))  # not .index(): O(S^2)
        return [self.sources[i] for _, i in keyed]

    def source_index(self, source: str) -> int:
        """Position of source ``source`` in :attr:`sources`; a :class:`ScenarioError` when unknown."""
        for i, s in enumerate(self.sources):
            if s.id == source:
                return i
        raise ScenarioError([Problem("source", f"{source!r} is not a known source ({', '.join(s.id for s in self.sources)})")])

    def source_total(self, source: str) -> int:
        """Total budget of a source in rupiah (the sum over villages for a village source)."""
        s = self.sources[self.source_index(source)]
        return int(sum((s.budgets or {}).values())) if s.scope == "village" else int(s.budget or 0)

    def source_rank(self, source_ids: Sequence[str]) -> np.ndarray:
        """Rank of each source id in tie-break order (see :attr:`ordered_sources`): lower is spent first."""
        rank = {s.id: i for i, s in enumerate(self.ordered_sources)}
        return np.array([rank[s] for s in source_ids], dtype=np.int64)

    @property
    def ordered_phases(self) -> list[Phase]:
        """Phases in time order (by start, then as listed)."""
        keyed = sorted((p.start, i) for i, p in enumerate(self.phases))
        return [self.phases[i] for _, i in keyed]


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _key(str(part))
    return out


def _key(text: str) -> str:
    """A mapping key fit for a field path: as typed, unless it looks like an ID or a name."""
    s = shown(text, limit=60)
    return text if s == repr(text) else s


def _short(value: Any) -> str:
    """A value fit for a message (see :func:`premium_alloc.errors.shown`): never a NIK or a name."""
    return shown(value, limit=60)


_MESSAGES = {
    "greater_than_equal": lambda e: "is negative" if e.get("ctx", {}).get("ge") == 0 else f"must be >= {e['ctx']['ge']}",
    "greater_than": lambda e: "must be positive" if e.get("ctx", {}).get("gt") == 0 else f"must be > {e['ctx']['gt']}",
    "int_from_float": lambda e: "is not a whole number",
    "int_parsing": lambda e: "is not a whole number",
    "int_type": lambda e: "is not a whole number",
    "missing": lambda e: "is required",
    "extra_forbidden": lambda e: "is not a known field",
    "literal_error": lambda e: f"must be one of {e.get('ctx', {}).get('expected', '')}",
    "too_short": lambda e: "must not be empty",
    "less_than_equal": lambda e: f"is above the limit of {e['ctx']['le']:,}",
    "less_than": lambda e: f"must be < {e['ctx']['lt']}",
    "finite_number": lambda e: "is not a finite number",
    "float_parsing": lambda e: "is not a number",
    "float_type": lambda e: "is not a number",
}


def _pydantic_problems(err: ValidationError) -> list[Problem]:
    out = []
    for e in err.errors():
        path = _fmt_loc(tuple(e["loc"]))
        typ = e["type"]
        msg = _MESSAGES[typ](e) if typ in _MESSAGES else str(e["msg"]).removeprefix("Value error, ")
        if typ in ("missing",):
            out.append(Problem(path, msg))
        elif typ == "extra_forbidden" and len(e["loc"]) == 1:
            out.append(Problem(path, f"unknown top-level key {e['loc'][0]!r}"))
        else:
            out.append(Problem(path, f"{_short(e.get('input'))} {msg}"))
    return out


_ABSENT = object()


def _is_map(item: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(item, Mapping)``, without the ABC check for plain dicts (hundreds of thousands of items)."""
    return type(item) is dict or isinstance(item, Mapping)


def _ids(items: Any) -> list[Any]:
    return [it.get("id") for it in items if _is_map(it)] if isinstance(items, list) else []


def _dupes(kind: str, items: Any) -> list[Problem]:
    """Ids given twice; ids that differ only in case count as the same id."""
    ids = [i if isinstance(i, str) else None for i in _ids(items)]
    text = [i for i in ids if i is not None]
    folded = dict(zip(text, fold_all(text)))
    counts = Counter(folded[i] for i in text)
    if max(counts.values(), default=0) < 2:
        return []
    out = []
    first: dict[str, str] = {}
    for i, item_id in enumerate(ids):
        if item_id is None or counts[folded[item_id]] < 2:
            continue
        f = folded[item_id]
        if f in first:
            same = first[f] == item_id
            why = "is a duplicate id" if same else f"is a duplicate id (the same as {_short(first[f])} but for case)"
            out.append(Problem(f"{kind}[{i}].id", f"{_short(item_id)} {why}"))
        else:
            first[f] = item_id
    return out


def _known(value: Any, ids: set[str]) -> bool:
    try:
        return value in ids
    except TypeError:  # unhashable (a list or a mapping): its type error is reported as well
        return False


def validate_dict(data: Any) -> list[Problem]:
    """Every problem in a parsed scenario: field errors and cross references, in one list."""
    return _check_dict(data)[1]


def _check_dict(data: Any, *, normalised: bool = False) -> tuple[Scenario | None, list[Problem]]:
    """:func:`validate_dict`, plus the validated scenario when pydantic accepted it."""
    if not isinstance(data, Mapping):
        return None, [Problem("", f"a scenario must be a mapping, got {type(data).__name__}")]
    problems: list[Problem] = []
    if not normalised:
        data, problems = normalise_terms(data)
    data, id_problems = normalise_ids(data)
    problems += id_problems
    sc = None
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as err:
        problems += _pydantic_problems(err)
    problems += _cross_references(data)
    return sc, problems


def _cross_references(d: Mapping[str, Any]) -> list[Problem]:
    """Checks between fields, tolerant of the wrong types already reported by pydantic."""
    out: list[Problem] = []
    fmt = d.get("format")
    if fmt is None:
        out.append(Problem("format", f"is required (use {FORMAT!r})"))
    villages: list[Any] = d["villages"] if isinstance(d.get("villages"), list) else []
    phases: list[Any] = d["phases"] if isinstance(d.get("phases"), list) else []
    sources: list[Any] = d["sources"] if isinstance(d.get("sources"), list) else []
    village_ids = {v for v in _ids(villages) if isinstance(v, str)}
    phase_ids = {p for p in _ids(phases) if isinstance(p, str)}
    source_ids = {s for s in _ids(sources) if isinstance(s, str)}
    out += _dupes("phases", phases) + _dupes("villages", villages) + _dupes("sources", sources)

    programs = d.get("programs")
    if isinstance(programs, list):
        for i, prog in enumerate(programs):
            if prog not in PROGRAMS:
                out.append(Problem(f"programs[{i}]", f"{_short(prog)} is not a known program ({', '.join(PROGRAMS)})"))
        if len(set(map(str, programs))) != len(programs):
            out.append(Problem("programs", f"{_short(programs)} lists a program twice"))
    rates = d.get("rates")
    if isinstance(rates, Mapping):
        for prog in rates:
            if prog not in PROGRAMS:
                out.append(Problem(f"rates.{prog}", f"{_short(prog)} is not a known program ({', '.join(PROGRAMS)})"))

    groups = d.get("worker_groups")
    has_groups, has_workers = groups is not None, d.get("workers") is not None
    if has_groups == has_workers:
        out.append(Problem("worker_groups", "give exactly one of `worker_groups` or `workers`"))
    if isinstance(groups, list):
        for i, g in enumerate(groups):
            vid = g.get("village", _ABSENT) if _is_map(g) else _ABSENT
            if vid is _ABSENT or (type(vid) is str and vid in village_ids):
                continue
            if not _known(vid, village_ids):
                out.append(Problem(f"worker_groups[{i}].village", f"{_short(vid)} is not a known village"))

    for i, s in enumerate(sources):
        if not _is_map(s):
            continue
        scope = s.get("scope", "regency")
        if scope == "village":
            if s.get("budgets") is None:
                out.append(Problem(f"sources[{i}].budgets", "is required for scope 'village' (one budget per village)"))
            if s.get("budget") is not None:
                out.append(Problem(f"sources[{i}].budget", f"{_short(s['budget'])} is not allowed for scope 'village' (use budgets)"))
        elif scope in SOURCE_SCOPES:
            if s.get("budget") is None:
                out.append(Problem(f"sources[{i}].budget", f"is required for scope {scope!r}"))
            if s.get("budgets") is not None:
                out.append(Problem(f"sources[{i}].budgets", f"is only allowed for scope 'village', not {scope!r}"))
        budgets = s.get("budgets")
        if isinstance(budgets, Mapping):
            for vid in budgets:
                if vid not in village_ids:
                    out.append(Problem(f"sources[{i}].budgets.{_key(str(vid))}", f"{_short(vid)} is not a known village"))
        sph = s.get("phases")
        if isinstance(sph, list):
            for j, pid in enumerate(sph):
                if not _known(pid, phase_ids):
                    out.append(Problem(f"sources[{i}].phases[{j}]", f"{_short(pid)} is not a known phase"))
        elig = s.get("eligible")
        if isinstance(elig, Mapping):
            for key, vals in elig.items():
                if key not in ELIGIBLE_KEYS:
                    out.append(Problem(f"sources[{i}].eligible.{key}", f"{_short(key)} is not a known filter ({', '.join(ELIGIBLE_KEYS)})"))
                elif key == "village" and isinstance(vals, list):
                    for j, vid in enumerate(vals):
                        if not _known(vid, village_ids):
                            out.append(Problem(f"sources[{i}].eligible.village[{j}]", f"{_short(vid)} is not a known village"))
                elif key == "pktd" and isinstance(vals, list):
                    for j, v in enumerate(vals):
                        if v not in PKTD_VALUES:
                            out.append(Problem(f"sources[{i}].eligible.pktd[{j}]", f"{_short(v)} is not yes or no"))

    out += _place_problems(d, villages, sources)
    out += _overlaps_and_empties(phases, villages, sources)
    excl = d.get("excluded")
    if isinstance(excl, list):
        for i, e in enumerate(excl):
            vid = e.get("village", _ABSENT) if _is_map(e) else _ABSENT
            if vid is not _ABSENT and not _known(vid, village_ids):
                out.append(Problem(f"excluded[{i}].village", f"{_short(vid)} is not a known village"))

    obj = d.get("objective")
    if isinstance(obj, Mapping) and isinstance(obj.get("source_order"), list):
        order = obj["source_order"]
        for j, sid in enumerate(order):
            if not _known(sid, source_ids):
                out.append(Problem(f"objective.source_order[{j}]", f"{_short(sid)} is not a known source"))
        if len(set(map(str, order))) != len(order):
            out.append(Problem("objective.source_order", f"{_short(order)} names a source twice"))
    return out


def declared_terms(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Values a scenario adds to the vocabulary: ``labels:`` lists and unknown ``priority_weights`` keys."""
    extra: dict[str, list[str]] = {"priority": [], "sector": [], "kind": []}
    declared = data.get("labels")
    if _is_map(declared):
        for field, values in declared.items():
            if field in extra and isinstance(values, list):
                extra[field] += [v for v in values if isinstance(v, str)]
    obj = data.get("objective")
    weights = obj.get("priority_weights") if _is_map(obj) else None
    if _is_map(weights):
        extra["priority"] += [k for k in weights if isinstance(k, str) and _labels.canonical("priority", k) is None]
    return {k: tuple(v) for k, v in extra.items()}


def normalise_terms(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Problem]]:
    """Priorities, sectors, funder kinds, scopes and programs as their canonical values.

    Matching is case-insensitive against the vocabulary of ``data/labels.yaml`` (values and
    bilingual synonyms: ``miskin ekstrem`` -> ``extreme``, ``sawit`` -> ``palm``, ``Dana Desa``
    -> ``dana_desa``). A priority, sector or kind that is neither known nor declared (see
    :func:`declared_terms`) is a problem naming the field, the value and the nearest known
    values. Returns a copy of ``data`` (``data`` itself when nothing changes) and the problems.
    """
    extra = declared_terms(data)
    problems: list[Problem] = []
    cache: dict[tuple[str, str], str | None] = {}

    def fix(field: str, value: Any, path: str, report: bool = True) -> Any:
        if not isinstance(value, str):
            return value  # a wrong type is pydantic's to report
        key = (field, value)
        if key not in cache:
            cache[key] = _labels.canonical(field, value, extra.get(field, ()))
        canon = cache[key]
        if canon is None:
            if report:
                problems.append(Problem(path, _labels.unknown_message(field, value, extra.get(field, ()))))
            return value
        return canon

    out: dict[str, Any] = dict(data)
    progs = data.get("programs")
    if isinstance(progs, list):
        out["programs"] = [fix("program", p, "", report=False) for p in progs]  # unknown ones: see _cross_references
    groups = data.get("worker_groups")
    if isinstance(groups, list):
        new_groups = groups
        for i, g in enumerate(groups):
            if not _is_map(g):
                continue
            pri, sec = g.get("priority"), g.get("sector")
            p2 = fix("priority", pri, f"worker_groups[{i}].priority")
            s2 = fix("sector", sec, f"worker_groups[{i}].sector")
            if p2 is not pri or s2 is not sec:
                if new_groups is groups:
                    new_groups = list(groups)  # copy on the first change only (a million groups nationally)
                g = dict(g)
                if "priority" in g:
                    g["priority"] = p2
                if "sector" in g:
                    g["sector"] = s2
                new_groups[i] = g
        out["worker_groups"] = new_groups
    sources = data.get("sources")
    if isinstance(sources, list):
        new_sources = []
        for i, s in enumerate(sources):
            if not _is_map(s):
                new_sources.append(s)
                continue
            s = dict(s)
            if "kind" in s:
                s["kind"] = fix("kind", s["kind"], f"sources[{i}].kind")
            if "scope" in s:
                s["scope"] = fix("scope", s["scope"], f"sources[{i}].scope", report=False)  # pydantic names the choices
            elig = s.get("eligible")
            if _is_map(elig):
                elig = dict(elig)
                for field in ("priority", "sector"):
                    if isinstance(elig.get(field), list):
                        elig[field] = [fix(field, v, f"sources[{i}].eligible.{field}[{j}]") for j, v in enumerate(elig[field])]
                s["eligible"] = elig
            new_sources.append(s)
        out["sources"] = new_sources
    obj = data.get("objective")
    if _is_map(obj) and _is_map(obj.get("priority_weights")):
        weights = {fix("priority", k, "", report=False): v for k, v in obj["priority_weights"].items()}
        if len(weights) < len(obj["priority_weights"]):
            problems.append(Problem("objective.priority_weights", f"{_short(list(obj['priority_weights']))} names one priority twice"))
        out["objective"] = {**obj, "priority_weights": weights}
    return out, problems


def to_dict(scenario: Scenario | Mapping[str, Any]) -> dict[str, Any]:
    """A scenario as a plain v1 dict (``None`` fields left out), ready to change."""
    if isinstance(scenario, Scenario):
        return scenario.model_dump(mode="json", exclude_none=True)
    return dict(scenario)


def _place_ids(villages: list[Any], sources: list[Any]) -> list[tuple[str, str]]:
    """(field path, value) of every place id a scenario names: villages and eligible filters."""
    out: list[tuple[str, str]] = []
    for i, v in enumerate(villages):
        if _is_map(v):
            for key in ("id", "regency", "province"):
                val = v.get(key)
                if isinstance(val, str):
                    out.append((f"villages[{i}].{key}", val))
    for i, s in enumerate(sources):
        elig = s.get("eligible") if _is_map(s) else None
        if isinstance(elig, Mapping):
            for key in ("village", "regency", "province"):
                vals = elig.get(key)
                if isinstance(vals, list):
                    out += [(f"sources[{i}].eligible.{key}[{j}]", v) for j, v in enumerate(vals) if isinstance(v, str)]
    return out


def _unknown_places(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs whose value looks like a Kemendagri code but is not in the list (bulk lookups)."""
    if not pairs:
        return []
    values = np.array([v for _, v in pairs], dtype=object)
    uniq, inverse = np.unique(values, return_inverse=True)
    bad = places.looks_like_code(uniq) & ~places.is_known(uniq)
    return [pairs[i] for i in np.flatnonzero(bad[inverse])]


def _place_problems(d: Mapping[str, Any], villages: list[Any], sources: list[Any]) -> list[Problem]:
    """Dana Desa for a kelurahan (always an error); unknown codes under ``unknown_places: error``."""
    out: list[Problem] = []
    for i, s in enumerate(sources):
        if not _is_map(s) or s.get("kind") != "dana_desa" or not isinstance(s.get("budgets"), Mapping):
            continue
        vids = [v for v in s["budgets"] if isinstance(v, str)]
        if not vids:
            continue
        kinds = places.kind(vids)
        names = places.name(vids)
        for vid, k, n in zip(vids, kinds.tolist(), names.tolist()):
            if k == "kelurahan":
                out.append(
                    Problem(
                        f"sources[{i}].budgets.{vid}",
                        f"{vid!r} ({n}) is a kelurahan: a kelurahan receives no Dana Desa (only a desa does); "
                        "pay its workers from the APBD",
                    )
                )
    a = d.get("assumptions")
    if isinstance(a, Mapping) and a.get("unknown_places") == "error":
        for path, val in _unknown_places(_place_ids(villages, sources)):
            out.append(Problem(path, f"{_short(val)} looks like a Kemendagri code but is not in the 2025 list ({places.SOURCE})"))
    return out


def place_warnings(scenario: Scenario) -> list[str]:
    """Warnings about places: ids that look like Kemendagri codes but are not in the 2025 list,
    and village budgets (APBDes) for a kelurahan. Nothing under ``unknown_places: error`` (those are errors)."""
    out: list[str] = []
    if scenario.assumptions.unknown_places != "error":
        villages = [{"id": v.id, "regency": v.regency, "province": v.province} for v in scenario.villages]
        sources = [{"eligible": s.eligible} for s in scenario.sources]
        bad = _unknown_places(_place_ids(villages, sources))
        if bad:
            shown = ", ".join(f"{path} {val!r}" for path, val in bad[:5]) + (f" and {len(bad) - 5:,} more" if len(bad) > 5 else "")
            out.append(
                f"{len(bad):,} id(s) look like Kemendagri codes but are not in the 2025 list: {shown} "
                "(a typo, or an older code? set assumptions.unknown_places: error to refuse them)"
            )
    for s in scenario.sources:
        if s.kind == "apbdes" and s.budgets:
            vids = list(s.budgets)
            kel = [v for v, k in zip(vids, places.kind(vids).tolist()) if k == "kelurahan"]
            if kel:
                shown = ", ".join(repr(v) for v in kel[:5]) + (" ..." if len(kel) > 5 else "")
                out.append(f"source {s.id} (apbdes) has budgets for {len(kel)} kelurahan ({shown}): a kelurahan has no village budget (APBDes)")
    return out


# --------------------------------------------------------------------------- ids and time


def _clean_id(v: Any, path: str, problems: list[Problem]) -> Any:
    """``v`` in the one form ids are compared in (NFC, trimmed); an invisible character is a problem."""
    if type(v) is not str:
        return v
    if v.isascii() and v.isprintable() and v.strip() is v:  # the usual case: nothing to do
        return v
    c = clean(v)
    bad = invisible(c)
    if bad is not None:
        problems.append(Problem(path, f"{_short(c)} contains an invisible character, {bad}: retype it"))
    return c


def _clean_list(vals: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(vals, list):
        return vals
    new = [_clean_id(v, f"{path}[{j}]", problems) for j, v in enumerate(vals)]
    return vals if all(a is b for a, b in zip(new, vals)) else new


def _clean_items(items: Any, kind: str, keys: tuple[str, ...], problems: list[Problem]) -> Any:
    """A list of mappings with the id fields ``keys`` cleaned (a copy only of the items that change)."""
    if not isinstance(items, list):
        return items
    out = None
    for i, it in enumerate(items):
        if not _is_map(it):
            continue
        changed: dict[str, Any] = {}
        for k in keys:
            v = it.get(k, _ABSENT)
            if v is _ABSENT:
                continue
            c = _clean_id(v, f"{kind}[{i}].{k}", problems)
            if c is not v:
                changed[k] = c
        if changed:
            if out is None:
                out = list(items)
            out[i] = {**it, **changed}
    return items if out is None else out


def normalise_ids(data: Any) -> tuple[Any, list[Problem]]:
    """The scenario with every id in one form (Unicode NFC, no surrounding spaces), and the ids refused.

    Ids of villages, phases and sources, and every place where they are named (groups, budgets,
    source phases, eligible filters, source order), plus priorities and sectors. An id holding an
    invisible character (zero-width space, no-break space, control characters) is a problem.
    The input is never changed: the items that change are copies.
    """
    if not isinstance(data, Mapping):
        return data, []
    problems: list[Problem] = []
    d = dict(data)
    d["villages"] = _clean_items(d.get("villages"), "villages", ("id", "district", "regency", "province"), problems)
    d["phases"] = _clean_items(d.get("phases"), "phases", ("id",), problems)
    d["worker_groups"] = _clean_items(d.get("worker_groups"), "worker_groups", ("village", "priority", "sector"), problems)
    sources = _clean_items(d.get("sources"), "sources", ("id", "kind", "scope"), problems)
    if isinstance(sources, list):
        out = list(sources)
        for i, src in enumerate(sources):
            if not _is_map(src):
                continue
            new = dict(src)
            new["phases"] = _clean_list(src.get("phases"), f"sources[{i}].phases", problems)
            budgets = src.get("budgets")
            if isinstance(budgets, Mapping):
                keys = [_clean_id(k, f"sources[{i}].budgets.{_key(str(k))}", problems) for k in budgets]
                if any(a is not b for a, b in zip(keys, budgets)):
                    cleaned: dict[Any, Any] = {}
                    for k_new, (k_old, v) in zip(keys, budgets.items()):
                        if k_new in cleaned:
                            problems.append(Problem(f"sources[{i}].budgets.{_key(str(k_new))}", f"{_short(k_old)} names a village given twice (the same id but for spaces or Unicode form)"))
                        cleaned[k_new] = v
                    new["budgets"] = cleaned
            elig = src.get("eligible")
            if isinstance(elig, Mapping):
                new_elig = {k: _clean_list(v, f"sources[{i}].eligible.{k}", problems) for k, v in elig.items()}
                if any(new_elig[k] is not elig[k] for k in elig):
                    new["eligible"] = new_elig
            if any(new.get(k) is not src.get(k) for k in ("phases", "budgets", "eligible")):
                out[i] = {k: v for k, v in new.items() if k in src}
        sources = out
    d["sources"] = sources
    obj = d.get("objective")
    if isinstance(obj, Mapping) and isinstance(obj.get("source_order"), list):
        order = _clean_list(obj["source_order"], "objective.source_order", problems)
        if order is not obj["source_order"]:
            d["objective"] = {**obj, "source_order": order}
    for key in ("villages", "phases", "worker_groups", "sources"):
        if key not in data:
            d.pop(key, None)
    return d, problems


def _month(start: str) -> int:
    return int(start[:4]) * 12 + int(start[5:7]) - 1


def _ym_text(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def _overlaps_and_empties(phases: list[Any], villages: list[Any], sources: list[Any]) -> list[Problem]:
    """Phases that share months, a phase listed twice by a source, empty ids and empty filter values."""
    out: list[Problem] = []
    spans = []
    for i, p in enumerate(phases):
        if not _is_map(p):
            continue
        start, months = p.get("start"), p.get("months")
        if isinstance(start, str) and _YM.match(start) and type(months) is int and months >= 1:
            spans.append((_month(start), _month(start) + months, i, p.get("id")))
    spans.sort()
    latest = None  # the phase ending last among those before
    for m0, m1, i, pid in spans:
        if latest is not None and m0 < latest[1] and not (isinstance(pid, str) and isinstance(latest[3], str) and pid.casefold() == latest[3].casefold()):
            o0, o1, oi, oid = latest  # (a phase given twice is reported as a duplicate id)
            out.append(
                Problem(
                    f"phases[{i}]",
                    f"{_short(pid)} overlaps phases[{oi}] {_short(oid)} in {_ym_text(m0)} to {_ym_text(min(m1, o1) - 1)}: "
                    "the same workers would be paid twice for those months (make each phase start after the one before ends)",
                )
            )
        if latest is None or m1 > latest[1]:
            latest = (m0, m1, i, pid)
    for kind, items in (("villages", villages), ("phases", phases), ("sources", sources)):
        for i, it in enumerate(items):
            if _is_map(it) and isinstance(it.get("id"), str) and not it["id"]:
                out.append(Problem(f"{kind}[{i}].id", "is empty"))
    for i, src in enumerate(sources):
        if not _is_map(src):
            continue
        sph = src.get("phases")
        if isinstance(sph, list):
            seen: set[Any] = set()
            for j, pid in enumerate(sph):
                if isinstance(pid, str) and pid in seen:
                    out.append(Problem(f"sources[{i}].phases[{j}]", f"{_short(pid)} is listed twice (a phase is paid once)"))
                if isinstance(pid, str):
                    seen.add(pid)
        elig = src.get("eligible")
        if isinstance(elig, Mapping):
            for key, vals in elig.items():
                if isinstance(vals, list):
                    for j, v in enumerate(vals):
                        if isinstance(v, str) and not v:
                            out.append(Problem(f"sources[{i}].eligible.{_key(str(key))}[{j}]", "is empty (an empty value matches no worker; leave the filter out to allow all)"))
    return out
