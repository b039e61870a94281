"""``ZeDOControlMLP``: ZeDO-infant's control branch (Zhou et al., "Efficient
Domain Adaptation via Generative Prior for 3D Infant Pose Estimation", WACV
Workshops 2024; ipl-uw/ZeDO-Release ``Control_ScoreModelFC_Adv``), the
ControlNet recipe (Zhang et al., ICCV 2023) on ZeDO's score MLP.

The adult prior (the ``ZeDOScoreMLP`` this class extends, parameter names
unchanged, so an adult checkpoint loads into it) is frozen. A trainable copy
of its input layer and residual blocks (``ctrl_*``) reads the pose plus a
learned infant condition, and feeds the frozen branch through zero-initialised
linear projections (``zero_*``) added before each group norm:

    c   = x + SiLU(cond_in(infant_cond))               (cond_in: zero init)
    u0  = ctrl_pre_dense(c) + ctrl_pre_dense_t(temb)
    h   = drop(SiLU(pre_gnorm(pre_dense(x) + pre_dense_t(temb)
                               + zero_pre(u0))))
    c   = drop(SiLU(ctrl_pre_gnorm(u0)))
    per block i (frozen a, b as in ZeDOScoreMLP, each layer + zero_bi_j(u)):
      u1 = ctrl_bi_dense1(c) + ctrl_bi_dense1_t(temb)
      u2 = ctrl_bi_dense2(drop(SiLU(ctrl_bi_gnorm1(u1))))
           + ctrl_bi_dense2_t(temb)
      c  = c + drop(SiLU(ctrl_bi_gnorm2(u2)))
    eps = post_dense(h)

With every ``zero_*`` and ``cond_in`` at zero the output equals the adult
prior's, so training starts from it (ControlNet's zero convolutions). Repair
against the release: its second control layer overwrites the dense output
with the time term (``control_model.py`` lines 340-341, ``c = dense2(c); c =
dense2_t(temb)``); here both are summed, as in the frozen branch.
:meth:`init_weights` (called by MMEngine's runner before training) loads the
adult weights (``pretrained``), copies them into ``ctrl_*`` and zeroes the
projections; the release copied before its checkpoint was loaded, so its
copies kept random weights (docs/zedo_infant.md).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.runner import CheckpointLoader
from mmpose.registry import MODELS

from poselift_mm.utils.paths import find_file
from .zedo_mlp import ZeDOScoreMLP, sinusoidal_embedding

__all__ = ['ZeDOControlMLP']


@MODELS.register_module()
class ZeDOControlMLP(ZeDOScoreMLP):
    """Args:
        pretrained: an adult ZeDO checkpoint (MMEngine state dict) loaded
            by :meth:`init_weights`; None: keep the current weights.
        pretrained_prefix: the denoiser's key prefix in that checkpoint.
        freeze_prior: no gradient for the adult branch (the ControlNet
            recipe); False trains both.
        Others: ``ZeDOScoreMLP``'s (the adult prior's sizes).
    """

    def __init__(self, pretrained: Optional[str] = None,
                 pretrained_prefix: str = 'head.denoiser.',
                 freeze_prior: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.pretrained = pretrained
        self.pretrained_prefix = pretrained_prefix
        hid = self.pre_dense.out_features
        emb, groups = self.embed_dim, self.pre_gnorm.num_groups
        in_dim = self.num_joints * self.joint_dim
        self.prior_names = [n for n, _ in self.named_parameters()]
        self.infant_cond = nn.Parameter(torch.randn(in_dim))
        self.cond_in = nn.Linear(in_dim, in_dim)
        self.ctrl_pre_dense = nn.Linear(in_dim, hid)
        self.ctrl_pre_dense_t = nn.Linear(emb, hid)
        self.ctrl_pre_gnorm = nn.GroupNorm(groups, hid)
        self.zero_pre = nn.Linear(hid, hid)
        for i in range(1, self.n_blocks + 1):
            for j in (1, 2):
                setattr(self, f'ctrl_b{i}_dense{j}', nn.Linear(hid, hid))
                setattr(self, f'ctrl_b{i}_dense{j}_t', nn.Linear(emb, hid))
                setattr(self, f'ctrl_b{i}_gnorm{j}',
                        nn.GroupNorm(groups, hid))
                setattr(self, f'zero_b{i}_{j}', nn.Linear(hid, hid))
        self.copy_prior_to_control()
        if freeze_prior:
            for name, p in self.named_parameters():
                if name in self.prior_names:
                    p.requires_grad_(False)

    @torch.no_grad()
    def copy_prior_to_control(self) -> None:
        """``ctrl_<layer>`` <- ``<layer>`` of the adult branch; every
        ``zero_*`` and ``cond_in`` <- 0 (the output is the prior's)."""
        for name, mod in self.named_children():
            if name.startswith('ctrl_'):
                mod.load_state_dict(getattr(self, name[5:]).state_dict())
            elif name.startswith('zero_') or name == 'cond_in':
                nn.init.zeros_(mod.weight)
                nn.init.zeros_(mod.bias)

    def load_prior(self, path: str) -> None:
        """The adult branch <- the ``pretrained_prefix`` entries of an
        MMEngine checkpoint; every adult parameter must be there."""
        ckpt = CheckpointLoader.load_checkpoint(find_file(path) or path,
                                                map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        n = len(self.pretrained_prefix)
        sub = {k[n:]: v for k, v in state.items()
               if k.startswith(self.pretrained_prefix)}
        missing, unexpected = self.load_state_dict(sub, strict=False)
        adult = [k for k in missing if k in self.prior_names or k == 'sigmas']
        if adult or unexpected:
            raise ValueError(f'ZeDOControlMLP: {path} does not fit the adult '
                             f'branch (missing {adult}, unexpected '
                             f'{unexpected})')

    def control_parameters(self) -> int:
        """The number of parameters outside the adult branch."""
        return sum(p.numel() for n, p in self.named_parameters()
                   if n not in self.prior_names)

    def init_weights(self) -> None:
        """Load ``pretrained`` (if set), then :meth:`copy_prior_to_control`."""
        if self.pretrained:
            self.load_prior(self.pretrained)
        self.copy_prior_to_control()

    def _ctrl(self, name, c, temb):
        """A control layer's pre-norm ``ctrl_name(c) + ctrl_name_t(temb)``."""
        return getattr(self, f'ctrl_{name}')(c) + getattr(
            self, f'ctrl_{name}_t')(temb)

    def forward(self, x, t):
        """``x`` (B, K, 3) or (B, K*3), ``t`` (B,) or scalar in [0, 1] ->
        predicted noise, same shape as ``x`` (module doc)."""
        shape = x.shape
        in_dim = self.num_joints * self.joint_dim
        if shape[-1] != in_dim and tuple(shape[-2:]) != (self.num_joints,
                                                          self.joint_dim):
            raise ValueError(
                f'ZeDOControlMLP: x must be (B, {self.num_joints}, '
                f'{self.joint_dim}) or (B, {in_dim}), got {tuple(shape)}')
        h = x.reshape(shape[0], in_dim)
        t = torch.as_tensor(t, device=x.device)
        t = t.expand(shape[0]) if t.dim() == 0 else t
        temb = self.shared_time_embed(
            sinusoidal_embedding(t * self.label_scale, self.embed_dim))
        act, drop = self.act, self.dropout
        u = self._ctrl('pre_dense', h + act(self.cond_in(self.infant_cond)),
                       temb)
        h = drop(act(self.pre_gnorm(self.pre_dense(h) + self.pre_dense_t(
            temb) + self.zero_pre(u))))
        c = drop(act(self.ctrl_pre_gnorm(u)))
        for i in range(1, self.n_blocks + 1):
            u1 = self._ctrl(f'b{i}_dense1', c, temb)
            u2 = self._ctrl(f'b{i}_dense2', drop(act(getattr(
                self, f'ctrl_b{i}_gnorm1')(u1))), temb)
            c = c + drop(act(getattr(self, f'ctrl_b{i}_gnorm2')(u2)))
            a = drop(act(getattr(self, f'b{i}_gnorm1')(
                getattr(self, f'b{i}_dense1')(h) +
                getattr(self, f'b{i}_dense1_t')(temb) +
                getattr(self, f'zero_b{i}_1')(u1))))
            b = drop(act(getattr(self, f'b{i}_gnorm2')(
                getattr(self, f'b{i}_dense2')(a) +
                getattr(self, f'b{i}_dense2_t')(temb) +
                getattr(self, f'zero_b{i}_2')(u2))))
            h = h + b
        return self.post_dense(h).reshape(shape)

