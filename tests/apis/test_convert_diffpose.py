"""Conversion of original DiffPose checkpoints (``GCNdiff`` / ``GCNpose``),
checked against a fixture network that re-states the original layout
(names, shapes, registration order) and equations (docs/design/
diffpose_original.md §2.1, §3) in this file's own code."""
import math
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.runner import load_checkpoint

from poselift_mm.apis.convert_diffpose import (convert_diffpose_checkpoint,
                                               convert_diffpose_state)
from poselift_mm.models.backbones.gcnpose import GCNPose
from poselift_mm.models.denoisers.gcndiff import GCNdiff

BONES = [[0, 1], [1, 2], [2, 3], [0, 4], [4, 5], [5, 6], [0, 7], [7, 8],
         [8, 9], [9, 10], [8, 11], [11, 12], [12, 13], [8, 14], [14, 15],
         [15, 16]]


def fixture_graph(n=17):
    """Row-normalised A + I, built cell by cell (float64 -> float32)."""
    a = [[1. if i == j else 0. for j in range(n)] for i in range(n)]
    for i, j in BONES:
        a[i][j] = a[j][i] = 1.
    a = [[v / sum(row) for v in row] for row in a]
    return torch.tensor(a, dtype=torch.float64).float()


def swish(x):
    return x * torch.sigmoid(x)


class FxCheb(nn.Module):

    def __init__(self, cin, cout):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(3, 1, cin, cout) /
                                   (2 * math.sqrt(3 * cin)))
        self.bias = nn.Parameter(0.1 * torch.randn(1, 1, cout))

    def forward(self, x, g):
        dm = torch.diag(g.sum(1).pow(-0.5))
        lap = torch.eye(g.shape[0]) - dm @ g @ dm
        polys = [torch.eye(g.shape[0]), lap]
        polys.append(2 * lap @ polys[1] - polys[0])
        out = 0.
        for k in range(3):
            out = out + (polys[k] @ x) @ self.weight[k, 0]
        return out + self.bias


class FxGC(nn.Module):

    def __init__(self, cin, cout):
        super().__init__()
        self.gconv = FxCheb(cin, cout)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, g):
        return torch.relu(self.drop(torch.relu(self.gconv(x, g))))


class FxRes(nn.Module):

    def __init__(self, c, emb=None):
        super().__init__()
        self.gconv1 = FxGC(c, c)
        self.gconv2 = FxGC(c, c)
        if emb:
            self.temb_proj = nn.Linear(emb, c)

    def forward(self, x, g, temb=None):
        y = self.gconv1(x, g)
        if temb is not None:
            y = y + self.temb_proj(swish(temb)).unsqueeze(1)
        return x + self.gconv2(y, g)


class FxLN(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.a_2 = nn.Parameter(1 + 0.2 * torch.randn(c))
        self.b_2 = nn.Parameter(0.2 * torch.randn(c))

    def forward(self, x):
        # Bessel-corrected std, eps added to the std (not the variance).
        # Separate mean/std reductions as the original: a fused std_mean
        # differs by an ulp, which 5 random layers grow to ~5e-7.
        mu = x.mean(dim=-1, keepdim=True)
        sd = x.std(dim=-1, keepdim=True)
        return self.a_2 * (x - mu) / (sd + 1e-6) + self.b_2


class FxSub(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.norm = FxLN(c)
        self.drop = nn.Dropout(0.25)


class FxMHA(nn.Module):

    def __init__(self, c, heads=4):
        super().__init__()
        self.heads = heads
        self.linears = nn.ModuleList([nn.Linear(c, c) for _ in range(4)])
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        b, n, c = x.shape
        dk = c // self.heads
        q, k, v = [lin(x).view(b, -1, self.heads, dk).transpose(1, 2)
                   for lin in self.linears[:3]]
        p = self.drop(torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dk),
                                    -1))
        return self.linears[3]((p @ v).transpose(1, 2).contiguous()
                               .view(b, -1, c))


class FxLAM(nn.Module):

    def __init__(self, cin, cout):
        super().__init__()
        self.fc = nn.Linear(cin, cout)


