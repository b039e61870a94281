#!/usr/bin/env bash
# Build every data file the DiffPose / ZeDO configs read, from the real
# motion capture described in ../shared/data/README.md (nothing downloaded):
#   data/h36m_mocap/  Human3.6M S1 S5 S6 S7 (train) + S8 (val), 50 Hz, real
#                     cameras with distortion, a detector-like noisy 2D file,
#                     50 K-means pose clusters (ZeDO), a 3-component 2D error
#                     GMM (DiffPose)
#   data/cmu_h36m/    CMU BVH motion through Human3.6M's S8 cameras (test)
#   and, for both test sets, detector-like noisy 2D at two strengths
#   (h36m_{val,test}_det_{mild,strong}.npy, tools/make_noisy_2d.py)
# Usage: bash tools/prepare_mocap_data.sh [SHARED_DATA_DIR]   (~2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-../shared/data}
PY=${PYTHON:-.venv/bin/python}
CAMS=$SHARED/mmpose_samples/h36m/cameras.pkl
for f in "$SHARED/h36m_mocap/h36m_expmap_50hz_train.npz" "$CAMS"; do
  [ -f "$f" ] || { echo "error: $f not found (see ../shared/data/README.md)" >&2; exit 2; }
done
H=data/h36m_mocap
if [ ! -f $H/annotation_body3d/fps50/h36m_val.npz ]; then
  $PY tools/mocap_to_h36m.py $H --quiet \
    --expmap "$SHARED/h36m_mocap/h36m_expmap_50hz_train.npz" \
    --skeleton "$SHARED/h36m_mocap/skeleton_h36m32.json" --cameras "$CAMS"
fi
[ -f $H/clusters/h36m_clusters50.npz ] || $PY tools/make_clusters.py \
  $H/annotation_body3d/fps50/h36m_train.npz --k 50 --max-poses 200000 \
  --out $H/clusters/h36m_clusters50.npz
[ -f $H/gmm/h36m_train_noisy_gmm3.npz ] || $PY tools/fit_gmm.py \
  $H/annotation_body3d/fps50/h36m_train.npz \
  $H/joint_2d_det_files/fps50/h36m_train_noisy.npy \
  $H/gmm/h36m_train_noisy_gmm3.npz --components 3 --max-rows 200000 \
  --camera-param-file $H/annotation_body3d/cameras.pkl
C=data/cmu_h36m
[ -f $C/annotation_body3d/fps50/h36m_test.npz ] || $PY tools/mocap_to_h36m.py \
  $C --quiet --bvh "$SHARED"/cmu_bvh/*.bvh --camera-subject S8 \
  --split test=CMU01,CMU131 --cameras "$CAMS"
# detector-like noisy 2D test files at two strengths (DetectorNoise2D presets)
for p in mild strong; do
  [ -f $H/joint_2d_det_files/fps50/h36m_val_det_$p.npy ] || $PY \
    tools/make_noisy_2d.py $H/annotation_body3d/fps50/h36m_val.npz \
    $H/joint_2d_det_files/fps50/h36m_val_det_$p.npy --preset $p --seed 8 \
    --cameras $H/annotation_body3d/cameras.pkl
  [ -f $C/joint_2d_det_files/fps50/h36m_test_det_$p.npy ] || $PY \
    tools/make_noisy_2d.py $C/annotation_body3d/fps50/h36m_test.npz \
    $C/joint_2d_det_files/fps50/h36m_test_det_$p.npy --preset $p --seed 9 \
    --cameras $C/annotation_body3d/cameras.pkl
done
echo "data ready: $H $C"
