"""Project promises that are easy to break silently."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_core_never_imports_streamlit():
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "streamlit" for n in names), f"{path} imports streamlit"


@pytest.mark.integration
def test_importing_core_loads_no_heavy_dependency():
    code = "import sys, core, core.io.samples, core.io.catalog, core.cli.commands; print(sorted(m for m in ('torch', 'streamlit', 'sentence_transformers', 'openai') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = readme.index("<!-- test-command -->")
    command = readme[marker:].split("```bash\n", 1)[1].split("\n", 1)[0]
    assert command == "bash scripts/test.sh"
    assert "pytest" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in ci and "README.md" in ci
    head = readme[:readme.index("---")]
    assert head.count("```bash") == 2, "the README's first screen gives exactly two commands"


@pytest.mark.slow
def test_readme_library_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("## Library", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    response = namespace["response"]
    assert len(response.objects) == 10
    assert all(o.properties["year"] >= 1990 for o in response.objects)
    assert namespace["hits"].objects


@pytest.mark.slow
def test_readme_evaluation_example_runs(capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("### Evaluation\n", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    record, tuned = namespace["record"], namespace["tuned"]
    assert record["users"] == len(namespace["users"]) == 100 and len(record["runs"]) == 3
    assert record["protocol"]["split"] == "temporal" and record["protocol"]["min_rating"] == 4
    assert tuned.best.decay_rate in (0.0, 0.1, 0.5) and len(tuned.validation) == 3
    assert "[" in capsys.readouterr().out  # the printed estimates carry their intervals
