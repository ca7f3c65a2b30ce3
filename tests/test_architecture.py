"""The design, checked: small modules and functions, vendors only at the edges, no import cycles.

These hold for ``assistant/`` (the product); ``evals/`` (tooling) imports it and is never imported by it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "assistant"
MODULES = sorted(p for p in PKG.rglob("*.py"))
EDGES = ("adapters", "wiring.py")  # the only places that may import an adapter


def _name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every ``assistant.*`` module ``path`` imports, relative imports resolved."""
    tree, here = ast.parse(path.read_text(encoding="utf-8")), _name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
            out.update(f"{mod}.{a.name}" for a in node.names)
            out.add(mod)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    known = {_name(p) for p in MODULES}
    return {m for m in out if m in known}


@pytest.mark.unit
@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_modules_stay_small_and_functions_short(path):
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= 400, f"{path.name} has {source.count(chr(10))} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= 60, f"{path.name}:{node.lineno} {node.name} has {length} lines"


@pytest.mark.unit
def test_the_assistant_facade_is_small():
    tree = ast.parse((PKG / "api.py").read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Assistant")
    assert cls.end_lineno - cls.lineno + 1 <= 150


@pytest.mark.unit
@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_adapters_are_imported_only_by_wiring_and_other_adapters(path):
    rel = path.relative_to(PKG)
    if rel.parts[0] in EDGES:
        return
    assert not {m for m in _imports(path) if m.startswith("assistant.adapters")}, f"{rel} imports an adapter"


@pytest.mark.unit
def test_the_product_never_imports_the_eval_package():
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        if path.name != "cli.py":  # `assistant eval` / `bench` load it lazily
            assert "evals" not in roots, path


@pytest.mark.unit
def test_no_import_cycles():
    graph = {_name(p): _imports(p) - {_name(p)} for p in MODULES}
    graph = {m: {d for d in deps if d in graph and not m.startswith(d + ".")} for m, deps in graph.items()}
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for dep in sorted(graph[node]):
            visit(dep, (*path, node))
        done.add(node)

    for module in sorted(graph):
        visit(module, ())
