"""Which top-level packages may import which: tests and benchmarks never import each other, and the
shared stand-ins in ``devtools/`` stay out of the engine and the lab.

- ``tests/`` may import ``core``, the lab and ``devtools``, never ``benchmarks``: a test checks the
  product, and what a benchmark needs checked lives in ``core`` (``core.eval``);
- ``benchmarks/`` may import ``core`` and ``devtools``, never ``tests``;
- ``devtools/`` (stand-ins at an external boundary, e.g. the fake OpenAI server) imports neither;
- ``core/`` and the lab (``app.py``, ``pages/``, ``lab/``) import none of the three.

Every import statement counts (module level, in functions, under ``if TYPE_CHECKING:``), read with
``ast``; a relative import is resolved against the file's own package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "tests": {"benchmarks"},
    "benchmarks": {"tests"},
    "devtools": {"tests", "benchmarks"},
    "core": {"tests", "benchmarks", "devtools"},
    "lab": {"tests", "benchmarks", "devtools"},
}
"""Top-level package (``lab`` also stands for ``app.py`` and ``pages/``) -> the packages it must not import."""


def sources(package: str) -> list[Path]:
    if package == "lab":
        return sorted([ROOT / "app.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "lab").rglob("*.py")])
    return sorted((ROOT / package).rglob("*.py"))


def imported_packages(path: Path, root: Path = ROOT) -> list[tuple[str, int]]:
    """``(top-level package, line)`` of every import in ``path`` (relative ones resolved from its folder)."""
    package = path.parent.relative_to(root).parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # inside the file's own top-level package (climbing out of it fails at import)
                found.append((package[0] if node.level <= len(package) else "<beyond the top>", node.lineno))
            elif node.module:
                found.append((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_what_it_must_not(package):
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for path in sources(package) for target, line in imported_packages(path) if target in FORBIDDEN[package]]
    assert not wrong, f"{package} must not import {sorted(FORBIDDEN[package])}:\n" + "\n".join(wrong)


def test_every_package_exists_and_has_sources():
    assert all(sources(package) for package in FORBIDDEN)


def test_the_checker_sees_each_kind_of_import(tmp_path):
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    bad = folder / "bad.py"
    bad.write_text("import tests.fake\nfrom tests.conftest import APP\nfrom . import sibling\n"
                   "def later():\n    import devtools.fake_openai\n"
                   "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tests import browser\n",
                   encoding="utf-8")
    assert imported_packages(bad, tmp_path) == [("tests", 1), ("tests", 2), ("benchmarks", 3), ("typing", 6),
                                                ("devtools", 5), ("tests", 8)]
