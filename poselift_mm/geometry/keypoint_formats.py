"""2D keypoint-format adapters: COCO-17 / Halpe -> Human3.6M-17 (MMPose order).

``convert_keypoints(keypoints, scores, src, dst='h36m')`` reorders the joints
an H36M lifter shares with the detector's format and synthesises the others
as midpoints. Format names are MMPose ``dataset_meta['dataset_name']`` values
(``coco`` and ``h36m`` both have 17 joints: which one a track is in is
decided by :mod:`poselift_mm.geometry.format_detection`, never assumed):

=========== ====== ==========================================================
src         joints source
=========== ====== ==========================================================
``coco``    17     COCO body (MMPose ``coco.py``)
``halpe26`` 26     Halpe-26 body + feet (``halpe26.py``)
``halpe``   136    full Halpe; only its first 26 joints (= Halpe-26) are used
``h36m``    17     identity (a copy)
=========== ====== ==========================================================

Synthesised H36M joints (every other joint is copied from the source joint of
the same name; H36M ``left_foot``/``right_foot`` <- ``*_ankle``):

============ ==================================== =========================
H36M joint   from COCO-17                         from Halpe-26 / Halpe-136
============ ==================================== =========================
0 root       mid(left_hip, right_hip)             hip (copied)
7 spine      mid(root, thorax), the H36M joints   mid(root, thorax), same
8 thorax     mid(left_shoulder, right_shoulder)   neck (copied)
9 neck_base  nose (copied)                        nose (copied)
10 head      mid(left_eye, right_eye)             head (copied; head top)
============ ==================================== =========================

``mid(a, b) = (a + b) / 2``, on every channel of ``keypoints`` (a third
channel, e.g. MMPose's ``[x, y, score]``, is averaged like a coordinate).

COCO -> H36M equals MMPose 1.3.2's ``mmpose.apis.convert_keypoint_definition``
(``pose_det_dataset='coco'``) bit for bit on floating-point input; MMPose has
no Halpe rule (it raises ``NotImplementedError``), so Halpe follows
MotionBERT's ``halpe2h36m`` (Zhu et al., ICCV 2023), which uses Halpe's own
head/neck/hip joints. Deliberate differences from MMPose: integer keypoints
are converted to float (MMPose truncates the midpoints into the input's
integer dtype), and scores are converted too.

Scores: MMPose converts no scores (its 3D inferencer leaves
``keypoint_scores`` in the detector's order next to H36M-ordered keypoints).
Here a copied joint keeps its score and a synthesised joint gets the MINIMUM
of its contributors' scores: a midpoint is wrong as soon as either end is, so
a missing source joint (score 0, often parked at (0, 0)) must give a
zero-confidence synthesised joint, not the 0.5 a mean would claim for a point
dragged halfway to the image corner. For 0/1 visibilities min is a logical
AND. Zero scores are valid input.
"""
from typing import Dict, Sequence, Tuple

import numpy as np
import torch

from .skeleton import H36M17_NAMES

COCO17_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                'left_shoulder', 'right_shoulder', 'left_elbow',
                'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                'right_ankle')
HALPE26_NAMES = COCO17_NAMES + ('head', 'neck', 'hip', 'left_big_toe',
                                'right_big_toe', 'left_small_toe',
                                'right_small_toe', 'left_heel', 'right_heel')

# format -> (number of joints, names of the joints the rules may use)
KEYPOINT_FORMATS: Dict[str, Tuple[int, Tuple[str, ...]]] = {
    'coco': (17, COCO17_NAMES),
    'halpe26': (26, HALPE26_NAMES),
    'halpe': (136, HALPE26_NAMES),  # face and hand joints follow, unused
    'h36m': (17, H36M17_NAMES),
}

# H36M joints shared by name or as ankle -> foot, identical in every format
_LIMBS = (('right_hip', ('right_hip', )), ('right_knee', ('right_knee', )),
          ('right_foot', ('right_ankle', )), ('left_hip', ('left_hip', )),
          ('left_knee', ('left_knee', )), ('left_foot', ('left_ankle', )),
          ('left_shoulder', ('left_shoulder', )),
          ('left_elbow', ('left_elbow', )), ('left_wrist', ('left_wrist', )),
          ('right_shoulder', ('right_shoulder', )),
          ('right_elbow', ('right_elbow', )),
          ('right_wrist', ('right_wrist', )))