class FxGraphNet(nn.Module):

    def __init__(self, c, n):
        super().__init__()
        # positive, non-symmetric: row vs column sums differ
        self.A_hat = nn.Parameter(torch.eye(n) + 0.3 * torch.rand(n, n))
        self.gconv1 = FxLAM(c, 2 * c)
        self.gconv2 = FxLAM(2 * c, c)

    def _lap(self, b):
        a = self.A_hat.unsqueeze(0).repeat(b, 1, 1)   # as the original
        d = (a.sum(1) + 1e-5).pow(-0.5)               # column sums
        n = a.shape[1]
        return d.view(b, n, 1) * a * d.view(b, 1, n)

    def forward(self, x):
        lap = self._lap(x.shape[0])
        h = torch.relu(self.gconv1.fc(torch.bmm(lap, x)))
        return self.gconv2.fc(torch.bmm(lap, h))


class FxAttn(nn.Module):

    def __init__(self, c, n):
        super().__init__()
        self.self_attn = FxMHA(c)
        self.feed_forward = FxGraphNet(c, n)
        self.sublayer = nn.ModuleList([FxSub(c), FxSub(c)])

    def forward(self, x):
        s0, s1 = self.sublayer
        x = x + s0.drop(self.self_attn(s0.norm(x)))
        return x + s1.drop(self.feed_forward(s1.norm(x)))


class OriginalLayout(nn.Module):
    """Fixture GCNdiff (``diffusion=True``, 5 -> 5) or GCNpose (2 -> 3, with
    the unused temb MLP); hid 96, 5 layers, 4 heads, 17 joints."""

    def __init__(self, diffusion=True, hid=96, layers=5):
        super().__init__()
        cin, cout = (5, 5) if diffusion else (2, 3)
        self.diffusion = diffusion
        self.hid = hid
        self.graph = fixture_graph()
        self.gconv_input = FxCheb(cin, hid)
        self.gconv_layers = nn.ModuleList(
            [FxRes(hid, 4 * hid if diffusion else None)
             for _ in range(layers)])
        self.atten_layers = nn.ModuleList(
            [FxAttn(hid, 17) for _ in range(layers)])
        self.gconv_output = FxCheb(hid, cout)
        self.temb = nn.Module()
        self.temb.dense = nn.ModuleList(
            [nn.Linear(hid, 4 * hid), nn.Linear(4 * hid, 4 * hid)])

    def forward(self, x, t=None):
        temb = None
        if self.diffusion:
            half = self.hid // 2
            step = math.log(10000) / (half - 1)
            freq = torch.exp(torch.arange(half, dtype=torch.float32) * -step)
            arg = t.float()[:, None] * freq[None, :]
            emb = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
            emb = emb.to(x.dtype)
            temb = self.temb.dense[1](swish(self.temb.dense[0](emb)))
        h = self.gconv_input(x, self.graph)
        for i in range(len(self.gconv_layers)):
            h = self.atten_layers[i](h)
            h = self.gconv_layers[i](h, self.graph, temb)
        return self.gconv_output(h, self.graph)


def save_like_original(net, path, ema_shift=0.01, epoch=79, step=121680):
    """The original runner's ``torch.save([model_sd, optim_sd, epoch, step,
    ema_shadow])`` of a DataParallel model."""
    sd = {'module.' + k: v.clone() for k, v in net.state_dict().items()}
    ema = {k: v.detach().clone() + ema_shift
           for k, v in net.named_parameters()}
    torch.save([sd, {}, epoch, step, ema], path)
    return ema


@pytest.fixture(scope='module')
def originals(tmp_path_factory):
    root = tmp_path_factory.mktemp('diffpose')
    out = {}
    for seed, (kind, diffusion, name) in enumerate(
            [('gcndiff', True, 'diffpose_uvxyz_cpn.pth'),
             ('gcnpose', False, 'gcn_xyz_cpn.pth')]):
        torch.manual_seed(seed)
        net = OriginalLayout(diffusion).eval()
        ema = save_like_original(net, root / name)
        out[kind] = (net, root / name, ema)
    return out


def make_ours(kind, **cfg):
    return (GCNdiff if kind == 'gcndiff' else GCNPose)(**cfg)


@pytest.mark.parametrize('kind', ['gcndiff', 'gcnpose'])
def test_fixture_matches_model_layout(originals, kind):
    net = originals[kind][0]
    ours = make_ours(kind).state_dict()
    assert [(k, tuple(v.shape)) for k, v in net.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in ours.items()]
    assert sum(v.numel() for v in ours.values()) == \
        {'gcndiff': 1_025_674, 'gcnpose': 839_432}[kind]


