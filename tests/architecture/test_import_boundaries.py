"""The pure packages (rules, mrv, selection) never import Django (style.md: one direction)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "renkei"
PURE = ("rules", "mrv", "selection")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pure_packages_do_not_import_django() -> None:
    checked = 0
    for pkg in PURE:
        for path in (SRC / pkg).rglob("*.py") if (SRC / pkg).exists() else ():
            checked += 1
            bad = {n for n in _imports(path) if n == "django" or n.startswith("django.")}
            assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"
    assert checked > 10  # the rules package exists and was actually scanned


def test_no_float_in_money_code() -> None:
    """Money is Decimal or int yen: the rules core never calls float()."""
    for path in (SRC / "rules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                raise AssertionError(f"float() in {path.relative_to(SRC)}:{node.lineno}")
