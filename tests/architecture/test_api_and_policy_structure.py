"""The REST API and the permission rules are composed per stage (style.md, 'A stage app's
shape'): each stage app has its router in ``<app>/api.py`` and its rules in ``<app>/policy.py``;
``renkei.api`` and ``renkei.access`` only compose them, and ``renkei.apikit`` holds what the
routers share. Arrows point one way, so none of these modules can import the others in a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "renkei"
# the stages in the order of the pipeline: a stage may import earlier stages, never a later one
STAGES = (
    "accounts",
    "calls",
    "proposals",
    "reviews",
    "adoption",
    "grants",
    "monitoring",
    "credits",
    "c3p",
)


def _renkei_imports(path: Path) -> set[str]:
    """Every ``renkei.…`` module the file imports, at any level (function-level imports too);
    ``from renkei.x import y`` counts as ``renkei.x.y`` when ``y`` is a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("renkei"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module != "renkei" and not node.module.startswith("renkei."):
                continue
            for alias in node.names:
                module = f"{node.module}.{alias.name}"
                names.add(module if _is_module(module) else node.module)
    return names


def _is_module(name: str) -> bool:
    path = SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def _files(name: str) -> list[Path]:
    """Each stage's ``name`` module; a stage may make it a package (``grants/policy/``), whose
    ``__init__.py`` stands for it (its other files are checked by ``_package_files``)."""
    found = []
    for stage in STAGES:
        module, package = SRC / stage / name, SRC / stage / name.removesuffix(".py") / "__init__.py"
        if module.exists():
            found.append(module)
        elif package.exists():
            found.append(package)
    return found


def _package_files(name: str) -> list[Path]:
    """Every file of each stage's ``name`` module, the files of a package included."""
    files = []
    for path in _files(name):
        files.extend(sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path])
    return files


def _stage_of_file(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def test_every_stage_has_its_router_and_its_policy() -> None:
    assert [_stage_of_file(p) for p in _files("api.py")] == list(STAGES)
    assert [_stage_of_file(p) for p in _files("policy.py")] == list(STAGES)


def test_the_root_api_only_mounts_routers_and_uses_the_shared_kit() -> None:
    imports = _renkei_imports(SRC / "api.py")
    # and the operations router (readiness, renkei.ops: not a stage of the pipeline)
    allowed = {"renkei.apikit", "renkei.ops.api"} | {f"renkei.{stage}.api" for stage in STAGES}
    assert imports <= allowed, sorted(imports - allowed)
    assert {f"renkei.{stage}.api" for stage in STAGES} <= imports  # every router is mounted


def test_access_imports_only_the_stage_policies() -> None:
    imports = _renkei_imports(SRC / "access.py")
    policies = {f"renkei.{stage}.policy" for stage in STAGES}
    assert imports <= policies, sorted(imports - policies)
    assert imports == policies  # every stage's rules are composed


def test_the_shared_kit_imports_no_stage_nor_the_composing_modules() -> None:
    imports = _renkei_imports(SRC / "apikit.py")
    bad = {m for m in imports if _stage(m) or m in ("renkei.api", "renkei.access")}
    assert not bad, sorted(bad)


def test_the_operations_router_imports_no_stage_nor_the_root_api() -> None:
    imports = _renkei_imports(SRC / "ops" / "api.py")
    bad = {m for m in imports if _stage(m) or m in ("renkei.api", "renkei.access")}
    assert not bad, sorted(bad)


def test_routers_never_import_the_root_api_nor_a_later_stage() -> None:
    for path in _package_files("api.py"):
        here = STAGES.index(_stage_of_file(path))
        for module in _renkei_imports(path):
            where = f"{path.relative_to(SRC)} imports {module}"
            assert module != "renkei.api", where
            stage = _stage(module)
            assert stage is None or STAGES.index(stage) <= here, where


def _page_or_private_imports(path: Path) -> list[str]:
    """``renkei`` imports of a page module (``views``) or of a private name (``_x``), at any
    level: what a router must not import."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("renkei"):
            pairs = [(node.module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            pairs = [(a.name, "") for a in node.names if a.name.startswith("renkei")]
        else:
            continue
        for module, name in pairs:
            parts = [*module.split("."), *([name] if name else [])]
            if "views" in parts or any(p.startswith("_") for p in parts):
                bad.append(f"{module}.{name}" if name else module)
    return bad


def test_routers_import_no_page_module_nor_a_private_name() -> None:
    """What a router shares with a page (a total score, who may download a notice) is a
    selector's or a service's, so both ask the same code: a router never imports a page
    module or a private helper (adoption/api.py imported ``adoption.views._total``)."""
    found = {
        str(path.relative_to(SRC)): bad
        for path in [*_package_files("api.py"), SRC / "api.py", SRC / "apikit.py"]
        if (bad := _page_or_private_imports(path))
    }
    assert found == {}


def test_no_router_wraps_a_bounded_text_type_in_another_annotated() -> None:
    """``Annotated[str, text(200)]`` makes ``text(200)`` metadata that pydantic ignores: no
    bound, no stripping, NUL let through. ``text(...)`` is the type itself."""
    for path in [*_package_files("api.py"), SRC / "apikit.py"]:
        source = path.read_text(encoding="utf-8")
        assert "Annotated[str, text(" not in source, path.relative_to(SRC)


def test_the_page_import_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "api.py"
    bad.write_text(
        "from renkei.rules import assess_proposal\n"
        "def f():\n"
        "    from renkei.adoption.views import _total\n"
        "    from renkei.rules._registry import validation_errors\n"
        "    import renkei.proposals.views\n"
    )
    assert _page_or_private_imports(bad) == [
        "renkei.adoption.views._total",
        "renkei.rules._registry.validation_errors",
        "renkei.proposals.views",
    ]


def test_policies_never_import_access_the_api_nor_a_later_stage() -> None:
    """A policy is imported by ``renkei.access``; importing it back (or a router, or a service,
    which asks ``renkei.access``) would be a cycle."""
    for path in _package_files("policy.py"):
        here = STAGES.index(_stage_of_file(path))
        for module in _renkei_imports(path):
            where = f"{path.relative_to(SRC)} imports {module}"
            assert module not in ("renkei.access", "renkei.api", "renkei.apikit"), where
            stage = _stage(module)
            if stage is None:
                continue
            assert STAGES.index(stage) <= here, where
            # a stage's models or policy, or a module of its models or policy package
            assert {"models", "policy"} & set(module.split(".")[2:3]), where


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """The import reader finds imports at any level, so the checks above can fail."""
    bad = tmp_path / "policy.py"
    bad.write_text("def f():\n    from renkei import access\n    from renkei.api import api\n")
    assert _renkei_imports(bad) == {"renkei.access", "renkei.api"}
