"""Graph layers shared by DiffPose's ``GCNdiff`` and ``GCNpose`` (GraFormer).

Parameter names follow the original (GONGJIA0208/Diffpose ``models/
ChebConv.py`` and ``models/GraFormer.py``) so released weights load with only
the ``module.`` prefix stripped. Numerics follow the original too:

* the graph is ``Â = D⁻¹(A + I)`` (row-normalised, float64 then float32) and
  ChebConv's Laplacian ``I − D^-1/2 Â D^-1/2`` with D the row sums of ``Â``
  (= ``I − Â`` up to rounding, not symmetric);
* GraFormer's LayerNorm uses the unbiased std and adds eps to the std;
* ``GraphNet`` normalises its learnable ``A_hat`` by its column sums.

The adjacency is never part of a state_dict: the networks keep it as a
non-persistent buffer and pass the Chebyshev basis down.
"""
import copy
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    'H36M_EDGES', 'h36m_adjacency', 'chebyshev_basis', 'ChebConv',
    'GraphConvBlock', 'ResGraphConvBlock', 'GraFormerLayerNorm',
    'MultiHeadAttention', 'LAMGraphConv', 'GraphNet', 'SublayerConnection',
    'GraphAttentionLayer', 'graph_adjacency_buffer', 'flatten_graph_input',
    'swish'
]

#: The 16 bones of the H36M-17 skeleton (VideoPose3D joint order).
H36M_EDGES = ((0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 6), (0, 7), (7, 8),
              (8, 9), (9, 10), (8, 11), (11, 12), (12, 13), (8, 14), (14, 15),
              (15, 16))


def h36m_adjacency(num_joints: int = 17, edges=H36M_EDGES) -> torch.Tensor:
    """Undirected ``edges`` (E, 2) -> (K, K) float32 ``D⁻¹(A + I)``: each row
    holds ``1 / (degree + 1)`` on the joint and its neighbours."""
    e = np.asarray(edges)
    if e.ndim != 2 or e.shape[1] != 2 or e.shape[0] == 0:
        raise ValueError(f'h36m_adjacency: edges must be (E, 2) joint index '
                         f'pairs, got shape {tuple(e.shape)}')
    if not np.issubdtype(e.dtype, np.integer):
        raise ValueError(f'h36m_adjacency: edges must be integer joint '
                         f'indices, got dtype {e.dtype}')
    if e.min() < 0 or e.max() >= num_joints:
        raise ValueError(f'h36m_adjacency: edge index {int(e.max())} or '
                         f'{int(e.min())} is outside 0..{num_joints - 1} '
                         f'(num_joints={num_joints})')
    if np.any(e[:, 0] == e[:, 1]):
        raise ValueError(f'h36m_adjacency: self-loop edge '
                         f'{e[e[:, 0] == e[:, 1]][0].tolist()} (the identity '
                         'is added anyway)')
    a = np.eye(num_joints, dtype=np.float64)
    a[e[:, 0], e[:, 1]] = 1.
    a[e[:, 1], e[:, 0]] = 1.
    a /= a.sum(axis=1, keepdims=True)
    return torch.from_numpy(a.astype(np.float32))


def graph_adjacency_buffer(module: nn.Module, num_joints: int, edges):
    """Register ``h36m_adjacency(num_joints, edges)`` on ``module`` as the
    non-persistent buffer ``adj`` (moves with ``.to()``, not saved)."""
    if edges is None:
        if num_joints != len(H36M_EDGES) + 1:
            raise ValueError(
                f'{type(module).__name__}: edges=None means the H36M-17 '
                f'skeleton, which has 17 joints, got num_joints={num_joints};'
                ' pass the edges of your skeleton')
        edges = H36M_EDGES
    module.register_buffer('adj', h36m_adjacency(num_joints, edges),
                           persistent=False)


def chebyshev_basis(adj: torch.Tensor, order: int = 2) -> torch.Tensor:
    """(N, N) graph -> (order+1, N, N) ``[I, L, 2L·L − I, ...]`` with
    ``L = I − D^-1/2 adj D^-1/2``, D from the row sums (original recipe)."""
    n = adj.shape[0]
    eye = torch.eye(n, dtype=adj.dtype, device=adj.device)
    d = torch.diag(adj.sum(dim=-1) ** -0.5)
    lap = eye - torch.mm(torch.mm(d, adj), d)
    basis = [eye, lap]
    for _ in range(2, order + 1):
        basis.append(2 * torch.mm(lap, basis[-1]) - basis[-2])
    return torch.stack(basis[:order + 1])