# src format -> (H36M joint, source joints): the joint is the source joint or
# the midpoint of the two; a name starting with '@' is an H36M joint of the
# same table (computed from the source first).
TO_H36M_RULES: Dict[str, Tuple[Tuple[str, Tuple[str, ...]], ...]] = {
    'coco': _LIMBS + (
        ('root', ('left_hip', 'right_hip')),
        ('spine', ('@root', '@thorax')),
        ('thorax', ('left_shoulder', 'right_shoulder')),
        ('neck_base', ('nose', )),
        ('head', ('left_eye', 'right_eye')),
    ),
    'halpe26': _LIMBS + (
        ('root', ('hip', )),
        ('spine', ('@root', '@thorax')),
        ('thorax', ('neck', )),
        ('neck_base', ('nose', )),
        ('head', ('head', )),
    ),
    'h36m': tuple((name, (name, )) for name in H36M17_NAMES),
}
TO_H36M_RULES['halpe'] = TO_H36M_RULES['halpe26']


def _compile(rules, src_names: Sequence[str]):
    """Rules -> index arrays (first, second) into src, and into pass 1."""
    by_dst = dict(rules)
    if sorted(by_dst) != sorted(H36M17_NAMES) or len(rules) != 17:
        raise AssertionError('a rule table must define each H36M joint once')
    src_a, src_b, mid = [], [], []
    der_dst, der_a, der_b = [], [], []
    for j, name in enumerate(H36M17_NAMES):
        sources = by_dst[name]
        if len(sources) not in (1, 2):
            raise AssertionError(f'{name}: 1 or 2 sources, got {sources}')
        if sources[0].startswith('@'):  # from H36M joints of pass 1
            if any(by_dst[s[1:]][0].startswith('@') for s in sources):
                raise AssertionError(f'{name}: @joints must come from src')
            idx = [H36M17_NAMES.index(s[1:]) for s in sources]
            der_dst.append(j)
            der_a.append(idx[0])
            der_b.append(idx[-1])
            src_a.append(0)
            src_b.append(0)
        else:
            idx = [src_names.index(s) for s in sources]
            src_a.append(idx[0])
            src_b.append(idx[-1])
            if len(idx) == 2:
                mid.append(j)
    as_idx = (lambda v: np.asarray(v, dtype=np.int64))
    return tuple(
        as_idx(v) for v in (src_a, src_b, mid, der_dst, der_a, der_b))


_COMPILED = {
    src: _compile(rules, KEYPOINT_FORMATS[src][1])
    for src, rules in TO_H36M_RULES.items()
}


def check_format(name: str, what: str) -> str:
    if not isinstance(name, str) or name not in KEYPOINT_FORMATS:
        raise ValueError(f'{what}={name!r} is not a known keypoint format; '
                         f'known: {", ".join(KEYPOINT_FORMATS)}')
    return name


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, torch.Tensor))


def _count_nonfinite(x) -> int:
    if isinstance(x, torch.Tensor):
        return int((~torch.isfinite(x)).sum()) if x.is_floating_point() \
            else 0
    return int(np.count_nonzero(~np.isfinite(x))) if np.issubdtype(
        x.dtype, np.inexact) else 0


def _shape(x) -> str:
    return '(' + ', '.join(str(s) for s in x.shape) + \
        (',)' if x.ndim == 1 else ')')


def _as_float(x):
    """Integer/bool keypoints -> float (midpoints must not truncate)."""
    if isinstance(x, torch.Tensor):
        return x if x.is_floating_point() else x.to(torch.get_default_dtype())
    return x if np.issubdtype(x.dtype, np.inexact) else x.astype(np.float64)


def _index(idx: np.ndarray, like):
    if isinstance(like, torch.Tensor):
        return torch.as_tensor(idx, device=like.device)
    return idx


