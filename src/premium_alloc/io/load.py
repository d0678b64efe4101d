"""Read scenario files: safe, bounded YAML/JSON, planner workbooks, and parsed dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, ScenarioError
from ..scenario import MAX_FILE_BYTES, MAX_NESTING, MAX_YAML_NODES, Scenario
from .excel import read_workbook

__all__ = ["ScenarioLike", "as_scenario", "load_scenario", "parse_text"]

ScenarioLike = Scenario | Mapping[str, Any] | str | Path


class _LimitedLoader(yaml.SafeLoader):
    """A safe loader that refuses alias bombs and absurd nesting."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0

    def construct_document(self, node: Any) -> Any:
        self._check(node, 0)
        return super().construct_document(node)

    def _check(self, node: Any, depth: int) -> None:
        # Size and depth of the document as expanded (an alias counts its whole target each
        # time), computed once per distinct node so that a "billion laughs" is refused at once.
        def kids(n: Any) -> list[Any]:
            if isinstance(n, yaml.SequenceNode):
                return list(n.value)
            if isinstance(n, yaml.MappingNode):
                return [c for kv in n.value for c in kv]
            return []

        too_deep = ScenarioError([Problem("", f"the YAML nests deeper than {MAX_NESTING} levels")])
        size: dict[int, int] = {}
        height: dict[int, int] = {}
        on_path: set[int] = set()
        stack: list[tuple[Any, bool]] = [(node, False)]
        while stack:
            n, done = stack.pop()
            key = id(n)
            if done:
                on_path.discard(key)
                ks = kids(n)
                size[key] = 1 + sum(size[id(c)] for c in ks)
                height[key] = 1 + max((height[id(c)] for c in ks), default=0)
                if self._nodes + size[key] > MAX_YAML_NODES:
                    raise ScenarioError([Problem("", f"the YAML expands to more than {MAX_YAML_NODES:,} nodes (alias bomb?)")])
                if depth + height[key] > MAX_NESTING + 1:
                    raise too_deep
                continue
            if key in size:
                continue
            on_path.add(key)
            stack.append((n, True))
            for c in kids(n):
                if id(c) in on_path:  # a recursive alias expands forever
                    raise too_deep
                if id(c) not in size:
                    stack.append((c, False))
        self._nodes += size[id(node)]


def parse_text(text: str, *, suffix: str = ".yaml") -> Any:
    """Parse scenario text: JSON for ``.json``, else safe YAML (which also reads JSON)."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem("", f"the file is larger than {MAX_FILE_BYTES:,} bytes")])
    try:
        if suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader subclass
    except ScenarioError:
        raise
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        if isinstance(err, json.JSONDecodeError):
            where = f"line {err.lineno}, column {err.colno}"
        reason = getattr(err, "problem", None) or getattr(err, "msg", None) or "syntax error"
        raise ScenarioError([Problem(where, f"cannot parse the file: {reason}")]) from None
    except RecursionError:
        raise ScenarioError([Problem("", f"the file nests deeper than {MAX_NESTING} levels")]) from None


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a v1 scenario from a path (YAML, JSON, or a planner workbook .xlsx) or a parsed dict."""
    if isinstance(source, Mapping):
        return Scenario.from_dict(source)
    path = Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):  # a planner workbook (premium_alloc.excel)
        return read_workbook(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(str(path.name), f"the file is larger than {MAX_FILE_BYTES:,} bytes")])
        text = path.read_text(encoding="utf-8")
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "no such file")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError([Problem(str(path), f"cannot read the file: {err.__class__.__name__}")]) from None
    data = parse_text(text, suffix=path.suffix)
    return Scenario.from_dict(data, base_dir=path.parent)


def as_scenario(scenario: ScenarioLike | Any) -> Scenario:
    """``scenario`` itself when it is a :class:`Scenario`, the scenario of a solved result, else :func:`load_scenario` of it.

    Parameters
    ----------
    scenario : Scenario, dict, path or Result
        A solved :class:`~premium_alloc.result.Result` (or a :class:`~premium_alloc.model.Model`)
        stands for the scenario it was built from, so planner functions take either.

    Returns
    -------
    Scenario
        The validated scenario.
    """
    if isinstance(scenario, Scenario):
        return scenario
    model = getattr(scenario, "model", scenario)  # a Result carries its model; a Model its scenario
    built = getattr(model, "scenario", None)
    if isinstance(built, Scenario):
        return built
    return load_scenario(scenario)
