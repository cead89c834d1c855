"""The lab reaches the engine only through its front door: ``from core import ...``, never ``core.<sub>``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import core

ROOT = Path(__file__).resolve().parent.parent
LAB_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "lab").glob("*.py")])
THIRD_PARTY = {"streamlit", "numpy", "pandas", "plotly"}


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """``(line, module, names)`` of every import in ``path`` (relative imports as ``.module``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize("path", LAB_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_lab_imports_core_only_through_its_front_door(path):
    for line, module, names in imports(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        assert not module.startswith("core."), f"{where} imports {module}: use `from core import ...`"
        if module == "core":
            assert not set(names) - set(core.__all__), f"{where} imports {set(names) - set(core.__all__)}, " \
                                                        "which core.__all__ does not export"


@pytest.mark.parametrize("path", LAB_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_lab_imports_only_core_the_lab_the_stdlib_and_its_ui_libraries(path):
    for line, module, _ in imports(path):
        top = module.split(".")[0]
        allowed = module.startswith(".") or top in {"core", "lab", "__future__"} | THIRD_PARTY \
            or top in sys.stdlib_module_names
        assert allowed, f"{path.relative_to(ROOT)}:{line} imports {module}"


def test_the_checker_sees_a_back_door(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import core.where\nfrom core.io import tables\nfrom core import decay_factor\n")
    assert [m for _, m, _ in imports(bad)] == ["core.where", "core.io", "core"]
