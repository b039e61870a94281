"""``DiffPoseHead``: DiffPose's (Gong et al., CVPR 2023) denoising head.

The diffused state is one 5-vector per joint, ``uvxyz``: screen-normalised
2D (u = 2x/w - 1, v = 2y/w - h/w) and root-relative camera-frame 3D in
metres. The 2D conditions the denoiser as channels 0-1 of that state; a
denoiser built with ``cond_channels=1`` also reads each joint's detector
score, never noised (``DiffPoseHead.denoise``; the issue's "the denoiser
uses the confidences"; the original uses them only in the GMM start).
Forward process (training): ``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) e``
with the *scaled* noise ``e = N(0, I) * [s_u, s_v, 1, 1, 1]``; the uv
scale ``s`` is the sigma of a 2D-error mixture component (the GMM, frame
setting) or a constant (0.5, video setting). The target of the denoiser is
``e``; the loss sums ``(e - e_hat)^2`` over joints x 5 and averages over
samples, as the original.
"""
from typing import Optional, Sequence

import torch
from mmpose.registry import MODELS

from poselift_mm.diffusion.ddim import (alphas_cumprod, antithetic_timesteps,
                                        ddim_sample, linear_betas, q_sample)
from poselift_mm.models.priors.gmm import GMMPrior
from poselift_mm.geometry.screen import screen_to_pixels
from poselift_mm.models.utils import (OUTPUT_FRAMES, aggregate_hypotheses,
                                      hypothesis_reprojection,
                                      hypothesis_spread, read_cameras,
                                      read_gmm, read_image_sizes, read_scores,
                                      read_targets, select_frame)
from .base_lifting_head import BaseLiftingHead
from .pose_regression_head import pose_loss

__all__ = ['DiffPoseHead']

DEFAULT_TEST = dict(timesteps=(0, 12), eta=0., num_hypotheses=1,
                    start_noise=False, aggregate='mean', center_init=True,
                    return_hypotheses=False, min_score=0.1,
                    xyz_noise_by_score=True, output_frame=None)


