#!/usr/bin/env bash
# README command 2: set up (if needed), then run the test suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k geometry`.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/tools/setup_env.sh"
cd "$REPO"
exec "${POSELIFT_VENV:-$REPO/.venv}/bin/python" -m pytest tests "$@"
