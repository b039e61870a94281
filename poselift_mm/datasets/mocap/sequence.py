"""One motion between reading and placement (``MocapSequence``), the y-up ->
z-up frame change both inputs share, and time resampling."""
from dataclasses import dataclass, field
from typing import Tuple

import numpy as np

# (x, y, z) y-up -> (x, -z, y) z-up: a rotation of +90 deg about x.
Y_UP_TO_Z_UP = np.array([[1., 0., 0.], [0., 0., -1.], [0., 1., 0.]])


@dataclass
class MocapSequence:
    """One motion, before placement: 17 joints and the feet, metres, z up."""
    subject: str
    action: str
    fps: float
    joints: np.ndarray  # (T, 17, 3) metres, z up, MMPose h36m order
    feet: np.ndarray  # (T, F, 3) metres, z up: points that touch the floor
    source: str  # file and key, for messages
    level: bool = True  # re-estimate the vertical (expmap: yes, BVH: no)
    info: dict = field(default_factory=dict)


def resample(x: np.ndarray, src_fps: float, dst_fps: float
             ) -> Tuple[np.ndarray, np.ndarray]:
    """(T, ...) at ``src_fps`` -> (T', ...) at ``dst_fps`` by linear
    interpolation in time, and the source positions (T',) in frames
    (integers when ``src_fps / dst_fps`` is: plain subsampling)."""
    if not (src_fps > 0 and dst_fps > 0):
        raise ValueError(f'fps must be > 0, got {src_fps} -> {dst_fps}')
    ratio = src_fps / dst_fps
    count = int(np.floor((len(x) - 1) / ratio + 1e-9)) + 1
    u = np.arange(count) * ratio
    near = np.round(u)
    u = np.where(np.abs(u - near) < 1e-9, near, u)
    i0 = np.minimum(np.floor(u).astype(np.int64), len(x) - 1)
    i1 = np.minimum(i0 + 1, len(x) - 1)
    w = (u - i0).reshape((-1, ) + (1, ) * (x.ndim - 1))
    return x[i0] * (1 - w) + x[i1] * w, u
