"""ZeDO's (= GFPose's) unconditional score MLP, noise-predicting.

Parameter and buffer names are kept identical to the original
``ScoreModelFC_Adv`` (ipl-uw/ZeDO-Release) so that its weights load with
only the ``module.`` prefix stripped.
"""
import math

import torch
import torch.nn as nn
from mmpose.registry import MODELS

__all__ = ['ZeDOScoreMLP', 'sinusoidal_embedding']


def sinusoidal_embedding(labels, dim: int = 512, max_positions: int = 10000):
    """``labels`` (B,) -> (B, dim): ``[sin(l w_k), cos(l w_k)]``,
    ``w_k = exp(-k ln(max_positions) / (dim/2 - 1))``."""
    half = dim // 2
    freqs = torch.exp(
        torch.arange(half, dtype=torch.float32, device=labels.device) *
        (-math.log(max_positions) / (half - 1)))
    arg = labels.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
    if dim % 2 == 1:
        emb = nn.functional.pad(emb, (0, 1))
    return emb


@MODELS.register_module()
class ZeDOScoreMLP(nn.Module):
    """Residual MLP predicting the noise of a (B, K, 3) root-relative pose.

    ``forward(x, t)`` takes ``t`` in [0, 1] (B,) and embeds ``label_scale*t``
    (999 in ZeDO). The ``sigmas`` float64 buffer of the original (unused when
    ``scale_by_sigma`` is off, as in ZeDO) is kept for strict loading.
    """

    def __init__(self, num_joints: int = 17, joint_dim: int = 3,
                 hidden_dim: int = 1024, embed_dim: int = 512,
                 n_blocks: int = 2, num_groups: int = 32,
                 dropout: float = 0.25, label_scale: float = 999.,
                 sigma_min: float = 0.01, sigma_max: float = 50.,
                 num_scales: int = 1000):
        super().__init__()
        self.num_joints = num_joints
        self.joint_dim = joint_dim
        self.n_blocks = n_blocks
        self.embed_dim = embed_dim
        self.label_scale = float(label_scale)
        in_dim = num_joints * joint_dim
        self.act = nn.SiLU()
        # Registration order matches the original (state_dict / EMA order).
        self.pre_dense = nn.Linear(in_dim, hidden_dim)
        self.pre_dense_t = nn.Linear(embed_dim, hidden_dim)
        self.pre_gnorm = nn.GroupNorm(num_groups, hidden_dim)
        self.dropout = nn.Dropout(p=dropout)
        self.shared_time_embed = nn.Sequential(
            nn.Linear(embed_dim, embed_dim), self.act)
        self.register_buffer(
            'sigmas',
            torch.exp(torch.linspace(math.log(sigma_max), math.log(sigma_min),
                                     num_scales, dtype=torch.float64)))
        for i in range(1, n_blocks + 1):
            for j in (1, 2):
                setattr(self, f'b{i}_dense{j}',
                        nn.Linear(hidden_dim, hidden_dim))
                setattr(self, f'b{i}_dense{j}_t',
                        nn.Linear(embed_dim, hidden_dim))
                setattr(self, f'b{i}_gnorm{j}',
                        nn.GroupNorm(num_groups, hidden_dim))
        self.post_dense = nn.Linear(hidden_dim, in_dim)

    def _layer(self, dense, dense_t, gnorm, h, temb):
        return self.dropout(self.act(gnorm(dense(h) + dense_t(temb))))

    def forward(self, x, t):
        """``x`` (B, K, 3) or (B, K*3), ``t`` (B,) or scalar in [0, 1]
        -> predicted noise, same shape as ``x``."""
        in_dim = self.num_joints * self.joint_dim
        if x.shape[-1] != in_dim and tuple(x.shape[-2:]) != (
                self.num_joints, self.joint_dim):
            raise ValueError(
                f'ZeDOScoreMLP: x must be (B, {self.num_joints}, '
                f'{self.joint_dim}) or (B, {in_dim}), got {tuple(x.shape)}')
        shape = x.shape
        h = x.reshape(shape[0], in_dim)
        t = torch.as_tensor(t, device=x.device)
        if t.dim() == 0:
            t = t.expand(shape[0])
        temb = self.shared_time_embed(
            sinusoidal_embedding(t * self.label_scale, self.embed_dim))
        h = self._layer(self.pre_dense, self.pre_dense_t, self.pre_gnorm, h,
                        temb)
        for i in range(1, self.n_blocks + 1):
            a = self._layer(getattr(self, f'b{i}_dense1'),
                            getattr(self, f'b{i}_dense1_t'),
                            getattr(self, f'b{i}_gnorm1'), h, temb)
            b = self._layer(getattr(self, f'b{i}_dense2'),
                            getattr(self, f'b{i}_dense2_t'),
                            getattr(self, f'b{i}_gnorm2'), a, temb)
            h = h + b
        return self.post_dense(h).reshape(shape)
