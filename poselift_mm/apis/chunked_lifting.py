"""The people of a keypoint file lifted chunk by chunk of its frames, so
that memory is bounded by the chunk, not by the input's length: the file's
frames [a, b) are lifted for every track present there, each with
``margin`` frames of context on both sides (video windows, gap filling and
smoothing see across the chunk's edges), merged into results-file frames
and handed on (``write_results`` writes them as they come).

A track within one chunk (the default: 10,000 frames, 200 s at 50 Hz) is
lifted whole, as before chunking. A longer one differs from a whole lift
only in the bone lengths that the temporal consistency holds: each chunk
takes the median of its own frames (with context).
"""
import math
from typing import Callable, Optional, Sequence

import numpy as np

from .lift_inputs import MAX_GAP
from .output_schema import merged_frames

__all__ = ['CHUNK_FRAMES', 'track_window', 'context_frames', 'slice_result',
           'chunked_frames']

CHUNK_FRAMES = 10000


def track_window(track: dict, num_joints: int, lo: Optional[int] = None,
                 hi: Optional[int] = None):
    """A track (:func:`~poselift_mm.apis.keypoint_files.read_tracks`) over
    the file positions [lo, hi) (default: its first to its last frame):
    ``(keypoints (n, K, 2), scores (n, K) or None, lo)``, arrays when the
    track's are, else lists of frames; frames without the person are
    all-NaN with score 0 (missing: their gaps are filled over time and get
    no instance)."""
    frames = np.asarray(track['frames'])
    lo = int(frames[0]) if lo is None else int(lo)
    hi = int(frames[-1]) + 1 if hi is None else int(hi)
    keep = np.flatnonzero((frames >= lo) & (frames < hi))
    at = frames[keep] - lo
    kp_in, sc_in = track['keypoints'], track['scores']
    if isinstance(kp_in, np.ndarray) and (sc_in is None or
                                          isinstance(sc_in, np.ndarray)):
        kp = np.full((hi - lo, ) + kp_in.shape[1:], np.nan)
        kp[at] = kp_in[keep]
        sc = None
        if sc_in is not None:
            sc = np.zeros((hi - lo, ) + sc_in.shape[1:])
            sc[at] = sc_in[keep]
        return kp, sc, lo
    kp = [[[float('nan')] * 2] * num_joints] * (hi - lo)
    sc = None if sc_in is None else [[0.] * num_joints] * (hi - lo)
    for i, f in zip(keep, at):
        kp[f] = kp_in[i]
        if sc is not None:
            sc[f] = sc_in[i]
    return kp, sc, lo


def context_frames(num_frames: int = 1, fps: Optional[float] = None,
                   model_fps: Optional[float] = None,
                   max_gap: int = MAX_GAP,
                   window: int = 5) -> int:
    """Frames of context each side of a chunk: a video window of
    ``num_frames`` at ``model_fps`` in the input's frames (``fps``), the
    longest gap filled over time, the smoothing window; whichever is
    longest, plus one."""
    t = int(num_frames)
    if fps and model_fps:
        t = int(math.ceil(t * float(fps) / float(model_fps)))
    return max(t, int(max_gap) + 1, int(window)) + 1


def slice_result(result: dict, start: int, stop: int) -> dict:
    """A lift result's per-frame arrays cut to frames [start, stop); other
    values kept."""
    n = len(result['keypoints_3d'])
    return {k: v[start:stop] if isinstance(v, np.ndarray) and v.ndim
            and len(v) == n else v for k, v in result.items()}


def chunked_frames(frame_ids: Sequence[int], tracks: Sequence[dict],
                   lift: Callable, chunk: int = CHUNK_FRAMES,
                   margin: int = 0, progress: Optional[Callable] = None):
    """Results-file frames (a generator) of every track of a file whose
    frames have ids ``frame_ids``: for each chunk of ``chunk`` frames,
    ``lift(track, lo, hi)`` lifts the track's file positions [lo, hi)
    (the chunk, its ``margin`` of context, clipped to the track) and
    returns a :func:`~poselift_mm.apis.lift.lift_keypoints`-style result,
    or None when the person is absent there. ``progress(frames)`` is
    called after each chunk."""
    n = len(frame_ids)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        parts = []
        for tr in tracks:
            first, last = int(tr['frames'][0]), int(tr['frames'][-1])
            if last < a or first >= b:
                continue
            lo, hi = max(first, a - margin), min(last + 1, b + margin)
            res = lift(tr, lo, hi)
            if res is None:
                continue
            s0, s1 = max(first, a), min(last + 1, b)
            parts.append((s0 - a, tr['track_id'],
                          slice_result(res, s0 - lo, s1 - lo)))
        yield from merged_frames(frame_ids[a:b], parts)
        if progress is not None:
            progress(b - a)
