"""Detector-like 2D keypoint noise, so lifters trained on exact projections
survive detector 2D.

A clean pose window ``(T, K, 2)`` px becomes a detection: left/right swaps,
temporally correlated per-joint jitter, outliers, dropped joints, and scores
that fall with the error. Pure functions of a ``numpy.random.Generator``
below (numpy only); the registered transform
:class:`~poselift_mm.datasets.transforms.detector_noise.DetectorNoise2D`
applies them in an MMPose pipeline (before the codec, on pixels),
:func:`noisy_copy` makes noisy test files
(:mod:`poselift_mm.datasets.noisy_files`), each video's generator from
:func:`keyed_rng`.

Scale. Every pixel quantity is stated at a person of reference size
``ref_size_px = 310`` px: the diagonal of the 17 keypoints' box, at which
Human3.6M people appear in its 1000 x 1000 images. Each frame's noise is
multiplied by ``size / 310`` (size = that box's diagonal), so the noise has
the same size relative to the person at any resolution or in any units
(pixels or screen-normalised coordinates alike). The 310 px: median over
the 62,468 frames of Human3.6M S1, S5-S8 (``../shared/data/h36m_mocap``,
root-relative 17 joints, 10 Hz), seen at random headings from the root
depths of MMPose's four real test frames (4.7-6.6 m) with f = 1146 px;
those four real frames measure 293-355 px.

Error taxonomy (Ruggero Ronchi & Perona, "Benchmarking and Error Diagnosis
in Multi-Instance Pose Estimation", ICCV 2017): *jitter* (near the right
joint) -> AR(1) Gaussian jitter; *inversion* (on the same person's other
side) -> left/right swaps; *miss* (near no joint) -> outliers; their
*swap* (another person's joint) cannot happen with one person and is not
modelled. Joints a detector does not report at all -> dropped joints
(score 0). I could only read the paper's taxonomy, not its measured rates,
so the event rates below are assumptions.

Parameter sources ('strong' = the defaults of :class:`DetectorNoiseParams`;
'mild' about half of its error):

* ``joint_factors``: the per-joint mean 2D error of VideoPose3D's released
  Human3.6M detections (Pavllo et al., CVPR 2019) against the ground-truth
  projections, all subjects and cameras, as computed in the public notebook
  ``compare_2d_predictions.ipynb`` of github.com/SoroushMehraban/
  2DEstimatorEvaluation (Mehraban et al., "Evaluating recent 2D human pose
  estimators for 2D-3D pose lifting", FG 2024). CPN fine-tuned on H36M
  (``cpn_ft_h36m_dbb``): 4.67 px over joints, from 2.4 (head) to 7.2
  (right wrist); Detectron fine-tuned (``detectron_ft_h36m``): 6.00 px,
  from 2.9 to 10.9. The factor is each joint's error over its detector's
  mean, averaged over the two detectors and over left/right (mean 1.0).
  Pavllo et al. themselves publish no 2D pixel errors (VideoPose3D issue
  #30: "We don't provide those metrics").
* ``sigma_px`` 4 / 2: the team's held-out reference (4 px per coordinate
  times a joint factor, 3 % outliers of 20-60 px; mean 6.1, median 4.8,
  p95 11.5 px). With the measured factors, sigma 4 gives the 6.0 px mean of
  Detectron-FT (1.2533 sigma f is a 2D Gaussian's mean error); i.i.d.
  Gaussian pixel noise is also the detector model of Martinez et al.'s
  robustness test (ICCV 2017, "A simple yet effective baseline").
* ``outlier_prob`` / ``outlier_px``: 3 %, 20-60 px: the team's reference;
  'mild' 2 %, 10-30 px (assumed: about half).
* ``ar_coef`` 0.8 per window step: assumed (no published value found; a
  detector's error follows the slowly changing appearance). Measure it as
  the lag-1 autocorrelation of ``detected - true`` per video when real
  detections are at hand; for windows with ``seq_step = s`` at 50 Hz use
  ``0.8 ** s``.
* ``swap_prob`` 1 % / 0.5 % of frames, ``swap_whole_body`` 0.2: assumed.
* ``miss_prob`` 1 % / 0.5 % of joints: assumed.
* ``score_sigma_px`` 8, ``score_noise`` 0.05: assumed; score = exp(-e^2 /
  (2 * 8^2)) + N(0, 0.05^2) for the error e at reference size, so a 5 px
  error scores about 0.82, 10 px 0.46, 20 px 0.04 (clipped to [0.01, 1]).

Measured 2D error (px, over the joints with score > 0) on real Human3.6M
poses (S1, S5-S8 of ``../shared/data/h36m_mocap``, 62,024 frames in windows
of 8, projected as for ``ref_size_px``: median person 312 px):

=======  ====  ======  ====  ===========  ========  =======
preset   mean  median  p95   swap frames  outliers  dropped
=======  ====  ======  ====  ===========  ========  =======
strong   6.25  4.45    14.3  1.0 %        3.0 %     1.0 %
mild     2.95  2.20    6.5   0.5 %        2.0 %     0.5 %
=======  ====  ======  ====  ===========  ========  =======

The mean matches the reference (6.1) and Detectron-FT (6.0); the median is
lower and p95 higher than the reference's 4.8 / 11.5, because the measured
joint factors (0.50-1.64) spread more than its 0.85-1.25 and the noise
follows the person's size. The tests measure the same on synthetic poses.

Conventions: a dropped joint gets score 0 and the (noisy) position of its
parent in the skeleton (the root keeps its own noisy position), so
coordinates stay finite for MMPose's codecs and a dropped joint carries no
information about its true place. The project's "NaN or score 0 = missing"
becomes "score 0 = missing" here. Joints that are already invisible
(``keypoints_visible <= 0``) keep score 0.
"""
import zlib
from dataclasses import dataclass, fields, replace
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from poselift_mm.geometry.missing import collapse_onto_parents
from poselift_mm.geometry.skeleton import H36M17_PARENTS, H36M_FLIP_INDICES

