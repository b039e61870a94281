"""Conversion of original MixSTE / DiffPose-video checkpoints, checked
against a fixture network that re-states the original ``MixSTE2`` layout
(names, shapes, registration order, forward) in this file's own code."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.runner import load_checkpoint

from poselift_mm.apis.convert_mixste import (convert_mixste_checkpoint,
                                             convert_mixste_state)
from poselift_mm.models.backbones.mixste import MixSTE

CFG = dict(num_frames=9, num_joints=17, embed_dim=32, depth=3, num_heads=4)
LEFT, RIGHT = [4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]


class _Attn(nn.Module):

    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)

    def forward(self, x):
        n, L, c = x.shape
        q, k, v = self.qkv(x).view(n, L, 3, self.heads, -1).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))   # (n, H, L, c/H)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // self.heads),
                          dim=-1)
        return self.proj((w @ v).transpose(1, 2).reshape(n, L, c))


class _Mlp(nn.Module):

    def __init__(self, c, hidden):
        super().__init__()
        self.fc1 = nn.Linear(c, hidden)
        self.fc2 = nn.Linear(hidden, c)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(0.5 * h * (1. + torch.erf(h / math.sqrt(2.))))


class _Block(nn.Module):

    def __init__(self, c, heads, ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(c, eps=1e-6)
        self.attn = _Attn(c, heads)
        self.norm2 = nn.LayerNorm(c, eps=1e-6)
        self.mlp = _Mlp(c, int(c * ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class OriginalMixSTE2(nn.Module):
    """Fixture: MixSTE2 as DiffPose builds it (qkv bias, ratio 2, no drop)."""

    def __init__(self, num_frames, num_joints, embed_dim, depth, num_heads,
                 mlp_ratio=2.):
        super().__init__()
        c = embed_dim
        self.Spatial_patch_to_embedding = nn.Linear(2, c)
        self.Spatial_pos_embed = nn.Parameter(torch.zeros(1, num_joints, c))
        self.Temporal_pos_embed = nn.Parameter(torch.zeros(1, num_frames, c))
        self.STEblocks = nn.ModuleList(
            [_Block(c, num_heads, mlp_ratio) for _ in range(depth)])
        self.TTEblocks = nn.ModuleList(
            [_Block(c, num_heads, mlp_ratio) for _ in range(depth)])
        self.Spatial_norm = nn.LayerNorm(c, eps=1e-6)
        self.Temporal_norm = nn.LayerNorm(c, eps=1e-6)
        self.head = nn.Sequential(nn.LayerNorm(c), nn.Linear(c, 3))

    @staticmethod
    def _bf_to_bn(x, b, f, n):   # '(b f) n c -> (b n) f c'
        return x.view(b, f, n, -1).permute(0, 2, 1, 3).flatten(0, 1)

    @staticmethod
    def _bn_to_bf(x, b, f, n):   # '(b n) f c -> (b f) n c'
        return x.view(b, n, f, -1).permute(0, 2, 1, 3).flatten(0, 1)

    def forward(self, x):
        b, f, n, _ = x.shape
        # STE_forward: embed, spatial pos, block 0, Spatial_norm
        h = self.Spatial_patch_to_embedding(x.flatten(0, 1))
        h = h + self.Spatial_pos_embed
        h = self.Spatial_norm(self.STEblocks[0](h))
        # TTE_foward: temporal pos, block 0, Temporal_norm
        h = self._bf_to_bn(h, b, f, n) + self.Temporal_pos_embed
        h = self.Temporal_norm(self.TTEblocks[0](h))
        # ST_foward: blocks 1.., shared norms, no pos embeddings
        for i in range(1, len(self.STEblocks)):
            h = self.Spatial_norm(
                self.STEblocks[i](self._bn_to_bf(h, b, f, n)))
            h = self.Temporal_norm(
                self.TTEblocks[i](self._bf_to_bn(h, b, f, n)))
        h = self._bn_to_bf(h, b, f, n).view(b, f, n, -1)
        return self.head(h).view(b, f, n, -1)

    def flip_avg(self, x):
        """run.py evaluate(): flip u and L/R, predict, flip back, average."""
        xf = x.clone()
        xf[..., 0] *= -1
        xf[:, :, LEFT + RIGHT] = xf[:, :, RIGHT + LEFT]
        yf = self(xf)
        yf[..., 0] *= -1
        yf[:, :, LEFT + RIGHT] = yf[:, :, RIGHT + LEFT]
        return (self(x) + yf) / 2


def save_like_original(net, path):
    """MixSTE run.py's save: DataParallel keys, Adam state, numpy RNG."""
    opt = torch.optim.AdamW(net.parameters(), lr=4e-5)
    net(torch.randn(2, CFG['num_frames'], 17, 2)).square().mean().backward()
    opt.step()
    opt.zero_grad()
    torch.save({
        'epoch': 120, 'lr': 4e-5,
        'random_state': np.random.RandomState(1234),
        'optimizer': opt.state_dict(),
        'model_pos': {'module.' + k: v for k, v in net.state_dict().items()},
    }, path)


