"""GCNdiff and the shared graph layers: sizes, the graph, hand-computed
layer values, leading-dim handling and input errors. Parity with a
re-statement of the original is in tests/apis/test_convert_diffpose.py."""
import math

import pytest
import torch
from mmpose.registry import MODELS

from poselift_mm.geometry import H36M17_PARENTS
from poselift_mm.models.denoisers.gcndiff import GCNdiff, broadcast_timesteps
from poselift_mm.models.denoisers.graph_layers import (H36M_EDGES, ChebConv,
                                                       GraFormerLayerNorm,
                                                       GraphNet,
                                                       chebyshev_basis,
                                                       h36m_adjacency)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    m = GCNdiff().eval()
    for p in m.parameters():  # make every piece matter
        p.data.add_(0.05 * torch.randn_like(p))
    return m


def test_param_count_and_keys(model):
    sd = model.state_dict()
    assert sum(v.numel() for v in sd.values()) == 1_025_674
    assert sum(p.numel() for p in model.parameters()) == 1_025_674
    assert len(sd) == 123 and 'adj' not in sd
    shapes = {
        'gconv_input.weight': (3, 1, 5, 96),
        'gconv_input.bias': (1, 1, 96),
        'gconv_layers.4.gconv2.gconv.weight': (3, 1, 96, 96),
        'gconv_layers.0.temb_proj.weight': (96, 384),
        'atten_layers.3.self_attn.linears.3.weight': (96, 96),
        'atten_layers.0.feed_forward.A_hat': (17, 17),
        'atten_layers.0.feed_forward.gconv1.fc.weight': (192, 96),
        'atten_layers.0.feed_forward.gconv2.fc.weight': (96, 192),
        'atten_layers.2.sublayer.1.norm.a_2': (96, ),
        'gconv_output.weight': (3, 1, 96, 5),
        'gconv_output.bias': (1, 1, 5),
        'temb.dense.0.weight': (384, 96),
        'temb.dense.1.weight': (384, 384),
    }
    for k, s in shapes.items():
        assert tuple(sd[k].shape) == s, k
    assert list(sd)[:2] == ['gconv_input.weight', 'gconv_input.bias']
    assert list(sd)[-2:] == ['temb.dense.1.weight', 'temb.dense.1.bias']


def test_adjacency_is_a_moving_non_persistent_buffer():
    m = GCNdiff()
    assert dict(m.named_buffers())['adj'].dtype == torch.float32
    m = m.double()
    assert m.adj.dtype == torch.float64
    x = torch.randn(2, 17, 5, dtype=torch.float64)
    assert m(x, 3).dtype == torch.float64


def test_h36m_edges_are_the_skeleton_bones():
    assert sorted(H36M_EDGES) == sorted(
        (p, c) for c, p in enumerate(H36M17_PARENTS) if p >= 0)


def test_adjacency_rows():
    a = h36m_adjacency()
    assert a.dtype == torch.float32 and a.shape == (17, 17)
    row = {0: 1 / 4, 8: 1 / 5}
    row.update({j: 1 / 2 for j in (3, 6, 10, 13, 16)})
    for j in range(17):
        val = row.get(j, 1 / 3)
        nz = a[j][a[j] != 0]
        assert len(nz) == round(1 / val), j
        torch.testing.assert_close(nz, torch.full_like(nz, val))
        assert a[j, j] == torch.tensor(val, dtype=torch.float32)
    # pelvis row: itself, hips, spine
    assert torch.nonzero(a[0]).flatten().tolist() == [0, 1, 4, 7]
    assert torch.equal(a != 0, (a != 0).T)
    with pytest.raises(ValueError, match='outside 0..16'):
        h36m_adjacency(17, [(0, 17)])
    with pytest.raises(ValueError, match='self-loop'):
        h36m_adjacency(17, [(0, 1), (2, 2)])
    with pytest.raises(ValueError, match=r'\(E, 2\)'):
        h36m_adjacency(17, [0, 1, 2])


def test_chebyshev_basis_is_i_minus_a_hat():
    a = h36m_adjacency()
    b = chebyshev_basis(a, 2)
    eye = torch.eye(17)
    lap = eye - a   # D = I since the rows of Â sum to 1
    torch.testing.assert_close(b[0], eye, rtol=0, atol=0)
    torch.testing.assert_close(b[1], lap, rtol=0, atol=1e-6)
    torch.testing.assert_close(b[2], 2 * lap @ lap - eye, rtol=0, atol=1e-6)
    # L is not symmetric (row-normalised graph): pelvis-hip 1/4 vs 1/3
    assert b[1][0, 1] == pytest.approx(-1 / 4) and \
        b[1][1, 0] == pytest.approx(-1 / 3)


def test_chebconv_hand_values():
    conv = ChebConv(1, 1)
    conv.weight.data = torch.tensor([2., 3., 5.]).view(3, 1, 1, 1)
    conv.bias.data.fill_(0.5)
    basis = chebyshev_basis(h36m_adjacency(3, [(0, 1), (1, 2)]))
    # path 0-1-2: Â rows [1/2,1/2,0], [1/3,1/3,1/3], [0,1/2,1/2]
    x = torch.tensor([[[1.], [0.], [0.]]])   # delta on node 0
    # column 0 of L = I - Â: (1/2, -1/3, 0); of T2 = 2L·L - I:
    # (2(1/4 + 1/6) - 1, 2(-1/6 - 2/9), 2/6) = (-1/6, -7/9, 1/3)
    # y = 2·e0 + 3·L[:, 0] + 5·T2[:, 0] + 0.5
    expect = torch.tensor([[19 / 6], [-79 / 18], [13 / 6]])
    torch.testing.assert_close(conv(x, basis)[0], expect)


