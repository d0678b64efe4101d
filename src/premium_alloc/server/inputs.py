"""Requests into scenarios: JSON bodies, problems with their paths and values, inline worker lists.

A scenario posted over HTTP never makes the server read its own disk: ``workers:`` given as a
path is refused; a worker list comes in the body as a list of rows instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import Problem, ScenarioError
from ..scenario import Scenario

#: Stands in for ``workers:`` once an inline list has been taken out of the body.
INLINE_WORKERS = "(worker list in the request body)"
WORKER_COLUMNS = ("worker_id", "village", "priority", "sector", "income")


class BadJson(ValueError):
    """The body is not JSON (answered with 400)."""


def parse_json(body: bytes) -> Any:
    """Parse a UTF-8 JSON body; raise :class:`BadJson` with a line and column."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadJson("the body is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise BadJson(f"the body is not JSON: {err.msg} at line {err.lineno}, column {err.colno}") from None
    except RecursionError:
        raise BadJson("the body nests too deeply") from None


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def value_at(data: Any, path: str) -> Any:
    """The value at a problem's path (``sources[2].budget``) in ``data``, or ``None``.

    Keys may hold dots themselves (village ids such as ``62.03.01.2001``): at a mapping, the
    longest run of dotted names that is one of its keys is taken.
    """
    if not path or not re.fullmatch(r"[A-Za-z_][\w.\[\]-]*", path):
        return None
    steps: list[str | int] = [int(index) if index else name for name, index in _STEP.findall(path)]
    node = data
    i = 0
    while i < len(steps):
        step = steps[i]
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None
            node, i = node[step], i + 1
            continue
        if not isinstance(node, Mapping):
            return None
        j = i
        while j < len(steps) and isinstance(steps[j], str):
            j += 1
        for k in range(j, i, -1):
            key = ".".join(str(x) for x in steps[i:k])
            if key in node:
                node, i = node[key], k
                break
        else:
            return None
    if isinstance(node, (Mapping, list)):
        return None  # a whole object is no value to show
    return node


def problems_json(problems: list[Problem], data: Any = None) -> list[dict[str, Any]]:
    """Problems as the API answers them: path, value (when one is there) and message."""
    return [{"path": p.path, "value": value_at(data, p.path), "message": p.message} for p in problems]


def scenario_from_body(data: Any, where: str = "") -> tuple[Scenario, pd.DataFrame | None]:
    """A validated scenario (and its inline worker list) from a parsed body.

    ``where`` prefixes every problem path (``scenario.`` inside a compare request).
    """
    if not isinstance(data, Mapping):
        raise ScenarioError([Problem(where.rstrip("."), f"a scenario must be a JSON object, got {type(data).__name__}")])
    data = dict(data)
    workers = data.get("workers")
    frame = None
    refused: list[Problem] = []
    if isinstance(workers, str):
        refused.append(
            Problem(
                f"{where}workers",
                f"{workers!r} is a file path: a scenario sent over HTTP cannot make the server read its disk; "
                "send `worker_groups`, or `workers` as a list of rows "
                "{worker_id, village, priority, sector, income} in the body",
            )
        )
    if isinstance(workers, (str, list)):
        data["workers"] = INLINE_WORKERS  # the rest of the scenario is still checked, all problems at once
    try:
        sc = Scenario.from_dict(data)
    except ScenarioError as err:
        moved = [Problem(where + p.path if p.path else where.rstrip("."), p.message) for p in err.problems]
        raise ScenarioError(refused + moved, err.more) from None
    if refused:
        raise ScenarioError(refused)
    if isinstance(workers, list):
        frame = worker_frame(workers, where)  # its rows are checked like a worker CSV when grouped
    return sc, frame


def worker_frame(rows: list[Any], where: str = "") -> pd.DataFrame:
    """A worker list given as JSON rows, as a frame of the worker columns.

    The cells are left as sent: grouping checks them like a worker CSV's (a missing income is
    the scenario's, a bad one is refused, an ID is never shown).
    """
    bad = [Problem(f"{where}workers[{i}]", "must be an object with worker_id, village, priority, sector (and income)") for i, r in enumerate(rows) if not isinstance(r, Mapping)]
    if bad:
        raise ScenarioError(bad[:20], more=max(0, len(bad) - 20))
    df = pd.DataFrame.from_records(rows)
    missing = [c for c in WORKER_COLUMNS[:4] if c not in df.columns]
    if missing:
        raise ScenarioError([Problem(f"{where}workers", f"rows lack the field(s) {', '.join(missing)}")])
    if "income" not in df.columns:
        df["income"] = None
    return df[list(WORKER_COLUMNS)].astype(object)
