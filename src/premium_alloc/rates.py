"""The dated premium table: rules as data (``data/rates.yaml``), with a citation per value.

A premium is always whole rupiah. Shares of income and discounts are applied with decimal
arithmetic and rounded half up, program by program.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

PROGRAMS: tuple[str, ...] = ("JKK", "JKM", "JHT", "JP")


@dataclass(frozen=True)
class DatedValue:
    """A parameter value valid from ``start`` (inclusive) until the next dated value."""

    start: date
    value: Decimal | None
    reference: str
    confidence: str


@dataclass(frozen=True)
class Discount:
    """A temporary premium cut (for example PP 50/2025)."""

    id: str
    programs: tuple[str, ...]
    factor: Decimal
    start: tuple[int, int]
    end: tuple[int, int]
    sectors: frozenset[str] | None
    except_sectors: frozenset[str]
    not_for_funders: frozenset[str]
    switchable: frozenset[str]
    reference: str
    switch_default: bool = True

    def applies(self, month: tuple[int, int], sector: str, funder: str, switches: Mapping[str, bool]) -> bool:
        """Whether this discount cuts the premium of ``sector`` paid by ``funder`` in ``month``.

        For a ``switchable`` funder, ``switches[funder]`` decides; without it, ``switch_default``.
        """
        if not (self.start <= month <= self.end):
            return False
        if self.sectors is not None and sector not in self.sectors:
            return False
        if sector in self.except_sectors:
            return False
        if funder in self.not_for_funders:
            return False
        if funder in self.switchable and not switches.get(funder, self.switch_default):
            return False
        return True


EFFECTS = ("allowed", "barred", "pktd_only", "sectors_only")


@dataclass(frozen=True)
class FunderRule:
    """A dated rule on what a source kind may pay for, checked for every month a phase covers.

    ``effect`` is ``allowed`` (recorded only), ``barred`` (the kind should not pay in these
    months), ``pktd_only`` (only workers marked PKTD) or ``sectors_only`` (only ``sectors``).
    ``found`` is false for a rule written because no source was found.
    """

    id: str
    kind: str
    start: tuple[int, int]
    end: tuple[int, int] | None
    effect: str
    level: str
    message: str
    reference: str
    confidence: str
    sectors: frozenset[str] | None = None
    found: bool = True
    message_id: str = ""  # the message in Bahasa Indonesia, for warnings shown in that language

    def covers(self, month: tuple[int, int]) -> bool:
        """Whether ``month`` (year, month) falls inside the rule's dates."""
        return self.start <= month and (self.end is None or month <= self.end)

    def months_hit(self, months: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """The months of ``months`` the rule covers, in the given order."""
        return [m for m in months if self.covers(m)]

    def cite(self) -> str:
        """The rule's message with its id, reference and confidence mark, for a warning."""
        return f"{self.message} (rule {self.id}: {self.reference}; confidence {self.confidence})"


def span_text(months: Iterable[tuple[int, int]]) -> str:
    """Months as text, consecutive runs joined: ``2023-11..2024-02, 2024-06``."""
    ms = sorted(set(months))
    runs: list[list[tuple[int, int]]] = []
    for m in ms:
        if runs and (runs[-1][-1][0] * 12 + runs[-1][-1][1] + 1) == m[0] * 12 + m[1]:
            runs[-1].append(m)
        else:
            runs.append([m])
    fmt = "{:04d}-{:02d}".format
    return ", ".join(fmt(*r[0]) if len(r) == 1 else f"{fmt(*r[0])}..{fmt(*r[-1])}" for r in runs)


@dataclass(frozen=True)
class YearRule:
    """A source kind that should not (or must not) be used in some fiscal years.

    Kept for tables that still use the ``year_rules`` key; the packaged table uses
    :class:`FunderRule` (``funder_rules``), and :attr:`RateTable.year_rules` lists its barred rules.
    """

    kind: str
    years: frozenset[int]
    level: str
    message: str
    reference: str


def _ym(text: Any) -> tuple[int, int]:
    y, m = str(text).split("-")[:2]
    return int(y), int(m)


def _dated(values: Mapping[Any, Any]) -> tuple[DatedValue, ...]:
    out = []
    for start, entry in values.items():
        start_d = start if isinstance(start, date) else date.fromisoformat(str(start))
        raw = entry.get("value") if isinstance(entry, Mapping) else entry
        out.append(
            DatedValue(
                start=start_d,
                value=None if raw is None else Decimal(str(raw)),
                reference=str(entry.get("reference", "")) if isinstance(entry, Mapping) else "",
                confidence=str(entry.get("confidence", "")) if isinstance(entry, Mapping) else "",
            )
        )
    return tuple(sorted(out, key=lambda v: v.start))


def _at(values: tuple[DatedValue, ...], on: date) -> DatedValue | None:
    found = None
    for v in values:
        if v.start <= on:
            found = v
    return None if found is None or found.value is None else found


def _funder_rule(r: Mapping[str, Any]) -> FunderRule:
    effect = str(r.get("effect", "barred"))
    if effect not in EFFECTS:
        raise ValueError(f"funder rule {r.get('id')!r}: effect {effect!r} is not one of {', '.join(EFFECTS)}")
    return FunderRule(
        id=str(r["id"]),
        kind=str(r["kind"]),
        start=_ym(r["start"]),
        end=_ym(r["end"]) if r.get("end") is not None else None,
        effect=effect,
        level=str(r.get("level", "warning")),
        message=" ".join(str(r.get("message", "")).split()),
        reference=str(r.get("reference", "")),
        confidence=str(r.get("confidence", "")),
        sectors=frozenset(str(x) for x in r["sectors"]) if r.get("sectors") is not None else None,
        found=bool(r.get("found", True)),
        message_id=" ".join(str(r.get("message_id", "")).split()),
    )


def _money(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class RateTable:
    """Premium rules loaded from a rates YAML file (the packaged one by default)."""

    programs: Mapping[str, Mapping[str, Any]]
    discounts: tuple[Discount, ...]
    funders: Mapping[str, Mapping[str, Any]]
    year_rules: tuple[YearRule, ...]
    shortfall_funder: str
    funder_rules: tuple[FunderRule, ...] = ()
    eligibility: Mapping[str, Any] = field(default_factory=dict)
    _dated_cache: dict[str, tuple[DatedValue, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateTable:
        """Build a table from the parsed YAML structure."""
        discounts = tuple(
            Discount(
                id=str(d["id"]),
                programs=tuple(d["programs"]),
                factor=Decimal(str(d["factor"])),
                start=_ym(d["start"]),
                end=_ym(d["end"]),
                sectors=frozenset(d["sectors"]) if "sectors" in d else None,
                except_sectors=frozenset(d.get("except_sectors", ())),
                not_for_funders=frozenset(d.get("not_for_funders", ())),
                switchable=frozenset(d.get("switchable", ())),
                reference=str(d.get("reference", "")),
                switch_default=bool(d.get("switch_default", True)),
            )
            for d in data.get("discounts", ())
        )
        frules = [_funder_rule(r) for r in data.get("funder_rules", ())]
        for i, r in enumerate(data.get("year_rules", ())):  # the older form: whole years barred
            for y in sorted(int(y) for y in r["years"]):
                frules.append(
                    FunderRule(
                        id=str(r.get("id", f"year_rule_{i}_{y}")),
                        kind=str(r["kind"]),
                        start=(y, 1),
                        end=(y, 12),
                        effect="barred",
                        level=str(r.get("level", "warning")),
                        message=" ".join(str(r.get("message", "")).split()),
                        reference=str(r.get("reference", "")),
                        confidence=str(r.get("confidence", "")),
                    )
                )
        barred: dict[tuple[str, str, str, str], set[int]] = {}
        for fr in frules:
            if fr.effect == "barred":
                last = fr.end[0] if fr.end is not None else fr.start[0]
                barred.setdefault((fr.kind, fr.level, fr.message, fr.reference), set()).update(range(fr.start[0], last + 1))
        rules = tuple(
            YearRule(kind=k, years=frozenset(ys), level=lv, message=msg, reference=ref) for (k, lv, msg, ref), ys in barred.items()
        )
        return cls(
            programs=data["programs"],
            discounts=discounts,
            funders=data.get("funders", {}),
            year_rules=rules,
            shortfall_funder=str(data.get("shortfall_funder", "apbd")),
            funder_rules=tuple(frules),
            eligibility=data.get("eligibility", {}),
        )

    def _values(self, program: str, key: str = "values") -> tuple[DatedValue, ...]:
        ck = f"{program}:{key}"
        if ck not in self._dated_cache:
            spec = self.programs[program]
            node = spec[key] if key == "values" else spec.get(key, {}).get("values", {})
            self._dated_cache[ck] = _dated(node)
        return self._dated_cache[ck]

    def base_monthly(self, program: str, month: str | tuple[int, int], income: int) -> int:
        """Monthly premium of one program before any discount, in whole rupiah."""
        ym = _ym(month) if isinstance(month, str) else month
        on = date(ym[0], ym[1], 1)
        if program not in self.programs:
            raise KeyError(f"unknown program {program!r}")
        v = _at(self._values(program), on)
        if v is None:
            raise ValueError(f"no {program} rate in force in {ym[0]:04d}-{ym[1]:02d}")
        assert v.value is not None
        unit = self.programs[program].get("unit", "idr")
        if unit == "idr":
            return _money(v.value)
        base = Decimal(int(income))
        ceiling = _at(self._values(program, "ceiling"), on)
        if ceiling is not None and ceiling.value is not None:
            base = min(base, ceiling.value)
        return _money(base * v.value)

    def monthly(
        self,
        program: str,
        month: str | tuple[int, int],
        income: int,
        sector: str = "",
        funder: str = "apbd",
        switches: Mapping[str, bool] | None = None,
    ) -> int:
        """Monthly premium of one program for one worker, after any discount, in whole rupiah."""
        ym = _ym(month) if isinstance(month, str) else month
        amount = Decimal(self.base_monthly(program, ym, income))
        for d in self.discounts:
            if program in d.programs and d.applies(ym, sector, funder, switches or {}):
                amount = amount * d.factor
        return _money(amount)

    def rules_for(self, kind: str) -> tuple[FunderRule, ...]:
        """The funder rules of a source kind, in table order."""
        return tuple(r for r in self.funder_rules if r.kind == kind)

    def has_fiscal_year(self, funder: str) -> bool:
        """Whether a source of kind ``funder`` belongs to one fiscal year (public budgets)."""
        spec = self.funders.get(funder)
        return bool(spec.get("fiscal_year", False)) if spec is not None else False

    def discount_default(self, funder: str) -> bool | None:
        """Default of the discount switch of ``funder`` (``None`` if no discount has a switch for it)."""
        for d in self.discounts:
            if funder in d.switchable:
                return d.switch_default
        return None

    def is_public_regional(self, funder: str) -> bool:
        """Whether ``funder`` spends through an APBD/APBN (unknown kinds count as public)."""
        spec = self.funders.get(funder)
        return True if spec is None else bool(spec.get("public_regional", True))

    def citations(self, program: str, month: str) -> list[str]:
        """References behind the premium of ``program`` in ``month``."""
        ym = _ym(month)
        on = date(ym[0], ym[1], 1)
        out = []
        v = _at(self._values(program), on)
        if v is not None:
            out.append(v.reference)
        c = _at(self._values(program, "ceiling"), on)
        if c is not None:
            out.append(c.reference)
        out += [d.reference for d in self.discounts if program in d.programs and d.start <= ym <= d.end]
        return out


@lru_cache(maxsize=1)
def default_table() -> RateTable:
    """The packaged rate table (``premium_alloc/data/rates.yaml``)."""
    text = resources.files("premium_alloc").joinpath("data/rates.yaml").read_text(encoding="utf-8")
    return RateTable.from_dict(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # noqa: S506 - safe, in C when PyYAML has libyaml


def months_of(start: str, months: int) -> list[tuple[int, int]]:
    """The calendar months (year, month) of a phase starting at ``start`` (YYYY-MM)."""
    y, m = _ym(start)
    out = []
    for i in range(months):
        k = (m - 1) + i
        out.append((y + k // 12, k % 12 + 1))
    return out


def monthly_premium(
    programs: Iterable[str],
    month: str,
    *,
    income: int = 1_000_000,
    sector: str = "",
    funder: str = "apbd",
    overrides: Mapping[str, int] | None = None,
    switches: Mapping[str, bool] | None = None,
    table: RateTable | None = None,
) -> int:
    """Premium of a cover package for one worker in one month (YYYY-MM), whole rupiah.

    ``overrides`` (a scenario's ``rates``) fixes a program's monthly Rp for every month and funder.
    """
    t = table or default_table()
    total = 0
    for prog in programs:
        if overrides and prog in overrides:
            total += int(overrides[prog])
        else:
            total += t.monthly(prog, month, income, sector, funder, switches)
    return total


def phase_premium(
    programs: Iterable[str],
    start: str,
    months: int,
    *,
    income: int = 1_000_000,
    sector: str = "",
    funder: str = "apbd",
    overrides: Mapping[str, int] | None = None,
    switches: Mapping[str, bool] | None = None,
    table: RateTable | None = None,
) -> int:
    """Premium of a cover package for one worker over a whole phase: the sum of its months."""
    progs = tuple(programs)
    return sum(
        monthly_premium(
            progs,
            f"{y:04d}-{m:02d}",
            income=income,
            sector=sector,
            funder=funder,
            overrides=overrides,
            switches=switches,
            table=table,
        )
        for y, m in months_of(start, months)
    )
