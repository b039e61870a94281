"""The 2D a user gives ``lift_keypoints``, checked and made ready for a
lifter: its keypoint format (given, or told apart by geometry), its
missing joints (:mod:`poselift_mm.geometry.missing`: NaN or score 0), the
frames without a person, and the camera."""
from typing import Mapping, Optional, Tuple

import numpy as np
import torch

from poselift_mm.geometry.checks import check_camera
from poselift_mm.geometry.format_detection import require_17_joint_format
from poselift_mm.geometry.keypoint_formats import (KEYPOINT_FORMATS,
                                                   convert_keypoints)
from poselift_mm.geometry.missing import (collapse_onto_parents,
                                          interpolate_gaps, missing_mask)
from poselift_mm.geometry.plausibility import (check_focal, frame_list,
                                               check_image_size,
                                               check_in_view,
                                               check_not_collapsed,
                                               check_score_values)

__all__ = ['AUTO_FORMATS', 'FORMAT_HINT', 'MAX_GAP',
           'resolve_keypoint_format', 'camera_param', 'prepare_track',
           'as_frames']

MAX_GAP = 25  # frames: the longest gap of a joint filled over time (0.5 s
# at 50 Hz), lift_keypoints' default

# joint count -> the formats 'auto' chooses from (17: COCO-17 or
# Human3.6M-17, told apart by geometry.format_detection)
AUTO_FORMATS = {17: ('coco', 'h36m'), 26: ('halpe26', ), 136: ('halpe', )}
# how to name the format explicitly, in the messages of 'auto'
FORMAT_HINT = ("give it explicitly: keypoint_format='coco' or 'h36m' "
               '(tools/lift.py: --format coco|h36m)')

