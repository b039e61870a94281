"""DiffPose's noise predictor ``GCNdiff`` (GraFormer + timestep embedding).

State-dict keys equal the original's (GONGJIA0208/Diffpose
``models/gcndiff.py``) after stripping ``module.``; the adjacency is rebuilt,
not stored. See docs/design/diffpose_original.md §3.
"""
import torch
import torch.nn as nn
from mmpose.registry import MODELS

from .graph_layers import (ChebConv, GraphAttentionLayer, ResGraphConvBlock,
                           chebyshev_basis, flatten_graph_input,
                           graph_adjacency_buffer, swish)
from .zedo_mlp import sinusoidal_embedding

__all__ = ['GCNdiff', 'broadcast_timesteps']


def broadcast_timesteps(t, lead: tuple, device) -> torch.Tensor:
    """``t`` scalar, (B,), ... or ``lead``-shaped, aligned with ``lead`` from
    the left -> flat (prod(lead),) float32 step indices."""
    t = torch.as_tensor(t, device=device)
    if t.dim() > len(lead) or any(
            s not in (1, d) for s, d in zip(t.shape, lead)):
        raise ValueError(f'GCNdiff: t of shape {tuple(t.shape)} does not '
                         f'broadcast to the leading dims {lead} of x')
    t = t.reshape(tuple(t.shape) + (1, ) * (len(lead) - t.dim()))
    return t.expand(lead).reshape(-1).float()


@MODELS.register_module()
class GCNdiff(nn.Module):
    """Predicts the (scaled) noise of a noisy ``[u, v, x, y, z]`` pose.

    Args:
        num_joints: graph nodes K (17).
        in_channels: channels per joint, in and out (5 = uv + xyz).
        hid_dim: width (96); the timestep MLP is 4 × wider (384).
        num_layers: attention + residual-ChebConv pairs (5).
        num_heads: attention heads (4).
        dropout: sublayer dropout (0.25); attention probabilities and graph
            convolutions use 0.1, as the original.
        edges: (E, 2) undirected bones; None = H36M-17.
        cond_channels: extra per-joint inputs that condition the prediction
            but are not diffused (1 = the detector score); 0 = the original
            network, whose state dict is unchanged.
    """

    def __init__(self, num_joints: int = 17, in_channels: int = 5,
                 hid_dim: int = 96, num_layers: int = 5, num_heads: int = 4,
                 dropout: float = 0.25, edges=None, cond_channels: int = 0):
        super().__init__()
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.cond_channels = int(cond_channels)
        self.hid_dim = hid_dim
        self.emb_dim = 4 * hid_dim
        graph_adjacency_buffer(self, num_joints, edges)
        # registration order = the original's (state_dict order)
        self.gconv_input = ChebConv(in_channels + self.cond_channels, hid_dim)
        self.gconv_layers = nn.ModuleList(
            ResGraphConvBlock(hid_dim, temb_dim=self.emb_dim, dropout=0.1)
            for _ in range(num_layers))
        self.atten_layers = nn.ModuleList(
            GraphAttentionLayer(hid_dim, num_heads, num_joints, dropout)
            for _ in range(num_layers))
        self.gconv_output = ChebConv(hid_dim, in_channels)
        self.temb = nn.Module()
        self.temb.dense = nn.ModuleList([
            nn.Linear(hid_dim, self.emb_dim),
            nn.Linear(self.emb_dim, self.emb_dim)
        ])

    def timestep_embedding(self, t: torch.Tensor) -> torch.Tensor:
        """(M,) raw step indices -> (M, 4·hid_dim)."""
        emb = sinusoidal_embedding(t, self.hid_dim, max_positions=10000)
        emb = emb.to(self.temb.dense[0].weight.dtype)
        return self.temb.dense[1](swish(self.temb.dense[0](emb)))

    def forward(self, x: torch.Tensor, t, cond=None) -> torch.Tensor:
        """``x`` (..., K, C) noisy state, ``t`` integer step indices (float
        ok): scalar, or aligned with x's leading dims from the left ((B,)
        for (B, T, K, C)), or their full shape; ``cond`` (..., K,
        cond_channels) when ``cond_channels`` > 0 (concatenated to the
        input, never noised) -> noise, like ``x``."""
        h, lead = flatten_graph_input(x, self.num_joints, self.in_channels,
                                      'GCNdiff')
        if self.cond_channels:
            if cond is None:
                raise ValueError(f'GCNdiff: cond_channels='
                                 f'{self.cond_channels} needs cond (..., '
                                 f'{self.num_joints}, {self.cond_channels})')
            hc, lead_c = flatten_graph_input(cond, self.num_joints,
                                             self.cond_channels,
                                             'GCNdiff cond')
            if lead_c != lead:
                raise ValueError(f'GCNdiff: cond leading dims {lead_c} differ '
                                 f'from x\'s {lead}')
            h = torch.cat([h, hc.to(h.dtype)], -1)
        elif cond is not None:
            raise ValueError('GCNdiff: cond given but cond_channels=0')
        temb = self.timestep_embedding(broadcast_timesteps(t, lead, x.device))
        basis = chebyshev_basis(self.adj, 2)
        h = self.gconv_input(h, basis)
        for attn, res in zip(self.atten_layers, self.gconv_layers):
            h = res(attn(h), basis, temb)
        return self.gconv_output(h, basis).reshape(x.shape)