__all__ = [
    'H36M17_FLIP_INDICES', 'H36M17_LIMB_CHAINS', 'H36M17_JOINT_FACTORS',
    'REF_SIZE_PX', 'DETECTED_SCORE_FLOOR', 'DetectorNoiseParams', 'PRESETS',
    'resolve_noise_params', 'keyed_rng', 'person_size', 'ar1_unit_noise',
    'outlier_offsets', 'swap_left_right', 'drop_joints', 'error_scores',
    'apply_detector_noise', 'noisy_copy'
]

# MMPose's h36m metainfo ``flip_indices``.
H36M17_FLIP_INDICES = H36M_FLIP_INDICES  # MMPose h36m metainfo
# (right chain, left chain), proximal -> distal: legs, arms.
H36M17_LIMB_CHAINS = (((1, 2, 3), (4, 5, 6)), ((14, 15, 16), (11, 12, 13)))
# Per-joint error / mean error, CPN-FT and Detectron-FT averaged, left/right
# averaged (see the module docstring); H36M-17 order.
H36M17_JOINT_FACTORS = (0.66, 0.97, 1.03, 1.13, 0.97, 1.03, 1.13, 0.81, 0.79,
                        0.66, 0.50, 0.78, 1.25, 1.64, 0.78, 1.25, 1.64)
REF_SIZE_PX = 310.0
DETECTED_SCORE_FLOOR = 0.01  # score 0 is kept for dropped joints


@dataclass(frozen=True)
class DetectorNoiseParams:
    """One noise model; pixel values at a ``ref_size_px`` person.

    The defaults are the 'strong' preset; sources in the module docstring.
    ``joint_factors``: (K,) sigma multipliers, None for all ones.
    """
    sigma_px: float = 4.0
    joint_factors: Optional[Tuple[float, ...]] = H36M17_JOINT_FACTORS
    ar_coef: float = 0.8
    outlier_prob: float = 0.03
    outlier_px: Tuple[float, float] = (20.0, 60.0)
    swap_prob: float = 0.01
    swap_whole_body: float = 0.2
    miss_prob: float = 0.01
    score_sigma_px: float = 8.0
    score_noise: float = 0.05
    ref_size_px: float = REF_SIZE_PX

    def __post_init__(self):
        lo_hi = tuple(float(v) for v in self.outlier_px)
        if len(lo_hi) != 2 or not 0 <= lo_hi[0] <= lo_hi[1]:
            raise ValueError('DetectorNoiseParams.outlier_px must be (lo, hi) '
                             f'with 0 <= lo <= hi, got {self.outlier_px}')
        object.__setattr__(self, 'outlier_px', lo_hi)
        if self.joint_factors is not None:
            jf = tuple(float(v) for v in np.ravel(self.joint_factors))
            if not all(np.isfinite(v) and v >= 0 for v in jf):
                raise ValueError('DetectorNoiseParams.joint_factors must be '
                                 f'finite and >= 0, got {jf}')
            object.__setattr__(self, 'joint_factors', jf)
        for name in ('sigma_px', 'score_noise'):
            if not getattr(self, name) >= 0:
                raise ValueError(f'DetectorNoiseParams.{name} must be >= 0, '
                                 f'got {getattr(self, name)}')
        for name in ('score_sigma_px', 'ref_size_px'):
            if not getattr(self, name) > 0:
                raise ValueError(f'DetectorNoiseParams.{name} must be > 0, '
                                 f'got {getattr(self, name)}')
        for name in ('outlier_prob', 'swap_prob', 'swap_whole_body',
                     'miss_prob'):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f'DetectorNoiseParams.{name} must be in '
                                 f'[0, 1], got {getattr(self, name)}')
        if not 0 <= self.ar_coef < 1:
            raise ValueError('DetectorNoiseParams.ar_coef must be in [0, 1), '
                             f'got {self.ar_coef}')


