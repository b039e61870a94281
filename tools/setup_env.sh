#!/usr/bin/env bash
# Install the pinned OpenMMLab stack and poselift_mm into a project-local
# virtualenv. Idempotent: a second run with unchanged requirements returns at
# once. Environment overrides:
#   POSELIFT_VENV        the virtualenv           (default: <repo>/.venv)
#   POSELIFT_CACHE       wheels that survive runs (default: ~/.cache/poselift_mm)
#   PYTHON               the interpreter           (default: python3.11 or python3)
#   CC, CXX              the C/C++ compilers       (default: gcc, g++)
#   POSELIFT_MIN_FREE_GB disk needed for a new venv (default: 12)
# `setup_env.sh --check` only reports whether the environment is up to date.
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${POSELIFT_VENV:-$REPO/.venv}"
CACHE="${POSELIFT_CACHE:-$HOME/.cache/poselift_mm}"
LOG="$(dirname "$VENV")/.setup.log"
MMCV_VERSION=2.1.0
TORCH_VERSION=$(sed -n 's/^torch==//p' "$REPO/requirements/torch.txt")

STEP="start"
say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

on_error() {
    local code=$?
    printf '[setup] ERROR: step "%s" failed (exit %s).\n' "$STEP" "$code" >&2
    if [ -f "$LOG" ]; then
        if grep -qi 'no space left on device' "$LOG"; then
            printf '[setup] The disk is full: free some space (df -h %s) and run again.\n' "$REPO" >&2
        elif grep -Eqi "(gcc|g\+\+|c\+\+|cc1plus)[^ ]*: (not found|No such file)|command '[^']*(gcc|g\+\+)' failed|unable to execute '[^']*(gcc|g\+\+)'" "$LOG"; then
            printf '[setup] A C/C++ compiler is missing: install one (Debian: apt-get install build-essential python3-dev).\n' >&2
        fi
        printf '[setup] Last lines of %s:\n' "$LOG" >&2
        tail -n 25 "$LOG" | sed 's/^/    /' >&2
    fi
    exit "$code"
}
trap on_error ERR

# Run a quiet command, keeping its output in the log.
run() { echo "+ $*" >>"$LOG"; "$@" >>"$LOG" 2>&1; }

