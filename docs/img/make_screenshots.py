"""Screenshots of the getting-started walk-through: the template, the problems, the result workbook, charts.

Run from the repository root: ``python docs/img/make_screenshots.py``. Workbook sheets are
rendered by LibreOffice (``libreoffice --headless --convert-to pdf``) and ``pdftoppm`` when
both are installed, else drawn from the cells with matplotlib. Charts are PNG files from
:mod:`premium_alloc.plots`. The data is the illustrative Kayong Utara template.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import openpyxl  # noqa: E402

import premium_alloc as pa  # noqa: E402
from premium_alloc import analysis, plots  # noqa: E402
from premium_alloc.cli import main  # noqa: E402
from premium_alloc.io import excel  # noqa: E402
from premium_alloc.labels import sheet  # noqa: E402

HERE = Path(__file__).resolve().parent


def _only(book: Path, title: str, out: Path, max_rows: int = 25, max_cols: int = 12) -> Path:
    """A copy of ``book`` keeping one sheet, cut to what a screenshot shows."""
    wb = openpyxl.load_workbook(book)
    for ws in list(wb.worksheets):
        if ws.title != title:
            wb.remove(ws)
    ws = wb[title]
    ws.sheet_state = "visible"
    if ws.max_row > max_rows:
        ws.delete_rows(max_rows + 1, ws.max_row - max_rows)
    if ws.max_column > max_cols:
        ws.delete_cols(max_cols + 1, ws.max_column - max_cols)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    wb.save(out)
    return out


def _render_libreoffice(xlsx: Path, png: Path) -> bool:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftoppm") is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(xlsx)], check=True, capture_output=True, timeout=180)
        pdf = Path(tmp) / (xlsx.stem + ".pdf")
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png.with_suffix(""))], check=True, timeout=60)
    return png.exists()


def _render_matplotlib(xlsx: Path, png: Path) -> None:
    """A table drawing of the sheet's cells (values as Excel shows them, roughly)."""
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    rows = [["" if v is None else (f"{v:,}" if isinstance(v, int) else str(v)) for v in r] for r in ws.iter_rows(values_only=True)]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    fig, ax = plt.subplots(figsize=(min(2 + 1.6 * width, 18), 0.32 * len(rows) + 0.6))
    ax.axis("off")
    t = ax.table(cellText=rows, loc="upper left", cellLoc="left")
    t.auto_set_font_size(False)
    t.set_fontsize(7)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)


def render(xlsx: Path, title: str, png: Path, **cut: int) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        one = _only(xlsx, title, Path(tmp) / f"{png.stem}.xlsx", **cut)
        if not _render_libreoffice(one, png):
            _render_matplotlib(one, png)
    print(f"wrote {png.relative_to(HERE.parents[1])}")
    return png


def main_() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = excel.write_template(tmp / "buku.xlsx", lang="id", workers=True)
        render(book, sheet("workers", "id"), HERE / "template_pekerja.png", max_rows=14)
        render(book, sheet("sources", "id"), HERE / "template_sumber.png", max_rows=6)
        render(book, sheet("instructions", "id"), HERE / "template_petunjuk.png", max_rows=30, max_cols=4)
        # two planted mistakes: what validate says, in Bahasa
        wb = openpyxl.load_workbook(book)
        wb[sheet("workers", "id")]["D7"] = "sawitt"
        wb[sheet("budgets", "id")]["C3"] = "Rp 13.298.25"
        wrong = tmp / "buku_salah.xlsx"
        wb.save(wrong)
        try:
            excel.read_workbook(wrong, lang="id")
        except pa.ScenarioError as e:
            (HERE / "validate_id.txt").write_text(e.render("id") + "\n", encoding="utf-8")
        result_book = tmp / "hasil.xlsx"
        assert main(["solve", str(book), "--xlsx", str(result_book), "--lang", "id", "-q"]) == 0
        render(result_book, sheet("summary", "id"), HERE / "hasil_ringkasan.png", max_rows=12)
        render(result_book, sheet("per_village", "id"), HERE / "hasil_per_desa.png", max_rows=9, max_cols=11)
    r = pa.solve(HERE.parents[1] / "examples" / "planner_template_id.xlsx")
    ax = plots.coverage_by_source(r, by="village", lang="id")
    ax.figure.savefig(HERE / "grafik_cakupan.png", dpi=110)
    plt.close(ax.figure)
    sc = r.model.scenario
    fr = analysis.frontier(sc, "APBD", factors=[0, 0.5, 1, 2, 3, 4])
    ax = plots.frontier(fr, lang="id", mark=sc.source_total("APBD"))
    ax.figure.savefig(HERE / "grafik_kurva.png", dpi=110)
    plt.close(ax.figure)
    ax = plots.shortfall_by_village(r, lang="id")
    ax.figure.savefig(HERE / "grafik_kekurangan.png", dpi=110)
    plt.close(ax.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