def test_layernorm_unbiased_std_eps_on_std():
    ln = GraFormerLayerNorm(4)
    # small values so that eps on the std (not the variance) shows
    x = torch.tensor([[1., 2., 3., 4.]]) * 1e-3
    std = math.sqrt(5 / 3) * 1e-3   # unbiased: sum((x-2.5e-3)^2)=5e-6, /3
    expect = [v * 1e-3 / (std + 1e-6) for v in (-1.5, -.5, .5, 1.5)]
    assert expect[0] == pytest.approx(-1.16100, abs=1e-5)
    torch.testing.assert_close(ln(x), torch.tensor([expect]), rtol=1e-6,
                               atol=0)
    c = torch.full((1, 4), 7.)   # zero std: eps keeps it finite
    assert torch.equal(ln(c), torch.zeros(1, 4))


def test_graphnet_normalises_by_column_sums():
    g = GraphNet(2, 2, num_joints=2)
    g.A_hat.data = torch.tensor([[1., 2.], [0., 1.]])
    # column sums 1, 3 (row sums would be 3, 1)
    d = torch.tensor([1., 3.]).add(1e-5).pow(-0.5)
    expect = torch.tensor([[d[0] * d[0], 2 * d[0] * d[1]],
                           [0., d[1] * d[1]]])
    torch.testing.assert_close(g.laplacian(), expect)


def test_timestep_embedding_sin_first_96(model):
    t = torch.tensor([0., 1., 50.])
    k = torch.arange(48, dtype=torch.float64)
    ang = t.double()[:, None] * torch.exp(-k * math.log(1e4) / 47)
    emb = torch.cat([ang.sin(), ang.cos()], 1).float()
    d0, d1 = model.temb.dense
    h = d0(emb)
    expect = d1(h * torch.sigmoid(h))
    torch.testing.assert_close(model.timestep_embedding(t), expect,
                               rtol=1e-5, atol=1e-5)


def test_leading_dims_equal_per_frame_loop(model):
    torch.manual_seed(3)
    x = torch.randn(2, 3, 17, 5)
    t = torch.tensor([4, 12])
    with torch.no_grad():
        out = model(x, t)
        loop = torch.stack([torch.stack([
            model(x[b, f][None], t[b:b + 1])[0] for f in range(3)])
            for b in range(2)])
    assert out.shape == x.shape
    # batch size changes the BLAS blocking: a few ulps of |out| ~ 10
    torch.testing.assert_close(out, loop, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(out[0], model(x[0], 5).detach())  # t matters
    with torch.no_grad():
        # (B, H, T, K, 5) with the full leading shape of t; float t is ok
        x5 = torch.randn(2, 2, 3, 17, 5)
        t5 = torch.randint(0, 51, (2, 2, 3))
        out5 = model(x5, t5.float())
        flat = model(x5.reshape(-1, 17, 5), t5.reshape(-1))
        torch.testing.assert_close(out5, flat.view_as(x5), rtol=0,
                                   atol=1e-6)
        # scalar t and no leading dims
        one = model(x[0, 0], 7)
        torch.testing.assert_close(one, model(x[0, 0][None],
                                              torch.tensor([7]))[0])


def test_broadcast_timesteps_left_aligned():
    t = broadcast_timesteps(torch.tensor([1, 2]), (2, 3), 'cpu')
    assert t.tolist() == [1., 1., 1., 2., 2., 2.] and t.dtype == torch.float32
    assert broadcast_timesteps(5, (2, 2), 'cpu').tolist() == [5.] * 4
    with pytest.raises(ValueError, match=r'shape \(3,\) does not broadcast'):
        broadcast_timesteps(torch.tensor([1, 2, 3]), (2, 3), 'cpu')


def test_input_errors(model):
    with pytest.raises(ValueError, match='expected 17 joints, got 16'):
        model(torch.zeros(2, 16, 5), 0)
    with pytest.raises(ValueError,
                       match='expected 5 channels per joint, got 3'):
        model(torch.zeros(2, 17, 3), 0)
    with pytest.raises(ValueError, match='does not broadcast'):
        model(torch.zeros(4, 17, 5), torch.zeros(3))
    with pytest.raises(ValueError, match='has 17 joints, got num_joints=16'):
        GCNdiff(num_joints=16)


def test_custom_graph_registry_and_dropout():
    m = MODELS.build(dict(type='GCNdiff', num_joints=4, hid_dim=16,
                          num_layers=2, num_heads=2,
                          edges=[(0, 1), (1, 2), (1, 3)]))
    assert isinstance(m, GCNdiff) and m.adj.shape == (4, 4)
    x = torch.randn(8, 4, 5)
    m.train()
    torch.manual_seed(0)
    a = m(x, 3)
    b = m(x, 3)
    assert not torch.allclose(a, b)   # dropout active in train mode
    m.eval()
    assert torch.equal(m(x, 3), m(x, 3))
