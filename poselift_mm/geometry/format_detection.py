"""Which 17-joint layout a 2D track is in: COCO-17 or Human3.6M-17.

Both have 17 joints, and a COCO track read as Human3.6M lifts to garbage
without any error, so a 17-joint input is never assumed to be either.
:func:`format_from_dataset` takes the answer from a dataset name when the
input says it (MMPose's ``dataset_meta['dataset_name']``);
:func:`detect_17_joint_format` otherwise decides it from the geometry
(``format=None`` when it cannot), :func:`require_17_joint_format` raises
:class:`KeypointFormatError` then.

The geometric test. Joints 0-4 are COCO's face (nose, eyes, ears: a few
centimetres apart) but Human3.6M's pelvis, right hip, right knee, right foot
and left hip (the right leg spans most of the body). Joints 2 and 3 (COCO's
right eye and left ear, Human3.6M's right knee and right foot) are compared
with the other visible joints of 0-4: the largest of those distances,
divided by the diagonal of the visible joints' bounding box, is the frame's
``face_ratio``. Distances are invariant to rotation, so the test also holds
for lying, upside-down or turned people. A frame votes COCO when
``face_ratio < coco_max``, Human3.6M when ``face_ratio > h36m_min``, and
abstains in between, or when joint 2 and 3 are both invisible, or with fewer
than ``min_visible`` visible joints. The track's layout is the vote of at
least ``min_share`` of the voting frames; anything else is refused.

Measured on the Human3.6M motion capture (S8, every 50th frame, 4,674
poses; COCO faces placed on the skeleton's head, both projected through a
Human3.6M-like pinhole; nose and eyes invisible when the face looks away),
per frame with 1 % of the person's size of 2D noise (right / wrong votes,
the rest abstains):

=========================== ======================== ========================
case                        Human3.6M-17 input       COCO-17 input
=========================== ======================== ========================
upright                     99.6 % / 0 %             98.3 % / 0 %
30 % of joints invisible    80.1 % / 0.24 %          64.9 % / 0 %
legs invisible              abstains (100 %)         41.9 % / 1.2 %
any rotation (lying etc.)   96.1 % / 0.02 %          77.2 % / 0.15 %
any rotation, 30 % missing  79.1 % / 1.2 %           53.9 % / 0.32 %
=========================== ======================== ========================

With 2 % noise, the worst case (COCO, legs invisible) votes 36 % right and
4.1 % wrong. On the real Human3.6M 2D of S8 (46,731 frames) the ratio is
never below 0.23 and below 0.30 for 0.3 % of the frames (they abstain).
"""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

__all__ = ['KeypointFormatError', 'FormatVote', 'DATASET_FORMATS',
           'format_from_dataset', 'face_ratio', 'detect_17_joint_format',
           'require_17_joint_format']

# MMPose dataset_meta['dataset_name'] -> the keypoint format of
# poselift_mm.geometry.keypoint_formats it is in
DATASET_FORMATS = {'coco': 'coco', 'h36m': 'h36m', 'halpe26': 'halpe26',
                   'halpe': 'halpe'}

# per-frame thresholds of face_ratio, and the vote (module doc)
COCO_MAX = 0.15
H36M_MIN = 0.30
MIN_SHARE = 0.8
MIN_VISIBLE = 6
SCORE_THR = 0.3

# (joint, other joint) pairs of face_ratio: 2 and 3 against the rest of 0-4
_PAIRS = tuple((i, j) for i in (2, 3) for j in range(5)
               if j != i and (i, j) != (3, 2))


class KeypointFormatError(ValueError):
    """The 2D keypoints' format cannot be decided (or is not supported)."""


@dataclass
class FormatVote:
    """The outcome of :func:`detect_17_joint_format`: ``format`` ('coco',
    'h36m' or None when undecided), the frame counts ``coco``, ``h36m``,
    ``abstained`` and the per-frame ``ratios`` (NaN: no test possible)."""
    format: Optional[str]
    coco: int
    h36m: int
    abstained: int
    ratios: np.ndarray = field(repr=False)

    @property
    def frames(self) -> int:
        return self.coco + self.h36m + self.abstained

    def summary(self) -> str:
        return (f'{self.coco} of {self.frames} frames look like COCO-17, '
                f'{self.h36m} like Human3.6M-17, {self.abstained} undecided')


