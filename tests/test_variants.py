"""Scenario variants: the change syntax, applying changes, and comparisons checked by re-solving."""

from __future__ import annotations

import copy

import pytest

import premium_alloc as pa
from premium_alloc import cases, synthetic, tally, variants
from premium_alloc.cli import main
from premium_alloc.variants import Variant, parse_amount, parse_change, parse_variant


@pytest.fixture(scope="module")
def small() -> dict:
    return synthetic.regency(5, villages=12, workers=2_000)


@pytest.mark.parametrize(
    "text, value",
    [
        ("2e9", 2_000_000_000),
        ("2_000_000_000", 2_000_000_000),
        ("2.000.000.000", 2_000_000_000),
        ("2,000,000,000", 2_000_000_000),
        ("500jt", 500_000_000),
        ("2bn", 2_000_000_000),
        ("1,5 miliar", 1_500_000_000),
        ("Rp 750rb", 750_000),
        ("2.000", 2_000),
        (3, 3),
    ],
)
def test_amounts(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["abc", "1.5", "2x", "-"])
def test_bad_amounts(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def _src(d: dict, sid: str) -> dict:
    return next(s for s in d["sources"] if s["id"] == sid)


def test_budget_changes_pooled_and_per_village(small):
    base = pa.Scenario.from_dict(small)
    before = copy.deepcopy(small)
    apbd = _src(small, "APBD")["budget"]
    dd = _src(small, "DD")["budgets"]
    out = parse_variant("x:APBD+=2e9;DD*=1.5;DBH=7jt").apply(base).model_dump()
    assert _src(out, "APBD")["budget"] == apbd + 2_000_000_000
    assert _src(out, "DBH")["budget"] == 7_000_000
    # every village budget scaled, rounded half up to whole rupiah
    assert _src(out, "DD")["budgets"] == {v: int(b * 3 // 2 + (b * 3 % 2 >= 1)) for v, b in dd.items()}
    out2 = parse_change("DD+=1000").apply
    d = copy.deepcopy(small)
    out2(d)
    assert _src(d, "DD")["budgets"] == {v: b + 1000 for v, b in dd.items()}
    assert small == before  # the base dict is untouched
    with pytest.raises(pa.ScenarioError, match="negative"):
        parse_variant("y:APBD-=1e15").apply(base)
    with pytest.raises(pa.ScenarioError, match="not a known source"):
        parse_variant("z:NOPE+=1").apply(base)


def test_other_changes(small):
    base = pa.Scenario.from_dict(small)
    sc = parse_variant(
        "all:months=3;months.p2=4;programs+=JHT;quota=150;quota.max=200;discount=off;year+=2;continuity=on;"
        "workers.extreme*=0.5;drop=DBH;year_rules=error;set.objective.quota_bonus=5"
    ).apply(base)
    assert [(p.start, p.months) for p in sc.phases] == [("2026-01", 3), ("2026-07", 4)]
    assert sc.programs == ["JKK", "JKM", "JHT"]
    assert (sc.quota.min, sc.quota.max) == (150, 200)
    assert not sc.assumptions.discount_dana_desa and not sc.assumptions.discount_apbdes
    assert sc.objective.continuity and sc.objective.quota_bonus == 5
    assert "DBH" not in [s.id for s in sc.sources] and "DBH" not in sc.objective.source_order
    assert sc.assumptions.year_rules == "error"
    n0 = sum(g["count"] for g in small["worker_groups"] if g["priority"] == "extreme")
    n1 = sum(g.count for g in sc.worker_groups if g.priority == "extreme")
    assert abs(n1 - n0 / 2) <= sum(1 for g in small["worker_groups"] if g["priority"] == "extreme") / 2
    assert parse_variant("year=2030").apply(base).phases[0].start == "2030-01"
    assert parse_variant("programs-=JKM").apply(base).programs == ["JKK"]
    assert parse_variant("quota.max=none").apply(parse_variant("quota.max=5").apply(base)).quota.max is None


def test_bad_changes():
    for text in ["months+=2", "programs+=JHT,JP", "quota.foo=1", "discount=maybe", "APBD", "workers.extreme=3"]:
        with pytest.raises(pa.ScenarioError):
            parse_variant("v:" + text)


def test_year_rule_level(small):
    base = pa.Scenario.from_dict(small)  # 2024 with Dana Desa: a warning by default
    assert any("Dana Desa" in w for w in pa.solve(base).warnings)
    with pytest.raises(pa.ScenarioError) as e:
        pa.solve(variants.Variant("err", (variants.year_rules("error"),)).apply(base))
    assert e.value.problems[0].path == "sources[0].kind"
    assert "Dana Desa" in e.value.problems[0].message
    # 2023 has no such rule
    assert not any("Dana Desa" in w for w in pa.solve(parse_variant("year=2023").apply(base)).warnings)


def test_compare_rows_equal_independent_solves(small):
    cmp = variants.compare(small, ["apbd+:APBD+=50jt", ("jht", ["programs+=JHT"]), Variant("q150", (variants.quota(min=150),))])
    df = cmp.frame()
    assert list(df.index) == ["base", "apbd+", "jht", "q150"]
    base = pa.Scenario.from_dict(small)
    for name, changes in [("base", []), ("apbd+", ["APBD+=50jt"]), ("jht", ["programs+=JHT"]), ("q150", ["quota=150"])]:
        sc = Variant(name, tuple(parse_change(c) for c in changes)).apply(base)
        r = pa.solve(sc)
        row = df.loc[name]
        assert row["objective"] == r.objective
        # people covered in every / some phase, from the allocations table: per group, the
        # smallest and the largest cover over the phases (a phase without allocations covers 0)
        alloc = r.allocations_frame()
        per = alloc.groupby(["village", "priority", "sector", "income", "phase"])["workers"].sum().unstack("phase", fill_value=0)
        per = per.reindex(columns=[p.phase for p in r.phases], fill_value=0)
        assert row["covered_every_phase"] == int(per.min(axis=1).sum())
        assert row["covered_some_phase"] == int(per.max(axis=1).sum())
        assert row["eligible"] == r.phases[0].eligible
        assert row["uncovered_every_phase"] == row["eligible"] - row["covered_some_phase"]
        assert row["shortfall_idr"] == r.shortfall_idr
        assert row["spent_idr"] == sum(s.spent_idr for s in r.sources)
        months = {p.id: p.months for p in sc.phases}
        assert row["worker_months"] == sum(p.covered * months[p.phase] for p in r.phases)
    src = cmp.sources_frame()
    apbd = src[(src.source == "APBD")].set_index("variant")["budget_idr"]
    assert apbd["apbd+"] - apbd["base"] == 50_000_000
    assert (cmp.delta().loc["base"] == 0).all()
    # JHT costs more: the same money covers fewer worker-months
    assert df.loc["jht", "worker_months"] < df.loc["base", "worker_months"]
    assert cmp.frame("id").columns[0] == "status"
    assert "pekerja-bulan tercakup" in cmp.frame("id").columns


def test_variants_file_and_cli(tmp_path, small, capsys):
    base = synthetic.write(small, tmp_path / "base.yaml")
    vf = tmp_path / "v.yaml"
    vf.write_text("base: base.yaml\nvariants:\n  - name: more\n    changes: ['APBD+=1e8']\n  - name: jht\n    changes: ['programs+=JHT']\n")
    b, vs = variants.load_variants(vf)
    assert b == str(base.resolve()) and [v.name for v in vs] == ["more", "jht"]
    assert main(["compare", str(base), "--variants", str(vf), "-v", "dd:DD*=2", "--csv", str(tmp_path / "c.csv")]) == 0
    text = capsys.readouterr().out
    assert "more" in text and "dd" in text
    assert (tmp_path / "c.csv").read_text().count("\n") == 5
    vf.write_text("variants:\n  - name: bad\n    changes: ['months+=1']\n")
    with pytest.raises(pa.ScenarioError, match=r"variants\[0\]"):
        variants.load_variants(vf)
    assert main(["compare", str(base)]) == 2


def test_sintang_phases_cross_the_fiscal_year():
    r = pa.solve(cases.sintang_2023())
    sc = r.model.scenario
    assert [(p.id, p.start, p.months) for p in sc.phases] == [("p1", "2023-11", 2), ("p2", "2024-01", 4)]
    spent = {s.source: s for s in r.sources}
    # year budgets: each APBD pays only its own phase
    alloc = r.allocations_frame()
    assert set(alloc[alloc.source == "APBD2023"].phase) == {"p1"}
    assert set(alloc[alloc.source == "APBD2024"].phase) <= {"p2"}
    # continuity: p1 cover never exceeds p2 cover, group by group
    cov = tally.cover(r.model, r.x)
    assert (cov[:, 0] <= cov[:, 1]).all()
    assert spent["APBD2024"].spent_idr <= 150_000_000
    # 2,495 workers kept for 6 months: 2024 money (150M + CSR palm workers) is what limits it
    assert r.phases[0].covered == r.phases[1].covered


def test_one_switch_parser_for_workbooks_and_variants():
    from premium_alloc.labels import switch

    for word_on, word_off in (("yes", "no"), ("Ya", "Tidak"), ("on", "off"), ("benar", "salah"), ("1", "0"), ("TRUE", "false")):
        assert (switch(word_on), switch(word_off)) == (True, False)
        assert variants._switch(word_on) is True and variants._switch(word_off) is False
    for word in ("maybe", "", "2", "oui"):
        assert switch(word) is None
        with pytest.raises(ValueError, match="is not on or off"):
            variants._switch(word)
