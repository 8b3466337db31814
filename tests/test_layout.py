"""The import graph of the project's own packages, read from the source with `ast`: every `import` and `from … import`,
at module level, inside functions and under `if TYPE_CHECKING:` alike (a type-only import is still a dependency: the
two modules cannot be understood, or moved, apart). No module imports itself back through others, and each stage
imports only the stages before it: extract → transform → warehouse → planner → flows (tests and benchmarks may import
anything)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("extract", "transform", "warehouse", "planner", "flows")  # each may import only those before it


def modules() -> dict[str, Path]:
    """Dotted name → file, for every module of the stages (a package by its __init__.py)."""
    found = {}
    for stage in STAGES:
        for path in sorted((ROOT / stage).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, source: str, known: set[str]) -> set[str]:
    """The project modules the module `name` imports, wherever in its source the import statement is."""
    package = name if f"{name}.__init__" in known else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name`, the module
            out.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
    return {target for target in out if target in known and target != name}


@cache  # read once for the three tests
def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found) | {f"{name}.__init__" for name, path in found.items() if path.name == "__init__.py"}
    return {name: imported(name, path.read_text(encoding="utf-8"), known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as one circle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while (top := stack.pop()) != node:
                group.append(top)
            group.append(node)
            if len(group) > 1:
                groups.append(_circle(sorted(group), edges))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def _circle(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A path from the group's first module back to itself, through the group (breadth first: the shortest)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no circle through {group}")


def test_the_graph_reads_every_kind_of_import():
    known = {"transform.common.rules", "transform.common.parse_files", "transform.inference",
             "transform.inference.__init__", "transform.inference.endpoints", "transform.inference.formats", "flows.ingest"}
    source = """
from typing import TYPE_CHECKING
import transform.common.rules
from . import endpoints
if TYPE_CHECKING:
    from transform.common.parse_files import ParsedFiles
def later():
    from flows.ingest import ingest
"""
    assert imported("transform.inference.formats", source, known) == {
        "transform.common.rules", "transform.inference.endpoints", "transform.common.parse_files", "flows.ingest"}
    # imports the project makes inside a function (the command line's) are in the graph
    assert {"flows.ingest", "planner.brief"} <= graph()["flows.cli"]


def test_no_import_circles():
    found = cycles(graph())
    assert not found, "import circles:\n" + "\n".join(" → ".join(circle) for circle in found)


def test_each_stage_imports_only_the_stages_before_it():
    wrong = [f"{name} imports {target}" for name, targets in sorted(graph().items()) for target in sorted(targets)
             if STAGES.index(target.split(".")[0]) > STAGES.index(name.split(".")[0])]
    assert not wrong, "\n".join(wrong)
