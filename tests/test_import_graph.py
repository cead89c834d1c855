"""The layout's promises, read from the source: no import cycle inside ``core``, no oversized module.

The import graph is built with ``ast`` from every module under ``core/``, counting *every* import
statement: module level, inside functions and under ``if TYPE_CHECKING:``. A cycle is a cycle
however it is written; moving one import into a function only hides it from the interpreter
until the wrong module is imported first.

Edges point at the module an import names explicitly:

* ``import core.a.b`` and ``from core.a import b`` (``b`` a module) -> ``core.a.b``;
* ``from core.a import name`` (``name`` not a module) -> ``core.a``, i.e. ``core/a/__init__.py``;
* ``from core import X`` -> ``core`` (the front door).

Python also runs the ``__init__`` of every parent package first (``core``, then ``core.a``), but
those implicit edges are not counted: every module would then depend on ``core/__init__``, which
re-exports the front door, and the whole engine would be one cycle that says nothing about its
layering. An explicit ``from core import X`` inside the engine *is* counted, because that is the
import that really closes a cycle through the front door.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 300
SIZE_CHECKED = ("core", "lab", "pages")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "core").rglob("*.py"))}


def resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of dotted ``name`` that is a module (``core.a.X`` -> ``core.a``)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """``(target module, line)`` for every import of a ``core`` module in one file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the current package, ``level - 1`` steps up
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found += [(resolve(t, modules), node.lineno) for t in targets if t == "core" or t.startswith("core.")]
    return found


def import_graph() -> dict[str, dict[str, list[int]]]:
    """``graph[a][b]`` = lines of ``a`` that import ``b``."""
    modules = core_modules()
    graph: dict[str, dict[str, list[int]]] = {m: defaultdict(list) for m in modules}
    for name, path in modules.items():
        for target, line in imports_of(name, path, modules):
            if line not in graph[name][target]:  # one statement may import several names
                graph[name][target].append(line)
    return graph


def strongly_connected(graph: dict[str, dict[str, list[int]]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): every strongly connected component, members sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                components.append(sorted(members))
    return components


def cycles(graph: dict[str, dict[str, list[int]]]) -> list[str]:
    """One readable entry per cycle: its modules and the import lines that tie them together."""
    found = []
    for members in strongly_connected(graph):
        inside = set(members)
        if len(members) == 1 and members[0] not in graph[members[0]]:
            continue
        edges = [f"    {a} -> {b}  ({graph_path(a)}:{','.join(map(str, lines))})"
                 for a in members for b, lines in sorted(graph[a].items()) if b in inside]
        found.append(f"cycle of {len(members)}: {', '.join(members)}\n" + "\n".join(edges))
    return found


def graph_path(module: str) -> str:
    return str(core_modules()[module].relative_to(ROOT))


def test_every_kind_of_import_is_an_edge(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import core.models\n"                            # 2: a module by its dotted name
        "from core.store import base\n"                   # 3: a module imported from its package
        "from core.store.base import Hit, CollectionSpec\n"  # 4: names -> their module, once
        "from core import to_uuid\n"                      # 5: the front door
        "from . import fts\n"                             # 6: relative, a sibling module
        "from .. import base as b2\n"                     # 7: relative, two levels
        "if TYPE_CHECKING:\n    from core.errors import StoreError\n"  # 9
        "def later():\n    from core.ids import parse_uuid\n"        # 11
        "import numpy\n", encoding="utf-8")
    found = imports_of("core.store.embedded.mod", source, core_modules())
    assert sorted(found) == sorted([
        ("core.models", 2), ("core.store.base", 3), ("core.store.base", 4), ("core.store.base", 4), ("core", 5),
        ("core.store.embedded.fts", 6), ("core.store.base", 7), ("core.errors", 9), ("core.ids", 11)])


def test_a_package_is_its_init():
    graph = import_graph()
    assert "core.cli.commands" in graph["core.cli"] and "core.store.base" in graph["core.store.embedded.store"]
    assert "core" not in graph["core.models"]  # parent packages are not implicit edges


def test_cycle_finder_on_a_known_graph():
    g = {"a": {"b": [1]}, "b": {"c": [2]}, "c": {"a": [3], "d": [4]}, "d": {}, "e": {"e": [5]}, "f": {"d": [6]}}
    assert sorted(strongly_connected(g)) == [["a", "b", "c"], ["d"], ["e"], ["f"]]


def test_core_has_no_import_cycle():
    found = cycles(import_graph())
    assert not found, f"{len(found)} import cycle(s) in core/ (every import counts, function-level and " \
                      "TYPE_CHECKING ones too):\n" + "\n".join(found)


def test_no_module_is_over_300_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for folder in SIZE_CHECKED for p in sorted((ROOT / folder).rglob("*.py"))}
    over = {path: n for path, n in sizes.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines (split them by responsibility): " + \
        ", ".join(f"{path} ({n})" for path, n in sorted(over.items(), key=lambda kv: -kv[1]))
