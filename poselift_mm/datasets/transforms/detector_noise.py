"""The registered MMPose transform :class:`DetectorNoise2D`: detector-like
2D keypoint noise on a training sample, so lifters trained on exact
projections survive detector 2D.

The noise model (its parameters, presets, sources and measured errors, and
the pure numpy functions the transform calls) is
:mod:`poselift_mm.datasets.noise2d`; its names are re-exported here.
"""
import os
from dataclasses import asdict
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from poselift_mm.geometry.skeleton import H36M17_PARENTS
from ..noise2d import (DETECTED_SCORE_FLOOR, H36M17_FLIP_INDICES,
                       H36M17_JOINT_FACTORS, H36M17_LIMB_CHAINS, PRESETS,
                       REF_SIZE_PX, DetectorNoiseParams, apply_detector_noise,
                       ar1_unit_noise, drop_joints, error_scores, noisy_copy,
                       outlier_offsets, person_size, resolve_noise_params,
                       swap_left_right)

__all__ = [
    'DetectorNoiseParams', 'PRESETS', 'resolve_noise_params', 'person_size',
    'ar1_unit_noise', 'outlier_offsets', 'swap_left_right', 'drop_joints',
    'error_scores', 'apply_detector_noise', 'noisy_copy', 'DetectorNoise2D',
    'H36M17_FLIP_INDICES', 'H36M17_LIMB_CHAINS', 'H36M17_JOINT_FACTORS',
    'REF_SIZE_PX', 'DETECTED_SCORE_FLOOR'
]


@TRANSFORMS.register_module()
class DetectorNoise2D(BaseTransform):
    """Make a sample's exact 2D look like a 2D detector's (training only).

    Put it in ``train_pipeline`` before ``GenerateTarget`` (the codec
    normalises after it; the noise scales with the person, so pixels or
    any other units work). It replaces ``keypoints`` ((K, 2), (T, K, 2) or
    (N, T, K, 2): N windows of T frames) and ``keypoints_visible`` (their
    shape, the new scores; score 0 = dropped); everything else, including
    ``lifting_target``, is left alone. Floating dtypes are kept.

    Args:
        preset: 'strong' (detector-like, the default) or 'mild' (about half
            the error); sources in :mod:`poselift_mm.datasets.noise2d`.
        prob: probability that a sample is noised at all.
        strength: multiplies the pixel sizes and event rates
            (:func:`resolve_noise_params`).
        seed: None: each worker process seeds its own generator, at its
            first sample, from numpy's global RNG, which mmengine's
            ``set_random_seed`` and DataLoader ``worker_init_fn`` seed per
            rank and worker (so runs with ``randomness=dict(seed=...)`` repeat
            and workers differ). An int: the generator is seeded with
            ``[seed, rank, worker id]``, independent of any global state.
            Either way one generator per process serves the samples in turn.
        flip_indices, limb_chains, parents: skeleton for swaps and dropped
            joints; default H36M-17 (``flip_indices`` from the sample's
            metainfo when present).
        **overrides: any :class:`DetectorNoiseParams` field, e.g.
            ``sigma_px=3.0``, ``swap_prob=0``.
    """

    def __init__(self, preset: Union[str, dict] = 'strong', prob: float = 1.0,
                 strength: float = 1.0, seed: Optional[int] = None,
                 flip_indices: Optional[Sequence[int]] = None,
                 limb_chains=None, parents: Optional[Sequence[int]] = None,
                 **overrides):
        if not 0 <= prob <= 1:
            raise ValueError(f'DetectorNoise2D: prob must be in [0, 1], got '
                             f'{prob}')
        self.params = resolve_noise_params(preset, strength, **overrides)
        self.preset, self.prob, self.strength = preset, prob, strength
        self.seed = seed
        self.flip_indices = flip_indices
        self.limb_chains = H36M17_LIMB_CHAINS if limb_chains is None else \
            limb_chains
        self.parents = H36M17_PARENTS if parents is None else tuple(parents)
        self._rng, self._pid = None, None

    def _generator(self) -> np.random.Generator:
        if self._rng is None or self._pid != os.getpid():  # new worker
            if self.seed is None:
                entropy = np.random.randint(0, 2**31 - 1, size=4).tolist()
            else:
                entropy = [int(self.seed), *_rank_and_worker()]
            self._rng = np.random.default_rng(entropy)
            self._pid = os.getpid()
        return self._rng

    def get_rng_state(self) -> Optional[dict]:
        """This process's generator state (None before its first use here),
        saved in checkpoints for an exact resume
        (``poselift_mm.engine.exact_resume``)."""
        if self._rng is None or self._pid != os.getpid():
            return None
        return self._rng.bit_generator.state

    def set_rng_state(self, state: Optional[dict]) -> None:
        """Continue from a :meth:`get_rng_state` (None: seed afresh at the
        next use)."""
        self._rng, self._pid = None, None
        if state is not None:
            self._rng = np.random.default_rng()
            self._rng.bit_generator.state = state
            self._pid = os.getpid()

    def transform(self, results: dict) -> dict:
        rng = self._generator()
        if rng.random() >= self.prob:
            return results
        kp_in = results['keypoints']
        kp = np.asarray(kp_in, dtype=np.float64)
        if kp.ndim < 2 or kp.shape[-1] != 2:
            raise ValueError('DetectorNoise2D: keypoints must be (..., K, 2) '
                             f'pixels, got shape {kp.shape}')
        num_frames = kp.shape[-3] if kp.ndim >= 3 else 1
        windows = kp.reshape(-1, num_frames, kp.shape[-2], 2)
        vis_in = results.get('keypoints_visible')
        if vis_in is None:
            vis = np.ones(windows.shape[:-1])
        elif np.size(vis_in) == np.prod(windows.shape[:-1]):
            vis = np.asarray(vis_in, dtype=np.float64).reshape(
                windows.shape[:-1])
        else:
            raise ValueError('DetectorNoise2D: keypoints_visible shape '
                             f'{np.shape(vis_in)} does not match keypoints '
                             f'{kp.shape}')
        flip = self.flip_indices
        if flip is None:
            flip = results.get('flip_indices')
            if flip is None or len(flip) != kp.shape[-2]:
                flip = H36M17_FLIP_INDICES
        noisy, scores = np.empty_like(windows), np.empty_like(vis)
        for i in range(len(windows)):
            noisy[i], scores[i], _ = apply_detector_noise(
                windows[i], rng, self.params, vis[i], flip, self.limb_chains,
                self.parents)
        out_dtype = _float_dtype(kp_in)
        results['keypoints'] = noisy.reshape(kp.shape).astype(out_dtype)
        vis_shape = kp.shape[:-1] if vis_in is None else np.shape(vis_in)
        results['keypoints_visible'] = scores.reshape(vis_shape).astype(
            _float_dtype(vis_in))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(preset={self.preset!r}, '
                f'prob={self.prob}, strength={self.strength}, '
                f'seed={self.seed}, params={asdict(self.params)})')


def _float_dtype(arr) -> np.dtype:
    dtype = getattr(arr, 'dtype', None)
    return dtype if dtype is not None and np.issubdtype(
        dtype, np.floating) else np.dtype(np.float32)


def _rank_and_worker() -> Tuple[int, int]:
    """(distributed rank, DataLoader worker id), 0 outside either."""
    from mmengine.dist import get_rank
    try:
        from torch.utils.data import get_worker_info
        info = get_worker_info()
    except ImportError:  # pragma: no cover - torch is a dependency
        info = None
    return get_rank(), 0 if info is None else info.id
