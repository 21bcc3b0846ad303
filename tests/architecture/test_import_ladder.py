"""The import ladder of docs/architecture.md: every import points down (or within its own package).

core <- signatures <- programs <- metrics <- compile, eval <- agentinstruct (the application); sft <- core.
Every import statement counts, wherever it is (module level, inside a function, under TYPE_CHECKING): a
lazy import is still an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"core": 0, "signatures": 1, "programs": 2, "metrics": 3, "compile": 4, "eval": 4, "agentinstruct": 5}
SFT_MAY_IMPORT = {"core", "sft"}
PACKAGES = [*LAYERS, "sft"]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module",) and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def violations(package: str) -> list[str]:
    """Every import in ``package`` that points up the ladder or sideways into a sibling."""
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top not in PACKAGES or top == package:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {module}"
            if package == "sft":
                if top not in SFT_MAY_IMPORT:
                    bad.append(where)
            elif top == "sft":
                if package != "agentinstruct":
                    bad.append(where)
            elif LAYERS[top] >= LAYERS[package]:
                bad.append(where)
    return bad


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down_the_ladder(package):
    assert violations(package) == []


def test_the_checker_catches_an_upward_import(tmp_path, monkeypatch):
    """A check that passes on garbage is a bug in the check: plant an upward import and see it caught."""
    fake = tmp_path / "core"
    fake.mkdir()
    (fake / "bad.py").write_text("def f():\n    from agentinstruct.api import generate\n    return generate\n")
    (fake / "ok.py").write_text("from core.config import RunConfig\nimport dspy\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert violations("core") == ["core/bad.py:2 imports agentinstruct.api"]


def test_the_ladder_is_the_one_docs_architecture_md_describes():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "core <- signatures <- programs <- metrics <- compile, eval <- agentinstruct" in text
    for package in PACKAGES:
        assert f"`{package}/`" in text
