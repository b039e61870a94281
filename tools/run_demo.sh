#!/usr/bin/env bash
# README command 1: set up (if needed), then run the main job end to end on
# the embedded default, offline and on the CPU. Outputs go to
# work_dirs/quickstart (override: POSELIFT_DEMO_DIR).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/tools/setup_env.sh"
PY="${POSELIFT_VENV:-$REPO/.venv}/bin/python"
OUT="${POSELIFT_DEMO_DIR:-$REPO/work_dirs/quickstart}"
CFG="$REPO/configs/baselines/simplebaseline3d_tcn-1frm_synthetic-tiny.py"
DATA="$OUT/data"
start=$(date +%s)

echo "[demo] 1/3 writing the procedural Human3.6M-format set to $DATA"
"$PY" "$REPO/tools/make_synthetic_h36m.py" "$DATA"
roots="train_dataloader.dataset.data_root=$DATA val_dataloader.dataset.data_root=$DATA test_dataloader.dataset.data_root=$DATA"

echo "[demo] 2/3 training $(basename "$CFG") with tools/train.py"
# shellcheck disable=SC2086
"$PY" "$REPO/tools/train.py" "$CFG" --work-dir "$OUT/train" \
    --cfg-options $roots >"$OUT/train.log" 2>&1 \
    || { tail -n 30 "$OUT/train.log"; echo "[demo] training failed, log: $OUT/train.log"; exit 1; }
CKPT="$OUT/train/epoch_10.pth"

echo "[demo] 3/3 testing $CKPT with tools/test.py"
# shellcheck disable=SC2086
"$PY" "$REPO/tools/test.py" "$CFG" "$CKPT" --work-dir "$OUT/test" \
    --out "$OUT/predictions.pkl" --cfg-options $roots >"$OUT/test.log" 2>&1 \
    || { tail -n 30 "$OUT/test.log"; echo "[demo] testing failed, log: $OUT/test.log"; exit 1; }
# LiftingMPJPE logs millimetres, averaged per action then over actions.
metrics=$(for m in MPJPE P-MPJPE N-MPJPE; do
    grep -Eo "h36m/$m: [0-9.]+" "$OUT/test.log" | tail -n 1 \
        | awk -v m="$m" '{printf "%s %.1f mm  ", m, $2}'
done)

echo "[demo] done in $(( $(date +%s) - start )) s"
echo "[demo] test set (subject S8 of the procedural set): $metrics"
echo "[demo] outputs:"
echo "    data         $DATA"
echo "    checkpoint   $CKPT"
echo "    predictions  $OUT/predictions.pkl"
echo "    logs         $OUT/train.log, $OUT/test.log, $OUT/train/, $OUT/test/"
