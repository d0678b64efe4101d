"""The HTTP API v1 (FastAPI TestClient): every route, every error code, the same bytes as the CLI."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import jsonschema
from fastapi.testclient import TestClient
from server_helpers import V1, V2, V3, small

import premium_alloc as pa
from premium_alloc import synthetic
from premium_alloc.cli import main
from premium_alloc.server import (
    Settings,
    create_app,
    schemas,
)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(pa.Scenario.from_dict(small())))


def cli_solve(tmp_path: Path, data: dict, *extra: str) -> bytes:
    """What ``premium-alloc solve SCENARIO --out RESULT`` writes."""
    src, out = tmp_path / "scenario.json", tmp_path / "result.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    assert main(["solve", str(src), "--out", str(out), "--quiet", *extra]) == 0
    return out.read_bytes()


def test_health(client: TestClient) -> None:
    r = client.get("/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": pa.__version__}


@pytest.mark.parametrize("data", [small(), synthetic.kapuas_2024()], ids=["small", "kapuas"])
def test_solve_is_byte_for_byte_the_cli_document(client: TestClient, tmp_path: Path, data: dict) -> None:
    r = client.post("/v1/solve", json=data)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.content == cli_solve(tmp_path, data)


def test_solve_query_gap_and_time_limit(client: TestClient, tmp_path: Path) -> None:
    data = small()
    r = client.post("/v1/solve?gap=0.05&time_limit=30", json=data)
    assert r.status_code == 200
    assert r.content == cli_solve(tmp_path, data, "--gap", "0.05", "--time-limit", "30")
    # past its time limit a solve answers the best plan found, status feasible, with its true gap
    late = client.post("/v1/solve?gap=0&time_limit=0.01", json=synthetic.kapuas_2024()).json()
    assert late["status"] == "feasible" and late["gap"] > 0
    bad = client.post("/v1/solve?gap=2&time_limit=-1", json=data)
    assert bad.status_code == 422
    assert {p["path"] for p in bad.json()["problems"]} == {"query.gap", "query.time_limit"}
    assert client.post("/v1/solve?gap=abc", json=data).status_code == 422


def test_result_validates_against_the_shipped_schema(client: TestClient) -> None:
    result = client.post("/v1/solve", json=small()).json()
    jsonschema.Draft202012Validator(client.get("/v1/schema/result").json()).validate(result)
    jsonschema.Draft202012Validator(client.get("/v1/schema/scenario").json()).validate(small())
    # the schema refuses what the contract refuses
    wrong = copy.deepcopy(small())
    wrong["unknown_key"] = 1
    assert list(jsonschema.Draft202012Validator(schemas.scenario_schema()).iter_errors(wrong))


def test_schemas_are_draft_2020_12_and_shipped_files_equal_generated() -> None:
    for kind, schema in schemas.generate().items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
        text = schemas.dumps(schema)
        assert schemas.shipped(kind).decode("utf-8") == text, "the scenario or result model changed; regenerate the shipped schemas: python -m premium_alloc.server.schemas src/premium_alloc/server/schemas docs/schemas"
        assert (ROOT / "docs" / "schemas" / schemas.FILES[kind]).read_text(encoding="utf-8") == text


def test_schema_routes_serve_the_shipped_files(client: TestClient) -> None:
    for kind in ("scenario", "result"):
        r = client.get(f"/v1/schema/{kind}")
        assert r.status_code == 200 and r.content == schemas.shipped(kind)
        assert "json" in r.headers["content-type"]


def test_validate_valid_gives_warnings(client: TestClient) -> None:
    r = client.post("/v1/validate", json=small())
    assert r.status_code == 200
    body = r.json()
    assert body["valid"] is True
    # Dana Desa may not pay BPJS premiums in 2024 (the dated rule) - a warning, not an error
    assert any("DD" in w for w in body["warnings"])


def test_validate_lists_every_problem_with_path_and_value(client: TestClient) -> None:
    data = small()
    data["sources"][2]["budget"] = -5
    data["worker_groups"][1]["village"] = "99.99.99.9999"
    data["phases"][1]["start"] = "July 2024"
    data["sources"].append(copy.deepcopy(data["sources"][1]))
    r = client.post("/v1/validate", json=data)
    assert r.status_code == 422
    body = r.json()
    assert body["valid"] is False
    got = {p["path"]: p for p in body["problems"]}
    assert got["sources[2].budget"]["value"] == -5
    assert got["worker_groups[1].village"]["value"] == "99.99.99.9999"
    assert got["phases[1].start"]["value"] == "July 2024"
    assert any("DBH" in p["message"] for p in body["problems"])  # the duplicate id
    assert all(set(p) == {"path", "value", "message"} for p in body["problems"])


def test_a_workers_path_is_refused_and_never_read(client: TestClient, tmp_path: Path) -> None:
    csv = tmp_path / "workers.csv"
    csv.write_text("worker_id,village,priority,sector\n3201010101010001,62.03.01.2011,extreme,palm\n", encoding="utf-8")
    data = small()
    del data["worker_groups"]
    data["workers"] = str(csv)
    for route in ("/v1/validate", "/v1/solve"):
        r = client.post(route, json=data)
        assert r.status_code == 422
        (p,) = r.json()["problems"]
        assert p["path"] == "workers" and "cannot make the server read its disk" in p["message"]
        assert "3201010101010001" not in r.text


def test_inline_worker_list_equals_the_cli_with_a_csv(client: TestClient, tmp_path: Path) -> None:
    rows = [
        {"worker_id": f"320101010101{i:04d}", "village": [V1, V2, V3][i % 3], "priority": ["extreme", "poor"][i % 2], "sector": ["palm", "farming"][i % 2]}
        for i in range(300)
    ]
    rows[7]["income"] = 2_500_000
    data = small()
    del data["worker_groups"]
    body = {**data, "workers": rows}
    r = client.post("/v1/solve", json=body)
    assert r.status_code == 200
    csv = tmp_path / "workers.csv"
    lines = ["worker_id,village,priority,sector,income"] + [f"{w['worker_id']},{w['village']},{w['priority']},{w['sector']},{w.get('income', '')}" for w in rows]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert r.content == cli_solve(tmp_path, {**data, "workers": str(csv)})
    # a duplicated worker is refused; the ID never appears in the answer
    rows[5]["worker_id"] = rows[4]["worker_id"]
    bad = client.post("/v1/solve", json={**data, "workers": rows})
    assert bad.status_code == 422
    assert rows[4]["worker_id"] not in bad.text
    assert any(p["path"].startswith("workers row 6") for p in bad.json()["problems"])
    rows[5]["worker_id"] = "x1"
    rows[9]["income"] = "lots"
    bad = client.post("/v1/solve", json={**data, "workers": rows})
    assert bad.status_code == 422 and any("income" in p["path"] for p in bad.json()["problems"])


def _by_hand(data: dict, source: str, add: int) -> dict:
    out = copy.deepcopy(data)
    s = next(x for x in out["sources"] if x["id"] == source)
    s["budget"] += add
    return out


def test_compare_rows_match_separate_solves(client: TestClient) -> None:
    data = small()
    r = client.post("/v1/compare", json={"scenario": data, "variants": [{"name": "apbd+2jt", "changes": ["APBD+=2jt"]}, {"name": "dbh x0", "changes": ["DBH*=0"]}]})
    assert r.status_code == 200
    rows = {row["variant"]: row for row in r.json()["rows"]}
    assert list(rows) == ["base", "apbd+2jt", "dbh x0"]
    for name, scenario in (("base", data), ("apbd+2jt", _by_hand(data, "APBD", 2_000_000)), ("dbh x0", _by_hand(data, "DBH", -9_000_000))):
        alone = client.post("/v1/solve", json=scenario).json()
        row = rows[name]
        assert row["shortfall_idr"] == sum(p["shortfall_idr"] for p in alone["phases"])
        assert row["spent_idr"] == sum(s["spent_idr"] for s in alone["sources"])
        assert row["budget_idr"] == sum(s["budget_idr"] for s in alone["sources"])
        assert row["objective"] == alone["objective"]


def test_compare_bad_change_names_its_place(client: TestClient) -> None:
    data = small()
    data["sources"][0]["budgets"][V1] = -1
    r = client.post("/v1/compare", json={"scenario": data, "variants": [{"name": "x", "changes": ["APBD+=2e9", "APBD^^3"]}, {"name": "y"}]})
    assert r.status_code == 422
    problems = {p["path"]: p for p in r.json()["problems"]}
    assert {"variants[0].changes[1]", "variants[1]", f"scenario.sources[0].budgets.{V1}"} <= set(problems)
    assert problems[f"scenario.sources[0].budgets.{V1}"]["value"] == -1


def test_error_codes(client: TestClient) -> None:
    r = client.post("/v1/solve", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not JSON" in r.json()["detail"]
    assert client.post("/v1/validate", content=b"\xff\xfe", headers={"content-type": "application/json"}).status_code == 400
    assert client.get("/v1/nothing-here").status_code == 404
    assert client.get("/v1/solve").status_code == 405
    assert client.put("/v1/health").status_code == 405
    r = client.post("/v1/solve", json=[1, 2])
    assert r.status_code == 422 and "Traceback" not in r.text


def test_body_limit_413() -> None:
    c = TestClient(create_app(pa.Scenario.from_dict(small()), settings=Settings(max_body=2_000)))
    big = {**small(), "name": "x" * 5_000}
    assert c.post("/v1/solve", json=big).status_code == 413
    # a chunked body (no declared length) is counted as it comes
    def chunks():
        for _ in range(10):
            yield b" " * 500
    assert c.post("/v1/validate", content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    assert c.post("/v1/validate", json=small()).status_code == 200


def test_default_body_limit_is_20_mb() -> None:
    assert Settings().max_body == 20 * 1024 * 1024


def test_no_cors_unless_an_origin_is_allowed(client: TestClient) -> None:
    h = {"origin": "http://intranet.local", "access-control-request-method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v1/solve", headers=h).headers
    assert "access-control-allow-origin" not in client.get("/v1/health", headers={"origin": "http://intranet.local"}).headers
    c = TestClient(create_app(pa.Scenario.from_dict(small()), settings=Settings(allow_origins=("http://intranet.local",))))
    assert c.get("/v1/health", headers={"origin": "http://intranet.local"}).headers["access-control-allow-origin"] == "http://intranet.local"
    assert "access-control-allow-origin" not in c.get("/v1/health", headers={"origin": "http://evil.example"}).headers


def test_access_log_one_line_per_request_without_bodies(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    data = small()
    data["villages"][0]["name"] = "Desa Rahasia Sekali"
    rows = [{"worker_id": "3201999988887777", "village": V1, "priority": "extreme", "sector": "palm"}]
    body = {**{k: v for k, v in data.items() if k != "worker_groups"}, "workers": rows}
    with caplog.at_level(logging.INFO, logger="premium_alloc.server.access"):
        client.post("/v1/solve", json=body)
        client.post("/v1/validate", json=data)
        client.get("/v1/3201999988887777")
        client.get("/v1/health?who=3201999988887777")
    lines = [r.getMessage() for r in caplog.records if r.name == "premium_alloc.server.access"]
    assert len(lines) == 4
    assert lines[0].startswith("POST /v1/solve 200 ") and lines[0].endswith(" ms")
    assert lines[1].startswith("POST /v1/validate 200 ")
    assert lines[2].startswith("GET - 404 ")  # an unknown path is not echoed
    assert lines[3].startswith("GET /v1/health 200 ")
    text = "\n".join(lines)
    for secret in ("3201999988887777", "Rahasia", "Tiga Desa"):
        assert secret not in text


def test_openapi_docs_work_offline(client: TestClient) -> None:
    html = client.get("/docs").text
    import re

    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(ref.startswith("/") for ref in refs), refs
    for ref in refs:
        assert client.get(ref).status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/health", "/v1/solve", "/v1/validate", "/v1/compare", "/v1/schema/scenario", "/v1/schema/result"} <= set(spec["paths"])


def test_page_figures_carry_the_warnings_in_bahasa_too() -> None:
    c = TestClient(create_app(pa.Scenario.from_dict(synthetic.kapuas_2024())))
    f = c.post("/ui/whatif", json={}).json()
    assert len(f["warnings"]) == len(f["warnings_id"]) > 0
    dd = next(w for w in f["warnings_id"] if "dana_desa_2024" in w)
    assert dd.startswith("sumber dana DD (dana_desa) membayar tahap p1") and "keyakinan N)" in dd
    assert not any(w.startswith("source ") for w in f["warnings_id"])
