"""Imports run down the flow: config → target → stages → findings → gate → verdict → reports.

Every unit of the package (a top-level module or a subpackage) has a layer; a module may
import from its own unit and from units of the same or an earlier layer, never from a
later one, and units of one layer never import each other in a circle. A new top-level
module or package fails here until it is given a layer — where a thing lives is a decision,
written down in this table and in DEVELOPERS.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "postdeploy"

#: unit → layer (lower: earlier in the flow)
LAYERS: dict[str, int] = {
    # the vocabulary
    "errors": 0, "findings": 0, "measurements": 0, "runid": 0, "trigger_labels": 0,
    "redact": 0, "inert": 0, "interrupts": 0, "progress": 0,
    "config": 1,
    # what is verified, and its lifecycle
    "target": 2,
    # the toolkit the suites import, and the domain logic the stages use
    "checks": 3, "baseline": 3, "contract": 3, "snapshot": 3, "load": 3, "zap": 3,
    "monitoring": 3, "scan": 3,
    # the pytest face and the stages
    "pytest": 4, "stages": 4,
    # the decision, its renderings, the pipelines that produce it
    "gate": 5,
    "reports": 6,
    # the rollback verification's stage sits with the stages
    "rollback": 4,
    "runner": 7, "watch": 7,
    # the other pipelines: before the deploy, and what the verdict feeds
    "readiness": 7, "hooks": 7, "serve": 7,
    # the top: the command line
    "commands": 8,
    "cli": 9, "__main__": 9,
    # doubles for tests: nothing in the library depends on them
    "testing": 10,
}  # fmt: skip


def _unit_imports(package: Path = PACKAGE) -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) → where; every import, also inside functions."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts == ("__init__",):
            continue  # the package root only names the public API, lazily
        unit = parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                bits = name.split(".")
                if bits[0] == "postdeploy" and len(bits) > 1 and bits[1] != unit:
                    where = f"{path.relative_to(package.parent)}:{node.lineno} imports {name}"
                    edges.setdefault((unit, bits[1]), []).append(where)
    return edges


def _units() -> set[str]:
    return {
        path.relative_to(PACKAGE).with_suffix("").parts[0]
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts != ("__init__.py",)
    }


def test_every_unit_has_a_layer() -> None:
    missing = sorted(_units() - set(LAYERS))
    assert not missing, f"give these a layer in tests/test_layers.py: {missing}"
    assert not set(LAYERS) - _units(), "the table names units that no longer exist"


def _upward(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    return [
        where
        for (unit, imported), places in edges.items()
        if LAYERS[imported] > LAYERS[unit]
        for where in places
    ]


def test_no_import_goes_back_up_the_flow() -> None:
    upward = _upward(_unit_imports())
    assert not upward, "\n".join(upward)


def test_units_of_one_layer_do_not_import_each_other_in_a_circle() -> None:
    graph: dict[str, set[str]] = {}
    for unit, imported in _unit_imports():
        if LAYERS[unit] == LAYERS[imported]:
            graph.setdefault(unit, set()).add(imported)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circular = sorted(unit for unit in graph if reaches(unit, unit, {unit}))
    assert not circular, f"these units import each other in a circle: {circular}"


@pytest.mark.parametrize(
    ("unit", "source"),
    [
        ("stages", "from postdeploy.watch.scheduler import watch\n"),
        ("target", "def f():\n    import postdeploy.stages.load\n"),
        ("gate", "from postdeploy.reports import write_reports\n"),
    ],
)
def test_the_check_finds_an_upward_import(tmp_path: Path, unit: str, source: str) -> None:
    """The rule can fail: a package with one upward import, also one inside a function."""
    package = tmp_path / "postdeploy"
    (package / unit).mkdir(parents=True)
    (package / unit / "module.py").write_text(source, encoding="utf-8")
    (package / "errors.py").write_text("import postdeploy.config\n", encoding="utf-8")
    found = _upward(_unit_imports(package))
    assert len(found) == 2, found
    assert any(f"postdeploy/{unit}/module.py" in where for where in found)


#: Files that run in another program's interpreter, never in postdeploy's: the
#: environment they read is the one a Config-built child environment handed them.
_NOT_POSTDEPLOYS_PROCESS = {
    ("config.py",),  # the one reader
    ("scan", "wapiti_plugin.py"),  # loaded by Wapiti (--form-script), imports no postdeploy
}


def _environment_access(package: Path = PACKAGE) -> list[str]:
    """Every read or write of the process environment outside ``config.py``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts in _NOT_POSTDEPLOYS_PROCESS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            hit = (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv", "putenv", "unsetenv", "environb")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ) or (
                isinstance(node, ast.ImportFrom)
                and node.module == "os"
                and any(alias.name in ("environ", "getenv", "putenv") for alias in node.names)
            )
            if hit:
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_config_is_the_only_reader_of_the_environment() -> None:
    """Stages, targets and commands get settings from the Config (``load_config``), and
    child processes get an explicit environment; a setting read elsewhere is one the user
    cannot see in ``docs/configuration.md`` or test."""
    assert not _environment_access(), _environment_access()


def test_the_environment_check_finds_a_read(tmp_path: Path) -> None:
    package = tmp_path / "postdeploy"
    (package / "stages").mkdir(parents=True)
    (package / "stages" / "sneaky.py").write_text(
        "import os\nfrom os import getenv\nA = os.environ.get('X')\n", encoding="utf-8"
    )
    (package / "config.py").write_text("import os\nB = os.environ\n", encoding="utf-8")
    assert len(_environment_access(package)) == 2
