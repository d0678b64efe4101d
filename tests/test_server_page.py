"""The what-if page in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

Each budget control is changed and the figures the page shows are checked against the API's
``/v1/solve`` of the changed scenario, built here by the contract's own rule. The screenshot
in the README and docs (docs/img/whatif.png) is taken by :func:`test_screenshot`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")
import httpx  # noqa: E402
from server_helpers import running_server, scaled  # noqa: E402

from premium_alloc import synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    # CI installs Debian's chromium (.ci/run); elsewhere the page tests wait for it
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: .ci/run installs it with apt-get install -y chromium")
    pytest.skip("no chromium on this machine (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def demo() -> dict:
    return synthetic.kapuas_2024()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo: dict) -> Iterator[str]:
    path = tmp_path_factory.mktemp("scenario") / "demo.json"
    path.write_text(json.dumps(demo), encoding="utf-8")
    with running_server(str(path)) as (_, base):
        yield base


@pytest.fixture(scope="module")
def browser_context() -> Iterator[object]:
    with tempfile.TemporaryDirectory() as profile, playwright_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture
def page(browser_context: object, server: str) -> Iterator[object]:
    pg = browser_context.new_page()  # type: ignore[attr-defined]
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(server + "/")
    ready(pg)
    pg.requests = requests  # type: ignore[attr-defined]
    yield pg
    pg.close()


def ready(pg: object, after: int | None = None) -> None:
    """Wait until the figures shown belong to the current controls (after apply number ``after``)."""
    sel = '[data-testid=state][data-state=ready]' if after is None else f'[data-testid=state][data-state=ready][data-seq="{after}"]'
    pg.wait_for_selector(sel, timeout=30_000)  # type: ignore[attr-defined]


def seq(pg: object) -> int:
    return int(pg.get_attribute("[data-testid=state]", "data-seq") or 0)  # type: ignore[attr-defined]


def number(pg: object, testid: str) -> int:
    text = pg.inner_text(f"[data-testid={testid}]")  # type: ignore[attr-defined]
    assert re.fullmatch(r"\d{1,3}([.,]\d{3})*", text.strip()), text
    return int(re.sub(r"[.,]", "", text))


def shown(pg: object, data: dict) -> dict:
    phases = [p["id"] for p in data["phases"]]
    return {
        "phases": {p: (number(pg, f"covered-{p}"), number(pg, f"uncovered-{p}"), number(pg, f"shortfall-{p}")) for p in phases},
        "spent": {s["id"]: number(pg, f"spent-{s['id']}") for s in data["sources"]},
    }


def solved(base: str, data: dict) -> dict:
    r = httpx.post(base + "/v1/solve", json=data, timeout=120)
    assert r.status_code == 200, r.text
    res = r.json()
    return {
        "phases": {p["phase"]: (p["covered"], p["uncovered"], p["shortfall_idr"]) for p in res["phases"]},
        "spent": {s["source"]: s["spent_idr"] for s in res["sources"]},
    }


def set_budget(pg: object, source: str, value: int) -> None:
    before = seq(pg)
    pg.fill(f"[data-testid=budget-{source}]", str(value))  # type: ignore[attr-defined]
    pg.click("[data-testid=apply]")  # type: ignore[attr-defined]
    pg.wait_for_function(f"Number(document.querySelector('[data-testid=state]').dataset.seq) > {before}")  # type: ignore[attr-defined]
    ready(pg, seq(pg))


def test_opens_with_the_scenarios_figures_in_bahasa_indonesia(page: object, server: str, demo: dict) -> None:
    assert page.get_attribute("html", "lang") == "id"  # type: ignore[attr-defined]
    assert "pekerja" in page.inner_text("#headline")  # type: ignore[attr-defined]
    assert shown(page, demo) == solved(server, demo)
    for s in demo["sources"]:
        total = sum(s["budgets"].values()) if s["scope"] == "village" else s["budget"]
        assert page.input_value(f"[data-testid=budget-{s['id']}]") == str(total)  # type: ignore[attr-defined]
    # villages below their floor are named
    res = httpx.post(server + "/v1/solve", json=demo, timeout=120).json()
    below = [v for v in res["villages"] if not v["quota_met"]]
    names = {v["id"]: v.get("name", v["id"]) for v in demo["villages"]}
    rows = page.query_selector_all("#below tr[data-village]")  # type: ignore[attr-defined]
    assert len(rows) == len(below)
    if below:
        assert names[below[0]["village"]] in page.inner_text("#below")  # type: ignore[attr-defined]


def test_each_budget_change_shows_the_solve_of_the_changed_scenario(page: object, server: str, demo: dict) -> None:
    for k, s in enumerate(demo["sources"]):
        total = sum(s["budgets"].values()) if s["scope"] == "village" else s["budget"]
        new = total * (7 + k) // 10 + 123_457  # cuts and raises, never a round number
        set_budget(page, s["id"], new)
        assert shown(page, demo) == solved(server, scaled(demo, s["id"], new)), s["id"]
        set_budget(page, s["id"], total)  # back, so that each change stands alone
        assert shown(page, demo) == solved(server, demo)


def test_several_controls_apply_together(page: object, server: str, demo: dict) -> None:
    dd, dbh = demo["sources"][0], demo["sources"][1]
    before = seq(page)
    page.fill(f"[data-testid=budget-{dd['id']}]", "2000000000")  # type: ignore[attr-defined]
    page.fill(f"[data-testid=budget-{dbh['id']}]", "500000000")  # type: ignore[attr-defined]
    page.click("[data-testid=apply]")  # type: ignore[attr-defined]
    page.wait_for_function(f"Number(document.querySelector('[data-testid=state]').dataset.seq) > {before}")  # type: ignore[attr-defined]
    ready(page, seq(page))
    want = scaled(scaled(demo, dd["id"], 2_000_000_000), dbh["id"], 500_000_000)
    assert shown(page, demo) == solved(server, want)


def test_months_and_jht(page: object, server: str, demo: dict) -> None:
    before = seq(page)
    page.fill("[data-testid=months-p2]", "4")  # type: ignore[attr-defined]
    page.check("[data-testid=program-JHT]")  # type: ignore[attr-defined]
    page.click("[data-testid=apply]")  # type: ignore[attr-defined]
    page.wait_for_function(f"Number(document.querySelector('[data-testid=state]').dataset.seq) > {before}")  # type: ignore[attr-defined]
    ready(page, seq(page))
    want = json.loads(json.dumps(demo))
    want["phases"][1]["months"] = 4
    want["programs"] = [*want.get("programs", ["JKK", "JKM"]), "JHT"]
    assert shown(page, demo) == solved(server, want)


def test_marginal_values_per_source(page: object, server: str, demo: dict) -> None:
    page.wait_for_selector("#marginal[data-state=ready]", timeout=30_000)  # type: ignore[attr-defined]
    base = solved(server, demo)
    for s in demo["sources"]:
        total = sum(s["budgets"].values()) if s["scope"] == "village" else s["budget"]
        more = solved(server, scaled(demo, s["id"], total + 1_000_000_000))
        text = page.inner_text(f"[data-marginal={s['id']}]")  # type: ignore[attr-defined]
        gain = more["phases"]["p1"][0] - base["phases"]["p1"][0]
        assert f"{gain:,}".replace(",", ".") in text, (text, gain)


def test_step_buttons_and_reset(page: object, server: str, demo: dict) -> None:
    s = demo["sources"][2]
    total = sum(s["budgets"].values()) if s["scope"] == "village" else s["budget"]
    before = seq(page)
    page.click(f"[data-testid=budget-{s['id']}] ~ button.step[data-step='1']")  # type: ignore[attr-defined]
    page.wait_for_function(f"Number(document.querySelector('[data-testid=state]').dataset.seq) > {before}")  # type: ignore[attr-defined]
    ready(page, seq(page))
    assert page.input_value(f"[data-testid=budget-{s['id']}]") == str(total + 500_000_000)  # type: ignore[attr-defined]
    assert shown(page, demo) == solved(server, scaled(demo, s["id"], total + 500_000_000))
    before = seq(page)
    page.click("#reset")  # type: ignore[attr-defined]
    page.wait_for_function(f"Number(document.querySelector('[data-testid=state]').dataset.seq) > {before}")  # type: ignore[attr-defined]
    ready(page, seq(page))
    assert page.input_value(f"[data-testid=budget-{s['id']}]") == str(total)  # type: ignore[attr-defined]
    assert shown(page, demo) == solved(server, demo)


def test_language_switch(page: object, demo: dict) -> None:
    covered = number(page, "covered-p1")
    page.click("[data-testid=lang]")  # type: ignore[attr-defined]
    assert page.get_attribute("html", "lang") == "en"  # type: ignore[attr-defined]
    assert "workers covered" in page.inner_text("#headline")  # type: ignore[attr-defined]
    assert "," in page.inner_text("[data-testid=covered-p1]") or covered < 1000  # type: ignore[attr-defined]
    assert number(page, "covered-p1") == covered
    page.click("[data-testid=lang]")  # type: ignore[attr-defined]
    assert page.get_attribute("html", "lang") == "id"  # type: ignore[attr-defined]


def test_a_word_for_a_number_is_refused(page: object, demo: dict) -> None:
    sid = demo["sources"][2]["id"]
    page.fill(f"[data-testid=budget-{sid}]", "2 miliar")  # type: ignore[attr-defined]
    page.click("[data-testid=apply]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=state][data-state=error]")  # type: ignore[attr-defined]
    assert "2 miliar" in page.inner_text("#error")  # type: ignore[attr-defined]


def test_plan_download_is_the_planner_workbook_of_the_current_plan(page: object, server: str, demo: dict, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sid = demo["sources"][2]["id"]
    set_budget(page, sid, 3_000_000_000)
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("#dl-plan")  # type: ignore[attr-defined]
    path = tmp_path / "plan.xlsx"
    info.value.save_as(path)
    wb = load_workbook(path, read_only=True)
    summary = {row[0]: row[1] for row in wb[wb.sheetnames[0]].iter_rows(min_row=2, values_only=True)}
    want = solved(server, scaled(demo, sid, 3_000_000_000))
    assert sum(v[2] for v in want["phases"].values()) in summary.values()  # the shortfall, to the rupiah
    with page.expect_download() as info2:  # type: ignore[attr-defined]
        page.click("#dl-scenario")  # type: ignore[attr-defined]
    spath = tmp_path / "scenario.xlsx"
    info2.value.save_as(spath)
    from premium_alloc.io.excel import read_workbook

    sc = read_workbook(spath)
    assert next(s for s in sc.sources if s.id == sid).budget == 3_000_000_000


def test_nothing_is_loaded_from_outside(page: object, server: str) -> None:
    hosts = {urlparse(u).hostname for u in page.requests if u.startswith("http")}  # type: ignore[attr-defined]
    assert hosts == {"127.0.0.1"}, hosts
    texts = [httpx.get(server + "/").text]
    static = ROOT / "src" / "premium_alloc" / "server" / "static"
    for f in sorted(static.iterdir()):
        body = httpx.get(f"{server}/static/{f.name}").text
        assert body == f.read_text(encoding="utf-8")
        texts.append(body)
    for text in texts:
        # the SVG namespace of the icon is a name, not a place anything is fetched from
        urls = [u for u in re.findall(r"https?://[^\s\"'<>)]+", text) if u != "http://www.w3.org/2000/svg"]
        assert all(urlparse(u).hostname in ("localhost", "127.0.0.1") for u in urls), urls


def test_screenshot(page: object) -> None:
    out = ROOT / "docs" / "img" / "whatif.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_selector("#marginal[data-state=ready]", timeout=30_000)  # type: ignore[attr-defined]
    page.screenshot(path=str(out), full_page=True)  # type: ignore[attr-defined]
    assert out.stat().st_size > 10_000