def _max_diff(net, model, x, t=None):
    with torch.no_grad():
        ref = net(x, t) if t is not None else net(x)
        got = model(x, t) if t is not None else model(x)
    assert float(ref.abs().max()) > 1e-1  # a non-trivial output
    return float((ref - got).abs().max())


def test_parity_gcndiff(originals, tmp_path):
    net, path, _ = originals['gcndiff']
    dst = tmp_path / 'gcndiff_mm.pth'
    out = convert_diffpose_checkpoint(path, dst, 'gcndiff')
    assert out['meta']['weights'] == 'raw'
    assert (out['meta']['epoch'], out['meta']['step']) == (79, 121680)
    model = GCNdiff().eval()
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    torch.manual_seed(1)
    x = torch.randn(32, 17, 5) * 0.5
    worst = max(_max_diff(net, model, x, torch.full((32, ), float(s)))
                for s in (0, 6, 12, 50))
    worst = max(worst, _max_diff(net, model, x,
                                 torch.randint(0, 51, (32, ))))
    print(f'GCNdiff parity max abs diff {worst:.3e}')
    assert worst <= 1e-6
    torch.load(dst, weights_only=True)   # no foreign pickle in the output


def test_parity_gcnpose(originals, tmp_path):
    net, path, _ = originals['gcnpose']
    dst = tmp_path / 'gcnpose_mm.pth'
    out = convert_diffpose_checkpoint(path, dst, 'gcnpose',
                                      prefix='backbone.')
    assert all(k.startswith('backbone.') for k in out['state_dict'])
    sd = {k[len('backbone.'):]: v for k, v in out['state_dict'].items()}
    model = GCNPose().eval()
    model.load_state_dict(sd, strict=True)
    torch.manual_seed(2)
    worst = _max_diff(net, model, torch.rand(32, 17, 2) * 2 - 1)
    print(f'GCNpose parity max abs diff {worst:.3e}')
    assert worst <= 1e-6


def test_parity_on_real_h36m_frames(originals, h36m_samples):
    """The 4 real frames as the original feeds them: uv screen-normalised
    with the camera's w, h; xyz root-relative metres."""
    ann = np.load(h36m_samples / 'test_h36m_body3d.npz')
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    wh = np.array([[cams[(n.split('/')[0], n.split('.')[1].split('/')[0])][
        key] for key in ('w', 'h')] for n in ann['imgname']], np.float64)
    w, h = wh[:, None, 0:1], wh[:, None, 1:2]
    px = ann['part'][..., :2]
    uv = np.concatenate([px[..., :1] * 2 / w - 1,
                         px[..., 1:] * 2 / w - h / w], -1)
    xyz = ann['S'][..., :3] - ann['S'][:, :1, :3]
    assert np.abs(uv).max() < 1.2 and np.abs(xyz).max() < 1.2
    uv_t = torch.tensor(uv, dtype=torch.float32)
    x = torch.tensor(np.concatenate([uv, xyz], -1), dtype=torch.float32)
    for kind in ('gcndiff', 'gcnpose'):
        net = originals[kind][0]
        model = make_ours(kind).eval()
        model.load_state_dict(convert_diffpose_state(
            torch.load(originals[kind][1], weights_only=True), kind))
        if kind == 'gcndiff':
            d = _max_diff(net, model, x, torch.tensor([12., 12., 0., 0.]))
        else:
            d = _max_diff(net, model, uv_t)
        print(f'{kind} real-frame parity max abs diff {d:.3e}')
        assert d <= 1e-6


def test_use_ema_takes_element_4(originals, tmp_path):
    net, path, ema = originals['gcndiff']
    out = convert_diffpose_checkpoint(path, tmp_path / 'ema.pth', 'gcndiff',
                                      use_ema=True, prefix='head.denoiser.')
    assert out['meta']['weights'] == 'ema'
    sd = out['state_dict']
    assert len(sd) == len(ema) == 123
    for k, v in ema.items():
        assert torch.equal(sd['head.denoiser.' + k], v), k
    raw = convert_diffpose_state(torch.load(path, weights_only=True),
                                 'gcndiff')
    assert torch.allclose(raw['temb.dense.0.bias'] + 0.01,
                          sd['head.denoiser.temb.dense.0.bias'])


