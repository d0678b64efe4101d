"""Planner commands of the CLI: ``compare``, ``frontier``, ``need``, ``marginal``, ``explain``.

They are registered on :data:`premium_alloc.cli.app.app` when the CLI package is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..errors import ScenarioError
from ..labels import relabel, translate, word
from .app import ExitCode, app, err, fail, out
from .options import CsvOpt, LangOpt, PlotOpt, ScenarioArg, check_factors, check_lang_option, check_outputs, check_time_limit, load
from .tables import print_frame

if TYPE_CHECKING:
    import pandas as pd


def _write_csv(df: pd.DataFrame, path: Path | None, lang: str) -> None:
    """Write ``df`` as CSV (columns labelled in ``lang``) when ``--csv`` was given."""
    if path is not None:
        from ..safeio import atomic_write, text_safe_frame

        safe = text_safe_frame(relabel(df, lang))
        atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False))


def _need_plots(plot: Path | None) -> None:
    """Before any work: with ``--plot`` and no matplotlib, stop with the install command (exit 5)."""
    if plot is not None:
        from ..plots import require_matplotlib

        require_matplotlib()


def _save_plot(ax: Any, path: Path, lang: str = "en") -> None:
    import matplotlib

    from ..safeio import atomic_write

    matplotlib.use("Agg")
    fmt = path.suffix.lstrip(".").lower() or None
    atomic_write(path, lambda tmp: ax.figure.savefig(tmp, dpi=120, format=fmt))
    out.print(word("chart_written", lang).format(path=path), highlight=False)


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="base scenario (YAML, JSON or planner workbook)")],
    variant: Annotated[Optional[list[str]], typer.Option("--variant", "-v", help='NAME:CHANGE;CHANGE..., e.g. "apbd+2bn:APBD+=2e9" (repeatable)')] = None,
    variants_file: Annotated[Optional[Path], typer.Option("--variants", help="variants YAML file (name + changes per variant)")] = None,
    lang: LangOpt = "en",
    csv: CsvOpt = None,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="write the comparison as a workbook")] = None,
    plot: PlotOpt = None,
    metric: Annotated[str, typer.Option("--metric", help="figure charted by --plot")] = "worker_months",
) -> None:
    """Solve a base scenario and named variants; print them side by side.

    Changes: SRC+=AMOUNT, SRC-=AMOUNT, SRC*=FACTOR, SRC=AMOUNT, months=N, programs+=JHT,
    quota=150, quota.max=N, discount=on|off, year+=1, year=2025, continuity=on|off,
    workers.extreme*=0.8, drop=SRC, year_rules=error, set.PATH=VALUE.
    Amounts: 2e9, 2_000_000_000, 500jt, 2bn, 1,5miliar.
    """
    from ..variants import compare as run_compare
    from ..variants import load_variants, parse_variant

    lang = check_lang_option(lang)
    check_outputs([("--csv", csv), ("--xlsx", xlsx), ("--plot", plot)], [base, variants_file])
    _need_plots(plot)
    if xlsx is not None:
        from ..io.excel import require_openpyxl

        require_openpyxl()
    vs = [parse_variant(v) for v in variant or []]
    if variants_file is not None:
        _, more = load_variants(variants_file)
        vs += more
    if not vs:
        fail(ExitCode.USAGE, "give at least one --variant or a --variants file")
    with err.status("compare", spinner="dots") as status:
        cmp = run_compare(load(base, [("--csv", csv), ("--xlsx", xlsx), ("--plot", plot)], [variants_file]), vs, progress=lambda m: status.update(m))
    df = cmp.frame()
    print_frame(df, word("title_variants", lang), lang, transpose=True)
    labelled = relabel(df, lang)
    seen: dict[str, list[str]] = {}
    for name in cmp.names:
        for w in cmp.results[name].warnings:
            seen.setdefault(w, []).append(name)
    for w, names in seen.items():
        out.print(f"[yellow]{word('warning', lang)}[/yellow] ({', '.join(names)}): {translate(w, lang)}", highlight=False)
    from ..safeio import atomic_write, text_safe_frame

    if csv is not None:
        safe = text_safe_frame(labelled)
        atomic_write(csv, lambda tmp: safe.to_csv(tmp))
    if xlsx is not None:
        from ..workbook import write_compare

        write_compare(cmp, xlsx, lang=lang)
    if plot is not None:
        from .. import plots

        _save_plot(plots.compare(cmp, metric=metric, lang=lang), plot, lang)


def _numbers(text: str | None, amount: bool, option: str) -> list[Any] | None:
    """The values of ``--amounts`` (rupiah) or ``--factors``: each finite and >= 0, else exit 2."""
    from ..scenario import MAX_MONEY
    from ..variants import parse_amount

    if text is None:
        return None
    parts = [p.strip() for p in text.split(";" if ";" in text else ",") if p.strip()]
    vals: list[Any] = []
    for p in parts:
        if amount:
            try:
                vals.append(parse_amount(p))
            except (ValueError, ScenarioError) as e:  # MoneyError and the like: say which value
                fail(ExitCode.USAGE, f"{option}: {p!r} is not an amount of rupiah ({str(e).splitlines()[-1].strip()})")
            continue
        try:
            vals.append(float(p))
        except ValueError:
            fail(ExitCode.USAGE, f"{option}: {p!r} is not a number")
    return check_factors(vals, option, maximum=float(MAX_MONEY) if amount else 1e6)


@app.command()
def frontier(
    scenario: ScenarioArg,
    source: Annotated[str, typer.Option("--source", "-s", help="the source whose budget varies")],
    amounts: Annotated[Optional[str], typer.Option("--amounts", help="budgets of the source, e.g. '0,1bn,2bn,3bn' (pooled sources)")] = None,
    factors: Annotated[Optional[str], typer.Option("--factors", help="multiples of today's budget, e.g. '0,0.5,1,1.5,2'")] = None,
    y: Annotated[str, typer.Option("--y", help="figure charted by --plot")] = "worker_months",
    lang: LangOpt = "en",
    csv: CsvOpt = None,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="write the frontier as a formatted workbook")] = None,
    plot: PlotOpt = None,
) -> None:
    """Coverage against the budget of one source (a full solve per point)."""
    from .. import analysis

    lang = check_lang_option(lang)
    outputs = [("--csv", csv), ("--xlsx", xlsx), ("--plot", plot)]
    check_outputs(outputs, [scenario])
    _need_plots(plot)
    if xlsx is not None:
        from ..io.excel import require_openpyxl

        require_openpyxl()
    budgets, multiples = _numbers(amounts, True, "--amounts"), _numbers(factors, False, "--factors")
    sc = load(scenario, outputs)
    with err.status("frontier", spinner="dots") as status:
        df = analysis.frontier(sc, source, budgets, factors=multiples, progress=lambda m: status.update(m))
    cols = ["source_budget_idr", "worker_months", "extreme_worker_months", "covered_every_phase", "covered_some_phase", "villages_below_floor", "spent_idr", "shortfall_idr", "status"]
    print_frame(df[cols], word("title_frontier_of", lang).format(source=source), lang)
    _write_csv(df, csv, lang)
    if xlsx is not None:
        from ..workbook import write_frontier

        write_frontier(df, xlsx, lang=lang)
    if plot is not None:
        from .. import plots

        _save_plot(plots.frontier(df, y=y, lang=lang, mark=sc.source_total(source)), plot, lang)


@app.command()
def need(
    scenario: ScenarioArg,
    target: Annotated[str, typer.Option("--target", "-t", help="all (zero shortfall), extreme, floors, extreme+floors, or priorities e.g. extreme,poor")] = "extreme",
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="source(s) to ask about (default: each)")] = None,
    exact: Annotated[str, typer.Option("--exact", help="premium (to one worker's premium) or rupiah")] = "premium",
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds per source for proving the least amount")] = 2.0,
    lang: LangOpt = "en",
    csv: CsvOpt = None,
    backend: Annotated[str, typer.Option("--backend", "-b", help="highs (default), cbc (PuLP's bundled CBC) or any PuLP solver name")] = "highs",
) -> None:
    """How much more money of each source makes the solved plan meet the target.

    Every amount printed was checked by re-solving the scenario with it: `solve` with that
    much more of the source returns a plan that meets the target. "exact" means it is also
    the least amount for which any plan meets it.
    """
    from .. import analysis

    lang = check_lang_option(lang)
    check_time_limit(time_limit)
    outputs = [("--csv", csv)]
    check_outputs(outputs, [scenario])
    sc = load(scenario, outputs)
    if _nothing_to_ask(sc, "need"):
        return
    rows = []
    with err.status("need", spinner="dots") as status:
        for sid in source or [s.id for s in sc.sources]:
            nd = analysis.min_budget(sc, sid, target, exact=exact, time_limit=time_limit, progress=lambda m: status.update(m), backend=backend)
            rows.append({**nd.to_row(), "text": analysis.need_sentence(nd, lang)})
            out.print(analysis.need_sentence(nd, lang), highlight=False)
            if nd.by_village is not None and len(nd.by_village):
                print_frame(nd.by_village.head(20), word("title_need_by_village", lang).format(source=sid, n=20, total=len(nd.by_village)), lang)
    import pandas as pd

    df = pd.DataFrame(rows)
    print_frame(df.drop(columns=["text"]), word("title_need", lang).format(target=analysis.Target.parse(target)), lang)
    _write_csv(df, csv, lang)


def _nothing_to_ask(sc: Any, command: str) -> bool:
    """Say in words why a planner question has no answer (no source, or no worker); ``True`` then."""
    if not sc.sources:
        what = "how much more a source needs" if command == "need" else "what more money of a source is worth"
        out.print(f"The scenario has no funding source, so there is no budget to add to: add a source to ask {what}.")
        return True
    if sc.worker_groups is not None and sum(g.count for g in sc.worker_groups) == 0:
        out.print("The scenario lists no workers: there is nobody to cover, so no source needs more and more money covers nobody.")
        return True
    return False


@app.command()
def marginal(
    scenario: ScenarioArg,
    per: Annotated[str, typer.Option("--per", help="amount of extra money, e.g. 1bn, 500jt")] = "1bn",
    lang: LangOpt = "en",
    csv: CsvOpt = None,
) -> None:
    """What one more Rp1 billion of each source is worth (LP duals, checked by re-solving)."""
    from .. import analysis
    from ..variants import parse_amount

    lang = check_lang_option(lang)
    outputs = [("--csv", csv)]
    check_outputs(outputs, [scenario])
    sc = load(scenario, outputs)
    if _nothing_to_ask(sc, "marginal"):
        return
    with err.status("marginal", spinner="dots") as status:
        df = analysis.marginal_values(sc, per=parse_amount(per), progress=lambda m: status.update(m), lang=lang)
    for t in df["text"]:
        out.print(t, highlight=False)
    cols = ["source", "budget_idr", "w_per_bn", "coverage_w_per_bn", "floor_w_per_bn", "worker_months_per_bn", "max_worker_months_per_bn", "gain_worker_months"]
    print_frame(df[cols], word("title_marginal", lang), lang)
    _write_csv(df, csv, lang)


@app.command()
def explain(
    scenario: ScenarioArg,
    village: Annotated[Optional[str], typer.Option("--village", help="explain one village")] = None,
    settings: Annotated[bool, typer.Option("--settings", help="also re-solve without quota.max / continuity to show what they cost")] = False,
    max_villages: Annotated[int, typer.Option("--max-villages", help="villages listed")] = 15,
    lang: LangOpt = "en",
    csv: CsvOpt = None,
) -> None:
    """Which budgets bind, which villages miss their floor (and what would fix it), why workers are uncovered."""
    from .. import analysis
    from ..engine import solve as run_solve

    lang = check_lang_option(lang)
    outputs = [("--csv", csv)]
    check_outputs(outputs, [scenario])
    sc = load(scenario, outputs)
    result = run_solve(sc)
    if village is not None:
        for line in analysis.explain_village(result, village, lang=lang):
            out.print(line, highlight=False)
        return
    ex = analysis.explain(result, lang=lang)
    bind = ex.budgets[ex.budgets["binding"]]
    pooled = ex.budgets[ex.budgets["village"] == ""]
    print_frame(pooled.drop(columns=["village"]), word("title_pooled", lang), lang)
    by_src = ex.budgets[ex.budgets["village"] != ""].groupby("source")["binding"].agg(["sum", "size"])
    for sid, r in by_src.iterrows():
        out.print(word("village_budgets_bind", lang).format(source=sid, k=int(r["sum"]), n=int(r["size"])))
    out.print(word("budgets_bind", lang).format(n=len(bind)))
    print_frame(ex.reasons(), word("title_reasons", lang), lang)
    if len(ex.villages):
        print_frame(ex.villages.head(max_villages).drop(columns=["fix"]), word("title_below", lang).format(n=len(ex.villages)), lang)
        for _, v in ex.villages.head(max_villages).iterrows():
            out.print(f"{v['village']} {v['phase']}: {v['fix']}", highlight=False)
        out.print(word("fix_held_fixed", lang), highlight=False)  # not a budget request: need says what suffices
    else:
        out.print(word("all_floors_met", lang))
    for w in ex.warnings:
        out.print(f"[yellow]{word('warning', lang)}:[/yellow] {translate(w, lang)}")
    if settings:
        with err.status("re-solving without quota.max / continuity", spinner="dots"):
            eff = analysis.setting_effects(result)
        if len(eff):
            summary = eff.groupby(["setting", "phase"], sort=False).agg(villages=("village", "size"), lost=("lost", "sum")).reset_index()
            print_frame(summary, word("title_settings_cost", lang), lang)
        else:
            out.print(word("no_setting_cost", lang))
    _write_csv(ex.villages, csv, lang)
