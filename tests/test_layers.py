"""The engine's layers (README, "How the engine is laid out"): each imports only the layers below it.

Every import in ``core/`` is read with ``ast`` (function-level ones too); an import of a module in a
layer *above* the importing module's layer is a failure, listed with file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"

LAYERS = [  # top first
    ("cli", ("core.cli", "core.__main__")),
    ("front door", ("core",)),
    ("workspaces", ("core.workspaces",)),
    ("evaluation", ("core.eval",)),
    ("public objects", ("core.personalization",)),
    ("agent", ("core.ranking",)),
    ("retrieval", ("core.retrieval",)),
    ("learning", ("core.learn",)),
    ("file import", ("core.io",)),
    ("stores", ("core.store",)),
    ("vocabulary", ("core.models", "core.configs", "core.errors", "core.checks", "core.ids", "core.trace", "core.text",
                    "core.where", "core.values", "core.titles")),
]


def layer_of(module: str) -> int:
    best, depth = None, -1
    for n, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = n, prefix.count(".")
    assert best is not None, f"{module} is in no layer: add it to LAYERS and to the README table"
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_each_layer_imports_only_layers_below_it():
    wrong = []
    for path in sorted(CORE.rglob("*.py")):
        here = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for target in targets:
                if target.split(".")[0] == "core" and layer_of(target) < layer_of(here):
                    wrong.append(f"{path.relative_to(CORE.parent)}:{node.lineno} ({LAYERS[layer_of(here)][0]}) "
                                 f"imports {target} ({LAYERS[layer_of(target)][0]})")
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)