stamp_of() {
    cat "$REPO"/requirements/*.txt "$REPO/tools/setup_env.sh" "$REPO/setup.py" \
        | sha256sum | cut -c1-16
}

need_free_gb() {
    local need=$1 where=$2 avail
    mkdir -p "$where"
    avail=$(df -Pk "$where" | awk 'NR==2 {print int($4 / 1048576)}')
    if [ "$avail" -lt "$need" ]; then
        fail "not enough disk space in $where: ${avail} GB free, about ${need} GB needed"
    fi
}

STAMP_FILE="$VENV/.poselift_stamp"
STAMP=$(stamp_of)
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$STAMP" ] \
        && [ -x "$VENV/bin/python" ]; then
    say "environment up to date: $VENV"
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    say "environment missing or out of date: $VENV"
    exit 1
fi

: >"$LOG"
say "installing the pinned stack into $VENV (log: $LOG)"

STEP="1/9 check the machine"
say "[$STEP]"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then PYTHON=$candidate; break; fi
    done
fi
[ -n "$PYTHON" ] || fail "no python3 found: install Python 3.11"
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$PYVER" = "3.11" ] || fail "Python 3.11 is required (the pinned torch wheels are cp311); $PYTHON is $PYVER. Set PYTHON=/path/to/python3.11"
for tool in "${CC:-gcc}" "${CXX:-g++}"; do
    command -v "$tool" >/dev/null 2>&1 || fail "the C/C++ compiler '$tool' is missing (needed to build mmcv ops and xtcocotools): apt-get install build-essential python3-dev"
done
PYINC=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$PYINC/Python.h" ] || fail "Python headers are missing ($PYINC/Python.h): apt-get install python3-dev"
if [ ! -x "$VENV/bin/python" ]; then need_free_gb "${POSELIFT_MIN_FREE_GB:-12}" "$(dirname "$VENV")"; fi

STEP="2/9 create the virtualenv"
say "[$STEP]"
if [ ! -x "$VENV/bin/python" ]; then run "$PYTHON" -m venv "$VENV"; fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
export PATH="$VENV/bin:$PATH"

STEP="3/9 install torch and build tools"
say "[$STEP] (torch $TORCH_VERSION; the first time this copies ~5 GB)"
run "${PIP[@]}" install -r "$REPO/requirements/torch.txt" -r "$REPO/requirements/build.txt"

STEP="4/9 mmcv $MMCV_VERSION with CPU ops"
ARCH_TAG="mmcv${MMCV_VERSION}-torch${TORCH_VERSION}-cp311-$(uname -m)"
WHEELS="$CACHE/wheels/$ARCH_TAG"
mkdir -p "$WHEELS"
MMCV_WHEEL=$(ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$MMCV_WHEEL" ]; then
    say "[$STEP] no cached wheel in $WHEELS: building from the sdist (about 15 minutes on 2 idle cores)"
    need_free_gb 3 "$CACHE"
    BUILD_DIR=$(mktemp -d "$CACHE/mmcv-build.XXXXXX")
    run "${PIP[@]}" download --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$BUILD_DIR"
    tar xzf "$BUILD_DIR/mmcv-$MMCV_VERSION.tar.gz" -C "$BUILD_DIR"
    SRC="$BUILD_DIR/mmcv-$MMCV_VERSION"
    # torch>=2.10 headers need C++20; mmcv 2.1.0 asks for C++14/17.
    sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$SRC/setup.py"
    grep -q -- '-std=c++20' "$SRC/setup.py" || fail "could not patch mmcv's setup.py to C++20"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="$(nproc)" \
        run "${PIP[@]}" wheel --no-deps --no-build-isolation -w "$BUILD_DIR/dist" .)
    # Publish atomically so that an interrupted build never leaves a broken wheel.
    built=$(ls "$BUILD_DIR"/dist/mmcv-*.whl)
    cp "$built" "$WHEELS/.tmp-$(basename "$built")"
    mv "$WHEELS/.tmp-$(basename "$built")" "$WHEELS/$(basename "$built")"
    rm -rf "$BUILD_DIR"
    MMCV_WHEEL="$WHEELS/$(basename "$built")"
else
    say "[$STEP] using cached wheel $(basename "$MMCV_WHEEL")"
fi
run "${PIP[@]}" install --no-deps "$MMCV_WHEEL"

STEP="5/9 runtime dependencies"
say "[$STEP]"
run "${PIP[@]}" install -r "$REPO/requirements/runtime.txt"

STEP="6/9 xtcocotools (built against the installed numpy)"
say "[$STEP]"
run "${PIP[@]}" install --no-binary xtcocotools --no-build-isolation -r "$REPO/requirements/xtcocotools.txt"

STEP="7/9 mmengine, mmdet, mmpose, openmim (--no-deps)"
say "[$STEP]"
run "${PIP[@]}" install --no-deps -r "$REPO/requirements/openmmlab.txt"

STEP="8/9 poselift_mm (editable) and test tools"
say "[$STEP]"
run "${PIP[@]}" install -r "$REPO/requirements/tests.txt"
run "${PIP[@]}" install --no-deps --no-build-isolation -e "$REPO"
# mim looks for site-packages/poselift_mm/.mim, which PEP 660 editable
# installs do not create: link the package there (see poselift_mm/utils/mim_link.py).
run "$PY" -m poselift_mm.utils.mim_link

STEP="9/9 BlazePose: mediapipe's pose solution (--no-deps; the offline 2D detector)"
say "[$STEP]"
# --no-deps: mediapipe declares jax, opencv-contrib-python, ... that its pose
# solution never imports, and must not move the pinned numpy or OpenCV
run "${PIP[@]}" install --no-deps -r "$REPO/requirements/blazepose.txt"

STEP="verify imports"
run "$PY" -c "import mmcv.ops, mmdet, mmpose.models, poselift_mm; print('poselift_mm', poselift_mm.__version__)"
run "$PY" -c "import mediapipe as mp; mp.solutions.pose.Pose; import numpy; assert numpy.__version__ == '$(sed -n 's/^numpy==//p' "$REPO/requirements/runtime.txt")', numpy.__version__"
echo "$STAMP" >"$STAMP_FILE"
say "done: $("$PY" -c 'import torch, mmcv, mmpose, poselift_mm; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmpose {mmpose.__version__}, poselift_mm {poselift_mm.__version__}")')"
