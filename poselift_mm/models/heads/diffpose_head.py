"""``DiffPoseHead``: DiffPose's (Gong et al., CVPR 2023) denoising head.

The diffused state is one 5-vector per joint, ``uvxyz``: screen-normalised
2D (u = 2x/w - 1, v = 2y/w - h/w) and root-relative camera-frame 3D in
metres. The 2D conditions the denoiser only as channels 0-1 of that state.
Forward process (training): ``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) e``
with the *scaled* noise ``e = N(0, I) * [s_u, s_v, 1, 1, 1]``; the uv
scale ``s`` is the sigma of a 2D-error mixture component (the GMM, frame
setting) or a constant (0.5, video setting). The target of the denoiser is
``e``; the loss sums ``(e - e_hat)^2`` over joints x 5 and averages over
samples, as the original.
"""
from typing import Optional, Sequence

import torch
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS

from poselift_mm.diffusion.ddim import (alphas_cumprod, antithetic_timesteps,
                                        ddim_sample, linear_betas, q_sample)
from poselift_mm.models.priors.gmm import GMMPrior

__all__ = ['DiffPoseHead']


@MODELS.register_module()
class DiffPoseHead(BaseHead):
    """Holds the ``denoiser`` (``GCNdiff``), the noise schedule and, when
    given, a ``GMMPrior`` of the 2D error.

    Args:
        denoiser: noise predictor ``(..., K, 5), t -> (..., K, 5)``.
        num_steps, beta_start, beta_end: linear betas (51, 1e-4, 1e-3).
        gmm: optional ``GMMPrior`` config (e.g. ``dict(type='GMMPrior',
            path='gmm.npz')`` from ``tools/fit_gmm.py``): training draws a
            mixture component per joint, shifts the 2D by its mean and
            scales the uv noise by its sigma (frame DiffPose).
        uv_noise_scale: a constant uv noise scale used instead of the GMM's
            sigma (0.5 in video DiffPose); None: the GMM sigma (or 1 without
            a GMM).
    """

    def __init__(self,
                 denoiser: dict,
                 num_steps: int = 51,
                 beta_start: float = 1e-4,
                 beta_end: float = 1e-3,
                 gmm: Optional[dict] = None,
                 uv_noise_scale: Optional[float] = None,
                 loss_weight: float = 1.,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.denoiser = MODELS.build(denoiser)
        self.num_steps = int(num_steps)
        betas = linear_betas(beta_start, beta_end, num_steps)
        self.register_buffer('abar', alphas_cumprod(betas).float(),
                             persistent=False)
        self.gmm = MODELS.build(gmm) if gmm else None
        self.uv_noise_scale = uv_noise_scale
        self.loss_weight = float(loss_weight)

    # ---- noise scale -----------------------------------------------------
    def draw_uv(self, uv):
        """Training draw: ``(uv', sigma_uv)`` both like ``uv`` (..., K, 2)."""
        if self.gmm is not None:
            uv, sigma = self.gmm.sample(uv)
        else:
            sigma = torch.ones_like(uv)
        if self.uv_noise_scale is not None:
            sigma = torch.full_like(uv, float(self.uv_noise_scale))
        return uv, sigma

    def uv_sigma(self, uv, scores=None, min_score: float = 0.1):
        """Test-time uv noise scale (..., K, 2): the constant, else the
        GMM's mixture std per joint, divided by the detector score clamped
        to [``min_score``, 1] (less confident 2D, wider start)."""
        if self.uv_noise_scale is not None:
            sigma = torch.full_like(uv, float(self.uv_noise_scale))
        elif self.gmm is not None:
            sigma = self.gmm.mixture_std().to(uv).expand_as(uv)
        else:
            sigma = torch.ones_like(uv)
        if scores is not None:
            sigma = sigma / scores.clamp(min_score, 1.)[..., None]
        return sigma

    noise_scale = staticmethod(GMMPrior.noise_scale)  # [s_u, s_v, 1, 1, 1]

    # ---- network -----------------------------------------------------------
    def forward(self, feats):
        """``feats = (x (..., K, 5), t)`` -> predicted scaled noise."""
        x, t = feats
        return self.denoiser(x, t)

    def loss(self, feats, batch_data_samples=None, train_cfg: dict = {}):
        """``feats = (x0 (N, K, 5), scale (N, K, 5))`` -> ``loss_diff``."""
        x0, scale = feats
        if x0.dim() != 3 or x0.shape[-1] != 5:
            raise ValueError('DiffPoseHead.loss: x0 must be (N, K, 5) uvxyz,'
                             f' got {tuple(x0.shape)}')
        t = antithetic_timesteps(x0.shape[0], self.num_steps).to(x0.device)
        e = torch.randn_like(x0) * scale
        x_t = q_sample(x0, t, self.abar, e)
        e_hat = self.denoiser(x_t, t)
        loss = (e - e_hat).pow(2).sum((1, 2)).mean()
        return dict(loss_diff=self.loss_weight * loss)

    def sample(self, x_start, scale, seq: Sequence[int], eta: float = 0.,
               start_noise: bool = False, generator=None):
        """DDIM from ``x_start`` (N, ..., K, 5) taken as x at ``seq[-1]``;
        with ``start_noise`` it is first noised to that step with the scaled
        noise ``N(0, I) * scale`` (the paper's stochastic start; the
        released code starts clean). Returns x0 (N, ..., K, 5)."""
        x = x_start
        if start_noise:
            t = torch.full((x.shape[0], ), int(seq[-1]), dtype=torch.long,
                           device=x.device)
            z = torch.randn(x.shape, generator=generator, device=x.device,
                            dtype=x.dtype)
            x = q_sample(x, t, self.abar, z * scale)
        return ddim_sample(lambda xx, tt: self.denoiser(xx, tt), x, seq,
                           self.abar, eta=eta, generator=generator)

    def predict(self, feats, batch_data_samples, test_cfg: dict = {}):
        """``feats = (x_start, scale)`` -> x0 (see :meth:`sample`); the
        lifter calls :meth:`sample` with its test_cfg."""
        x_start, scale = feats
        cfg = {**dict(timesteps=(0, ), eta=0., start_noise=False), **test_cfg}
        return self.sample(x_start, scale, cfg['timesteps'], cfg['eta'],
                           cfg['start_noise'])
