"""Changing the frame rate of a pose sequence: linear interpolation in time.

A video lifter sees windows of T frames at the rate it was trained at (the
released video DiffPose: 27 frames at 50 Hz = 0.54 s). A video at another
rate is resampled to the model's rate before windowing, and the lifted 3D
back to the video's frames afterwards::

    x50 = resample_sequence(x, 12., 50.)          # (N, K, 2) -> (M, K, 2)
    y50 = lift(x50)                               # (M, K, 3)
    y = resample_back(y50, 12., 50., len(x))      # (N, K, 3)

Frame ``i`` of a sequence at ``fps`` is at time ``i / fps`` s. The model-
rate samples start at the first frame, ``t_j = j / dst_fps`` for ``j = 0
.. ceil((N - 1) dst_fps / src_fps)``, so they cover the last source frame;
the one sample past the last source frame (by less than one model frame)
takes the last frame (held, not extrapolated), and on the way back it
stands for the last frame's time. Pure numpy; any trailing shape.
"""
import math

import numpy as np

__all__ = ['frame_times', 'resample_times', 'interpolate_frames',
           'resample_sequence', 'resample_back', 'same_rate']


def _check_fps(*rates) -> None:
    for fps in rates:
        if not (isinstance(fps, (int, float, np.number)) and
                math.isfinite(fps) and fps > 0):
            raise ValueError(f'frame rates must be finite and > 0, got '
                             f'{fps!r}')


def same_rate(src_fps: float, dst_fps: float, rtol: float = 1e-3) -> bool:
    """True when the two rates differ by less than ``rtol`` (relative):
    no resampling is needed."""
    _check_fps(src_fps, dst_fps)
    return abs(src_fps - dst_fps) <= rtol * max(src_fps, dst_fps)


def frame_times(num_frames: int, fps: float) -> np.ndarray:
    """(N,) float64 times in seconds of ``num_frames`` frames at ``fps``."""
    _check_fps(fps)
    if int(num_frames) < 1:
        raise ValueError(f'need num_frames >= 1, got {num_frames}')
    return np.arange(int(num_frames), dtype=np.float64) / float(fps)


def resample_times(num_frames: int, src_fps: float,
                   dst_fps: float) -> np.ndarray:
    """(M,) float64 times in seconds of the ``dst_fps`` samples covering
    ``num_frames`` source frames at ``src_fps`` (module docstring); M =
    ceil((N - 1) dst_fps / src_fps) + 1."""
    _check_fps(src_fps, dst_fps)
    if int(num_frames) < 1:
        raise ValueError(f'need num_frames >= 1, got {num_frames}')
    span = (int(num_frames) - 1) * float(dst_fps) / float(src_fps)
    m = int(math.ceil(span - 1e-9)) + 1
    return np.arange(m, dtype=np.float64) / float(dst_fps)


def interpolate_frames(x, t_src, t_dst, skip_nan: bool = False
                       ) -> np.ndarray:
    """Samples ``x`` (N, ...) at increasing times ``t_src`` (N,) -> (M, ...)
    float64 at times ``t_dst`` (M,), linear between the two neighbouring
    samples; times outside ``[t_src[0], t_src[-1]]`` take the end sample.
    A time equal to a source time gives that sample exactly; a NaN value
    makes NaN only the times strictly between it and its neighbours, or
    with ``skip_nan`` those times take the other neighbour's value (NaN
    only where both are NaN)."""
    x = np.asarray(x, dtype=np.float64)
    ts = np.asarray(t_src, dtype=np.float64).reshape(-1)
    td = np.asarray(t_dst, dtype=np.float64).reshape(-1)
    if x.ndim < 1 or len(x) != len(ts) or not len(ts):
        raise ValueError(f'interpolate_frames: x has shape {x.shape}, '
                         f't_src has {len(ts)} times')
    if len(ts) > 1 and not (np.diff(ts) > 0).all():
        raise ValueError('interpolate_frames: t_src must increase')
    if len(ts) == 1:
        return np.repeat(x, len(td), axis=0)
    tc = np.clip(td, ts[0], ts[-1])
    hi = np.clip(np.searchsorted(ts, tc, side='right'), 1, len(ts) - 1)
    lo = hi - 1
    w = (tc - ts[lo]) / (ts[hi] - ts[lo])
    w = w.reshape((-1, ) + (1, ) * (x.ndim - 1))
    # an end sample with weight 0 does not count (a NaN there stays out)
    a, b = x[lo], x[hi]
    with np.errstate(invalid='ignore'):
        mixed = a * (1. - w) + b * w
    if skip_nan:
        mixed = np.where(np.isnan(a), b, np.where(np.isnan(b), a, mixed))
    return np.where(w <= 0., a, np.where(w >= 1., b, mixed))


def resample_sequence(x, src_fps: float, dst_fps: float) -> np.ndarray:
    """(N, ...) frames at ``src_fps`` -> (M, ...) float64 at ``dst_fps``
    (times :func:`resample_times`), linear in time."""
    x = np.asarray(x)
    t_dst = resample_times(len(x), src_fps, dst_fps)
    return interpolate_frames(x, frame_times(len(x), src_fps), t_dst)


def resample_back(y, src_fps: float, dst_fps: float, num_frames: int,
                  skip_nan: bool = False) -> np.ndarray:
    """The inverse step: (M, ...) samples at the times of
    ``resample_times(num_frames, src_fps, dst_fps)`` -> (N, ...) float64 at
    the ``num_frames`` source frames, linear in time (``skip_nan``: see
    :func:`interpolate_frames`)."""
    y = np.asarray(y)
    t_src = frame_times(num_frames, src_fps)
    t_dst = resample_times(num_frames, src_fps, dst_fps)
    if len(y) != len(t_dst):
        raise ValueError(f'resample_back: {len(y)} samples, the '
                         f'{num_frames} frames at {src_fps:g} fps have '
                         f'{len(t_dst)} at {dst_fps:g} fps')
    # the held last sample is the pose at the last frame's time
    t_dst = np.minimum(t_dst, t_src[-1])
    if len(t_dst) > 1 and t_dst[-1] <= t_dst[-2]:
        y, t_dst = y[:-1], t_dst[:-1]
    return interpolate_frames(y, t_dst, t_src, skip_nan)
