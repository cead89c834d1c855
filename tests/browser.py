"""Real-browser plumbing for end-to-end tests: the lab served on 127.0.0.1, driven by Chromium.

Uses Debian's ``/usr/bin/chromium`` through the ``playwright`` package (never ``playwright
install``). The server runs ``streamlit run app.py`` in a subprocess with no LLM configured.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(command: list[str], health_url: str, timeout_s: float, **popen):
    """Start ``command``; once ``health_url`` answers 200 yield the process; stop it afterwards.

    RuntimeError if it exits first or does not answer within ``timeout_s``.
    """
    proc = subprocess.Popen(command, **popen)
    try:
        deadline = time.monotonic() + timeout_s
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(health_url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            state = f"exited with {proc.returncode}" if proc.returncode is not None else f"did not answer within {timeout_s} s"
            raise RuntimeError(f"{command[:3]} {state}")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def lab_server(timeout_s: float = 60.0, data_dir: str | Path | None = None, env: dict[str, str] | None = None,
               port: int | None = None):
    """Start the lab on a free loopback port with its workspaces in ``data_dir`` (default: a new
    temporary folder; pass the same one to two servers in turn to restart "the same" lab) and
    ``env`` added to the environment, on ``port`` (default a free one); yield its URL; stop it."""
    port = port or free_port()
    extra, env = env or {}, {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["PERSONALIZATION_LAB_DATA"] = str(data_dir or tempfile.mkdtemp(prefix="lab-browser-data-"))
    env.update(extra)
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
               "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with served(command, f"{url}/_stcore/health", timeout_s, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT):
        yield url
