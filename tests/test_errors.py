"""Every error the core raises on purpose derives from app.errors.ResurfaceError, so a caller that
treats them all alike (the CLI: the message and exit code 1) catches one class and misses none."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

APP = Path(__file__).parents[1] / "app"
BUILT_IN = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def test_the_only_error_class_of_app_on_a_built_in_one_is_resurface_error():
    classes: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = [ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases]
                where[node.name] = f"{path.relative_to(APP.parent)}:{node.lineno}"
    # A root: derives from a built-in exception and from none of the app's own classes.
    roots = {
        name: where[name]
        for name, bases in classes.items()
        if any(b in BUILT_IN for b in bases) and not any(b in classes for b in bases)
    }
    assert list(roots) == ["ResurfaceError"], f"errors outside the ResurfaceError tree: {roots}"
    assert roots["ResurfaceError"].startswith("app/errors.py:")
