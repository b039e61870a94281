"""Temporal consistency of one person's lifted track (beyond the
originals, which lift every frame or window on its own).

A person's bones do not change length, and a body moves smoothly at video
rates. :func:`consistent_track` applies both: a light centred moving
average over time (:func:`smooth_track`), then every bone brought within
:data:`BONE_TOLERANCE` of its median length over the track, keeping its
direction (:func:`hold_bone_lengths`, forward kinematics from the root, as
in the skeleton-fitting step of e.g. Mehta et al., VNect, SIGGRAPH 2017,
Sec. 4.2, which fits a skeleton of fixed bone lengths to per-frame 3D
predictions). The band of 5 % was chosen on the training subjects (S1, S5,
S6, S7; exact and detector-like 2D, the three released lifters) among 0,
5, 10 and 20 % and smoothing alone (docs/benchmarks.md); an exact hold
(0 %) cost up to 0.6 mm on S8 with exact 2D.
Poses are root-relative (..., K, 3); ``parents`` list parents first.
"""
from typing import Optional, Sequence

import numpy as np

from .skeleton import H36M17_PARENTS

__all__ = ['BONE_TOLERANCE', 'bone_lengths', 'hold_bone_lengths',
           'smooth_track', 'consistent_track', 'limb_length_cv',
           'smoothing_window']

BONE_TOLERANCE = 0.05  # bones within 5 % of their median (module doc)


def bone_lengths(kp3d, parents: Sequence[int] = H36M17_PARENTS
                 ) -> np.ndarray:
    """(N, K, 3) -> (N, K) length of the bone ending at each joint (0 for
    the root)."""
    kp = np.asarray(kp3d, np.float64)
    par = np.array([max(p, 0) for p in parents])
    out = np.linalg.norm(kp - kp[:, par], axis=-1)
    out[:, [j for j, p in enumerate(parents) if p < 0]] = 0.
    return out


def hold_bone_lengths(kp3d, parents: Sequence[int] = H36M17_PARENTS,
                      lengths: Optional[np.ndarray] = None,
                      tolerance: float = 0.) -> np.ndarray:
    """(N, K, 3) -> the same poses with every bone at ``lengths`` (K,)
    (default: its median over the N frames), or with ``tolerance`` > 0
    within ``lengths * (1 +- tolerance)`` (a bone inside that band keeps
    its length), each bone keeping its direction; joints are placed from
    the root outwards."""
    if not 0. <= tolerance < 1.:
        raise ValueError(f'bone-length tolerance must be in [0, 1), got '
                         f'{tolerance}')
    kp = np.asarray(kp3d, np.float64)
    if lengths is None:
        lengths = np.median(bone_lengths(kp, parents), axis=0)
    out = kp.copy()
    for j, p in enumerate(parents):
        if p < 0:
            continue
        d = kp[:, j] - kp[:, p]
        n = np.linalg.norm(d, axis=-1, keepdims=True)
        unit = np.where(n > 1e-9, d / np.maximum(n, 1e-9), 0.)
        length = np.clip(n, lengths[j] * (1. - tolerance),
                         lengths[j] * (1. + tolerance))
        out[:, j] = out[:, p] + unit * length
    return out


def smooth_track(kp3d, window: int = 5) -> np.ndarray:
    """Centred moving average over ``window`` frames (odd; near the ends
    the window shrinks symmetrically) of (N, ...) values."""
    x = np.asarray(kp3d, np.float64)
    n, h = len(x), int(window) // 2
    if h < 1 or n < 3:
        return x.copy()
    c = np.cumsum(np.concatenate([np.zeros_like(x[:1]), x]), axis=0)
    i = np.arange(n)
    r = np.minimum(np.minimum(i, n - 1 - i), h)  # symmetric half-width
    shape = (n, ) + (1, ) * (x.ndim - 1)
    return (c[i + r + 1] - c[i - r]) / (2 * r + 1).reshape(shape)


def smoothing_window(fps: Optional[float], seconds: float = 0.1) -> int:
    """Odd frame count spanning about ``seconds`` at ``fps`` (5 at 50
    Hz, 3 at 25 or 12 Hz); 3 when the rate is unknown."""
    if not fps:
        return 3
    return 2 * max(1, int(round(seconds * float(fps) / 2))) + 1


def consistent_track(kp3d, present=None, window: int = 5,
                     parents: Sequence[int] = H36M17_PARENTS,
                     tolerance: Optional[float] = BONE_TOLERANCE
                     ) -> np.ndarray:
    """A lifted track (N, K, 3) root-relative made consistent: smoothed
    over ``window`` frames, then each bone within ``tolerance`` of its
    median length over the frames with a person (``present`` (N,) bool;
    None: all) (:func:`hold_bone_lengths`; 0: at the median; None:
    smoothing only). Runs of frames with a person are smoothed
    separately; frames without one are returned unchanged."""
    kp = np.asarray(kp3d, np.float64)
    present = np.ones(len(kp), bool) if present is None else \
        np.asarray(present, bool)
    out = kp.copy()
    if not present.any():
        return out
    edges = np.flatnonzero(np.diff(np.r_[0, present.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2]):
        out[a:b] = smooth_track(kp[a:b], window)
    if tolerance is None:
        return out
    lengths = np.median(bone_lengths(out[present], parents), axis=0)
    out[present] = hold_bone_lengths(out[present], parents, lengths,
                                     tolerance)
    return out


def limb_length_cv(kp3d, parents: Sequence[int] = H36M17_PARENTS
                   ) -> np.ndarray:
    """(N, K, 3) -> (K,) coefficient of variation (std / mean) of each
    bone's length over the frames (0 for the root)."""
    b = bone_lengths(kp3d, parents)
    m = b.mean(0)
    return np.where(m > 0, b.std(0) / np.maximum(m, 1e-12), 0.)
