"""The feature packages import each other only downwards (docs/architecture.md, "Packages and
their layers"): no cycle, and no import of a package on the same layer or above.

Every import counts, wherever it is written: at the top of a module, deferred inside a
function, or under `if TYPE_CHECKING:` (an annotation that names a higher package's class is
that dependency too, and hiding an import in a function only hides the cycle).
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# A package may import the packages on lower layers only. Where a lower package must make a
# higher one act, it sends a signal or asks a registry (app/core/events.py).
LAYERS = {
    "core": 1,
    "accounts": 2,
    "catalog": 3,
    "learning": 4,
    "quizzes": 5,
    "live": 5,
    "discussions": 5,
    "assignments": 5,
    "certificates": 6,
    "authoring": 7,
    "admin": 8,
}
# The modules at app/'s top: config.py and extensions.py are below every package;
# cli.py, models.py (every model, for Alembic) and __init__.py (create_app) are above them.
TOP_MODULES = {"config": 0, "extensions": 0, "cli": 9, "models": 9, "__init__": 10}


def _unit(module: str) -> str | None:
    """The package (or top module) that `app.x.y` belongs to; None outside the app."""
    parts = module.split(".")
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(unit: str) -> int:
    return LAYERS[unit] if unit in LAYERS else TOP_MODULES[unit]


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The app modules an import statement names (`from app import x` names app.x)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
        base = ".".join(anchor + ([base] if base else []))
    if base == "app":
        return [f"app.{alias.name}" for alias in node.names]
    return [base]


def import_edges(root: Path = APP) -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> the "file:line" of each import between two units."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        module = _module_name(root, path)
        source = _unit(module) if module != "app" else "__init__"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root.parent)
        for node in ast.walk(tree):
            for name in _imported(node, module, path.name == "__init__.py"):
                target = _unit(name)
                if target is not None and target != source:
                    edges[(source, target)].append(f"{where}:{node.lineno} imports {name}")
    return edges


def _cycles(edges) -> list[list[str]]:
    """The groups of units that reach each other (strongly connected, more than one unit)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for other in sorted(graph[unit]):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == unit:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return groups


def test_every_package_has_a_layer():
    found = {path.parent.name for path in APP.glob("*/__init__.py")} - {"translations"}
    assert found == set(LAYERS)


def cycle_report(edges) -> str:
    """Each cycle, with the file and line of the imports that close it. Every cycle holds at
    least one import that does not go down the layers: those are the ones listed."""
    problems = []
    for group in _cycles(edges):
        problems.append(f"{' <-> '.join(group)} import each other, through:")
        for (source, target), places in sorted(edges.items()):
            if source in group and target in group and _layer(target) >= _layer(source):
                problems += [f"  {place}" for place in places]
    return "\n".join(problems)


def test_the_feature_packages_import_each_other_without_cycles():
    report = cycle_report(import_edges())
    assert not report, report


def test_every_import_goes_down_the_layers():
    wrong = [
        f"{place} ({source}, layer {_layer(source)}, may not import {target}, "
        f"layer {_layer(target)})"
        for (source, target), places in sorted(import_edges().items())
        if _layer(target) >= _layer(source)
        for place in places
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from app.learning.models import Enrollment", {("core", "learning")}),
        ("def f():\n    import app.quizzes.models\n", {("core", "quizzes")}),
        ("from app import live", {("core", "live")}),
        ("from . import views", set()),
        ("from ..catalog import models", {("core", "catalog")}),
        ("from app.core.audit import record", set()),
    ],
)
def test_the_reader_sees_every_kind_of_import(tmp_path, code, expected):
    package = tmp_path / "app" / "core"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "probe.py").write_text(code)
    assert set(import_edges(tmp_path / "app")) == expected


def test_a_cycle_is_reported_with_its_files_and_lines(tmp_path):
    modules = {"core": "x = 1\n\nfrom app.accounts import y\n", "accounts": "import app.core.m\n"}
    for package, code in modules.items():
        (tmp_path / "app" / package).mkdir(parents=True)
        (tmp_path / "app" / package / "__init__.py").write_text("")
        (tmp_path / "app" / package / "m.py").write_text(code)
    report = cycle_report(import_edges(tmp_path / "app"))
    assert report.splitlines() == [
        "accounts <-> core import each other, through:",
        "  app/core/m.py:3 imports app.accounts",
    ]
