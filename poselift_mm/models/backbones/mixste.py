"""MixSTE (Zhang et al., CVPR 2022), the ``MixSTE2`` variant that DiffPose's
video pipeline uses as its pose initialiser.

Parameter names and registration order are those of the original
(JinluZhang1126/MixSTE ``common/model_cross.py``, copied into
GONGJIA0208/Diffpose_video ``models/mixste.py``), so its ``model_pos``
weights load with only the ``module.`` prefix stripped
(:mod:`poselift_mm.apis.convert_mixste`). Layout (docs/design/
diffpose_original.md section 2.2): per-frame spatial transformer blocks over
joints (STE) alternate with per-joint temporal blocks over frames (TTE);
position embeddings are added only before block 0; ``Spatial_norm`` and
``Temporal_norm`` are shared by all blocks; block LayerNorms use eps 1e-6,
the head LayerNorm the PyTorch default 1e-5; the MLP uses exact GELU.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS

from poselift_mm.geometry.skeleton import H36M_LEFT, H36M_RIGHT

__all__ = ['MixSTE', 'DropPath', 'flip_permutation']



class DropPath(nn.Module):
    """Stochastic depth: zero whole samples (dim 0) with probability ``p``
    while training and rescale the kept ones by ``1/(1-p)``."""

    def __init__(self, p: float = 0.):
        super().__init__()
        if not 0. <= p < 1.:
            raise ValueError(f'DropPath: p must be in [0, 1), got {p}')
        self.p = float(p)

    def forward(self, x):
        if self.p == 0. or not self.training:
            return x
        keep = 1. - self.p
        mask = x.new_empty((x.shape[0], ) + (1, ) * (x.dim() - 1))
        return x * mask.bernoulli_(keep).div_(keep)

    def extra_repr(self) -> str:
        return f'p={self.p}'


class Mlp(nn.Module):
    """Linear -> exact GELU -> dropout -> Linear -> dropout."""

    def __init__(self, dim: int, hidden_dim: int, drop: float = 0.):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dim, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class Attention(nn.Module):
    """Multi-head self-attention with a fused ``qkv`` projection and scale
    ``head_dim**-0.5``; ``(N, L, C) -> (N, L, C)``."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True,
                 attn_drop: float = 0., proj_drop: float = 0.):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'MixSTE: embed_dim {dim} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = float(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x):
        n, length, dim = x.shape
        qkv = self.qkv(x).reshape(n, length, 3, self.num_heads,
                                  dim // self.num_heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(
            qkv[0], qkv[1], qkv[2],
            dropout_p=self.attn_drop if self.training else 0.)
        out = out.transpose(1, 2).reshape(n, length, dim)
        return self.proj_drop(self.proj(out))