@MODELS.register_module()
class DiffPoseHead(BaseLiftingHead):
    """Holds the ``denoiser`` (``GCNdiff``), the noise schedule and, when
    given, a ``GMMPrior`` of the 2D error. Its features are ``(uv, init)``:
    the screen 2D (B, T, K, 2) and the pose model's 3D (B, T, K, 3).

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
        decoder, root_index: see ``BaseLiftingHead``.

    Test settings (``test_cfg``, defaults :data:`DEFAULT_TEST`):
    ``timesteps`` (ascending DDIM steps; released values: frame CPN (0, 12),
    frame GT (0, 6), video (0,); empty: no denoising step, the pose model's
    root-centred output is the result, the ablation without the head),
    ``eta``, ``num_hypotheses`` H,
    ``start_noise`` (False = released behaviour: a deterministic refiner;
    True = the paper's stochastic start: every hypothesis is noised
    independently to ``timesteps[-1]`` with the GMM-shaped scale),
    ``aggregate`` 'mean', 'median' or 'jagg' (per joint the hypothesis
    that reprojects closest to the 2D, D3DP's J-Agg; needs the camera, or
    the image size for a default pinhole), ``center_init`` (subtract the root of
    the initial pose), ``return_hypotheses``, ``min_score`` (detector scores
    below it are clamped when scaling the noise), ``xyz_noise_by_score``
    (with ``start_noise``: a joint's xyz start noise is also divided by its
    clamped score; the original scales xyz by 1), ``output_frame`` (video
    models: None = every frame of the window, 'last' = the last frame (a
    causal window), 'centre' = the centre frame).
    """
    default_test_cfg = DEFAULT_TEST
    trains_backbone = False  # DiffPose freezes its trained pose model

    def __init__(self,
                 denoiser: dict,
                 num_steps: int = 51,
                 beta_start: float = 1e-4,
                 beta_end: float = 1e-3,
                 gmm: Optional[dict] = None,
                 uv_noise_scale: Optional[float] = None,
                 loss_weight: float = 1.,
                 decoder: Optional[dict] = None,
                 root_index: int = 0,
                 init_cfg=None):
        super().__init__(decoder, root_index, init_cfg)
        self.denoiser = MODELS.build(denoiser)
        self.num_steps = int(num_steps)
        betas = linear_betas(beta_start, beta_end, num_steps)
        self.register_buffer('abar', alphas_cumprod(betas).float(),
                             persistent=False)
        self.gmm = MODELS.build(gmm) if gmm else None
        self.uv_noise_scale = uv_noise_scale
        self.loss_weight = float(loss_weight)

    def check_test_cfg(self, test_cfg: Optional[dict]) -> dict:
        cfg = super().check_test_cfg(test_cfg)
        if cfg['aggregate'] not in ('mean', 'median', 'jagg'):
            raise ValueError("DiffPoseHead: test_cfg.aggregate must be "
                             "'mean', 'median' or 'jagg', got "
                             f"{cfg['aggregate']!r}")
        steps = [int(t) for t in cfg['timesteps']]
        if any(not 0 <= t < self.num_steps for t in steps) or \
                steps != sorted(set(steps)):
            raise ValueError('DiffPoseHead: test_cfg.timesteps must be '
                             'strictly ascending steps in [0, '
                             f'{self.num_steps}), got {cfg["timesteps"]!r}')
        if cfg['output_frame'] not in OUTPUT_FRAMES:
            raise ValueError('DiffPoseHead: test_cfg.output_frame must be '
                             f"one of {OUTPUT_FRAMES}, got "
                             f"{cfg['output_frame']!r}")
        return cfg

    # ---- noise scale -----------------------------------------------------
    def draw_uv(self, uv, sample_gmm=None):
        """Training draw: ``(uv', sigma_uv)`` both like ``uv`` (..., K, 2).

        With the samples' own per-frame mixtures ``sample_gmm`` (..., K, C,
        5) (DiffPose's data files): ``uv' = mu_k``, ``sigma = sigma_k`` for
        a component k ~ Cat(pi) per joint, as the original trains; else the
        head's GMM shifts ``uv`` by a component's mean and gives its sigma;
        else sigma 1. A constant ``uv_noise_scale`` replaces the sigma."""
        if sample_gmm is not None:
            uv, sigma = GMMPrior.sample_per_sample(sample_gmm.to(uv))
        elif self.gmm is not None:
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
        """``feats = (uv, init)`` -> the refined (B, T, K, 3) pose with the
        default test settings (MMPose's 'tensor' mode)."""
        return self.lift(*feats)['keypoints']

    @property
    def uses_scores(self) -> bool:
        """True when the denoiser takes the detector scores as a condition
        (``GCNdiff(cond_channels=1)``)."""
        return getattr(self.denoiser, 'cond_channels', 0) > 0

    def denoise(self, x, t, scores=None):
        """The denoiser on ``x`` (..., K, 5) at steps ``t``, given the
        scores (..., K) as its condition when it takes them (ones when
        None)."""
        if not self.uses_scores:
            return self.denoiser(x, t)
        if scores is None:
            scores = x.new_ones(x.shape[:-1])
        return self.denoiser(x, t, scores.to(x)[..., None])

    def denoising_loss(self, x0, scale, scores=None) -> torch.Tensor:
        """``x0`` (N, K, 5) clean uvxyz, ``scale`` (N, K, 5) noise scale,
        ``scores`` (N, K) or None (the denoiser's condition, if it takes
        one) -> the DSM loss ``mean_N sum_{K x 5} (e - e_hat)^2`` (the
        original's), ``t`` antithetic, ``e = N(0, I) * scale``."""
        if x0.dim() != 3 or x0.shape[-1] != 5:
            raise ValueError('DiffPoseHead.loss: x0 must be (N, K, 5) uvxyz,'
                             f' got {tuple(x0.shape)}')
        t = antithetic_timesteps(x0.shape[0], self.num_steps).to(x0.device)
        e = torch.randn_like(x0) * scale
        x_t = q_sample(x0, t, self.abar, e)
        e_hat = self.denoise(x_t, t, scores)
        return self.loss_weight * (e - e_hat).pow(2).sum((1, 2)).mean()

    def loss(self, feats, batch_data_samples, train_cfg: dict = {}) -> dict:
        """``feats = (uv (B, T, K, 2), init (B, T, K, 3))`` -> ``loss_diff``
        on single frames (the denoiser works per frame), plus ``loss_pose``
        when ``train_cfg['train_backbone']``."""
        uv, init = feats
        b, t, k = uv.shape[:3]
        target = read_targets(batch_data_samples, t, k,
                              self.root_index).to(uv.device)
        losses = {}
        if train_cfg.get('train_backbone', False):
            losses.update(pose_loss(init, target, self.root_index, train_cfg))
        gmm = read_gmm(batch_data_samples, t, k)
        uv_d, sigma = self.draw_uv(
            uv.reshape(-1, k, 2),
            None if gmm is None else gmm.reshape(-1, *gmm.shape[2:]))
        x0 = torch.cat([uv_d, target.reshape(-1, k, 3)], -1)
        cond = {}  # the scores, for a denoiser that reads them
        if self.uses_scores:
            cond['scores'] = read_scores(batch_data_samples, uv.shape).to(
                uv.device).reshape(-1, k)
        losses['loss_diff'] = self.denoising_loss(
            x0, self.noise_scale(sigma), **cond)
        return losses

    def sample(self, x_start, scale, seq: Sequence[int], eta: float = 0.,
               start_noise: bool = False, generator=None, scores=None):
        """DDIM from ``x_start`` (N, ..., K, 5) taken as x at ``seq[-1]``
        (an empty ``seq``: ``x_start`` itself);
        with ``start_noise`` it is first noised to that step with the scaled
        noise ``N(0, I) * scale`` (the paper's stochastic start; the
        released code starts clean); ``scores`` (N, ..., K): the
        denoiser's condition, if it takes one. Returns x0 (N, ..., K, 5)."""
        x = x_start
        if not len(seq):  # no step: the start state (the head's ablation)
            return x
        if start_noise:
            t = torch.full((x.shape[0], ), int(seq[-1]), dtype=torch.long,
                           device=x.device)
            z = torch.randn(x.shape, generator=generator, device=x.device,
                            dtype=x.dtype)
            x = q_sample(x, t, self.abar, z * scale)
        return ddim_sample(lambda xx, tt: self.denoise(xx, tt, scores), x,
                           seq, self.abar, eta=eta, generator=generator)

    def start_scale(self, uv, scores, cfg) -> torch.Tensor:
        """(B, T, K, 5) noise scale of the start state: the uv sigma (GMM
        or constant, widened by low scores) and, with
        ``xyz_noise_by_score``, xyz scaled by 1 / clamped score."""
        scale = self.noise_scale(self.uv_sigma(uv, scores, cfg['min_score']))
        if scores is not None and cfg['xyz_noise_by_score']:
            inv = 1. / scores.clamp(cfg['min_score'], 1.)
            scale = torch.cat([scale[..., :2], scale[..., 2:] *
                               inv[..., None]], -1)
        return scale

    def lift(self, uv, init, scores=None, test_cfg: Optional[dict] = None,
             generator=None) -> dict:
        """(B, T, K, 2) uv and the pose model's (B, T, K, 3) -> dict
        ``keypoints`` (B, T, K, 3) aggregate, ``hypotheses`` (B, H, T, K,
        3), ``spread`` (B, T, K) metres (root-relative)."""
        cfg = self.check_test_cfg(test_cfg)
        ri = self.root_index
        if cfg['center_init']:
            init = init - init[..., ri:ri + 1, :]
        h = int(cfg['num_hypotheses'])
        x = torch.cat([uv, init], -1)[:, None].expand(-1, h, -1, -1, -1)
        scale = self.start_scale(uv, scores, cfg)[:, None].expand_as(x)
        b, _, t, k, c = x.shape
        cond = {}  # the scores, for a denoiser that reads them
        if self.uses_scores and scores is not None:
            cond['scores'] = scores[:, None].expand(-1, h, -1, -1).reshape(
                b * h, t, k)
        out = self.sample(x.reshape(b * h, t, k, c),
                          scale.reshape(b * h, t, k, c), cfg['timesteps'],
                          cfg['eta'], cfg['start_noise'],
                          generator=generator, **cond)
        hyps = out.reshape(b, h, t, k, c)[..., 2:]
        hyps = hyps - hyps[..., ri:ri + 1, :]
        agg, _ = aggregate_hypotheses(
            hyps, 'mean' if cfg['aggregate'] == 'jagg' else cfg['aggregate'])
        return dict(keypoints=agg, hypotheses=hyps,
                    spread=hypothesis_spread(hyps))

    def predict(self, feats, batch_data_samples, test_cfg: dict = {}):
        """``feats = (uv, init)`` -> one ``InstanceData`` per sample:
        ``keypoints`` (1, [T,] K, 3) root-relative metres (the aggregate
        over H hypotheses; T only for windows), ``keypoint_scores``,
        ``keypoint_spread`` (1, [T,] K) (per joint RMS distance of the
        hypotheses to their mean), with ``return_hypotheses`` also
        ``hypotheses`` (1, H, [T,] K, 3)."""
        cfg = self.check_test_cfg(test_cfg)
        uv, init = feats
        scores = read_scores(batch_data_samples, uv.shape).to(uv.device)
        out = self.lift(uv, init, scores, cfg)
        if cfg['aggregate'] == 'jagg':
            out['keypoints'] = self.joint_wise(out['hypotheses'], uv, scores,
                                               batch_data_samples)
        out = select_frame(out, cfg['output_frame'])
        return self.decode_windows(out, cfg['return_hypotheses'])

    def joint_wise(self, hyps, uv, scores, batch_data_samples):
        """D3DP's J-Agg of ``hyps`` (B, H, T, K, 3) against the screen 2D
        ``uv`` (B, T, K, 2), taken back to pixels with each sample's image
        size and reprojected through its camera -> (B, T, K, 3)."""
        b, h, t, k = hyps.shape[:4]
        wh = read_image_sizes(batch_data_samples, uv.device)[:, None, None]
        px = screen_to_pixels(uv, wh[..., 0], wh[..., 1]).reshape(b * t, k, 2)
        f, c, kd, p, _ = read_cameras(batch_data_samples, uv.device)
        rep = lambda v: None if v is None else v.repeat_interleave(t, 0)  # noqa
        hy = hyps.transpose(1, 2).reshape(b * t, h, k, 3)
        conf = scores.reshape(b * t, k).clamp_min(1e-4)
        err = hypothesis_reprojection(hy, px, conf, rep(f), rep(c), rep(kd),
                                      rep(p))
        agg, _ = aggregate_hypotheses(hy, 'jagg', reproj=err,
                                      conf=scores.reshape(b * t, k))
        return agg.reshape(b, t, k, 3)