# Error statistics of both: see the module docstring.
PRESETS = {
    'strong': DetectorNoiseParams(),
    'mild': DetectorNoiseParams(sigma_px=2.0, outlier_prob=0.02,
                                outlier_px=(10.0, 30.0), swap_prob=0.005,
                                miss_prob=0.005),
}


def resolve_noise_params(preset: Union[str, DetectorNoiseParams,
                                       Mapping] = 'strong',
                         strength: float = 1.0,
                         **overrides) -> DetectorNoiseParams:
    """A preset name / params / field mapping, then ``overrides``, then
    ``strength``: it multiplies the pixel sizes (``sigma_px``,
    ``outlier_px``) and the event rates (``outlier_prob``, ``swap_prob``,
    ``miss_prob``, clipped to 1); 0 turns all noise off."""
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ValueError(f'unknown noise preset {preset!r}; choose from '
                             f'{sorted(PRESETS)}')
        params = PRESETS[preset]
    elif isinstance(preset, DetectorNoiseParams):
        params = preset
    elif isinstance(preset, Mapping):  # fields over the 'strong' defaults
        params, overrides = DetectorNoiseParams(), {**preset, **overrides}
    else:
        raise TypeError('preset must be a preset name, DetectorNoiseParams or '
                        f'a mapping, got {type(preset).__name__}')
    unknown = set(overrides) - {f.name for f in fields(DetectorNoiseParams)}
    if unknown:
        raise ValueError(f'unknown noise parameters {sorted(unknown)}')
    params = replace(params, **overrides)
    if not strength >= 0:
        raise ValueError(f'strength must be >= 0, got {strength}')
    return replace(
        params, sigma_px=params.sigma_px * strength,
        outlier_px=tuple(v * strength for v in params.outlier_px),
        outlier_prob=min(1.0, params.outlier_prob * strength),
        swap_prob=min(1.0, params.swap_prob * strength),
        miss_prob=min(1.0, params.miss_prob * strength))


