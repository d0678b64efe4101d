"""The package's layers point one way: no import cycle, no import up a layer.

Every import is read from the source (top level and inside functions alike); only imports
under ``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "premium_alloc"

#: lowest layer first; a module may import from its own layer or a lower one, never a higher one
LAYERS: list[tuple[str, ...]] = [
    ("_version", "errors", "labels", "formats", "rates", "places", "jsonfast", "safeio", "ids"),
    ("scenario", "synthetic", "cases"),
    ("io",),
    ("groups",),
    ("model", "tally", "rules"),
    ("solvers",),
    ("repair", "verify", "diagnostics", "parallel"),
    ("result", "engine", "plan"),
    ("variants", "analysis", "plots", "report", "workbook"),
    ("cli", "server"),
    ("__init__", "__main__"),
]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> int:
    head = module.split(".")[0]
    for i, names in enumerate(LAYERS):
        if head in names:
            return i
    raise AssertionError(f"module {module} has no layer: add it to LAYERS in {__file__}")


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    for sub in ast.walk(child):
                        if hasattr(sub, "lineno"):
                            lines.add(sub.lineno)
    return lines


def _resolve(module: str, is_pkg: bool, level: int, target: str | None) -> str:
    base = module.split(".") if module else []
    if not is_pkg:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def _imports() -> dict[str, set[str]]:
    """Package module -> the package modules it imports (at run time)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        is_pkg = path.name == "__init__.py"
        if name == "__init__":
            name, is_pkg = "", True
        found: set[str] = set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = _resolve(name, is_pkg, node.level, node.module)
                elif node.module and node.module.startswith("premium_alloc"):
                    base = node.module.removeprefix("premium_alloc").lstrip(".")
                else:
                    continue
                for alias in node.names:  # `from . import x` may name a module
                    sub = f"{base}.{alias.name}" if base else alias.name
                    targets.append(sub if sub in modules or f"{sub}" in modules else base)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("premium_alloc."):
                        targets.append(alias.name.removeprefix("premium_alloc."))
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "import_module":
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("premium_alloc."):
                    targets.append(arg.value.removeprefix("premium_alloc."))
            for t in targets:
                if t and t in modules and t != name:
                    found.add(t)
        graph[name or "__init__"] = found
    return graph


GRAPH = _imports()


def test_every_module_has_a_layer():
    for module in GRAPH:
        _layer(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_points_up_a_layer(module):
    mine = _layer(module)
    up = sorted(t for t in GRAPH[module] if _layer(t) > mine)
    assert not up, f"{module} (layer {mine}) imports {up} from a higher layer"


def test_no_import_cycle():
    # Tarjan's strongly connected components: any component of more than one module is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_test_sees_imports_inside_functions():
    # engine imports diagnostics at the top; the CLI imports the engine inside its commands
    assert "diagnostics" in GRAPH["engine"]
    assert "engine" in GRAPH["cli.commands"]


def test_solving_loads_no_planner_tool_or_face():
    import subprocess
    import sys

    code = (
        "import sys, premium_alloc as pa\n"
        "from premium_alloc import synthetic\n"
        "pa.solve(synthetic.regency(1, villages=3, workers=200))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'premium_alloc' and m.split('.')[1:2] and "
        "m.split('.')[1] in ('analysis', 'variants', 'plots', 'report', 'workbook', 'cli', 'server')]\n"
        "bad += [m for m in ('rich', 'typer', 'matplotlib', 'openpyxl') if m in sys.modules]\n"
        "print(','.join(sorted(bad)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
