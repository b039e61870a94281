"""Conversion of ZeDO-Release checkpoints, checked against a fixture network
that re-states the original module layout (names, shapes, registration
order, forward) in this file's own code."""
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.runner import load_checkpoint

from poselift_mm.apis.convert_checkpoint import (convert_zedo_checkpoint,
                                                 convert_zedo_state)
from poselift_mm.models.denoisers.zedo_mlp import ZeDOScoreMLP

REPO = Path(__file__).resolve().parents[2]


class OriginalLayout(nn.Module):
    """Fixture: the original ScoreModelFC_Adv's parameters and forward
    (positional embedding, 2 blocks, GN(32), SiLU, dropout 0.25)."""

    def __init__(self, J=17, hid=1024, emb=512):
        super().__init__()
        self.pre_dense = nn.Linear(3 * J, hid)
        self.pre_dense_t = nn.Linear(emb, hid)
        self.pre_gnorm = nn.GroupNorm(32, hid)
        self.drop = nn.Dropout(0.25)
        self.shared_time_embed = nn.Sequential(nn.Linear(emb, emb), nn.SiLU())
        sig = torch.linspace(math.log(50.), math.log(0.01), 1000,
                             dtype=torch.float64).exp()
        self.register_buffer('sigmas', sig)
        for b in ('b1', 'b2'):
            for k in ('1', '2'):
                self.add_module(f'{b}_dense{k}', nn.Linear(hid, hid))
                self.add_module(f'{b}_dense{k}_t', nn.Linear(emb, hid))
                self.add_module(f'{b}_gnorm{k}', nn.GroupNorm(32, hid))
        self.post_dense = nn.Linear(hid, 3 * J)
        self.emb = emb

    def forward(self, batch, labels):
        """labels = 999 t, as in the original get_score_fn."""
        half = self.emb // 2
        k = torch.arange(half, dtype=torch.float32)
        # same float32 arithmetic order as the original (k * -(ln 1e4/255)):
        # a different order moves the 999 t angles by ~1e-5 rad
        ang = labels.float()[:, None] * torch.exp(
            k * -(math.log(10000.) / (half - 1)))[None]
        temb = self.shared_time_embed(torch.cat([ang.sin(), ang.cos()], 1))

        def unit(name, gn, h):
            y = getattr(self, name)(h) + getattr(self, name + '_t')(temb)
            g = getattr(self, gn)
            return self.drop(F.silu(F.group_norm(y, 32, g.weight, g.bias)))

        h = unit('pre_dense', 'pre_gnorm', batch.flatten(1))
        for b in ('b1', 'b2'):
            h = h + unit(f'{b}_dense2', f'{b}_gnorm2',
                         unit(f'{b}_dense1', f'{b}_gnorm1', h))
        return self.post_dense(h).view(batch.shape[0], -1, 3)


def save_like_original(net, path, ema_shift=0.01):
    """The original's save: DataParallel keys, Adam state, positional EMA."""
    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    net.train()
    loss = net(torch.randn(4, 17, 3), torch.rand(4) * 999).square().sum()
    loss.backward()
    opt.step()
    opt.zero_grad()
    shadow = [p.detach().clone() + ema_shift
              for p in net.parameters() if p.requires_grad]
    torch.save({
        'epoch': 1500,
        'model_state_dict': {'module.' + k: v
                             for k, v in net.state_dict().items()},
        'optimizer_state_dict': opt.state_dict(),
        'ema': {'decay': 0.9999, 'num_updates': 7, 'shadow_params': shadow},
        'step': 12,
    }, path)
    net.eval()
    return shadow


@pytest.fixture(scope='module')
def original(tmp_path_factory):
    torch.manual_seed(0)
    net = OriginalLayout()
    # non-trivial GroupNorm affine so a wrong mapping would show
    for n, p in net.named_parameters():
        if 'gnorm' in n:
            p.data.normal_(1. if n.endswith('weight') else 0., 0.2)
    path = tmp_path_factory.mktemp('zedo') / 'checkpoint_1500.pth'
    shadow = save_like_original(net, path)
    return net, path, shadow