def keyed_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends on the seed and the keys only, seeded with
    ``[seed, crc32(key_1), ...]`` (zlib's CRC-32 of each key's UTF-8), so
    adding or removing other videos does not change this one's noise."""
    words = [zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng([int(seed)] + words)


def person_size(keypoints: np.ndarray, visible: Optional[np.ndarray] = None,
                window: Optional[int] = None) -> np.ndarray:
    """(T, K, 2) -> (T,) diagonal of the box of the visible keypoints.

    ``window`` None: the median over all T frames (one size per window);
    an int: a centred running median over that many frames (long videos).
    Frames without a visible joint use all joints.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    vis = True if visible is None else np.asarray(visible) > 0
    if np.all(vis):
        lo, hi = kp.min(axis=-2), kp.max(axis=-2)
    else:
        vis = vis | ~vis.any(axis=-1, keepdims=True)
        lo = np.where(vis[..., None], kp, np.inf).min(axis=-2)
        hi = np.where(vis[..., None], kp, -np.inf).max(axis=-2)
    diag = np.sqrt(((hi - lo)**2).sum(-1))
    if window is None or window >= 2 * len(diag):
        return np.full(len(diag), diag[0] if len(diag) == 1 else
                       np.median(diag))
    half = max(int(window) // 2, 0)
    padded = np.pad(diag, half, mode='edge')
    return np.median(
        np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), -1)


def ar1_unit_noise(rng: np.random.Generator, num_frames: int,
                   shape: Sequence[int], rho: float) -> np.ndarray:
    """(T, *shape) standard-normal AR(1) series along the first axis.

    ``e_0 = z_0``, ``e_t = rho e_{t-1} + sqrt(1 - rho^2) z_t`` (z i.i.d.
    N(0, 1)): stationary, unit variance, lag-1 correlation ``rho``. T = 1
    (or rho = 0) is i.i.d. N(0, 1).
    """
    z = rng.standard_normal((int(num_frames), ) + tuple(shape))
    if rho == 0 or num_frames < 2:
        return z
    gain = np.sqrt(1.0 - rho * rho)
    for t in range(1, len(z)):
        z[t] = rho * z[t - 1] + gain * z[t]
    return z


def outlier_offsets(rng: np.random.Generator, shape: Sequence[int],
                    prob: float, lo: float, hi: float
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Offsets (*shape, 2) px and mask (*shape,): with probability ``prob``
    a joint moves by a length uniform in [lo, hi] in a uniform direction
    (Ronchi & Perona's *miss*); 0 elsewhere."""
    hit = rng.random(shape) < prob
    length = rng.uniform(lo, hi, shape)
    angle = rng.uniform(0.0, 2 * np.pi, shape)
    step = np.stack([np.cos(angle), np.sin(angle)], -1) * length[..., None]
    return step * hit[..., None], hit


def swap_left_right(rng: np.random.Generator, keypoints: np.ndarray,
                    prob: float, whole_body: float,
                    flip_indices: Sequence[int] = H36M17_FLIP_INDICES,
                    limb_chains=H36M17_LIMB_CHAINS
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """(T, K, 2) -> (swapped (T, K, 2), moved (T, K) bool).

    Each frame, with probability ``prob``, an *inversion* (Ronchi & Perona):
    with probability ``whole_body`` every joint takes its ``flip_indices``
    partner's place; otherwise one (right, left) chain pair of
    ``limb_chains``, picked uniformly, exchanges its distal n joints (n
    uniform in 1..chain length: wrist; elbow+wrist; the whole arm).
    """
    kp = np.asarray(keypoints)
    num_frames, num_joints = kp.shape[:2]
    hit = rng.random(num_frames) < prob
    whole = rng.random(num_frames) < whole_body
    pick = rng.integers(0, max(len(limb_chains), 1), num_frames)
    depth_u = rng.random(num_frames)
    if not hit.any():
        return kp, np.zeros((num_frames, num_joints), bool)
    perm = np.tile(np.arange(num_joints), (num_frames, 1))
    for t in np.flatnonzero(hit):
        if whole[t] or not limb_chains:
            perm[t] = flip_indices
            continue
        right, left = (np.asarray(c) for c in limb_chains[pick[t]])
        n = 1 + int(depth_u[t] * len(right))
        perm[t, right[-n:]], perm[t, left[-n:]] = left[-n:], right[-n:]
    moved = perm != np.arange(num_joints)
    return np.take_along_axis(kp, perm[..., None], axis=1), moved


def drop_joints(rng: np.random.Generator, keypoints: np.ndarray, prob: float,
                parents: Sequence[int] = H36M17_PARENTS
                ) -> Tuple[np.ndarray, np.ndarray]:
    """(T, K, 2) -> (positions, dropped (T, K) bool): each joint is dropped
    with probability ``prob`` and put on its parent (parents listed before
    children, so a dropped chain collapses onto its first kept ancestor);
    a dropped root keeps its position."""
    dropped = rng.random(np.shape(keypoints)[:2]) < prob
    return collapse_onto_parents(keypoints, dropped, parents), dropped


def error_scores(rng: np.random.Generator, error_ref_px: np.ndarray,
                 sigma_px: float, noise: float) -> np.ndarray:
    """Errors (...) px at reference size -> scores (...) in
    [DETECTED_SCORE_FLOOR, 1]: ``exp(-e^2 / (2 sigma^2)) + N(0, noise^2)``,
    a decreasing function of the error plus a little noise."""
    e = np.asarray(error_ref_px, dtype=np.float64)
    score = np.exp(-0.5 * (e / sigma_px)**2) + \
        noise * rng.standard_normal(e.shape)
    return np.clip(score, DETECTED_SCORE_FLOOR, 1.0)


def apply_detector_noise(keypoints: np.ndarray, rng: np.random.Generator,
                         params: DetectorNoiseParams,
                         visible: Optional[np.ndarray] = None,
                         flip_indices: Sequence[int] = H36M17_FLIP_INDICES,
                         limb_chains=H36M17_LIMB_CHAINS,
                         parents: Sequence[int] = H36M17_PARENTS,
                         size: Optional[np.ndarray] = None,
                         image_wh: Optional[Sequence[float]] = None):
    """One clean window (T, K, 2) -> (noisy (T, K, 2), scores (T, K), info).

    Order: swaps (on the true positions: the other side's joint is found),
    + AR(1) jitter ``sigma_px * joint_factors[k] * size_t / ref_size_px``,
    + outliers, clipped to ``image_wh`` if given, then dropped joints, then
    scores from the error at reference size. ``size`` (T,): the person's
    size (default :func:`person_size`). ``info``: ``swapped``,
    ``outlier``, ``dropped`` (T, K) bool, ``error_px`` (T, K), ``scale``
    (T,). Every draw is made whatever the rates, so changing one rate does
    not change the other components' noise.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[-1] != 2:
        raise ValueError('keypoints: expected shape (T, K, 2), got '
                         f'{kp.shape}')
    num_frames, num_joints = kp.shape[:2]
    vis = np.ones(kp.shape[:2]) if visible is None else \
        np.broadcast_to(np.asarray(visible, dtype=np.float64), kp.shape[:2])
    factors = np.ones(num_joints) if params.joint_factors is None else \
        np.asarray(params.joint_factors)
    for name, n in (('joint_factors', len(factors)),
                    ('flip_indices', len(flip_indices)),
                    ('parents', len(parents))):
        if n != num_joints:
            raise ValueError(f'{name} has {n} entries but the keypoints have '
                             f'{num_joints} joints: pass {name} for this '
                             'skeleton (joint_factors=None: all ones)')
    if size is None:
        size = person_size(kp, vis)
    size = np.broadcast_to(np.asarray(size, dtype=np.float64), (num_frames, ))
    size = np.where(np.isfinite(size) & (size > 0), size, params.ref_size_px)
    scale = size / params.ref_size_px
    noisy, swapped = swap_left_right(rng, kp, params.swap_prob,
                                     params.swap_whole_body, flip_indices,
                                     limb_chains)
    sigma = params.sigma_px * factors[None, :] * scale[:, None]
    noisy = noisy + ar1_unit_noise(rng, num_frames, (num_joints, 2),
                                   params.ar_coef) * sigma[..., None]
    step, outlier = outlier_offsets(rng, (num_frames, num_joints),
                                    params.outlier_prob, *params.outlier_px)
    noisy = noisy + step * scale[:, None, None]
    if image_wh is not None:
        noisy = np.clip(noisy, 0.0, np.asarray(image_wh, dtype=np.float64))
    noisy, dropped = drop_joints(rng, noisy, params.miss_prob, parents)
    error_px = np.linalg.norm(noisy - kp, axis=-1)
    scores = error_scores(rng, error_px / scale[:, None],
                          params.score_sigma_px, params.score_noise)
    scores[dropped | (vis <= 0)] = 0.0
    info = dict(swapped=swapped, outlier=outlier, dropped=dropped,
                error_px=error_px, scale=scale)
    return noisy, scores, info


def noisy_copy(keypoints_px: np.ndarray,
               image_wh: Optional[Sequence[float]] = None,
               preset: Union[str, DetectorNoiseParams, Mapping] = 'strong',
               seed: Union[int, Sequence[int], np.random.Generator] = 0,
               visible: Optional[np.ndarray] = None,
               strength: float = 1.0,
               size_window: int = 51) -> Tuple[np.ndarray, np.ndarray]:
    """A detector-like copy of one video's clean 2D, for noisy test files.

    keypoints_px: (T, K, 2) consecutive frames of one video (AR(1) runs
    along them) or (K, 2); image_wh: (w, h) to clip to, None to not clip;
    visible: (T, K) or (K,) (<= 0: keeps score 0). The person size is a
    running median over ``size_window`` frames. Returns (keypoints_px
    float32, same shape; scores float32, shape[:-1]). Same arguments, same
    result.
    """
    kp = np.asarray(keypoints_px, dtype=np.float64)
    single = kp.ndim == 2
    if single:
        kp = kp[None]
        visible = None if visible is None else np.asarray(visible)[None]
    if kp.ndim != 3 or kp.shape[-1] != 2 or not np.isfinite(kp).all():
        raise ValueError('keypoints_px: expected finite (T, K, 2) or (K, 2) '
                         f'pixels, got shape {np.shape(keypoints_px)}')
    rng = seed if isinstance(seed, np.random.Generator) else \
        np.random.default_rng(seed)
    params = resolve_noise_params(preset, strength)
    size = person_size(kp, visible, window=size_window)
    noisy, scores, _ = apply_detector_noise(kp, rng, params, visible,
                                            size=size, image_wh=image_wh)
    if single:
        noisy, scores = noisy[0], scores[0]
    return noisy.astype(np.float32), scores.astype(np.float32)
