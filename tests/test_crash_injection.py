"""Crash injection (``scripts/crash_injection.py``, run as a subprocess): ``kill -9`` during bulk interactions,
catalog imports and replaces — at random moments, and at each phase of a staged build — then the file is
checked: nothing acknowledged lost, no partial batch or catalog, integrity_check ok, the reopened index equal
to SQLite. The script does the checks (they are its point); here every one of them must have passed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]  # about 30 child processes, two to four minutes

ROOT = Path(__file__).resolve().parents[1]
PHASES = {"staged", "filled", "agent", "publishing", "published"}


def test_kill_9_loses_nothing_acknowledged_and_leaves_nothing_half_done():
    run = subprocess.run([sys.executable, "scripts/crash_injection.py", "--trials", "7", "--seed", "11", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["problems"] == [] and report["trials_with_problems"] == 0
    assert report["random_trials"] == 21 and report["targeted_trials"] == 10
    assert report["killed_while_running"] == len(report["trials"]) == 31  # every kill hit a working process
    assert report["acknowledged_writes"] > 20
    assert {r["workload"] for r in report["trials"] if r["phase"] is None} == {"interactions", "import", "replace"}
    assert {(r["workload"], r["phase"]) for r in report["trials"] if r["phase"]} == \
        {(w, p) for w in ("replace", "import") for p in PHASES}
