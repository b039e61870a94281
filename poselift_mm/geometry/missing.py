"""Missing 2D joints: the project's one convention and its two fills.

Convention (every lifter, ``lift_keypoints``, ``tools/lift.py``): a joint
is *missing* when its position is NaN or its score is 0 (or below). A
frame whose joints are all missing has no person.

- :func:`interpolate_gaps` fills a track's gaps over time (linear between
  the last and the next detection of the same joint), as a video lifter
  needs a 2D value in every frame of its window.
- :func:`collapse_onto_parents` puts each joint still missing on its
  closest present ancestor in the skeleton. It is the placement the
  detector-noise transform trains with (``datasets/noise2d.drop_joints``),
  so a pose model trained on that noise sees the same thing at test time,
  and it keeps coordinates finite for MMPose's codecs. It says nothing
  about the joint's true place: lifters give such joints no weight (ZeDO)
  or a wide start noise (DiffPose's scores).
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from .skeleton import H36M17_PARENTS

__all__ = ['missing_mask', 'collapse_onto_parents', 'interpolate_gaps']


def missing_mask(keypoints, scores=None) -> np.ndarray:
    """(N, K) bool: NaN/inf position in ``keypoints`` (N, K, 2), or
    ``scores`` (N, K) <= 0 or NaN."""
    kp = np.asarray(keypoints, dtype=np.float64)
    miss = ~np.isfinite(kp).all(-1)
    if scores is not None:
        sc = np.asarray(scores, dtype=np.float64)
        miss |= ~(sc > 0)  # NaN scores count as missing too
    return miss


def collapse_onto_parents(keypoints, missing,
                          parents: Sequence[int] = H36M17_PARENTS):
    """(..., K, C) keypoints (numpy or torch), (..., K) bool ``missing`` ->
    a copy where each missing joint sits on its first present ancestor
    (``parents`` lists parents before children, so a missing chain
    collapses onto one point). A missing root keeps its position."""
    out = keypoints.clone() if hasattr(keypoints, 'clone') else \
        np.array(keypoints, dtype=np.float64)
    for j, par in enumerate(parents):
        if par < 0:
            continue
        m = missing[..., j]
        out[..., j, :][m] = out[..., par, :][m]
    return out


def interpolate_gaps(keypoints, scores, missing,
                     max_gap: Optional[int] = None,
                     score_factor: float = 0.5
                     ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill each joint's gaps in a track over time.

    ``keypoints`` (N, K, 2), ``scores`` (N, K), ``missing`` (N, K) bool.
    A run of missing frames with a detection on both sides and at most
    ``max_gap`` frames long (None: any) gets the linear interpolation of
    the two detections, and ``score_factor`` times the interpolated score
    (a filled joint is less sure than a detected one). Runs at the start
    or end of the track, or longer, stay missing.
    Returns ``(keypoints, scores, filled (N, K) bool)``; the positions of
    the joints still missing are unchanged (possibly NaN).
    """
    kp = np.array(keypoints, dtype=np.float64)
    sc = np.array(scores, dtype=np.float64)
    filled = np.zeros(np.shape(missing), bool)
    n = kp.shape[0]
    frames = np.arange(n)
    for j in np.flatnonzero(np.asarray(missing).any(0)):
        seen = np.flatnonzero(~missing[:, j])
        if len(seen) < 2:
            continue
        nxt = np.searchsorted(seen, frames)  # index of next detection
        inside = (nxt > 0) & (nxt < len(seen)) & missing[:, j]
        a = seen[np.clip(nxt - 1, 0, len(seen) - 1)]
        b = seen[np.clip(nxt, 0, len(seen) - 1)]
        if max_gap is not None:
            inside &= (b - a - 1) <= max_gap
        if not inside.any():
            continue
        a, b, f = a[inside], b[inside], frames[inside]
        w = ((f - a) / (b - a))[:, None]
        kp[f, j] = (1 - w) * kp[a, j] + w * kp[b, j]
        sc[f, j] = score_factor * ((1 - w[:, 0]) * sc[a, j] +
                                   w[:, 0] * sc[b, j])
        filled[f, j] = True
    return kp, sc, filled
