"""Per-joint 2D Gaussian mixture prior of 2D keypoint errors (DiffPose's GMM).

The prior models the 2D detection ERROR ``residual = detected - true`` of
each joint as a mixture of K diagonal Gaussians, in DiffPose's normalised
screen units (``u = 2x/w - 1``, ``v = 2y/w - h/w``, so 1 px = 2/w).
Parameters are buffers, so they travel in checkpoints: ``weights`` (J, K),
``means`` (J, K, 2), ``sigmas`` (J, K, 2); components are sorted by weight,
component 0 the heaviest.

DiffPose (GONGJIA0208/Diffpose ``common/generators.py``) stores per-frame
mixtures ``(T, J, K, 5)`` = ``[pi, mu_u, mu_v, sigma_u, sigma_v]`` (files:
mu in pixels, normalised at load; sigma used as stored as a noise scale on
normalised coordinates) and trains on ``uv = mu_k`` with noise scale
``[sigma_u, sigma_v, 1, 1, 1]``, ``k ~ Cat(pi)`` per joint.
:meth:`GMMPrior.sample_per_sample` is that draw; :meth:`GMMPrior.sample` is
the same draw from the global per-joint mixture around any 2D pose, and
:meth:`GMMPrior.to_original_layout` writes the global mixture per frame.
"""
import math
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmpose.registry import MODELS

from poselift_mm.geometry.checks import as_float64
from poselift_mm.geometry.screen import pixels_to_screen, screen_to_pixels
from poselift_mm.stats.gmm_em import fit_diag_gmm
from poselift_mm.utils.datafile import DataFileError, check_array, load_npz
from poselift_mm.utils.io import save_npz_atomic
from poselift_mm.utils.paths import find_file

__all__ = ['GMMPrior', 'gmm_means_to_pixels', 'gmm_means_to_screen',
           'GMM_LAYOUT']

GMM_LAYOUT = ('pi', 'mu_u', 'mu_v', 'sigma_u', 'sigma_v')
FILE_FORMAT = 'poselift_mm.GMMPrior/1'
_LOG_2PI = math.log(2 * math.pi)  # the log-density of log_prob


# ------------------------------------------------------------------ units ---
def _with_means(gmm, means):
    out = gmm.clone() if torch.is_tensor(gmm) else np.array(gmm, copy=True)
    out[..., 1:3] = means
    return out


def gmm_means_to_pixels(gmm, w, h):
    """(N, J, K, 5) with screen-unit means -> px means (the files' units);
    ``w``, ``h`` scalars or (N,) arrays. pi and sigma are unchanged."""
    w, h = _per_row(w, gmm), _per_row(h, gmm)
    return _with_means(gmm, screen_to_pixels(gmm[..., 1:3], w, h))


def gmm_means_to_screen(gmm, w, h):
    """(N, J, K, 5) with px means -> screen-unit means (DiffPose's
    ``create_2d_data``); pi and sigma are unchanged."""
    w, h = _per_row(w, gmm), _per_row(h, gmm)
    return _with_means(gmm, pixels_to_screen(gmm[..., 1:3], w, h))


def _per_row(value, gmm):
    """Scalar or (N,) -> broadcastable against gmm[..., 0] (N, J, K)."""
    if np.ndim(value) == 0:
        return float(value)
    value = torch.as_tensor(value, dtype=gmm.dtype) if torch.is_tensor(gmm) \
        else np.asarray(value, dtype=np.float64)
    return value.reshape((-1, ) + (1, ) * (gmm.ndim - 2))


