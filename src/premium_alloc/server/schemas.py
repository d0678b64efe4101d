"""JSON Schemas (draft 2020-12) of scenario v1 and result v1, as served and as shipped.

The schemas are generated from the library's own types (the pydantic scenario model and the
result's dataclasses); the files under ``server/schemas/`` are those generated documents,
kept equal to them by a test (``python -m premium_alloc.server.schemas`` rewrites them).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..result import Allocation, ExcludedSummary, PhaseSummary, SourceSummary, VillageSummary
from ..scenario import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES = {"scenario": "scenario-v1.schema.json", "result": "result-v1.schema.json"}


class ResultV1(BaseModel):
    """The result document (``premium-alloc-result/v1``) that ``premium-alloc solve --out`` writes."""

    model_config = ConfigDict(extra="forbid", title="premium-alloc result v1")

    format: Literal["premium-alloc-result/v1"]
    scenario: str
    status: Literal["optimal", "feasible"]
    objective: float
    bound: float
    gap: float
    allocations: list[Allocation]
    phases: list[PhaseSummary]
    sources: list[SourceSummary]
    villages: list[VillageSummary]
    warnings: list[str]
    status_reason: Literal["time_limit", "solver_stopped", "solver_failed", "solver_gap", "milp_off"] | None = None
    excluded: list[ExcludedSummary] | None = None


def _document(kind: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"urn:premium-alloc:{kind}-v1", **schema}


def scenario_schema() -> dict[str, Any]:
    """JSON Schema of a v1 scenario (field checks only; cross references are checked by validation)."""
    return _document("scenario", Scenario.model_json_schema())


def result_schema() -> dict[str, Any]:
    """JSON Schema of a v1 result."""
    return _document("result", ResultV1.model_json_schema())


def generate() -> dict[str, dict[str, Any]]:
    """Both schemas, keyed ``scenario`` and ``result``."""
    return {"scenario": scenario_schema(), "result": result_schema()}


def dumps(schema: dict[str, Any]) -> str:
    """The text of a shipped schema file."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


@lru_cache(maxsize=2)
def shipped(kind: str) -> bytes:
    """The shipped schema file of ``kind`` ("scenario" or "result"), as bytes."""
    return resources.files("premium_alloc.server").joinpath("schemas", FILES[kind]).read_bytes()


def write(folder: str | Path) -> list[Path]:
    """Write both schema files into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind, schema in generate().items():
        path = folder / FILES[kind]
        path.write_text(dumps(schema), encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover - maintenance: refresh the shipped files
    import sys

    for target in sys.argv[1:] or [str(Path(__file__).parent / "schemas")]:
        for p in write(target):
            print(p)
