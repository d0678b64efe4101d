"""Read scenario files: safe, bounded YAML/JSON, planner workbooks, and parsed dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, ScenarioError, shown
from ..safeio import max_input_bytes, read_bounded, size_text
from ..scenario import MAX_FILE_BYTES, MAX_NESTING, MAX_YAML_NODES, Scenario

__all__ = ["ScenarioLike", "as_scenario", "load_scenario", "parse_text"]

ScenarioLike = Scenario | Mapping[str, Any] | str | Path


#: libyaml's C parser when PyYAML has it (ten times faster on a scenario), else the Python one
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LimitedLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """A safe loader that refuses alias bombs, absurd nesting and duplicate keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # a key typed twice (a budget given twice) is an error, never "the last one wins"
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: SafeConstructor reports it
                    continue
                if first is not None:
                    raise ScenarioError([Problem(f"line {line}", f"the key {shown(key)} is given twice in one mapping (lines {first} and {line}): keep one")])
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

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


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json`` keeps the last one silently)."""
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return d


def parse_text(text: str, *, suffix: str = ".yaml") -> Any:
    """Parse scenario text: JSON for ``.json``, else safe YAML (which also reads JSON).

    A key given twice in one mapping is an error naming the key and both lines.

    Parameters
    ----------
    text : str
        The file's text.
    suffix : str
        ``.json`` for strict JSON, else YAML.

    Returns
    -------
    Any
        The parsed data; raises ScenarioError with the line and column of a syntax error.
    """
    limit = min(MAX_FILE_BYTES, max_input_bytes())
    if len(text) > limit:
        raise ScenarioError([Problem("", f"the file is larger than {size_text(limit)}")])
    try:
        if suffix.lower() == ".json":
            try:
                return json.loads(text, object_pairs_hook=_pairs)
            except _DuplicateKey as dup:
                _duplicate_lines(text)  # the YAML reader of the same text names both lines
                raise ScenarioError([Problem("", f"the key {shown(dup.key)} is given twice in one object: keep one")]) from None
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


def _duplicate_lines(text: str) -> None:
    """Raise the YAML reader's duplicate-key error (with both lines) for JSON text, if it gives one."""
    try:
        yaml.load(text, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader subclass
    except ScenarioError:
        raise
    except Exception:  # noqa: S110 - JSON the YAML reader cannot read: the message goes without lines
        pass


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a v1 scenario from a path (YAML, JSON, or a planner workbook .xlsx) or a parsed dict.

    Parameters
    ----------
    source : str, Path or mapping
        A YAML/JSON file, a planner workbook, or parsed data.

    Returns
    -------
    Scenario
        The validated scenario; raises ScenarioError listing every problem.
    """
    if isinstance(source, Mapping):
        return Scenario.from_dict(source)
    path = Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):  # a planner workbook (premium_alloc.excel)
        from .excel import read_workbook  # pandas and openpyxl only for a workbook

        return read_workbook(path)
    # a regular file only (a FIFO or a device is refused without blocking), within the size limit
    raw = read_bounded(path, where=str(path), limit=min(MAX_FILE_BYTES, max_input_bytes(yaml=path.suffix.lower() != ".json")))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError([Problem(str(path), f"cannot read the file: it is not UTF-8 text (byte {err.start:,})")]) from None
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