def format_from_dataset(name, num_joints: Optional[int] = None,
                        what: str = 'dataset') -> str:
    """The keypoint format of MMPose dataset ``name`` (``dataset_meta
    ['dataset_name']``); :class:`KeypointFormatError` for a dataset that is
    not one of :data:`DATASET_FORMATS`, or whose joint count differs from
    ``num_joints``."""
    from .keypoint_formats import KEYPOINT_FORMATS
    key = str(name).lower()
    if key not in DATASET_FORMATS:
        raise KeypointFormatError(
            f'{what} {name!r}: 2D keypoints of this dataset cannot be '
            'lifted (supported: '
            f'{", ".join(sorted(DATASET_FORMATS))}); convert them to one of '
            'these, or give the format explicitly')
    fmt = DATASET_FORMATS[key]
    want = KEYPOINT_FORMATS[fmt][0]
    if num_joints is not None and int(num_joints) != want:
        raise KeypointFormatError(
            f'{what} {name!r} has {want} joints but the keypoints have '
            f'{num_joints}')
    return fmt


def _visible(keypoints: np.ndarray, scores, score_thr: float) -> np.ndarray:
    vis = np.isfinite(keypoints).all(-1)
    if scores is not None:
        vis &= np.asarray(scores, np.float64) >= score_thr
    return vis


def face_ratio(keypoints, scores=None, score_thr: float = SCORE_THR,
               min_visible: int = MIN_VISIBLE) -> np.ndarray:
    """(N, 17, 2) px keypoints, (N, 17) scores (None: all visible) -> (N,)
    ``face_ratio`` of each frame (module doc); NaN where it cannot be
    measured (joints 2 and 3 invisible, or no visible partner for them
    among 0-4, or fewer than ``min_visible`` joints with ``score >=
    score_thr``)."""
    kp = np.asarray(keypoints, np.float64)
    if kp.ndim != 3 or kp.shape[1:] != (17, 2):
        raise ValueError(f'face_ratio: expected (N, 17, 2) keypoints, got '
                         f'shape {kp.shape}')
    vis = _visible(kp, scores, score_thr)
    kp = np.where(vis[..., None], kp, 0.)
    lo = np.where(vis[..., None], kp, np.inf).min(1)
    hi = np.where(vis[..., None], kp, -np.inf).max(1)
    with np.errstate(invalid='ignore'):
        size = np.linalg.norm(hi - lo, axis=-1)
    best = np.full(len(kp), -1.)
    for i, j in _PAIRS:
        ok = vis[:, i] & vis[:, j]
        d = np.linalg.norm(kp[:, i] - kp[:, j], axis=-1)
        best = np.where(ok, np.maximum(best, d), best)
    ok = (best >= 0) & (vis.sum(1) >= min_visible) & (size > 0)
    out = np.full(len(kp), np.nan)
    out[ok] = best[ok] / size[ok]
    return out


def detect_17_joint_format(keypoints, scores=None,
                           score_thr: float = SCORE_THR,
                           coco_max: float = COCO_MAX,
                           h36m_min: float = H36M_MIN,
                           min_share: float = MIN_SHARE,
                           min_visible: int = MIN_VISIBLE) -> FormatVote:
    """COCO-17 or Human3.6M-17? (N, 17, 2) px keypoints of one person's
    frames and their (N, 17) scores (None: all visible) -> a
    :class:`FormatVote` whose ``format`` is 'coco', 'h36m' or None (no
    frame could vote, or no layout has ``min_share`` of the votes). The
    test: module doc. :func:`require_17_joint_format` raises instead of
    returning None."""
    ratio = face_ratio(keypoints, scores, score_thr, min_visible)
    coco = int(np.sum(ratio < coco_max))
    h36m = int(np.sum(ratio > h36m_min))
    voted = coco + h36m
    fmt = None
    if voted:
        if coco >= min_share * voted:
            fmt = 'coco'
        elif h36m >= min_share * voted:
            fmt = 'h36m'
    return FormatVote(fmt, coco, h36m, len(ratio) - voted, ratio)


def require_17_joint_format(keypoints, scores=None, hint: str = '',
                            **kwargs) -> FormatVote:
    """:func:`detect_17_joint_format`, raising :class:`KeypointFormatError`
    (with ``hint``: how the caller's user names the format) when the
    layout is undecided."""
    vote = detect_17_joint_format(keypoints, scores, **kwargs)
    if vote.format is None:
        why = ('no frame has enough visible joints among 0-4 to tell them '
               'apart' if not vote.coco + vote.h36m else
               'the frames disagree')
        raise KeypointFormatError(
            '17 joints could be COCO-17 or Human3.6M-17 and the layout '
            f'cannot be told from the geometry ({why}: {vote.summary()}); '
            + (hint or "give keypoint_format='coco' or 'h36m'"))
    return vote

