"""MixSTE backbone: original layout, shape checks, flip test-time
augmentation and stochastic depth. Parity with an independent re-statement
of the original network is in tests/apis/test_convert_mixste.py."""
import pytest
import torch
import torch.nn as nn
from mmpose.registry import MODELS

from poselift_mm.models.backbones.mixste import (H36M_LEFT, H36M_RIGHT,
                                                 DropPath, MixSTE,
                                                 flip_permutation)

SMALL = dict(num_frames=9, num_joints=17, embed_dim=32, depth=2, num_heads=4)
# MMPose ``h36m`` metainfo flip_indices (configs/_base_/datasets/h36m.py)
H36M_FLIP = [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13]


def randomised(cfg=SMALL, seed=0):
    """Small model with every parameter random (pos embeds and LayerNorm
    affines included), eval mode."""
    torch.manual_seed(seed)
    m = MixSTE(**cfg)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith('norm1.weight') or name.endswith('norm2.weight') \
                    or name.endswith('norm.weight') or name == 'head.0.weight':
                p.normal_(1., 0.2)
            elif p.dim() == 1 or 'pos_embed' in name:
                p.normal_(0., 0.3)
    return m.eval()


def mirror(x):
    """(B, T, K, C): negate channel 0 and swap left/right joints."""
    y = x[:, :, H36M_FLIP].clone()
    y[..., 0] = -y[..., 0]
    return y


def test_default_param_count_and_layout():
    with torch.device('meta'):
        m = MixSTE()
    assert sum(p.numel() for p in m.parameters()) == 33_783_811
    sd = m.state_dict()
    assert len(sd) == 2 + 2 + 2 * 8 * 12 + 4 + 4
    assert list(sd)[:6] == [
        'Spatial_pos_embed', 'Temporal_pos_embed',
        'Spatial_patch_to_embedding.weight', 'Spatial_patch_to_embedding.bias',
        'STEblocks.0.norm1.weight', 'STEblocks.0.norm1.bias']
    assert list(sd)[-8:] == [
        'Spatial_norm.weight', 'Spatial_norm.bias', 'Temporal_norm.weight',
        'Temporal_norm.bias', 'head.0.weight', 'head.0.bias',
        'head.1.weight', 'head.1.bias']
    shapes = {
        'Spatial_pos_embed': (1, 17, 512),
        'Temporal_pos_embed': (1, 243, 512),
        'Spatial_patch_to_embedding.weight': (512, 2),
        'TTEblocks.7.attn.qkv.weight': (1536, 512),
        'TTEblocks.7.attn.qkv.bias': (1536, ),
        'STEblocks.3.attn.proj.weight': (512, 512),
        'STEblocks.0.mlp.fc1.weight': (1024, 512),
        'TTEblocks.0.mlp.fc2.weight': (512, 1024),
        'head.1.weight': (3, 512), 'head.1.bias': (3, ),
    }
    for k, s in shapes.items():
        assert tuple(sd[k].shape) == s, k
    block = [k.split('.', 2)[2] for k in sd if k.startswith('STEblocks.5.')]
    assert block == [f'{m}.{p}' for m in ('norm1', 'attn.qkv', 'attn.proj',
                                          'norm2', 'mlp.fc1', 'mlp.fc2')
                     for p in ('weight', 'bias')]
    # eps 1e-6 everywhere except the head LayerNorm (PyTorch default)
    assert m.STEblocks[0].norm1.eps == m.TTEblocks[7].norm2.eps == 1e-6
    assert m.Spatial_norm.eps == m.Temporal_norm.eps == 1e-6
    assert m.head[0].eps == 1e-5
    assert m.STEblocks[0].mlp.act.approximate == 'none'


def test_registry_build():
    m = MODELS.build(dict(type='MixSTE', **SMALL))
    assert isinstance(m, MixSTE) and m.Temporal_pos_embed.shape[1] == 9


def test_forward_shape_and_input_errors():
    m = randomised()
    with torch.no_grad():
        y = m(torch.randn(3, 9, 17, 2))
    assert y.shape == (3, 9, 17, 3) and bool(torch.isfinite(y).all())
    with pytest.raises(ValueError, match='expected 9, got 8'):
        m(torch.randn(1, 8, 17, 2))
    with pytest.raises(ValueError, match='expected 9, got 243'):
        m.forward_flip_avg(torch.randn(1, 243, 17, 2))
    with pytest.raises(ValueError, match='expected 17 joints.*got 16'):
        m(torch.randn(1, 9, 16, 2))
    with pytest.raises(ValueError, match='expected 2 input channels.*got 3'):
        m(torch.randn(1, 9, 17, 3))
    with pytest.raises(ValueError, match=r'\(B, T, K, C\), got \(9, 17, 2\)'):
        m(torch.randn(9, 17, 2))


