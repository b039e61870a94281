"""Detector-like noise on projected 2D keypoints, reproducible per sequence:
the converter's older, milder model (i.i.d. jitter, Gaussian outliers,
missed joints that keep their position). Its jitter draw and its keyed
generator are those of the noise model :mod:`poselift_mm.datasets.noise2d`
(an AR(1) series with ``rho = 0`` is i.i.d. N(0, 1): the same numbers as
``rng.normal``), so the random stream of the committed files is unchanged.
"""
from dataclasses import dataclass

import numpy as np

from ..noise2d import ar1_unit_noise, keyed_rng

__all__ = ['DetectionNoise', 'keyed_rng']


@dataclass
class DetectionNoise:
    """Detector-like 2D noise; scores ``score_px / (score_px + error_px)``.

    jitter_px: Gaussian sigma per coordinate; outlier_prob / outlier_px: a
    joint jumps by a Gaussian offset of that sigma; drop_prob: a joint is
    missed (kept position, score ``drop_score``).
    """
    jitter_px: float = 2.0
    outlier_prob: float = 0.01
    outlier_px: float = 40.0
    drop_prob: float = 0.01
    drop_score: float = 0.05
    score_px: float = 10.0

    def __post_init__(self):
        for name in ('jitter_px', 'outlier_px', 'score_px'):
            if not getattr(self, name) >= 0:
                raise ValueError(f'DetectionNoise.{name} must be >= 0')
        for name in ('outlier_prob', 'drop_prob', 'drop_score'):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f'DetectionNoise.{name} must be in [0, 1]')

    def apply(self, uv: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(N, K, 2) px -> (N, K, 3): noisy px and a score."""
        uv = np.asarray(uv, dtype=np.float64)
        noise = ar1_unit_noise(rng, len(uv), uv.shape[1:], 0.0) * \
            self.jitter_px
        outlier = rng.random(uv.shape[:-1]) < self.outlier_prob
        noise += outlier[..., None] * rng.normal(0.0, self.outlier_px,
                                                 uv.shape)
        err = np.linalg.norm(noise, axis=-1)
        score = self.score_px / (self.score_px + err + 1e-12)
        dropped = rng.random(uv.shape[:-1]) < self.drop_prob
        score = np.where(dropped, self.drop_score, score)
        return np.concatenate([uv + noise, score[..., None]], axis=-1)
