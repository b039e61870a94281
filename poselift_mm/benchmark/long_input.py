"""Long inputs through ``tools/lift.py``: wall time, frames/s and peak
memory of the tool a user runs, on an MMPose prediction file of N frames of
one person (the bundled CMU clip's noisy 2D played forwards and backwards,
so the motion stays continuous).

The lift runs as its own process, so its peak RSS (``os.wait4``'s
``ru_maxrss``) is that of ``tools/lift.py`` alone; the input is written by
this process beforehand, one frame at a time.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

import numpy as np

from poselift_mm.apis.demo_clip import load_clip
from poselift_mm.apis.model_zoo import repo_root

__all__ = ['LONG_MODELS', 'ping_pong', 'write_long_input', 'lift_command',
           'run_long_input']

# the released lifters of the README main job, by alias
LONG_MODELS = ('zedo', 'diffpose', 'diffpose-video')


def ping_pong(n: int, length: int) -> np.ndarray:
    """(n,) indices into a clip of ``length`` frames played forwards, then
    backwards, and so on (0, 1, .., L-1, L-2, .., 1, 0, 1, ..)."""
    if length < 2:
        return np.zeros(n, int)
    period = 2 * length - 2
    i = np.arange(n) % period
    return np.where(i < length, i, period - i)


def write_long_input(path: str, frames: int, clip: dict) -> None:
    """An MMPose inferencer prediction file (``[{"frame_id", "instances":
    [{"keypoints", "keypoint_scores", "bbox", "bbox_score", "track_id"}]},
    ...]``) of ``frames`` frames of the clip's noisy 2D, written frame by
    frame."""
    kp, sc = clip['keypoints_2d_noisy'], clip['scores_noisy']
    with open(path, 'w') as f:
        f.write('[')
        for n, j in enumerate(ping_pong(frames, len(kp))):
            box = np.concatenate([kp[j].min(0), kp[j].max(0)])
            inst = dict(keypoints=np.round(kp[j], 2).tolist(),
                        keypoint_scores=np.round(sc[j], 3).tolist(),
                        bbox=[np.round(box, 1).tolist()], bbox_score=1.0,
                        track_id=0)
            f.write((',' if n else '') + json.dumps(dict(
                frame_id=n, instances=[inst])))
        f.write(']')


def lift_command(inp: str, out: str, model: str, clip: dict) -> list:
    """``tools/lift.py`` on the clip's camera and frame rate (format
    Human3.6M-17, temporal consistency on: the defaults a user gets)."""
    (fx, fy), (cx, cy) = clip['f'], clip['c']
    w, h = clip['image_size']
    return [sys.executable, osp.join(repo_root(), 'tools', 'lift.py'), inp,
            model, '--out', out, '--format', 'h36m', '--fps',
            str(float(clip['fps'])), '--image-size', str(int(w)), str(int(h)),
            '--intrinsics'] + [str(float(v)) for v in (fx, fy, cx, cy)]


def run_long_input(job: dict) -> dict:
    """Job keys ``model`` (alias), ``frames``: the lift's seconds,
    frames/s, peak RSS (MiB), input and output sizes (MiB). Raises
    ``RuntimeError`` with the tool's last error lines when it fails."""
    clip = load_clip(osp.join(repo_root(), 'demo', 'cmu_01_01_clip.npz'))
    with tempfile.TemporaryDirectory(prefix='poselift_long_') as tmp:
        inp, out = osp.join(tmp, 'input.json'), osp.join(tmp, 'out.json')
        write_long_input(inp, int(job['frames']), clip)
        log = osp.join(tmp, 'lift.log')
        with open(log, 'w') as err:
            t0 = time.time()
            proc = subprocess.Popen(lift_command(inp, out, job['model'], clip),
                                    stdout=err, stderr=subprocess.STDOUT,
                                    cwd=tmp)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.time() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            with open(log) as f:
                raise RuntimeError(f'tools/lift.py exit {proc.returncode}: '
                                   f'{f.read()[-1500:]}')
        mib = lambda p: round(osp.getsize(p) / 2**20, 3)  # noqa: E731
        return dict(frames=int(job['frames']), seconds=round(seconds, 1),
                    frames_per_s=round(job['frames'] / seconds, 1),
                    peak_rss_mib=round(usage.ru_maxrss / 1024),
                    input_mib=mib(inp), output_mib=mib(out))
