"""``ScoreHead``: ZeDO's head (Jiang et al., WACV 2024,
ipl-uw/ZeDO-Release). ``loss`` trains an unconditional 3D pose prior by
denoising score matching on 3D poses only; ``predict`` fits that prior to
the 2D keypoints by IPO then OIL (:mod:`poselift_mm.diffusion.zedo_optim`)
for every sample and every initial pose (hypothesis) of the batch at once.

Intrinsics: per sample ``camera_param`` (``f``, ``c``; ``k``, ``p`` used
for lens distortion when ``use_distortion``), as MMPose's Human3.6M
datasets give them. Without ``f``/``c`` (MMPose's inferencer passes only
``w``, ``h``) the camera is a pinhole with ``c = (w/2, h/2)`` and
``f = default_focal`` or, when that is None, the image diagonal
``sqrt(w^2 + h^2)`` px (the CLIFF convention, a ~53 deg horizontal field of
view for 4:3 images); a warning is given once. No intrinsics and no image
size is an error.
"""
from typing import Optional, Sequence

import numpy as np
import torch
from mmpose.registry import MODELS

from poselift_mm.diffusion.ray_start import ray_lifted_start
from poselift_mm.diffusion.sde import SubVPSDE, dsm_loss
from poselift_mm.diffusion.zedo_optim import (ipo, oil, reprojection_error,
                                              snap_fractions)
from poselift_mm.geometry.camera import pixels_to_rays
from poselift_mm.geometry.skeleton import H36M_FLIP_PAIRS, quaternion_to_matrix
from poselift_mm.models.utils import (AGGREGATES, aggregate_hypotheses,
                                      hypothesis_spread, read_cameras,
                                      read_scores, read_targets)
from poselift_mm.utils.initial_poses import (initial_poses_path,
                                             read_initial_poses)
from poselift_mm.utils.paths import find_file
from .base_lifting_head import BaseLiftingHead

__all__ = ['ScoreHead', 'load_initial_poses']

DEFAULT_IPO = dict(iters=500, lr=0.1, joints=(0, 1, 4), axes='z', depth=3.,
                   scale_range=(0.5, 2.), start='template')
DEFAULT_OIL = dict(iters=1000, t_start=0.1, t_end=0.01,
                   fix_translation_frac=0.2, mode='original', ref_iters=1000,
                   snap_power=None)
# selections that also ask the prior (ScoreHead.prior_residual)
PRIOR_AGGREGATES = ('min_prior', 'min_reproj_prior')
DEFAULT_TEST = dict(ipo={}, oil={}, aggregate='min_reproj',
                    prior_select=dict(t=(0.01, 0.03, 0.1), draws=4, seed=0),
                    default_focal=None, use_distortion=True,
                    conf_range=(1e-4, 1.), chunk_size=None,
                    return_hypotheses=True, warm_start=None)


def load_initial_poses(path: str, num: int, num_joints: int,
                       root_index: int = 0) -> torch.Tensor:
    """(num, K, 3) root-relative start poses: a ``tools/make_clusters.py``
    file (the most populated clusters first) or the originals' per-S
    cluster files (``{num}`` in ``path``); see
    :func:`poselift_mm.utils.initial_poses.read_initial_poses`."""
    return torch.from_numpy(read_initial_poses(path, num, num_joints,
                                               root_index))