def test_fixture_matches_model_layout(original):
    net = original[0]
    ours = ZeDOScoreMLP().state_dict()
    assert [(k, v.shape, v.dtype) for k, v in net.state_dict().items()] == \
        [(k, v.shape, v.dtype) for k, v in ours.items()]


def test_parity_raw_weights(original, tmp_path):
    net, path, _ = original
    dst = tmp_path / 'zedo_mm.pth'
    out = convert_zedo_checkpoint(path, dst, trust_checkpoint=True)
    assert out['meta']['weights'] == 'raw' and out['meta']['epoch'] == 1500
    model = ZeDOScoreMLP().eval()
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    torch.manual_seed(1)
    x = torch.randn(8, 17, 3) * 0.3
    worst = 0.
    with torch.no_grad():
        for t in (0.01, 0.05, 0.1, 0.5, 1.0):
            tt = torch.full((8, ), t)
            ref = net(x, 999 * tt)
            got = model(x, tt)
            worst = max(worst, float((ref - got).abs().max()))
            assert float(ref.abs().max()) > 1e-2
    print(f'parity max abs diff {worst:.3e}')
    assert worst <= 1e-6
    # the saved file loads without the foreign-pickle escape hatch
    torch.load(dst, weights_only=True)


def test_use_ema_takes_shadow_params(original, tmp_path):
    net, path, shadow = original
    dst = tmp_path / 'ema.pth'
    sd = convert_zedo_checkpoint(path, dst, use_ema=True,
                                 trust_checkpoint=True)['state_dict']
    names = [n for n, _ in net.named_parameters()]
    assert len(names) == len(shadow) == 34
    for n, s in zip(names, shadow):
        assert torch.equal(sd[n], s), n
    assert torch.equal(sd['sigmas'], net.sigmas)
    assert torch.load(dst, weights_only=True)['meta']['weights'] == 'ema'


def full_pickle_copy(path, dst):
    """The checkpoint with a pickled object outside torch's weights-only
    safe list (many originals save their argparse namespace): loading it
    needs the trust flag."""
    import argparse
    ck = torch.load(path, weights_only=True)
    ck['args'] = argparse.Namespace(lr=2e-4)
    torch.save(ck, dst)
    return dst


def test_requires_trust_and_rejects_other_models(original, tmp_path):
    _, path, _ = original
    full = full_pickle_copy(path, tmp_path / 'full.pth')
    with pytest.raises(ValueError, match='--trust-checkpoint'):
        convert_zedo_checkpoint(full, tmp_path / 'x.pth')
    assert not (tmp_path / 'x.pth').exists()
    # a weights-only file needs no trust
    convert_zedo_checkpoint(path, tmp_path / 'x.pth')
    other = {'model_state_dict': {'module.' + k: v for k, v in
                                  nn.Linear(51, 51).state_dict().items()}}
    with pytest.raises(ValueError, match=r"missing 35 keys \['sigmas'"):
        convert_zedo_state(other, src='other.pth')
    with pytest.raises(ValueError, match="'model_state_dict' is missing"):
        convert_zedo_state({'state_dict': {}}, src='mm.pth')
    ck = torch.load(path, weights_only=False)
    ck['ema']['shadow_params'] = ck['ema']['shadow_params'][:-1]
    with pytest.raises(ValueError, match='33 tensors'):
        convert_zedo_state(ck, use_ema=True)


def test_cli(original, tmp_path):
    path = full_pickle_copy(original[1], tmp_path / 'full.pth')
    dst = tmp_path / 'cli.pth'
    cmd = [sys.executable, str(REPO / 'tools' / 'convert_checkpoint.py'),
           'zedo', str(path), str(dst)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2 and '--trust-checkpoint' in proc.stderr
    proc = subprocess.run(cmd + ['--trust-checkpoint', '--use-ema'],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert torch.load(dst, weights_only=True)['meta']['weights'] == 'ema'
