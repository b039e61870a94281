"""Plausibility of the 2D and the camera a user gives a lifter: values
that are numbers but cannot be a person in an image (a scaled or
transposed file, a 1x1 "image", a focal length of 1e-9, every joint on one
pixel) raise a ``ValueError`` that names the value and the frames, instead
of being lifted to joints kilometres away.

The bounds are deliberately loose (they catch unit and format mistakes,
not unusual cameras): images of 16 px to 100,000 px a side; focal lengths
of 0.05 to 100 image diagonals (about 175 deg to 0.6 deg of view); scores
of 0 to 100 (MMPose's models may give a little over 1); joints
at most 2 image sizes outside the image; a person at least 2 px across.
"""
from typing import Optional, Sequence

import numpy as np

__all__ = ['check_image_size', 'check_focal', 'check_score_values',
           'check_in_view', 'check_not_collapsed', 'frame_list']

IMAGE_PX = (16., 1e5)
FOCAL_DIAGONALS = (0.05, 100.)
VIEW_MARGIN = 2.
MIN_EXTENT_PX = 2.
MAX_SCORE = 100.  # MMPose's SimCC / heatmap scores may pass 1


def frame_list(bad: np.ndarray) -> str:
    """Frame indices for a message: the first few, and how many."""
    idx = np.flatnonzero(bad)
    shown = ', '.join(str(i) for i in idx[:10])
    more = f', ... ({len(idx)} frames)' if len(idx) > 10 else ''
    return f'[{shown}{more}]'


def check_image_size(w: float, h: float) -> None:
    lo, hi = IMAGE_PX
    if not (lo <= w <= hi and lo <= h <= hi):
        raise ValueError(f'image_size {w:g} x {h:g} px is not a real image '
                         f'(each side must be {lo:g} to {hi:g} px)')


def check_focal(f: Sequence[float], image_size: Optional[Sequence[float]]
                ) -> None:
    """``f`` (fx, fy) px against the image diagonal (when known, else
    against 1 to 1e6 px)."""
    f = np.asarray(f, np.float64).reshape(-1)
    if image_size is not None:
        diag = float(np.hypot(*image_size))
        lo, hi = (d * diag for d in FOCAL_DIAGONALS)
    else:
        lo, hi = 1., 1e6
    if not ((f >= lo) & (f <= hi)).all():
        raise ValueError(f'focal length {f.tolist()} px is implausible: '
                         f'expected {lo:.4g} to {hi:.4g} px'
                         + (' (0.05 to 100 image diagonals)'
                            if image_size is not None else ''))


def check_score_values(scores) -> None:
    """Scores must be real numbers from 0 to ``MAX_SCORE`` (NaN:
    missing). MMPose's SimCC and heatmap models give confidences somewhat
    above 1, which the lifters clamp to 1; negative values or values past
    ``MAX_SCORE`` are not confidences."""
    arr = np.asarray(scores)
    if arr.dtype.kind in 'bcOSU':
        raise ValueError(f'scores: expected real confidences in [0, 1], got '
                         f'dtype {arr.dtype}')
    val = arr.astype(np.float64)
    bad = (val < 0) | (val > MAX_SCORE)
    if bad.any():
        frames = bad.reshape(len(val), -1).any(1)
        raise ValueError(f'scores: values outside [0, {MAX_SCORE:g}] in '
                         f'frames {frame_list(frames)} (e.g. '
                         f'{val[bad][0]:g}); give detector confidences (0 = '
                         'missing)')


def check_in_view(kp, present, image_size) -> None:
    """Present joints (N, K, 2) px must lie within ``VIEW_MARGIN`` image
    sizes of the image (``present`` (N, K) bool)."""
    w, h = (float(v) for v in image_size)
    m = VIEW_MARGIN
    x, y = kp[..., 0], kp[..., 1]
    out = ((x < -m * w) | (x > (1 + m) * w) | (y < -m * h) |
           (y > (1 + m) * h)) & present
    if out.any():
        frames = out.any(1)
        raise ValueError(f'keypoints: joints far outside the {w:g} x {h:g} '
                         f'image in frames {frame_list(frames)} (more than '
                         f'{m:g} image sizes away): wrong units, scale or '
                         'image_size?')


def check_not_collapsed(kp, present) -> None:
    """A frame with 2+ present joints must span ``MIN_EXTENT_PX``."""
    big = np.where(present[..., None], kp, -np.inf).max(1)
    small = np.where(present[..., None], kp, np.inf).min(1)
    extent = (big - small).max(-1)
    bad = (present.sum(1) >= 2) & (extent < MIN_EXTENT_PX)
    if bad.any():
        raise ValueError(f'keypoints: all joints on one point (under '
                         f'{MIN_EXTENT_PX:g} px) in frames {frame_list(bad)};'
                         ' mark such a frame as missing (NaN or score 0)')
