"""Module structure: every top-level module imports on its own, and phiscan's modules import no circle.

Data flows one way (sources -> detectors -> rules -> findings -> reporters), and so should imports: a circle
(yamlio -> validated -> cache -> engine -> ... -> yamlio; model.ScanResult <-> store) means a module cannot be
read, tested or imported without the ones above it. Imports inside functions count too (they load the same
module, only later); imports under `if TYPE_CHECKING:` do not (they never run), nor does `from . import
__version__` (the package itself is always loaded first).
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "phiscan"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts}
TOP_LEVEL = sorted(m for m, p in MODULES.items()
                   if m.count(".") == 1 and not m.endswith("__main__"))


def test_each_top_level_module_imports_alone_in_a_fresh_interpreter():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}

    def run(mod: str):
        r = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True, text=True, env=env, timeout=120)
        return mod, r.returncode, r.stderr.strip().splitlines()[-1:] if r.returncode else []

    assert len(TOP_LEVEL) > 30
    with ThreadPoolExecutor(max_workers=2) as pool:
        failed = [(m, err) for m, rc, err in pool.map(run, TOP_LEVEL) if rc]
    assert failed == []


def _imports(mod: str, path: Path) -> set[str]:
    """The phiscan modules `mod` imports, at module level or in a function, outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                   for n in ast.walk(block)}
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                name = f"{target}.{alias.name}"
                out.add(name if name in MODULES else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    deps = set()
    for d in out:
        if d not in MODULES or d == mod or d == "phiscan":
            continue
        deps.add(d)
        parts = d.split(".")  # importing a.b.c runs a.b's __init__ first
        for i in range(2, len(parts)):
            parent = ".".join(parts[:i])
            if parent in MODULES and parent != mod and not mod.startswith(parent + "."):
                deps.add(parent)
    return deps


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the path of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_no_import_circles():
    graph = {m: _imports(m, p) for m, p in MODULES.items()}
    circle = _cycle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_the_circle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("low, above", [
    ("phiscan.yamlio", {"phiscan.cache", "phiscan.engine"}),
    ("phiscan.validated", {"phiscan.cache", "phiscan.engine"}),
    ("phiscan.store", {"phiscan.model"}),
    ("phiscan.dirs", {"phiscan.cache", "phiscan.validated"}),
])
def test_low_modules_stay_below(low, above):
    """The pieces the two circles went through: what reads YAML needs no scan cache; the finding store no model."""
    graph = {m: _imports(m, p) for m, p in MODULES.items()}
    reach, todo = set(), [low]
    while todo:
        for d in graph[todo.pop()]:
            if d not in reach:
                reach.add(d)
                todo.append(d)
    assert not reach & above