@pytest.fixture(scope='module')
def original(tmp_path_factory):
    torch.manual_seed(0)
    net = OriginalMixSTE2(**CFG)
    # non-trivial position embeddings and LayerNorm affines so that a wrong
    # mapping or a missing/extra addition shows
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() == 1 and 'norm' in name or name == 'head.0.weight':
                p.normal_(1. if name.endswith('weight') else 0., 0.2)
            elif 'pos_embed' in name:
                p.normal_(0., 0.5)
    path = tmp_path_factory.mktemp('mixste') / 'mixste_cpn_9f.bin'
    save_like_original(net, path)
    return net.eval(), path


def test_fixture_matches_model_layout(original):
    net = original[0]
    ours = MixSTE(**CFG).state_dict()
    assert [(k, v.shape) for k, v in net.state_dict().items()] == \
        [(k, v.shape) for k, v in ours.items()]


def test_parity(original, tmp_path):
    net, path = original
    dst = tmp_path / 'mixste_mm.pth'
    out = convert_mixste_checkpoint(path, dst, trust_checkpoint=True,
                                    model_cfg=CFG)
    assert out['meta']['epoch'] == 120
    assert out['meta']['model_cfg'] == CFG
    model = MixSTE(**CFG).eval()
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    torch.manual_seed(1)
    x = torch.randn(4, 9, 17, 2) * 0.5
    with torch.no_grad():
        ref, got = net(x), model(x)
        ref_flip, got_flip = net.flip_avg(x), model.forward_flip_avg(x)
    worst = float((ref - got).abs().max())
    worst_flip = float((ref_flip - got_flip).abs().max())
    print(f'parity max abs diff {worst:.3e} (flip-avg {worst_flip:.3e})')
    assert float(ref.abs().max()) > 0.1
    assert worst <= 1e-5 and worst_flip <= 1e-5
    # the written file loads without the foreign-pickle escape hatch
    torch.load(dst, weights_only=True)


def test_prefix_and_bare_state_dict(original, tmp_path):
    net, _ = original
    bare = tmp_path / 'bare.pth'
    torch.save(net.state_dict(), bare)      # weights-only: no trust needed
    dst = tmp_path / 'wrapped.pth'
    out = convert_mixste_checkpoint(bare, dst, prefix='initializer.',
                                    model_cfg=CFG)
    assert out['meta']['source_format'] == 'bare state dict'
    assert all(k.startswith('initializer.') for k in out['state_dict'])
    wrapper = nn.Module()
    wrapper.initializer = MixSTE(**CFG)
    load_checkpoint(wrapper, str(dst), map_location='cpu', strict=True)
    for k, v in net.state_dict().items():
        assert torch.equal(wrapper.initializer.state_dict()[k], v), k


def test_requires_trust_for_full_pickle(original, tmp_path):
    _, path = original
    with pytest.raises(ValueError, match='--trust-checkpoint'):
        convert_mixste_checkpoint(path, tmp_path / 'x.pth', model_cfg=CFG)
    assert not (tmp_path / 'x.pth').exists()


def test_refuses_other_models_and_sizes(original):
    net, _ = original
    gcndiff = {'module.gconv_input.weight': torch.zeros(3, 1, 5, 96),
               'module.gconv_input.bias': torch.zeros(1, 1, 96),
               'module.atten_layers.0.feed_forward.A_hat': torch.eye(17),
               'module.temb.dense.0.weight': torch.zeros(384, 96)}
    with pytest.raises(ValueError, match=(
            r"gcndiff\.pth: 'model_pos' does not match MixSTE.*"
            r"missing 204 keys \['Spatial_pos_embed'.*"
            r"unexpected 4 keys \['gconv_input\.weight'.*"
            r'a checkpoint of another model\?')):
        convert_mixste_state({'model_pos': gcndiff}, src='gcndiff.pth')
    with pytest.raises(ValueError, match='state dict does not match'):
        convert_mixste_state(gcndiff, src='gcndiff.pth')
    # the DiffPose list container is not a MixSTE file
    with pytest.raises(ValueError, match=r'a\.pth: not a MixSTE.*got list'):
        convert_mixste_state([gcndiff], src='a.pth')
    with pytest.raises(ValueError, match="'model_pos' is missing"):
        convert_mixste_state({'state_dict': {}, 'meta': {}}, src='mm.pth')
    # the 9-frame checkpoint against the default 243-frame model: sizes are
    # reported, never silently inferred
    obj = {'model_pos': {'module.' + k: v
                         for k, v in net.state_dict().items()}}
    with pytest.raises(ValueError, match=(
            r'x\.bin.*missing 120 keys.*shape mismatch Spatial_pos_embed: '
            r'\(1, 17, 32\) vs \(1, 17, 512\).*num_frames=9.*depth=3')):
        convert_mixste_state(obj, src='x.bin')
    sd = convert_mixste_state(obj, src='x.bin', model_cfg=CFG)
    assert list(sd) == list(net.state_dict())
    bad = dict(obj['model_pos'])
    bad['module.TTEblocks.1.mlp.fc1.bias'] = torch.full((64, ), math.nan)
    with pytest.raises(ValueError, match='TTEblocks.1.mlp.fc1.bias holds NaN'):
        convert_mixste_state({'model_pos': bad}, src='x.bin', model_cfg=CFG)
