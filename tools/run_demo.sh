#!/usr/bin/env bash
# README command 1: set up (if needed), then run the main job end to end on
# the embedded default, offline and on the CPU: BlazePose's 2D of the bundled
# real video (demo/single_person_demo.mp4) lifted by the committed ZeDO and
# DiffPose checkpoints, then the bundled CMU clip (demo/cmu_01_01_clip.npz)
# lifted by the same checkpoints and compared with its ground truth. Outputs
# go to work_dirs/quickstart (override: POSELIFT_DEMO_DIR); extra arguments
# go to tools/demo_clip.py.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/tools/setup_env.sh"
PY="${POSELIFT_VENV:-$REPO/.venv}/bin/python"
OUT="${POSELIFT_DEMO_DIR:-$REPO/work_dirs/quickstart}"
start=$(date +%s)
"$PY" "$REPO/tools/demo_clip.py" --out-dir "$OUT" "$@"
echo "[demo] main job done in $(( $(date +%s) - start )) s (after set-up)"
