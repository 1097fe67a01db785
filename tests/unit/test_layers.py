"""Imports point down: the core never depends on a face, so REST and UI share one core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "workshop_app"

FORBIDDEN = {
    "services": ("reflex", "workshop_app.state", "workshop_app.api", "workshop_app.pages", "workshop_app.components"),
    "db": ("reflex", "workshop_app.services", "workshop_app.state", "workshop_app.api", "workshop_app.pages"),
    "api": ("reflex", "workshop_app.state", "workshop_app.pages", "workshop_app.components"),
    "state": ("workshop_app.pages", "workshop_app.components", "workshop_app.api"),
    # The built-in engine is its own process: it must start without the app (or Reflex) behind it.
    "engine": (
        "reflex",
        "workshop_app.services",
        "workshop_app.state",
        "workshop_app.api",
        "workshop_app.pages",
        "workshop_app.components",
        "workshop_app.db",
    ),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_does_not_import_upward(layer: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in _imports(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[layer])
    ]
    assert offenders == []


# Handing the whole environment to a child process (dict(os.environ)) is not reading a setting.
ENVIRONMENT_READS = ("os.environ[", "os.environ.get(", "os.getenv(")


def test_only_settings_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "settings.py" and any(read in path.read_text() for read in ENVIRONMENT_READS)
    ]
    assert readers == []


def test_services_live_in_feature_packages_that_say_what_they_hold() -> None:
    """A newcomer finds a feature by its package; a package's `__init__` explains it and re-exports nothing."""
    services = PACKAGE / "services"
    flat = sorted(path.name for path in services.glob("*.py") if path.name != "__init__.py")
    assert flat == []
    for package in sorted(path for path in services.iterdir() if (path / "__init__.py").is_file()):
        tree = ast.parse((package / "__init__.py").read_text())
        docstring = ast.get_docstring(tree) or ""
        assert docstring.strip(), f"{package.name}/__init__.py says nothing about what lives there"
        imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
        assert imports == [], f"{package.name}/__init__.py re-exports; import from the module instead"
