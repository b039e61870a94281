"""Detector-like noise on projected 2D keypoints, reproducible per sequence."""
import zlib
from dataclasses import dataclass

import numpy as np


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
        noise = rng.normal(0.0, self.jitter_px, uv.shape)
        outlier = rng.random(uv.shape[:-1]) < self.outlier_prob
        noise += outlier[..., None] * rng.normal(0.0, self.outlier_px,
                                                 uv.shape)
        err = np.linalg.norm(noise, axis=-1)
        score = self.score_px / (self.score_px + err + 1e-12)
        dropped = rng.random(uv.shape[:-1]) < self.drop_prob
        score = np.where(dropped, self.drop_score, score)
        return np.concatenate([uv + noise, score[..., None]], axis=-1)


def keyed_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends on the seed and the keys only (adding or
    removing other sequences does not change this one's noise)."""
    words = [zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng([int(seed)] + words)