def test_gcnpose_without_unused_temb_and_bare_state_dict(originals):
    net, path, _ = originals['gcnpose']
    obj = torch.load(path, weights_only=True)
    sd = convert_diffpose_state(obj, 'gcnpose',
                                model_cfg=dict(with_unused_temb=False))
    assert len(sd) == 109 and not any(k.startswith('temb.') for k in sd)
    bare = convert_diffpose_state(obj[0], 'gcnpose', src='bare.pth')
    assert list(bare) == list(net.state_dict())
    for k, v in net.state_dict().items():
        assert torch.equal(bare[k], v)


def test_rejects_other_models(originals):
    pose = torch.load(originals['gcnpose'][1], weights_only=True)
    with pytest.raises(ValueError) as err:
        convert_diffpose_state(pose, 'gcndiff', src='gcn_xyz_cpn.pth')
    msg = str(err.value)
    assert msg.startswith('gcn_xyz_cpn.pth: element 0')
    assert 'missing 10 keys' in msg and 'temb_proj' in msg
    assert 'gconv_input.weight: (3, 1, 2, 96) vs (3, 1, 5, 96)' in msg
    assert 'looks like a GCNpose checkpoint with in_channels=2' in msg
    assert msg.endswith('(a checkpoint of another model?)')
    diff = torch.load(originals['gcndiff'][1], weights_only=True)
    with pytest.raises(ValueError, match=r'unexpected 10 keys'):
        convert_diffpose_state(diff, 'gcnpose', src='d.pth')
    with pytest.raises(ValueError, match='hid_dim=96'):
        convert_diffpose_state(diff, 'gcndiff', src='d.pth',
                               model_cfg=dict(hid_dim=64))


def test_rejects_bad_containers(originals):
    obj = torch.load(originals['gcndiff'][1], weights_only=True)
    with pytest.raises(ValueError, match="kind must be one of"):
        convert_diffpose_state(obj, 'mixste', src='x.pth')
    with pytest.raises(ValueError, match='x.pth: not a DiffPose checkpoint'):
        convert_diffpose_state({'epoch': 3, 'model_pos': {}}, 'gcndiff',
                               src='x.pth')
    with pytest.raises(ValueError, match='an empty list'):
        convert_diffpose_state([], 'gcndiff', src='x.pth')
    with pytest.raises(ValueError, match='element 4 of the saved list'):
        convert_diffpose_state(obj[:4], 'gcndiff', src='x.pth', use_ema=True)
    with pytest.raises(ValueError, match='element 4 of the saved list'):
        convert_diffpose_state(obj[0], 'gcndiff', src='x.pth', use_ema=True)
    bad = dict(obj[0])
    bad['module.atten_layers.2.feed_forward.A_hat'] = torch.full(
        (17, 17), float('nan'))
    with pytest.raises(ValueError,
                       match='key atten_layers.2.feed_forward.A_hat holds '
                       'NaN'):
        convert_diffpose_state([bad], 'gcndiff', src='x.pth')
    ema = dict(obj[4])
    ema.pop('gconv_output.bias')
    with pytest.raises(ValueError, match=r"element 4 \(EMA shadow\).*"
                       r"missing 1 keys \['gconv_output.bias'\]"):
        convert_diffpose_state(obj[:4] + [ema], 'gcndiff', src='x.pth',
                               use_ema=True)


class Opaque:
    """A pickled object that ``weights_only`` loading refuses."""


def test_foreign_pickle_needs_trust(originals, tmp_path):
    obj = torch.load(originals['gcnpose'][1], weights_only=True)
    src = tmp_path / 'pickled.pth'
    torch.save(obj[:4] + [obj[4], Opaque()], src)
    dst = tmp_path / 'out.pth'
    with pytest.raises(ValueError, match='--trust-checkpoint'):
        convert_diffpose_checkpoint(src, dst, 'gcnpose')
    assert not dst.exists()
    out = convert_diffpose_checkpoint(src, dst, 'gcnpose',
                                      trust_checkpoint=True)
    assert torch.load(dst, weights_only=True)['meta'] == out['meta']
    with pytest.raises(ValueError, match='a checkpoint of another model'):
        convert_diffpose_checkpoint(src, tmp_path / 'no.pth', 'gcndiff',
                                    trust_checkpoint=True)
    assert not (tmp_path / 'no.pth').exists()
