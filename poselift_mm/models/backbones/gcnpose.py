"""DiffPose's frame pose initialiser ``GCNpose`` (GraFormer, 2D -> 3D).

State-dict keys equal the original's (GONGJIA0208/Diffpose
``models/gcnpose.py``) after stripping ``module.``, including the timestep
MLP ``temb.dense.*`` that the original defines but never calls (kept with
``with_unused_temb=True`` so released ``gcn_xyz_*.pth`` load strictly).
See docs/design/diffpose_original.md §2.1.
"""
import torch
import torch.nn as nn
from mmpose.registry import MODELS

from poselift_mm.models.denoisers.graph_layers import (
    ChebConv, GraphAttentionLayer, ResGraphConvBlock, chebyshev_basis,
    flatten_graph_input, graph_adjacency_buffer)

__all__ = ['GCNPose']


@MODELS.register_module()
class GCNPose(nn.Module):
    """Screen-normalised 2D keypoints -> camera-frame 3D pose in metres.

    No root subtraction happens inside: the original runner subtracts
    joint 0 from the output itself.

    Args:
        num_joints: graph nodes K (17).
        in_channels / out_channels: 2 (u, v) / 3 (x, y, z).
        hid_dim, num_layers, num_heads, dropout: 96, 5, 4, 0.25 (attention
            probabilities and graph convolutions use 0.1, as the original).
        with_unused_temb: keep the original's unused ``temb.dense`` MLP
            (185,088 params) so its checkpoints load with strict=True.
        edges: (E, 2) undirected bones; None = H36M-17.
    """

    def __init__(self, num_joints: int = 17, in_channels: int = 2,
                 out_channels: int = 3, hid_dim: int = 96,
                 num_layers: int = 5, num_heads: int = 4,
                 dropout: float = 0.25, with_unused_temb: bool = True,
                 edges=None):
        super().__init__()
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.out_channels = out_channels
        graph_adjacency_buffer(self, num_joints, edges)
        # registration order = the original's (state_dict order)
        self.gconv_input = ChebConv(in_channels, hid_dim)
        self.gconv_layers = nn.ModuleList(
            ResGraphConvBlock(hid_dim, temb_dim=None, dropout=0.1)
            for _ in range(num_layers))
        self.atten_layers = nn.ModuleList(
            GraphAttentionLayer(hid_dim, num_heads, num_joints, dropout)
            for _ in range(num_layers))
        self.gconv_output = ChebConv(hid_dim, out_channels)
        if with_unused_temb:
            self.temb = nn.Module()
            self.temb.dense = nn.ModuleList([
                nn.Linear(hid_dim, 4 * hid_dim),
                nn.Linear(4 * hid_dim, 4 * hid_dim)
            ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (..., K, 2) screen-normalised uv -> (..., K, 3) metres."""
        h, lead = flatten_graph_input(x, self.num_joints, self.in_channels,
                                      'GCNPose')
        basis = chebyshev_basis(self.adj, 2)
        h = self.gconv_input(h, basis)
        for attn, res in zip(self.atten_layers, self.gconv_layers):
            h = res(attn(h), basis)
        return self.gconv_output(h, basis).reshape(
            lead + (self.num_joints, self.out_channels))