def test_zero_blocks_reduce_to_embedding_norms_and_head():
    """With every block's output projections zeroed the blocks are
    identities, so a depth-1 model is, written out by hand:
    head(LN_t(LN_s(W u + b + P_s) + P_t)), LN_s/LN_t eps 1e-6, head eps
    1e-5."""
    cfg = dict(SMALL, depth=1)
    m = randomised(cfg)
    with torch.no_grad():
        for blk in (m.STEblocks[0], m.TTEblocks[0]):
            for lin in (blk.attn.proj, blk.mlp.fc2):
                lin.weight.zero_()
                lin.bias.zero_()
    x = torch.randn(2, 9, 17, 2)

    def ln(h, mod, eps):
        mu = h.mean(-1, keepdim=True)
        var = ((h - mu)**2).mean(-1, keepdim=True)
        return (h - mu) / torch.sqrt(var + eps) * mod.weight + mod.bias

    with torch.no_grad():
        e = x @ m.Spatial_patch_to_embedding.weight.T \
            + m.Spatial_patch_to_embedding.bias + m.Spatial_pos_embed[0]
        h = ln(e, m.Spatial_norm, 1e-6)                  # (B, T, K, D)
        h = h + m.Temporal_pos_embed[0][:, None]         # P_t per frame
        h = ln(h, m.Temporal_norm, 1e-6)
        want = ln(h, m.head[0], 1e-5) @ m.head[1].weight.T + m.head[1].bias
        got = m(x)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_batch_independence_and_spatio_temporal_mixing():
    m = randomised(dict(SMALL, depth=3))
    x = torch.randn(4, 9, 17, 2)
    with torch.no_grad():
        y = m(x)
        torch.testing.assert_close(m(x[2:3]), y[2:3], atol=1e-5, rtol=0)
        x2 = x.clone()
        x2[1, 0, 3] += 1.           # one joint of frame 0 of sample 1
        d = (m(x2) - y).abs().amax(-1)   # (B, T, K)
    assert float(d[[0, 2, 3]].max()) < 1e-5      # other samples untouched
    assert float(d[1, 8, 10]) > 1e-4             # other frame, other joint


def test_flip_avg_equals_manual_two_pass():
    m = randomised()
    x = torch.randn(3, 9, 17, 2)
    with torch.no_grad():
        got = m.forward_flip_avg(x)
        plain = m(x)
        back = m(mirror(x))[:, :, H36M_FLIP]
        back[..., 0] = -back[..., 0]
    want = (plain + back) / 2
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    assert float((plain - want).abs().max()) > 1e-3  # the flip pass counts


def test_flip_avg_is_mirror_consistent():
    """The averaged prediction commutes with the mirror, so a mirror-
    symmetric input gets a mirror-symmetric 3D output, which the plain pass
    of a random network does not give."""
    m = randomised(seed=3)
    torch.manual_seed(1)
    x = torch.randn(2, 9, 17, 2)
    sym = (x + mirror(x)) / 2
    torch.testing.assert_close(mirror(sym), sym)
    with torch.no_grad():
        out = m.forward_flip_avg(sym)
        plain = m(sym)
        torch.testing.assert_close(m.forward_flip_avg(mirror(x)),
                                   mirror(m.forward_flip_avg(x)),
                                   atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(mirror(out), out, atol=1e-5, rtol=1e-5)
    # centre joints (root, spine, thorax, neck, head) sit on the mirror plane
    assert float(out[..., [0, 7, 8, 9, 10], 0].abs().max()) < 1e-5
    assert float((mirror(plain) - plain).abs().max()) > 1e-3


def test_flip_pairs_match_mmpose_h36m_metainfo():
    import warnings

    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    with warnings.catch_warnings():   # 'falls back to the installed copy'
        warnings.simplefilter('ignore')
        meta = parse_pose_metainfo(
            dict(from_file='configs/_base_/datasets/h36m.py'))
    assert flip_permutation(17, H36M_LEFT, H36M_RIGHT).tolist() == \
        list(meta['flip_indices']) == H36M_FLIP
    names = meta['keypoint_id2name']
    assert all(names[i].startswith('left_') for i in H36M_LEFT)
    assert all(names[i].startswith('right_') for i in H36M_RIGHT)
    with pytest.raises(ValueError, match='disjoint'):
        flip_permutation(17, (1, 2), (2, 3))
    with pytest.raises(ValueError, match='left has 2 joints, right has 1'):
        flip_permutation(17, (1, 2), (3, ))
    with pytest.raises(ValueError, match='out of range for 17 joints'):
        flip_permutation(17, (1, ), (17, ))


def test_drop_path_and_train_mode():
    dp = DropPath(0.25).train()
    torch.manual_seed(0)
    y = dp(torch.ones(4000, 3, 5))
    vals = y[:, 0, 0]
    kept = torch.tensor(4. / 3.)                       # 1 / (1 - p)
    assert bool(((y == 0) | (y == kept)).all())
    assert bool((y == vals[:, None, None]).all())      # whole samples
    assert abs(float((vals == 0).float().mean()) - 0.25) < 0.03
    assert torch.equal(dp.eval()(y), y)
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        DropPath(1.)

    m = MixSTE(**SMALL, drop_path_rate=0.3)
    assert isinstance(m.STEblocks[0].drop_path, nn.Identity)
    assert m.TTEblocks[1].drop_path.p == pytest.approx(0.3)
    x = torch.randn(8, 9, 17, 2)
    m.train()
    assert not torch.equal(m(x), m(x))
    m.eval()
    assert torch.equal(m(x), m(x))
    # without dropout, train mode is deterministic and equals eval mode
    plain = randomised()
    with torch.no_grad():
        ev = plain(x)
        tr = plain.train()(x)
    torch.testing.assert_close(tr, ev, atol=1e-6, rtol=0)


def test_gradients_reach_every_parameter():
    m = randomised().train()
    m(torch.randn(2, 9, 17, 2)).square().mean().backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and float(p.grad.abs().sum()) > 0, name