# ---- input checks ----------------------------------------------------------
def as_frames(x, name: str, trailing: Tuple[int, ...]) -> np.ndarray:
    """Array-like of N frames -> float64 (N, K, *trailing); ragged frame
    lists raise naming the frames whose joint count differs; inf raises
    (NaN is allowed: a missing joint)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, (list, tuple)) and len(x) and not np.isscalar(x[0]):
        shapes = [np.shape(f) for f in x]
        if len(set(shapes)) > 1:
            ref = shapes[0]
            bad = np.array([s != ref for s in shapes])
            raise ValueError(
                f'{name}: frames {frame_list(bad)} have shapes '
                f'{sorted(set(shapes[i] for i in np.flatnonzero(bad)))}, '
                f'frame 0 has {ref}: every frame needs the same joints')
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{name}: not a numeric array ({err})') from None
    want = 2 + len(trailing)
    if arr.ndim != want or arr.shape[2:] != trailing or not arr.shape[0]:
        dims = ', '.join(['N', 'K'] + [str(d) for d in trailing])
        raise ValueError(f'{name}: expected shape ({dims}) for N >= 1 '
                         f'frames of one person, got {arr.shape}')
    bad = np.isinf(arr).reshape(len(arr), -1).any(1)
    if bad.any():
        raise ValueError(f'{name}: infinite values in frames '
                         f'{frame_list(bad)}; mark a missing joint with NaN '
                         'or a score of 0')
    return arr


def resolve_keypoint_format(fmt: str, keypoints: np.ndarray,
                            scores: Optional[np.ndarray] = None,
                            hint: str = FORMAT_HINT) -> Tuple[str, str]:
    """``(format, how)`` of (N, K, 2) ``keypoints``: ``fmt`` itself
    (``how='given'``) after checking its joint count, or for ``'auto'`` the
    format of K joints: 26 Halpe-26, 136 Halpe, and 17 COCO-17 or
    Human3.6M-17 decided from the geometry
    (:func:`~poselift_mm.geometry.format_detection.require_17_joint_format`,
    ``how`` = its vote summary). Undecidable 17-joint input raises a
    ``ValueError`` that says how to give the format (``hint``)."""
    n, num_joints = keypoints.shape[:2]
    if fmt == 'auto':
        if num_joints not in AUTO_FORMATS:
            raise ValueError(
                f'keypoints: all {n} frames (0..{n - 1}) have {num_joints} '
                'joints; supported: 17 (COCO-17 or Human3.6M-17), 26 '
                '(Halpe-26), 136 (Halpe)')
        choices = AUTO_FORMATS[num_joints]
        if len(choices) == 1:
            return choices[0], f'{num_joints} joints'
        vote = require_17_joint_format(keypoints, scores, hint=hint)
        return vote.format, f'detected: {vote.summary()}'
    if fmt not in KEYPOINT_FORMATS:
        raise ValueError(f'keypoint_format={fmt!r} is not one of '
                         f"'auto', {', '.join(map(repr, KEYPOINT_FORMATS))}")
    want = KEYPOINT_FORMATS[fmt][0]
    if num_joints != want:
        raise ValueError(
            f'keypoints: all {n} frames (0..{n - 1}) have {num_joints} '
            f"joints, keypoint_format={fmt!r} needs {want}")
    return fmt, 'given'


def camera_param(image_size, intrinsics) -> dict:
    """MMPose ``camera_param``: ``w``, ``h``; ``f``, ``c`` (2, 1) px;
    optional ``k`` (3, 1), ``p`` (2, 1)."""
    cam = {}
    if image_size is not None:
        wh = np.asarray(image_size, dtype=np.float64).reshape(-1)
        if wh.size != 2 or not np.isfinite(wh).all() or (wh <= 0).any():
            raise ValueError('image_size must be (w, h) in pixels, both > 0;'
                             f' got {image_size!r}')
        check_image_size(*wh)
        cam['w'], cam['h'] = int(round(wh[0])), int(round(wh[1]))
    if intrinsics is not None:
        if not isinstance(intrinsics, Mapping):
            K = np.asarray(intrinsics, dtype=np.float64)
            if K.shape != (3, 3):
                raise ValueError('intrinsics must be dict(f=(fx, fy), '
                                 'c=(cx, cy)) or a 3x3 matrix K, got shape '
                                 f'{K.shape}')
            intrinsics = dict(f=K[[0, 1], [0, 1]], c=K[:2, 2])
        try:
            got = check_camera(intrinsics, need=('f', 'c'))
        except ValueError as err:
            raise ValueError(f'intrinsics: {err}') from None
        if (np.asarray(got['f']) <= 0).any():
            raise ValueError(f"intrinsics: 'f' must be > 0, got {got['f']}")
        try:
            check_focal(got['f'], None if image_size is None else
                        np.asarray(image_size, np.float64).reshape(-1))
        except ValueError as err:
            raise ValueError(f'intrinsics: {err}') from None
        for key in ('f', 'c', 'k', 'p'):
            if key in got:
                cam[key] = np.asarray(got[key], np.float32).reshape(-1, 1)
    return cam




def prepare_track(keypoints, scores=None, keypoint_format: str = 'auto',
                  max_gap: Optional[int] = None, image_size=None) -> dict:
    """One person's 2D track -> what a lifter takes, by the missing-joint
    rule (NaN position or score 0 = missing).

    ``keypoints`` (N, K, 2) px, ``scores`` (N, K) or None (ones). The
    format is resolved (:func:`resolve_keypoint_format`, judged on the
    present joints) and converted to Human3.6M-17; each joint's gaps are
    filled over time (:func:`~poselift_mm.geometry.missing.
    interpolate_gaps`, gaps of at most ``max_gap`` frames, None: any);
    joints still missing get score 0 and their closest present ancestor's
    position. Returns ``keypoints`` (N, 17, 2) float32 (finite),
    ``scores`` (N, 17) float32, ``present`` (N,) bool (a person in the
    frame: some joint given), ``filled`` (N, 17) bool, ``format``, ``how``.
    A track with no person in any frame, implausible scores, joints far
    outside the image (``image_size`` (w, h), when known) or all on one
    point raise ``ValueError`` (:mod:`poselift_mm.geometry.plausibility`).
    """
    if scores is not None and not isinstance(scores, list):
        check_score_values(scores)  # dtype (lists: after conversion)
    kp = as_frames(keypoints, 'keypoints', (2, ))
    n, k = kp.shape[:2]
    if scores is None:
        sc = np.ones((n, k))
    else:
        sc = as_frames(scores, 'scores', ())
        if sc.shape != (n, k):
            raise ValueError(f'scores: expected shape ({n}, {k}) like the '
                             f'keypoints, got {sc.shape}')
        if isinstance(scores, list):
            check_score_values(np.asarray(scores))
        check_score_values(sc)
    miss = missing_mask(kp, sc)
    present = ~miss.all(1)
    if not present.any():
        raise ValueError(f'keypoints: no joint is given in any of the {n} '
                         'frames (all NaN or score 0): nothing to lift')
    kp = np.where(miss[..., None], 0., kp)
    sc = np.where(miss, 0., sc)
    wh = None if image_size is None else \
        np.asarray(image_size, float).reshape(-1)
    if wh is not None and wh.size == 2 and np.isfinite(wh).all():
        check_image_size(*wh)  # (other mistakes: camera_param names them)
        check_in_view(kp, ~miss, wh)
    check_not_collapsed(kp, ~miss)
    fmt, how = resolve_keypoint_format(
        keypoint_format, kp[present],
        None if scores is None else sc[present])
    kp, sc = convert_keypoints(kp, sc, src=fmt)
    miss = ~(sc > 0)
    kp, sc, filled = interpolate_gaps(kp, sc, miss, max_gap)
    kp = collapse_onto_parents(kp, miss & ~filled)
    # a frame without a person: lifted for its neighbours' windows only
    lost = ~present
    if lost.any():
        near, gone = np.flatnonzero(present), np.flatnonzero(lost)
        hi = np.clip(np.searchsorted(near, gone), 0, len(near) - 1)
        lo = np.clip(hi - 1, 0, len(near) - 1)  # nearest present frame,
        take = np.where(gone - near[lo] <= near[hi] - gone,  # the earlier
                        near[lo], near[hi])                   # on a tie
        kp[lost] = np.where(filled[lost][..., None], kp[lost], kp[take])
    return dict(keypoints=kp.astype(np.float32),
                scores=sc.astype(np.float32), present=present,
                filled=filled, format=fmt, how=how)