@MODELS.register_module()
class ScoreHead(BaseLiftingHead):
    """Holds a noise-predicting ``denoiser`` (e.g. ``ZeDOScoreMLP``), a
    sub-VP SDE and the optimisation's start poses.

    ``loss(x0, data_samples)``: ``x0`` (B, K, 3) root-relative metres (the
    lifter passes the 3D targets, never 2D); DSM with ``t ~ U(t_eps, 1)``.
    Augmentation (ZeDO's ``--flip`` / ``--rotflip``): ``flip_prob`` mirrors
    x and swaps ``flip_pairs``; ``rotate`` in {None, 'yaw', 'so3'} turns the
    pose about the root (about the camera y axis, or uniformly in SO(3)).

    Args (besides the above): ``init_poses``: ``dict(file=<make_clusters.py
    npz>, num=S)``: S hypotheses, one per initial pose (``file=None``:
    training only); ``decoder``, ``root_index``: see ``BaseLiftingHead``.

    Test settings (``test_cfg``): ``ipo`` / ``oil`` dicts (defaults: the
    paper's H36M values, :data:`DEFAULT_IPO`, :data:`DEFAULT_OIL`;
    ``oil.snap_power`` None (the original: every joint snaps onto its ray)
    or p >= 0 (a joint moves ``confidence ** p`` of the way per iteration,
    :func:`poselift_mm.diffusion.zedo_optim.snap_fractions`);
    ``ipo.start`` 'template': OIL starts from the rotated start pose,
    'rays': from the 2D lifted onto its rays at the root's depth, as
    ZeDO-infant, :func:`poselift_mm.diffusion.ray_start.ray_lifted_start`);
    ``aggregate`` 'min_reproj' (the hypothesis of lowest
    confidence-weighted reprojection error), 'mean', 'median', 'jagg'
    (per joint, the hypothesis of lowest reprojection error: D3DP's
    J-Agg), 'medoid' (the hypothesis nearest the others), 'min_prior'
    (the hypothesis the prior finds most likely: lowest denoising
    residual, :meth:`prior_residual`) or
    'min_reproj_prior' (lowest sum of the two, each divided by its median
    over the hypotheses); ``prior_select`` (times, draws, seed of the
    residual);
    ``default_focal`` (px, see the module doc); ``use_distortion``;
    ``conf_range`` (ZeDO clamps confidences to [1e-4, 1], so all-zero
    confidences act as uniform ones); ``chunk_size`` (max poses per
    optimisation pass; None: the whole batch); ``return_hypotheses``;
    ``warm_start`` (None, or ``dict(iters, t_start)``: the frames of a
    window (B, T > 1) are fitted in order, the first by IPO + OIL, each
    next one by ``iters`` OIL steps from ``t_start`` started at the
    previous frame's solution, :meth:`warm_lift`; one hypothesis per
    frame).
    """
    default_test_cfg = DEFAULT_TEST

    def __init__(self,
                 denoiser: dict,
                 sde: dict = dict(beta_min=0.1, beta_max=20., N=1000),
                 t_eps: float = 1e-5,
                 flip_prob: float = 0.,
                 flip_pairs: Sequence = H36M_FLIP_PAIRS,
                 rotate: Optional[str] = None,
                 loss_weight: float = 1.,
                 init_poses: Optional[dict] = None,
                 decoder: Optional[dict] = None,
                 root_index: int = 0,
                 init_cfg=None):
        super().__init__(decoder, root_index, init_cfg)
        if rotate not in (None, 'yaw', 'so3'):
            raise ValueError(f"ScoreHead: rotate must be None, 'yaw' or "
                             f"'so3', got {rotate!r}")
        self.denoiser = MODELS.build(denoiser)
        self.sde_cfg = dict(sde)
        self.sde = SubVPSDE(**self.sde_cfg)
        self.t_eps = float(t_eps)
        self.flip_prob = float(flip_prob)
        self.rotate = rotate
        self.loss_weight = float(loss_weight)
        perm = list(range(getattr(self.denoiser, 'num_joints', 17)))
        for a, b in flip_pairs:
            perm[a], perm[b] = b, a
        self.register_buffer('flip_perm', torch.tensor(perm),
                             persistent=False)
        init_poses = dict(init_poses or {})
        # a repository-relative file is found from any directory (utils.paths)
        self.num_hypotheses = int(init_poses.get('num', 1))
        file = init_poses.get('file')
        file = file and initial_poses_path(file, self.num_hypotheses)
        self.init_file = find_file(file) or file
        self.register_buffer(
            'initial_poses',
            load_initial_poses(self.init_file, self.num_hypotheses,
                               self.num_joints, root_index)
            if self.init_file else None, persistent=False)

    def check_test_cfg(self, test_cfg: Optional[dict]) -> dict:
        cfg = super().check_test_cfg(test_cfg)
        if cfg['aggregate'] not in AGGREGATES + PRIOR_AGGREGATES:
            raise ValueError('ScoreHead: test_cfg.aggregate must be one of '
                             f"{AGGREGATES + PRIOR_AGGREGATES}, got "
                             f"{cfg['aggregate']!r}")
        cfg['ipo'] = {**DEFAULT_IPO, **(cfg.get('ipo') or {})}
        cfg['oil'] = {**DEFAULT_OIL, **(cfg.get('oil') or {})}
        warm = cfg.get('warm_start')
        if warm is not None and not (
                isinstance(warm, dict) and set(warm) == {'iters', 't_start'}
                and int(warm['iters']) >= 0 and float(warm['t_start']) > 0):
            raise ValueError('ScoreHead: test_cfg.warm_start must be None or '
                             'dict(iters=N >= 0, t_start=t > 0), got '
                             f'{warm!r}')
        return cfg

    @property
    def num_joints(self) -> int:
        return len(self.flip_perm)

    def noise(self, x, t):
        """Predicted noise for poses ``x`` (N, K, 3) at times ``t`` (N,)."""
        return self.denoiser(x, t)

    def forward(self, feats):
        """``feats = (x (N, K, 3), t (N,))`` -> predicted noise."""
        x, t = feats
        return self.noise(x, t)

    def augment(self, x0):
        """Random flips / rotations of (B, K, 3) root-relative poses."""
        if self.flip_prob > 0:
            flip = torch.rand(x0.shape[0], device=x0.device) < self.flip_prob
            mirrored = x0[:, self.flip_perm] * x0.new_tensor([-1., 1., 1.])
            x0 = torch.where(flip[:, None, None], mirrored, x0)
        if self.rotate is not None:
            b = x0.shape[0]
            if self.rotate == 'yaw':
                ang = (torch.rand(b, device=x0.device, dtype=x0.dtype) * 2 -
                       1) * torch.pi
                c, s = ang.cos(), ang.sin()
                z, o = torch.zeros_like(c), torch.ones_like(c)
                R = torch.stack([c, z, s, z, o, z, -s, z, c],
                                1).reshape(b, 3, 3)
            else:  # uniform rotation: a Gaussian quaternion
                R = quaternion_to_matrix(
                    torch.randn(b, 4, device=x0.device, dtype=x0.dtype))
            x0 = x0 @ R.transpose(1, 2)
        return x0

    def loss(self, feats, batch_data_samples=None, train_cfg: dict = {}):
        """``feats`` (B, K, 3) clean root-relative poses, or None: the
        samples' 3D targets (every frame of each) -> ``loss_dsm``."""
        x0 = feats
        if x0 is None:
            x0 = read_targets(batch_data_samples, None, self.num_joints,
                              self.root_index).reshape(-1, self.num_joints, 3)
            x0 = x0.to(self.flip_perm.device)
        if x0.dim() != 3 or x0.shape[1:] != (self.num_joints, 3):
            raise ValueError(f'ScoreHead.loss: poses must be (B, '
                             f'{self.num_joints}, 3), got {tuple(x0.shape)}')
        if not torch.isfinite(x0).all():
            raise ValueError('ScoreHead.loss: the 3D targets contain NaN/inf')
        if self.training:
            x0 = self.augment(x0)
        loss = dsm_loss(self.noise, self.sde, x0, eps=self.t_eps)
        return dict(loss_dsm=self.loss_weight * loss)

    # ---- prediction: IPO + OIL against the 2D ---------------------------
    def lift(self, uv, conf, f, c, k=None, p=None,
             test_cfg: Optional[dict] = None) -> dict:
        """Batched IPO + OIL. ``uv`` (N, K, 2) px, ``conf`` (N, K) (0 marks
        a missing joint: no weight, no ray, see :meth:`confidences`),
        ``f``, ``c`` (N, 2) -> dict of ``hypotheses`` (N, S, K, 3) root-relative
        metres, ``translation`` (N, S, 3), ``reproj_error`` (N, S, K) px."""
        if self.initial_poses is None:
            raise ValueError(
                'ScoreHead: no initial poses; set init_poses=dict('
                'file=<clusters.npz from tools/make_clusters.py>, num=S)')
        cfg = self.check_test_cfg(test_cfg)
        ic, oc, r = cfg['ipo'], cfg['oil'], self.root_index
        n, s = uv.shape[0], self.num_hypotheses
        rep = lambda v: None if v is None else v.repeat_interleave(s, 0)  # noqa
        uv_s, conf_s, f_s, c_s, k_s, p_s = (rep(v) for v in (uv, conf, f, c,
                                                              k, p))
        x0 = self.initial_poses.to(uv.device).repeat(n, 1, 1)
        rays = pixels_to_rays(uv_s, f_s[:, None], c_s[:, None],
                              None if k_s is None else k_s[:, None],
                              None if p_s is None else p_s[:, None])
        vis = None if bool((conf_s > 0).all()) else conf_s > 0
        R, T = ipo(x0, uv_s, rays, f_s, c_s, k_s, p_s, joints=ic['joints'],
                   axes=ic['axes'], depth=ic['depth'],
                   scale_range=tuple(ic['scale_range']), iters=ic['iters'],
                   lr=ic['lr'], root_index=r, visible=vis)
        x = x0 @ R.transpose(1, 2)
        if ic['start'] not in ('template', 'rays'):
            raise ValueError("ScoreHead: test_cfg.ipo.start must be "
                             f"'template' or 'rays', got {ic['start']!r}")
        if ic['start'] == 'rays':
            x = ray_lifted_start(rays, T, R, x, conf_s > 0, r)
        iters = int(oc['iters'])
        x, T = oil(x, T, rays, conf_s, self.noise, self.sde, iters=iters,
                   t_start=oc['t_start'], t_end=oc['t_end'],
                   fix_translation_iters=int(round(
                       oc['fix_translation_frac'] * iters)),
                   mode=oc['mode'], ref_iters=oc['ref_iters'], visible=vis,
                   snap=snap_fractions(conf_s, oc['snap_power']))
        return self.solution(x, T, uv_s, f_s, c_s, k_s, p_s, n, s)

    def solution(self, x, T, uv, f, c, k, p, n: int, s: int) -> dict:
        """Fitted poses ``x`` (N*S, K, 3) and translations ``T`` (N*S, 3)
        -> :meth:`lift`'s dict: root-relative ``hypotheses`` (N, S, K, 3),
        the root's ``translation`` (N, S, 3), ``reproj_error`` (N, S, K)
        px against ``uv`` (N*S, K, 2), ``root_offset`` (N, S, 3)."""
        err = reprojection_error(x + T[:, None], uv, f, c, k, p)
        root = x[:, self.root_index:self.root_index + 1]
        return dict(hypotheses=(x - root).reshape(n, s, -1, 3),
                    translation=(T[:, None] + root).reshape(n, s, 3),
                    reproj_error=err.reshape(n, s, -1),
                    root_offset=root.reshape(n, s, 3))

    def choose(self, hyps, reproj, conf, cfg: dict):
        """:meth:`aggregate` of (N, S, K, 3) hypotheses -> the deployable
        pose (N, K, 3) and one hypothesis index (N,) for its root position:
        the chosen one, or for the per-joint or averaged aggregates the
        best-reprojecting one."""
        agg, best = self.aggregate(hyps, reproj, conf, cfg)
        fallback = aggregate_hypotheses(hyps, 'min_reproj', reproj=reproj,
                                        conf=conf)[1]
        return agg, torch.where(best >= 0, best, fallback)

    def warm_lift(self, uv, conf, f, c, k, p, x_prev, t_prev,
                  test_cfg: Optional[dict] = None) -> dict:
        """One frame (N, K, 2) px started at the previous frame's
        root-relative solution ``x_prev`` (N, K, 3) and root position
        ``t_prev`` (N, 3): OIL only (the translation re-solved from the
        first step), ``warm_start['iters']`` steps from
        ``warm_start['t_start']`` to the OIL's ``t_end``. Returns
        :meth:`lift`'s dict with one hypothesis."""
        cfg = self.check_test_cfg(test_cfg)
        wc, oc = cfg['warm_start'], cfg['oil']
        rays = pixels_to_rays(uv, f[:, None], c[:, None],
                              None if k is None else k[:, None],
                              None if p is None else p[:, None])
        vis = None if bool((conf > 0).all()) else conf > 0
        x, T = oil(x_prev, t_prev, rays, conf, self.noise, self.sde,
                   iters=int(wc['iters']), t_start=wc['t_start'],
                   t_end=oc['t_end'], fix_translation_iters=0,
                   mode=oc['mode'], ref_iters=oc['ref_iters'], visible=vis,
                   snap=snap_fractions(conf, oc['snap_power']))
        return self.solution(x, T, uv, f, c, k, p, len(x), 1)

    def lift_windows(self, uv, conf, f, c, k, p, cfg) -> dict:
        """Warm-started fit of windows ``uv`` (B, T, K, 2) px, ``conf``
        (B, T, K), cameras (B, ...) -> :meth:`lift`'s dict over the B*T
        frames (window-major), one hypothesis each."""
        b, t = uv.shape[:2]
        frames, x_prev, t_prev = [], None, None
        for i in range(t):
            if x_prev is None:
                o = self.lift(uv[:, i], conf[:, i], f, c, k, p, cfg)
                _, idx = self.choose(o['hypotheses'], o['reproj_error'],
                                     conf[:, i], cfg)
                o = {key: v[torch.arange(b), idx][:, None]
                     for key, v in o.items()}
            else:
                o = self.warm_lift(uv[:, i], conf[:, i], f, c, k, p, x_prev,
                                   t_prev, cfg)
            x_prev, t_prev = o['hypotheses'][:, 0], o['translation'][:, 0]
            frames.append(o)
        return {key: torch.stack([o[key] for o in frames], 1).flatten(0, 1)
                for key in frames[0]}

    @torch.no_grad()
    def prior_residual(self, hyps, t=(0.01, 0.03, 0.1), draws: int = 4,
                       seed: int = 0) -> torch.Tensor:
        """Denoising residual (N, S) of root-relative hypotheses (N, S, K,
        3): mean over ``t`` and ``draws`` of ``|eps_hat(x_t, t) - z|^2``
        with ``x_t`` the hypothesis noised by the SDE's marginal, the
        denoising score-matching loss (Vincent 2011) whose expectation
        bounds the negative log-likelihood (Song et al., NeurIPS 2021), so
        lower is more likely under the prior. Draws are seeded: the same
        input gives the same choice."""
        n, s, k = hyps.shape[:3]
        x0 = hyps.reshape(n * s, k, 3)
        g = torch.Generator(device=x0.device).manual_seed(int(seed))
        total = x0.new_zeros(n * s)
        for tv in t:
            tt = x0.new_full((n * s, ), float(tv))
            mean, std = self.sde.marginal_prob(x0, tt)
            for _ in range(int(draws)):
                z = torch.randn(x0.shape, generator=g, device=x0.device,
                                dtype=x0.dtype)
                eps = self.noise(mean + std * z, tt)
                total += (eps - z).pow(2).sum((1, 2))
        return (total / (len(t) * int(draws))).reshape(n, s)

    def aggregate(self, hyps, reproj, conf, test_cfg: Optional[dict] = None):
        """(N, S, K, 3), (N, S, K), (N, K) -> deployable (N, K, 3), index of
        the chosen hypothesis (N,) (-1 for mean/median/jagg)."""
        cfg = self.check_test_cfg(test_cfg)
        mode = cfg['aggregate']
        if mode not in PRIOR_AGGREGATES:
            return aggregate_hypotheses(hyps, mode, reproj=reproj, conf=conf)
        score = self.prior_residual(hyps, **cfg['prior_select'])
        if mode == 'min_reproj_prior':
            w = conf[:, None]
            rep = (reproj * w).sum(-1) / w.sum(-1)
            med = lambda v: v / v.median(1, keepdim=True).values.clamp_min(  # noqa
                1e-12)
            score = med(score) + med(rep)
        best = score.argmin(1)
        return hyps[torch.arange(len(best)), best], best

    @staticmethod
    def confidences(scores, cfg: dict):
        """Detector scores (..., K) -> the optimisation's weights: scores
        clamped to ``conf_range`` (ZeDO's [1e-4, 1]); a score of 0 marks a
        missing joint and stays 0 (no weight, no ray), unless a pose has no
        joint above 0, which then counts as uniform (the original's
        clamp)."""
        if not torch.isfinite(scores).all():
            raise ValueError('ScoreHead: NaN keypoint confidences')
        lo, hi = cfg['conf_range']
        vis = scores > 0
        vis = vis | ~vis.any(-1, keepdim=True)
        return torch.where(vis, scores.clamp(lo, hi), scores.new_zeros(()))

    @torch.no_grad()
    def predict(self, feats, batch_data_samples, test_cfg: dict = {}):
        """``feats`` (B, T, K, 2) px -> one ``InstanceData`` per sample:
        ``keypoints`` (1, [T,] K, 3) root-relative metres (the aggregate),
        ``keypoint_scores``, ``keypoint_spread`` (1, [T,] K) metres (RMS
        distance of the hypotheses to their mean), ``translation`` (1, [T,]
        3) camera-frame root of the chosen hypothesis, and
        (``return_hypotheses``) ``hypotheses`` (1, S, [T,] K, 3) and
        ``hypotheses_reproj_error`` (1, S, [T,] K) px."""
        cfg = self.check_test_cfg(test_cfg)
        kp = feats
        b, t, nj = kp.shape[:3]
        conf = self.confidences(read_scores(batch_data_samples,
                                            kp.shape[:3]), cfg)
        conf = conf.to(kp.device)
        f, c, k, p, dflt = read_cameras(
            batch_data_samples, kp.device, cfg['default_focal'],
            cfg['use_distortion'], warn=not getattr(self, '_warned', False))
        self._warned = getattr(self, '_warned', False) or dflt
        rep_t = lambda v: None if v is None else v.repeat_interleave(t, 0)  # noqa
        uv, cf = kp.reshape(b * t, nj, 2), conf.reshape(b * t, nj)
        f, c, k, p = (rep_t(v) for v in (f, c, k, p))
        if cfg['warm_start'] and t > 1:
            cam = [None if v is None else v[::t] for v in (f, c, k, p)]
            out = self.lift_windows(kp, conf, *cam, cfg)
        else:
            chunk = cfg['chunk_size'] or uv.shape[0]
            cut = lambda v, i: None if v is None else v[i:i + chunk]  # noqa
            parts = [self.lift(uv[i:i + chunk], cf[i:i + chunk],
                               f[i:i + chunk], c[i:i + chunk], cut(k, i),
                               cut(p, i), cfg)
                     for i in range(0, uv.shape[0], chunk)]
            out = {key: torch.cat([q[key] for q in parts])
                   for key in parts[0]}
        hyps, reproj = out['hypotheses'], out['reproj_error']
        agg, idx = self.choose(hyps, reproj, cf, cfg)
        trans = out['translation'][torch.arange(len(idx)), idx]
        # (B*T, ...) -> (B, [T,] ...), hypotheses (B, S, [T,] ...)
        sq = (lambda v: v.reshape(b, *v.shape[1:])) if t == 1 else (  # noqa
            lambda v: v.reshape(b, t, *v.shape[1:]))
        hs = (lambda v: v.reshape(b, *v.shape[1:])) if t == 1 else (  # noqa
            lambda v: v.reshape(b, t, *v.shape[1:]).transpose(1, 2))
        extras = dict(keypoint_spread=sq(hypothesis_spread(hyps)),
                      translation=sq(trans))
        if cfg['return_hypotheses']:
            extras['hypotheses'] = hs(hyps)
            extras['hypotheses_reproj_error'] = hs(reproj)
            # the root relative to the optimised translation: ZeDO's own
            # scoring of un-rooted hypotheses (LiftingMPJPE protocol 'zedo')
            extras['hypotheses_root_offset'] = hs(out['root_offset'])
        return self.decode(sq(agg), extras)