# ----------------------------------------------------------------- prior ---
@MODELS.register_module()
class GMMPrior(nn.Module):
    """Per-joint 2D diagonal Gaussian mixtures of the 2D keypoint error
    (detected - true) in normalised screen units (1 px = 2/w).

    Args:
        num_keypoints: J.
        num_components: K.
        path: optional npz written by :meth:`save`, loaded at construction
            (its J and K win over the arguments).
        init_sigma: sigma of the unfitted prior (means 0, equal weights).
    """

    def __init__(self, num_keypoints: int = 17, num_components: int = 1,
                 path: Optional[str] = None, init_sigma: float = 1.0):
        super().__init__()
        if num_keypoints < 1 or num_components < 1:
            raise ValueError('GMMPrior: num_keypoints and num_components '
                             f'must be >= 1, got {num_keypoints}, '
                             f'{num_components}')
        J, K = int(num_keypoints), int(num_components)
        self.register_buffer('weights', torch.full((J, K), 1. / K))
        self.register_buffer('means', torch.zeros(J, K, 2))
        self.register_buffer('sigmas', torch.full((J, K, 2), init_sigma))
        self.fit_info = {}
        if path:  # a repository-relative file from any directory
            self.set_parameters(*self.read_npz(find_file(path) or path))

    @property
    def num_keypoints(self) -> int:
        return self.weights.shape[0]

    @property
    def num_components(self) -> int:
        return self.weights.shape[1]

    def extra_repr(self) -> str:
        return (f'num_keypoints={self.num_keypoints}, '
                f'num_components={self.num_components}')

    # ---------------------------------------------------------- parameters
    def set_parameters(self, weights, means, sigmas) -> 'GMMPrior':
        """Replace the buffers: (J, K), (J, K, 2), (J, K, 2); weights are
        renormalised, sigmas must be > 0."""
        w = as_float64(weights)
        m = as_float64(means)
        s = as_float64(sigmas)
        if w.ndim != 2 or m.shape != w.shape + (2, ) or s.shape != m.shape:
            raise ValueError('GMMPrior: expected weights (J, K), means and '
                             f'sigmas (J, K, 2), got {tuple(w.shape)}, '
                             f'{tuple(m.shape)}, {tuple(s.shape)}')
        for name, t in (('weights', w), ('means', m), ('sigmas', s)):
            if not torch.isfinite(t).all():
                raise ValueError(f'GMMPrior: {name} has NaN/inf values')
        if (w < 0).any() or (w.sum(1) <= 0).any():
            raise ValueError('GMMPrior: weights must be >= 0 with a positive '
                             'sum per joint')
        if (s <= 0).any():
            raise ValueError('GMMPrior: sigmas must be > 0')
        dev = self.weights.device
        dtype = self.weights.dtype
        self.weights = (w / w.sum(1, keepdim=True)).to(dev, dtype)
        self.means = m.to(dev, dtype)
        self.sigmas = s.to(dev, dtype)
        return self

    @classmethod
    def fit_em(cls,
               residuals,
               num_components: int = 1,
               iters: int = 100,
               tol: float = 1e-6,
               seed: int = 0,
               min_sigma: float = 1e-4,
               sample_weights=None,
               chunk_size: int = 65536) -> 'GMMPrior':
        """Fit per-joint mixtures to ``residuals`` (N, J, 2) screen units
        (detected - true) by EM, all joints at once (see
        :func:`fit_diag_gmm`); ``sample_weights`` (N, J) >= 0 (e.g.
        visibility) or None. ``min_sigma`` 1e-4 = 0.05 px at w = 1000."""
        r = as_float64(residuals)
        if r.ndim != 3 or r.shape[-1] != 2:
            raise ValueError(f'GMMPrior.fit_em: residuals must be (N, J, 2), '
                             f'got {tuple(r.shape)}')
        if not torch.isfinite(r).all():
            bad = torch.nonzero(~torch.isfinite(r))[0].tolist()
            raise ValueError('GMMPrior.fit_em: residuals have NaN/inf values '
                             f'(first at {bad})')
        w = None
        if sample_weights is not None:
            w = as_float64(sample_weights)
            if w.shape != r.shape[:2]:
                raise ValueError('GMMPrior.fit_em: sample_weights must be '
                                 f'{tuple(r.shape[:2])}, got '
                                 f'{tuple(w.shape)}')
            w = w.t()
        gen = torch.Generator().manual_seed(int(seed))
        fit = fit_diag_gmm(r.permute(1, 0, 2), w, num_components, iters, tol,
                           min_sigma, gen, chunk_size)
        prior = cls(r.shape[1], num_components)
        prior.set_parameters(fit['pi'], fit['mu'], fit['sigma'])
        prior.fit_info = dict(iters=fit['iters'], log_lik=fit['log_lik'],
                              num_samples=r.shape[0])
        return prior

    # ------------------------------------------------------------- heatmaps
    @staticmethod
    def fit_from_heatmaps(heatmaps,
                          image_size,
                          heatmap_to_image=None,
                          keypoints_px=None,
                          num_components: int = 3,
                          iters: int = 50,
                          tol: float = 1e-5,
                          seed: int = 0,
                          min_sigma_hm: float = 0.3,
                          max_pixels: Optional[int] = 256,
                          chunk_size: int = 1024) -> torch.Tensor:
        """Per-sample, per-joint mixtures from heatmaps, in DiffPose's
        per-frame layout (N, J, K, 5) ``[pi, mu_u, mu_v, sigma_u, sigma_v]``,
        float64, means and sigmas in screen units.

        Assumptions: each heatmap, clipped at 0 and normalised, is a density
        on its pixel grid (pixel (i, j) at x = j, y = i, as MMPose decodes
        it); K components are fitted by weighted EM on that grid (sigmas
        floored at ``min_sigma_hm`` heatmap px) on the ``max_pixels``
        largest pixels of each heatmap (None: all; the rest carry
        negligible mass and only cost time); ``heatmap_to_image``
        (2, 3) or (N, 2, 3) is an axis-aligned affine heatmap px -> image px
        (None: identity; :func:`topdown_heatmap_affine` builds MMPose's);
        ``image_size`` (w, h) or (N, 2) px sets the screen units.
        ``keypoints_px`` (N, J, 2) optional: shift the components so the
        mixture mean equals the decoder's sub-pixel keypoint. Loops over
        chunks of ``chunk_size`` heatmaps, not over samples.
        """
        hm = as_float64(heatmaps)
        if hm.ndim != 4:
            raise ValueError('fit_from_heatmaps: heatmaps must be '
                             f'(N, J, H, W), got {tuple(hm.shape)}')
        N, J, H, W = hm.shape
        if not torch.isfinite(hm).all():
            raise ValueError('fit_from_heatmaps: heatmaps have NaN/inf')
        wts = hm.clamp_min(0).reshape(N * J, H * W)
        empty = wts.sum(1) <= 0
        if empty.any():
            g = int(torch.nonzero(empty)[0])
            raise ValueError('fit_from_heatmaps: heatmap of sample '
                             f'{g // J}, joint {g % J} has no positive value')
        size = as_float64(image_size)
        size = size.reshape(-1, 2).expand(N, 2) if size.numel() == 2 else size
        if size.shape != (N, 2) or (size <= 0).any():
            raise ValueError('fit_from_heatmaps: image_size must be (w, h) '
                             f'or (N, 2) positive px, got {tuple(size.shape)}')
        if heatmap_to_image is None:
            aff = torch.eye(2, 3, dtype=torch.float64).expand(N, 2, 3)
        else:
            aff = as_float64(heatmap_to_image)
            aff = aff.expand(N, 2, 3) if aff.shape == (2, 3) else aff
            if aff.shape != (N, 2, 3):
                raise ValueError('fit_from_heatmaps: heatmap_to_image must '
                                 f'be (2, 3) or ({N}, 2, 3), got '
                                 f'{tuple(aff.shape)}')
            if (aff[:, 0, 1] != 0).any() or (aff[:, 1, 0] != 0).any():
                raise ValueError('fit_from_heatmaps: heatmap_to_image must '
                                 'be axis-aligned (no rotation/shear): the '
                                 'mixtures are diagonal')
        ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float64),
                                torch.arange(W, dtype=torch.float64),
                                indexing='ij')
        grid = torch.stack([xs, ys], -1).reshape(H * W, 2)
        gen = torch.Generator().manual_seed(int(seed))
        pis, mus, sigmas = [], [], []
        for start in range(0, N * J, chunk_size):
            w = wts[start:start + chunk_size]
            if max_pixels is not None and max_pixels < H * W:
                w, idx = torch.topk(w, max(max_pixels, num_components), 1)
                pts = grid[idx]
            else:
                pts = grid.expand(len(w), H * W, 2)
            fit = fit_diag_gmm(pts, w, num_components, iters, tol,
                               min_sigma_hm, gen)
            pis.append(fit['pi'])
            mus.append(fit['mu'])
            sigmas.append(fit['sigma'])
        K = num_components
        pi = torch.cat(pis).reshape(N, J, K)
        mu = torch.cat(mus).reshape(N, J, K, 2)
        sigma = torch.cat(sigmas).reshape(N, J, K, 2)
        scale = torch.stack([aff[:, 0, 0], aff[:, 1, 1]], -1)[:, None, None]
        mu_px = mu * scale + aff[:, None, None, :, 2]
        sigma_px = sigma * scale.abs()
        if keypoints_px is not None:
            kp = as_float64(keypoints_px)
            if kp.shape != (N, J, 2):
                raise ValueError('fit_from_heatmaps: keypoints_px must be '
                                 f'({N}, {J}, 2), got {tuple(kp.shape)}')
            mix_mean = (pi[..., None] * mu_px).sum(2)
            mu_px = mu_px + (kp - mix_mean)[:, :, None]
        w_img = size[:, 0].reshape(N, 1, 1)
        mu_uv = pixels_to_screen(mu_px, w_img, size[:, 1].reshape(N, 1, 1))
        sigma_uv = sigma_px * (2 / w_img)[..., None]
        return torch.cat([pi[..., None], mu_uv, sigma_uv], -1)

    # ------------------------------------------------------------- density
    def log_prob(self, residuals: torch.Tensor) -> torch.Tensor:
        """(..., J, 2) residuals -> (...,  J) log densities."""
        r = torch.as_tensor(residuals, dtype=self.means.dtype,
                            device=self.means.device)
        self._check_uv(r, 'residuals')
        z = (r[..., None, :] - self.means) / self.sigmas
        comp = -(0.5 * z.pow(2) + self.sigmas.log() + 0.5 * _LOG_2PI).sum(-1)
        return torch.logsumexp(comp + self.weights.clamp_min(1e-300).log(),
                               dim=-1)

    # ------------------------------------------------------------ sampling
    @staticmethod
    def _draw(weights: torch.Tensor, generator=None) -> torch.Tensor:
        """(..., K) weights -> (...,) long component indices ~ Cat(w)."""
        w = weights.to(torch.float64)
        cdf = torch.cumsum(w, -1) / w.sum(-1, keepdim=True)
        u = torch.rand(w.shape[:-1], generator=generator, dtype=torch.float64,
                       device=w.device)
        k = (u[..., None] >= cdf).sum(-1)
        return k.clamp_max(w.shape[-1] - 1)

    def _check_uv(self, uv, name):
        if uv.ndim < 2 or uv.shape[-2:] != (self.num_keypoints, 2):
            raise ValueError(f'GMMPrior: {name} must be (..., '
                             f'{self.num_keypoints}, 2), got '
                             f'{tuple(uv.shape)}')

    def sample(self, uv: torch.Tensor, generator=None
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per joint draw k ~ Cat(weights_j): ``(uv + means[j, k],
        sigmas[j, k])``, both like ``uv`` (B, ..., J, 2)."""
        self._check_uv(uv, 'uv')
        lead = uv.shape[:-1]
        K = self.num_components
        k = self._draw(self.weights.expand(*lead, K), generator)
        idx = k[..., None, None].expand(*lead, 1, 2)
        mean = self.means.to(uv.dtype).expand(*lead, K, 2).gather(-2, idx)
        sigma = self.sigmas.to(uv.dtype).expand(*lead, K, 2).gather(-2, idx)
        return uv + mean[..., 0, :], sigma[..., 0, :]

    @staticmethod
    def sample_per_sample(gmm: torch.Tensor, generator=None
                          ) -> Tuple[torch.Tensor, torch.Tensor]:
        """DiffPose's training draw from per-frame mixtures ``gmm``
        (B, ..., J, K, 5): per joint k ~ Cat(pi) -> ``(mu_k, sigma_k)``, each
        (B, ..., J, 2) in the units of ``gmm``."""
        gmm = torch.as_tensor(gmm)
        if gmm.ndim < 3 or gmm.shape[-1] != 5:
            raise ValueError('sample_per_sample: gmm must be (..., J, K, 5) '
                             f'[{", ".join(GMM_LAYOUT)}], got '
                             f'{tuple(gmm.shape)}')
        k = GMMPrior._draw(gmm[..., 0], generator)
        pick = gmm.gather(-2, k[..., None, None].expand(
            *k.shape, 1, 5))[..., 0, :]
        return pick[..., 1:3], pick[..., 3:5]

    def mixture_std(self) -> torch.Tensor:
        """(J, 2) standard deviation of each joint's whole mixture."""
        w = self.weights[..., None]
        mean = (w * self.means).sum(1)
        var = (w * (self.sigmas**2 + self.means**2)).sum(1) - mean**2
        return var.clamp_min(0).sqrt()

    @staticmethod
    def noise_scale(sigma_uv: torch.Tensor) -> torch.Tensor:
        """(..., J, 2) -> (..., J, 5) ``[sigma_u, sigma_v, 1, 1, 1]``."""
        return torch.cat([sigma_uv, sigma_uv.new_ones(
            sigma_uv.shape[:-1] + (3, ))], -1)

    def to_original_layout(self, uv: torch.Tensor,
                           source: str = 'detected') -> torch.Tensor:
        """The global mixture per frame: (N, J, 2) screen units -> (N, J, K,
        5) ``[pi, mu_u, mu_v, sigma_u, sigma_v]``, screen units.

        ``source='detected'``: ``uv`` are detections and the mixture is the
        true position ``det - residual``: ``mu_k = uv - means_k``.
        ``source='true'``: ``uv`` are true 2D and the mixture is simulated
        detections: ``mu_k = uv + means_k``. Files store px means: see
        :func:`gmm_means_to_pixels`.
        """
        if source not in ('detected', 'true'):
            raise ValueError("to_original_layout: source must be 'detected' "
                             f"or 'true', got {source!r}")
        uv = torch.as_tensor(uv)
        self._check_uv(uv, 'uv')
        lead = uv.shape[:-1]
        K = self.num_components
        sign = -1. if source == 'detected' else 1.
        mu = uv[..., None, :] + sign * self.means.to(uv.dtype)
        return torch.cat([
            self.weights.to(uv.dtype).expand(*lead, K)[..., None], mu,
            self.sigmas.to(uv.dtype).expand(*lead, K, 2)
        ], -1)

    # ------------------------------------------------------------------ io
    def save(self, path) -> None:
        """Atomic npz: ``weights`` (J, K), ``means``, ``sigmas`` (J, K, 2)
        float64 screen units, ``format``, ``units``."""
        save_npz_atomic(
            path,
            weights=self.weights.detach().cpu().double().numpy(),
            means=self.means.detach().cpu().double().numpy(),
            sigmas=self.sigmas.detach().cpu().double().numpy(),
            format=np.array(FILE_FORMAT),
            units=np.array('screen units u = 2x/w - 1, v = 2y/w - h/w; '
                           'residual = detected - true'))

    @staticmethod
    def read_npz(path) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Checked ``(weights (J, K), means (J, K, 2), sigmas (J, K, 2))``;
        problems raise ``DataFileError`` naming file and key."""
        raw = load_npz(path, ('weights', 'means', 'sigmas'))
        w = check_array(raw['weights'], path, "'weights'", (None, None))
        J, K = w.shape
        if J < 1 or K < 1:
            raise DataFileError(path, "'weights'", f'empty shape ({J}, {K})')
        m = check_array(raw['means'], path, "'means'", (J, K, 2), 0)
        s = check_array(raw['sigmas'], path, "'sigmas'", (J, K, 2), 0)
        if (w < 0).any():
            raise DataFileError(path, "'weights'", 'negative weight')
        err = np.abs(w.sum(1) - 1)
        if (err > 1e-3).any():
            j = int(np.argmax(err))
            raise DataFileError(path, "'weights'", f'weights of joint {j} sum '
                                f'to {w[j].sum():.4f}, expected 1')
        if (s <= 0).any():
            raise DataFileError(path, "'sigmas'", 'sigmas must be > 0')
        return w, m, s

    @classmethod
    def load(cls, path) -> 'GMMPrior':
        """A prior from :meth:`save`'s npz."""
        w, m, s = cls.read_npz(path)
        return cls(w.shape[0], w.shape[1]).set_parameters(w, m, s)
