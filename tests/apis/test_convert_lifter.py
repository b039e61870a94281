"""convert_diffpose_lifter and ``tools/convert_checkpoint.py diffpose``: the
original DiffPose files (GCNdiff runner list, GCNpose runner list, MixSTE
``run.py`` dict, all with DataParallel's ``module.`` prefix) become one
DiffPoseLifter checkpoint that loads strictly and reproduces the source
networks exactly.

The original-layout files are written from our own modules with the
``module.`` prefix (the layouts are identical by design; the layout itself
is checked against independent fixture networks in test_convert_diffpose.py
and test_convert_mixste.py). The denoiser and GCNPose are at the released
size here (hid 96, 5 layers, 4 heads: the converter's default; other sizes
are in test_convert_sizes.py), ~1M parameters each, fast; MixSTE is tiny
through ``mixste_cfg``.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

from poselift_mm.apis.convert_lifter import convert_diffpose_lifter
from poselift_mm.models.backbones.gcnpose import GCNPose
from poselift_mm.models.backbones.mixste import MixSTE
from poselift_mm.models.denoisers.gcndiff import GCNdiff

REPO = Path(__file__).resolve().parents[2]
MIX_CFG = dict(num_frames=5, num_joints=17, embed_dim=16, depth=1,
               num_heads=2)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    init_default_scope('mmpose')
    yield
    torch.set_num_threads(n)


def randomise(net, seed):
    """Non-trivial weights everywhere (LayerNorm affines, zero-initialised
    position embeddings), so a wrong mapping shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    return net.eval()


def runner_list(net, ema_shift=None):
    """DiffPose runner's [model_sd, optimizer_sd, epoch, step, ema]."""
    sd = {'module.' + k: v.clone() for k, v in net.state_dict().items()}
    ema = ({} if ema_shift is None else
           {k: v.detach() + ema_shift for k, v in net.named_parameters()})
    return [sd, {}, 0, 0, ema]


@pytest.fixture(scope='module')
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp('orig')
    den = randomise(GCNdiff(), 1)
    gcn = randomise(GCNPose(), 2)
    torch.manual_seed(3)
    mix = randomise(MixSTE(**MIX_CFG), 3)
    paths = dict(den=root / 'diffpose_uvxyz_cpn.pth',
                 gcn=root / 'gcn_xyz_cpn.pth', mix=root / 'mixste_cpn_5f.bin')
    torch.save(runner_list(den, ema_shift=0.01), paths['den'])
    torch.save(runner_list(gcn), paths['gcn'])
    torch.save({'epoch': 3, 'model_pos': {'module.' + k: v for k, v in
                                          mix.state_dict().items()}},
               paths['mix'])
    return dict(den=den, gcn=gcn, mix=mix, paths=paths)


def lifter(backbone):
    """DiffPoseLifter with the converter's sizes (no GMM: the original
    files hold none)."""
    return MODELS.build(dict(
        type='DiffPoseLifter', backbone=backbone,
        head=dict(type='DiffPoseHead', denoiser=dict(type='GCNdiff'),
                  uv_noise_scale=0.5))).eval()


def assert_same_denoiser(model, den, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 17, 5, generator=g)
    t = torch.tensor([0, 5, 12, 50])
    with torch.no_grad():
        ref, got = den(x, t), model.head.denoiser(x, t)
    assert float(ref.abs().max()) > 1e-2
    assert torch.equal(ref, got)


def test_gcndiff_and_mixste(sources, tmp_path):
    p = sources['paths']
    dst = tmp_path / 'lifter.pth'
    out = convert_diffpose_lifter(p['den'], dst, pose_model_src=p['mix'],
                                  pose_model_kind='mixste',
                                  mixste_cfg=MIX_CFG)
    assert out['meta']['model_type'] == 'DiffPoseLifter'
    assert out['meta']['pose_model_kind'] == 'mixste'
    assert out['meta']['weights'] == 'raw'
    keys = list(out['state_dict'])
    assert all(k.startswith(('head.denoiser.', 'backbone.')) for k in keys)
    assert len(keys) == len(sources['den'].state_dict()) + len(
        sources['mix'].state_dict())
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert list(saved['state_dict']) == keys
    model = lifter(dict(type='MixSTE', **MIX_CFG))
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    assert_same_denoiser(model, sources['den'])
    uv = torch.randn(2, 5, 17, 2, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        ref, got = sources['mix'](uv), model.backbone(uv)
    assert float(ref.abs().max()) > 1e-2
    assert torch.equal(ref, got)


def test_use_ema_takes_the_shadow(sources, tmp_path):
    p = sources['paths']
    out = convert_diffpose_lifter(p['den'], tmp_path / 'ema.pth',
                                  use_ema=True)
    assert out['meta']['weights'] == 'ema'
    assert 'pose_model_source' not in out['meta']
    for k, v in sources['den'].named_parameters():
        assert torch.equal(out['state_dict']['head.denoiser.' + k],
                           v.detach() + 0.01)


def test_mixste_needs_its_sizes(sources, tmp_path):
    p = sources['paths']
    dst = tmp_path / 'no.pth'
    with pytest.raises(ValueError, match='mixste_cpn_5f.bin.*num_frames=5'):
        convert_diffpose_lifter(p['den'], dst, pose_model_src=p['mix'])
    with pytest.raises(ValueError, match="pose_model_kind"):
        convert_diffpose_lifter(p['den'], dst, pose_model_src=p['gcn'],
                                pose_model_kind='gcn')
    assert not dst.exists()


def cli(*args):
    cmd = [sys.executable, str(REPO / 'tools' / 'convert_checkpoint.py'),
           *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)


def test_cli_gcndiff_and_gcnpose(sources, tmp_path):
    p = sources['paths']
    dst = tmp_path / 'cli.pth'
    proc = cli('diffpose', p['den'], dst, '--pose-model', p['gcn'],
               '--pose-model-kind', 'gcnpose')
    assert proc.returncode == 0, proc.stderr
    assert str(dst) in proc.stdout
    model = lifter(dict(type='GCNPose'))
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    assert_same_denoiser(model, sources['den'], seed=1)
    uv = torch.randn(3, 17, 2, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        ref, got = sources['gcn'](uv), model.backbone(uv)
    assert float(ref.abs().max()) > 1e-2
    assert torch.equal(ref, got)
    # the whole lifter runs on the converted weights
    with torch.no_grad():
        res = model.lift(uv[:, None])
    assert res['keypoints'].shape == (3, 1, 17, 3)
    assert np.isfinite(res['keypoints'].numpy()).all()


def test_cli_wrong_file_exits_2(sources, tmp_path):
    p = sources['paths']
    dst = tmp_path / 'bad.pth'
    proc = cli('diffpose', p['mix'], dst)  # a MixSTE file as the denoiser
    assert proc.returncode == 2
    assert proc.stderr.startswith('error: ')
    assert str(p['mix']) in proc.stderr
    assert 'not a DiffPose checkpoint' in proc.stderr
    assert not dst.exists()