def swish(x: torch.Tensor) -> torch.Tensor:
    """``x · sigmoid(x)``, written as the original (bitwise, unlike
    ``F.silu``)."""
    return x * torch.sigmoid(x)


class ChebConv(nn.Module):
    """Chebyshev graph convolution ``y = Σ_k T_k X W_k + b``.

    ``weight`` (order+1, 1, in, out) (xavier-normal), ``bias`` (1, 1, out)
    (zeros), as in the original. ``forward(x, basis)``: x (B, N, in), basis
    (order+1, N, N) from :func:`chebyshev_basis` -> (B, N, out)."""

    def __init__(self, in_channels: int, out_channels: int, order: int = 2):
        super().__init__()
        self.weight = nn.Parameter(
            torch.empty(order + 1, 1, in_channels, out_channels))
        self.bias = nn.Parameter(torch.zeros(1, 1, out_channels))
        nn.init.xavier_normal_(self.weight)

    def forward(self, x: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        k, _, _, d = self.weight.shape
        # (k, B*N, in) @ (k, in, out): one GEMM per order, no (k, B, in, out)
        # broadcast copy of the weight as in the original (same values)
        tx = torch.matmul(basis.unsqueeze(1), x.unsqueeze(0)).view(k, b * n, c)
        y = torch.bmm(tx, self.weight.view(k, c, d)).sum(dim=0)
        return y.view(b, n, d) + self.bias


class GraphConvBlock(nn.Module):
    """Original ``_GraphConv``: ChebConv -> ReLU -> Dropout(p) (its trailing
    second ReLU is a no-op on non-negative values and is left out)."""

    def __init__(self, in_channels: int, out_channels: int,
                 dropout: float = 0.1):
        super().__init__()
        self.gconv = ChebConv(in_channels, out_channels, order=2)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
        return self.dropout(F.relu(self.gconv(x, basis)))


class ResGraphConvBlock(nn.Module):
    """``x + GC2(GC1(x) [+ temb_proj(swish(temb))])``: the original
    ``_ResChebGC`` (``temb_dim=None``) or ``_ResChebGC_diff``."""

    def __init__(self, channels: int, temb_dim: int = None,
                 dropout: float = 0.1):
        super().__init__()
        self.gconv1 = GraphConvBlock(channels, channels, dropout)
        self.gconv2 = GraphConvBlock(channels, channels, dropout)
        if temb_dim is not None:
            self.temb_proj = nn.Linear(temb_dim, channels)

    def forward(self, x: torch.Tensor, basis: torch.Tensor,
                temb: torch.Tensor = None) -> torch.Tensor:
        """x (B, N, C), temb (B, temb_dim) or None -> (B, N, C)."""
        h = self.gconv1(x, basis)
        if temb is not None:
            h = h + self.temb_proj(swish(temb))[:, None, :]
        return x + self.gconv2(h, basis)


class GraFormerLayerNorm(nn.Module):
    """``a_2 (x − mean) / (std + eps) + b_2`` over the last dim, with the
    unbiased std (not ``nn.LayerNorm``)."""

    def __init__(self, features: int, eps: float = 1e-6):
        super().__init__()
        self.a_2 = nn.Parameter(torch.ones(features))
        self.b_2 = nn.Parameter(torch.zeros(features))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, keepdim=True)
        return self.a_2 * (x - mean) / (std + self.eps) + self.b_2