def _gather_pairs(x, compiled, combine, joint_axis_last: bool):
    """Apply the two rule passes along the joint axis of x."""
    src_a, src_b, mid, der_dst, der_a, der_b = (_index(i, x)
                                                for i in compiled)
    if joint_axis_last:  # scores (..., K)
        out = x[..., src_a]  # a copy: never a view of the input
        if len(mid):
            out[..., mid] = combine(x[..., src_a[mid]], x[..., src_b[mid]])
        if len(der_dst):
            out[..., der_dst] = combine(out[..., der_a], out[..., der_b])
        return out
    out = x[..., src_a, :]  # keypoints (..., K, C)
    if len(mid):
        out[..., mid, :] = combine(x[..., src_a[mid], :],
                                   x[..., src_b[mid], :])
    if len(der_dst):
        out[..., der_dst, :] = combine(out[..., der_a, :], out[..., der_b, :])
    return out


def _midpoint(a, b):
    return (a + b) / 2


def _minimum(a, b):
    if isinstance(a, torch.Tensor):
        return torch.minimum(a, b)
    return np.minimum(a, b)


def _check_src_dst(src: str, dst: str) -> int:
    """Valid (src, dst) -> number of joints of src."""
    check_format(src, 'src')
    if dst != 'h36m':
        check_format(dst, 'dst')
        raise ValueError(f"dst={dst!r} is not supported: only 'h36m' "
                         '(Human3.6M-17) is a conversion target')
    return KEYPOINT_FORMATS[src][0]


def convert_keypoints(keypoints,
                      scores=None,
                      src: str = 'coco',
                      dst: str = 'h36m'):
    """(..., K_src, 2|3) keypoints, (..., K_src) scores -> H36M-17 versions.

    Returns ``(keypoints (..., 17, C), scores (..., 17) or None)``, each in
    the input's kind (numpy or torch); keypoints keep a float dtype (integers
    become float), scores their dtype. Rules and score handling: module
    docstring. ``scores`` may be confidences or 0/1 visibilities.
    """
    num_joints = _check_src_dst(src, dst)
    if not _is_array(keypoints):
        raise TypeError('keypoints must be a numpy array or torch tensor, '
                        f'got {type(keypoints).__name__}')
    if keypoints.ndim < 2 or keypoints.shape[-1] not in (2, 3):
        raise ValueError(f'keypoints: expected shape (..., {num_joints}, 2 '
                         f'or 3) for src={src!r}, got shape '
                         f'{_shape(keypoints)}')
    if keypoints.shape[-2] != num_joints:
        raise ValueError(f'keypoints: src={src!r} needs {num_joints} joints, '
                         f'got {keypoints.shape[-2]} (shape '
                         f'{_shape(keypoints)})')
    bad = _count_nonfinite(keypoints)
    if bad:
        raise ValueError(f'keypoints contain {bad} non-finite values '
                         '(NaN/inf); give missing joints a score of 0 '
                         'instead')
    if scores is not None:
        if not _is_array(scores):
            raise TypeError('scores must be a numpy array or torch tensor, '
                            f'got {type(scores).__name__}')
        if tuple(scores.shape) != tuple(keypoints.shape[:-1]):
            raise ValueError(f'scores: expected shape keypoints.shape[:-1] = '
                             f'{tuple(keypoints.shape[:-1])}, got shape '
                             f'{_shape(scores)}')
        scores = convert_scores(scores, src, dst)
    out = _gather_pairs(_as_float(keypoints), _COMPILED[src], _midpoint,
                        False)
    return out, scores


def convert_scores(scores, src: str = 'coco', dst: str = 'h36m'):
    """(..., K_src) scores or visibilities -> (..., 17): min over sources."""
    num_joints = _check_src_dst(src, dst)
    if not _is_array(scores):
        raise TypeError('scores must be a numpy array or torch tensor, '
                        f'got {type(scores).__name__}')
    if scores.ndim < 1 or scores.shape[-1] != num_joints:
        raise ValueError(f'scores: src={src!r} needs {num_joints} joints, '
                         f'got shape {_shape(scores)}')
    bad = _count_nonfinite(scores)
    if bad:
        raise ValueError(f'scores contain {bad} non-finite values (NaN/inf)')
    return _gather_pairs(scores, _COMPILED[src], _minimum, True)


def h36m_sources(src: str) -> Dict[str, Tuple[str, ...]]:
    """H36M joint name -> the src joint names it is built from (resolved)."""
    check_format(src, 'src')
    rules = dict(TO_H36M_RULES[src])

    def resolve(name):
        out = ()
        for s in rules[name]:
            out += resolve(s[1:]) if s.startswith('@') else (s, )
        return out

    return {name: resolve(name) for name in H36M17_NAMES}
