"""``ScoreHead``: an unconditional 3D pose prior trained by denoising score
matching (ZeDO), shaped like an MMPose head so ``tools/train.py`` trains it.
"""
from typing import Optional, Sequence

import torch
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS

from poselift_mm.diffusion.sde import SubVPSDE, dsm_loss
from poselift_mm.diffusion.zedo_optim import quaternion_matrix_unnormalized

__all__ = ['ScoreHead']

# Human3.6M-17 left/right joints (ZeDO's flip augmentation)
from poselift_mm.geometry.skeleton import H36M_FLIP_PAIRS  # noqa: E402


@MODELS.register_module()
class ScoreHead(BaseHead):
    """Holds a noise-predicting ``denoiser`` (e.g. ``ZeDOScoreMLP``) and a
    sub-VP SDE.

    ``loss(x0, data_samples)``: ``x0`` (B, K, 3) root-relative metres (the
    lifter passes the 3D targets, never 2D); DSM with ``t ~ U(t_eps, 1)``.
    Augmentation (ZeDO's ``--flip`` / ``--rotflip``): ``flip_prob`` mirrors
    x and swaps ``flip_pairs``; ``rotate`` in {None, 'yaw', 'so3'} turns the
    pose about the root (about the camera y axis, or uniformly in SO(3)).
    The head has no 2D input, so it does not predict poses by itself:
    ``ZeDOLifter.predict`` optimises with :meth:`noise`.
    """

    def __init__(self,
                 denoiser: dict,
                 sde: dict = dict(beta_min=0.1, beta_max=20., N=1000),
                 t_eps: float = 1e-5,
                 flip_prob: float = 0.,
                 flip_pairs: Sequence = H36M_FLIP_PAIRS,
                 rotate: Optional[str] = None,
                 loss_weight: float = 1.,
                 init_cfg=None):
        super().__init__(init_cfg)
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
                R = quaternion_matrix_unnormalized(
                    torch.randn(b, 4, device=x0.device, dtype=x0.dtype))
            x0 = x0 @ R.transpose(1, 2)
        return x0

    def loss(self, feats, batch_data_samples=None, train_cfg: dict = {}):
        """``feats`` (B, K, 3) clean root-relative poses -> ``loss_dsm``."""
        x0 = feats
        if x0.dim() != 3 or x0.shape[1:] != (self.num_joints, 3):
            raise ValueError(f'ScoreHead.loss: poses must be (B, '
                             f'{self.num_joints}, 3), got {tuple(x0.shape)}')
        if not torch.isfinite(x0).all():
            raise ValueError('ScoreHead.loss: the 3D targets contain NaN/inf')
        if self.training:
            x0 = self.augment(x0)
        loss = dsm_loss(self.noise, self.sde, x0, eps=self.t_eps)
        return dict(loss_dsm=self.loss_weight * loss)

    def predict(self, feats, batch_data_samples, test_cfg: dict = {}):
        raise NotImplementedError(
            'ScoreHead is an unconditional 3D prior with no 2D input; use it '
            'inside ZeDOLifter, whose predict() fits it to the 2D keypoints')