class Block(nn.Module):
    """Pre-norm transformer block: ``x + A(LN1(x))``, then ``x + M(LN2(x))``
    (LayerNorm eps 1e-6)."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float,
                 qkv_bias: bool, drop: float, attn_drop: float,
                 drop_path: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, attn_drop, drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0. \
            else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


def flip_permutation(num_joints: int, left: Sequence[int],
                     right: Sequence[int]) -> torch.Tensor:
    """(K,) index that swaps ``left[i]`` with ``right[i]`` (an involution);
    ``ValueError`` on unequal lengths, overlap, repeats or out-of-range ids."""
    left, right = [int(i) for i in left], [int(i) for i in right]
    both = left + right
    if len(left) != len(right):
        raise ValueError(f'MixSTE flip: left has {len(left)} joints, right '
                         f'has {len(right)}')
    if len(set(both)) != len(both):
        raise ValueError(f'MixSTE flip: left {left} and right {right} must '
                         'be disjoint, without repeats')
    if any(i < 0 or i >= num_joints for i in both):
        raise ValueError(f'MixSTE flip: joint ids {both} out of range for '
                         f'{num_joints} joints')
    perm = torch.arange(num_joints)
    perm[left + right] = torch.tensor(right + left, dtype=torch.long)
    return perm


@MODELS.register_module()
class MixSTE(nn.Module):
    """Seq2seq 2D->3D lifter: ``(B, T, K, in_channels)`` screen-normalised
    keypoints -> ``(B, T, K, out_channels)`` (metres, root near 0 when trained
    with a zeroed root as in MixSTE/DiffPose). ``T`` must equal
    ``num_frames`` (fixed temporal position embedding)."""

    def __init__(self, num_frames: int = 243, num_joints: int = 17,
                 in_channels: int = 2, out_channels: int = 3,
                 embed_dim: int = 512, depth: int = 8, num_heads: int = 8,
                 mlp_ratio: float = 2., qkv_bias: bool = True,
                 drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.):
        super().__init__()
        if min(num_frames, num_joints, in_channels, out_channels, embed_dim,
               depth, num_heads) < 1:
            raise ValueError('MixSTE: sizes must be positive, got '
                             f'num_frames={num_frames}, '
                             f'num_joints={num_joints}, depth={depth}, ...')
        self.num_frames = num_frames
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.embed_dim = embed_dim
        self.depth = depth
        # Registration order = the original's (state_dict order).
        self.Spatial_patch_to_embedding = nn.Linear(in_channels, embed_dim)
        self.Spatial_pos_embed = nn.Parameter(
            torch.zeros(1, num_joints, embed_dim))
        self.Temporal_pos_embed = nn.Parameter(
            torch.zeros(1, num_frames, embed_dim))
        self.pos_drop = nn.Dropout(drop_rate)
        # linear stochastic-depth rule, 0 at block 0 (plain Python floats so
        # that the model also builds under ``torch.device('meta')``)
        dpr = [drop_path_rate * i / max(depth - 1, 1) for i in range(depth)]

        def blocks():
            return nn.ModuleList(
                Block(embed_dim, num_heads, mlp_ratio, qkv_bias, drop_rate,
                      attn_drop_rate, dpr[i]) for i in range(depth))

        self.STEblocks = blocks()
        self.TTEblocks = blocks()
        self.Spatial_norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.Temporal_norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Sequential(
            nn.LayerNorm(embed_dim), nn.Linear(embed_dim, out_channels))

    def _check_input(self, x):
        if not torch.is_tensor(x) or x.dim() != 4:
            shape = tuple(x.shape) if torch.is_tensor(x) else type(x).__name__
            raise ValueError('MixSTE: input must be (B, T, K, C), got '
                             f'{shape}')
        _, t, k, c = x.shape
        if t != self.num_frames:
            raise ValueError(
                f'MixSTE: window length (T) must be {self.num_frames} '
                f'frames (expected {self.num_frames}, got {t}); chunk or pad '
                'the sequence to that window')
        if k != self.num_joints:
            raise ValueError(f'MixSTE: expected {self.num_joints} joints '
                             f'(K), got {k}')
        if c != self.in_channels:
            raise ValueError(f'MixSTE: expected {self.in_channels} input '
                             f'channels (C), got {c}')

    def forward(self, x):
        """(B, T, K, in_channels) -> (B, T, K, out_channels)."""
        self._check_input(x)
        b, t, k, _ = x.shape
        d = self.embed_dim

        def to_temporal(h):  # (B*T, K, D) -> (B*K, T, D)
            return h.reshape(b, t, k, d).transpose(1, 2).reshape(b * k, t, d)

        def to_spatial(h):  # (B*K, T, D) -> (B*T, K, D)
            return h.reshape(b, k, t, d).transpose(1, 2).reshape(b * t, k, d)

        h = self.Spatial_patch_to_embedding(x.reshape(b * t, k, -1))
        h = self.pos_drop(h + self.Spatial_pos_embed)
        h = self.Spatial_norm(self.STEblocks[0](h))
        h = self.pos_drop(to_temporal(h) + self.Temporal_pos_embed)
        h = self.Temporal_norm(self.TTEblocks[0](h))
        for i in range(1, self.depth):
            h = self.Spatial_norm(self.STEblocks[i](to_spatial(h)))
            h = self.Temporal_norm(self.TTEblocks[i](to_temporal(h)))
        h = h.reshape(b, k, t, d).transpose(1, 2)
        return self.head(h)

    def forward_flip_avg(self, x, left: Sequence[int] = H36M_LEFT,
                         right: Sequence[int] = H36M_RIGHT):
        """(B, T, K, C) -> (B, T, K, out): mean of the plain pass and the
        mirrored pass (u negated, left/right swapped; output x negated and
        swapped back), both in one batched forward call."""
        self._check_input(x)
        perm = flip_permutation(self.num_joints, left, right).to(x.device)
        sign_in = x.new_ones(x.shape[-1])
        sign_in[0] = -1.
        y = self(torch.cat([x, x[:, :, perm] * sign_in]))
        sign_out = y.new_ones(y.shape[-1])
        sign_out[0] = -1.
        b = x.shape[0]
        return 0.5 * (y[:b] + y[b:, :, perm] * sign_out)