class MultiHeadAttention(nn.Module):
    """Self-attention over the joints: ``linears.{0,1,2}`` = Q/K/V,
    ``linears.3`` = output; dropout on the attention probabilities."""

    def __init__(self, num_heads: int, dim: int, dropout: float = 0.1):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'MultiHeadAttention: dim {dim} is not a '
                             f'multiple of num_heads {num_heads}')
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.linears = nn.ModuleList(nn.Linear(dim, dim) for _ in range(4))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, N, C) -> (B, N, C)."""
        b, n, c = x.shape
        q, k, v = (lin(x).view(b, n, self.num_heads, self.head_dim)
                   .transpose(1, 2) for lin in self.linears[:3])
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(
            self.head_dim)
        prob = self.dropout(F.softmax(scores, dim=-1))
        out = torch.matmul(prob, v).transpose(1, 2).reshape(b, n, c)
        return self.linears[3](out)


class LAMGraphConv(nn.Module):
    """Original ``LAM_Gconv``: ``act(fc(L̃ x))`` with ``L̃`` from the shared
    learnable graph (see :class:`GraphNet`)."""

    def __init__(self, in_features: int, out_features: int,
                 activation: bool = True):
        super().__init__()
        self.fc = nn.Linear(in_features, out_features)
        self.activation = activation

    def forward(self, x: torch.Tensor, lap: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.matmul(lap, x))
        return F.relu(h) if self.activation else h


class GraphNet(nn.Module):
    """GraFormer's graph feed-forward: learnable ``A_hat`` (N, N), init I;
    ``L̃ = diag(d) A_hat diag(d)``, ``d_j = (Σ_i A_hat[i, j] + 1e-5)^-1/2``
    (column sums, as the original); ``fc2(L̃ relu(fc1(L̃ x)))``."""

    def __init__(self, in_features: int, out_features: int, num_joints: int):
        super().__init__()
        self.A_hat = nn.Parameter(torch.eye(num_joints))
        self.gconv1 = LAMGraphConv(in_features, in_features * 2)
        self.gconv2 = LAMGraphConv(in_features * 2, out_features,
                                   activation=False)

    def laplacian(self) -> torch.Tensor:
        """(N, N) column-sum normalised ``A_hat``."""
        d = (self.A_hat.sum(dim=0) + 1e-5) ** -0.5
        return d[:, None] * self.A_hat * d[None, :]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, N, C) -> (B, N, out)."""
        lap = self.laplacian()
        return self.gconv2(self.gconv1(x, lap), lap)


class SublayerConnection(nn.Module):
    """Pre-norm residual ``x + Dropout(f(norm(x)))``."""

    def __init__(self, dim: int, dropout: float):
        super().__init__()
        self.norm = GraFormerLayerNorm(dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, fn) -> torch.Tensor:
        return x + self.dropout(fn(self.norm(x)))


class GraphAttentionLayer(nn.Module):
    """Original ``GraAttenLayer``: ``sublayer.0`` wraps ``self_attn``,
    ``sublayer.1`` wraps ``feed_forward`` (a :class:`GraphNet`)."""

    def __init__(self, dim: int, num_heads: int, num_joints: int,
                 dropout: float = 0.25, attn_dropout: float = 0.1):
        super().__init__()
        self.self_attn = MultiHeadAttention(num_heads, dim, attn_dropout)
        self.feed_forward = GraphNet(dim, dim, num_joints)
        sub = SublayerConnection(dim, dropout)
        self.sublayer = nn.ModuleList([sub, copy.deepcopy(sub)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, N, C) -> (B, N, C). The original's all-True mask is a no-op
        and is not taken."""
        x = self.sublayer[0](x, self.self_attn)
        return self.sublayer[1](x, self.feed_forward)


def flatten_graph_input(x: torch.Tensor, num_joints: int, channels: int,
                        owner: str):
    """(..., K, C) -> ((M, K, C), leading shape); ``ValueError`` naming the
    expected vs got joint / channel count."""
    if not torch.is_tensor(x) or x.dim() < 2:
        raise ValueError(f'{owner}: x must be a tensor (..., {num_joints}, '
                         f'{channels}), got {getattr(x, "shape", type(x))}')
    if x.shape[-2] != num_joints:
        raise ValueError(f'{owner}: expected {num_joints} joints, got '
                         f'{x.shape[-2]} (x shape {tuple(x.shape)})')
    if x.shape[-1] != channels:
        raise ValueError(f'{owner}: expected {channels} channels per joint, '
                         f'got {x.shape[-1]} (x shape {tuple(x.shape)})')
    lead = tuple(x.shape[:-2])
    return x.reshape(-1, num_joints, channels), lead
