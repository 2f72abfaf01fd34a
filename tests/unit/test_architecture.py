"""Layering rules from DESIGN.md, checked by reading every module's imports."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((APP / folder).rglob("*.py"))]


def web_framework_imports(path: Path, packages: tuple[str, ...]) -> set[str]:
    return {m for m in imported_modules(path) if m.split(".")[0] in packages}


@pytest.mark.parametrize("path", modules_under("services", "domain"), ids=str)
def test_services_and_rules_do_not_import_the_web_framework(path):
    # The actor and the settings are arguments; nothing below the web layer reads a request.
    found = web_framework_imports(path, ("flask", "flask_appbuilder", "flask_login"))
    assert not found, f"{path.relative_to(APP)} imports {found}"


@pytest.mark.parametrize("path", modules_under("models"), ids=str)
def test_models_do_not_import_flask(path):
    found = web_framework_imports(path, ("flask", "flask_login"))
    assert not found, f"{path.relative_to(APP)} imports {found}"


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=str)
def test_only_the_workflow_package_imports_the_bpmn_engine(path):
    if (APP / "workflow") in path.parents:
        return
    engine_imports = {m for m in imported_modules(path) if m.startswith("SpiffWorkflow")}
    assert not engine_imports, f"{path.relative_to(APP)} imports {engine_imports}"


@pytest.mark.parametrize("path", modules_under("web"), ids=str)
def test_views_never_commit(path):
    assert ".commit(" not in path.read_text(), f"{path.relative_to(APP)} commits"
