"""How the code is layered: no module of app/ imports, even inside a function, a module that
imports it back (directly or round a longer loop), and streamlit stays in app/ui/."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).parents[1] / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in APP.rglob("*.py")}


def imports_of(path: Path) -> set[str]:
    """The app modules a file imports anywhere in it (``from app.x import y`` names app.x.y
    when y is a module, else app.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            for alias in node.names:
                whole = f"{node.module}.{alias.name}"
                found.add(whole if whole in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("app")}
    return found & set(MODULES)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    graph = {name: imports_of(path) - {name} for name, path in MODULES.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_loop_of_three():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_streamlit_is_imported_only_under_app_ui():
    outside = [
        name
        for name, path in MODULES.items()
        if not name.startswith("app.ui")
        and any(
            isinstance(n, ast.Import | ast.ImportFrom)
            and any(
                (getattr(n, "module", None) or alias.name).split(".")[0] == "streamlit"
                for alias in n.names
            )
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert outside == []
