"""``tools/convert_checkpoint.py --model-cfg / --pose-model-cfg``: the
command line converts original checkpoints of other sizes than the released
ones, on files in the originals' layouts:

* ZeDO-Release ``checkpoint_<epoch>.pth``: ``{'epoch', 'model_state_dict'
  ('module.' + ScoreModelFC_Adv names), 'optimizer_state_dict', 'ema',
  'step'}``;
* DiffPose's runner list ``[model_sd ('module.'), optim_sd, epoch, step,
  ema_shadow]`` (``diffpose_*uvxyz_*.pth``, ``gcn_xyz_*.pth``);
* MixSTE ``run.py``'s ``{'epoch', ..., 'model_pos' ('module.')}``.

The files are written from our own modules with the ``module.`` prefix
(the layouts are the originals' by design, checked against independent
fixture networks in test_convert_checkpoint.py / test_convert_diffpose.py /
test_convert_mixste.py); the converted weights must reproduce them
exactly."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

from poselift_mm.models import GCNdiff, GCNPose, MixSTE, ZeDOScoreMLP

REPO = Path(__file__).resolve().parents[2]
ZEDO = dict(hidden_dim=64, embed_dim=32)
MIX = dict(num_frames=9, embed_dim=16, depth=1, num_heads=2)
DEN = dict(hid_dim=32, num_layers=2, num_heads=2)
GCN = dict(hid_dim=16, num_layers=1, num_heads=2)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    init_default_scope('mmpose')
    yield
    torch.set_num_threads(n)


def randomise(net, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    return net.eval()


def module_sd(net):
    return {'module.' + k: v.clone() for k, v in net.state_dict().items()}


def cli(*args):
    cmd = [sys.executable, str(REPO / 'tools' / 'convert_checkpoint.py'),
           *map(str, args), '--trust-checkpoint']
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)


def test_zedo_sizes(tmp_path):
    net = randomise(ZeDOScoreMLP(**ZEDO), 0)
    src = tmp_path / 'checkpoint_1500.pth'
    torch.save(dict(epoch=1500, model_state_dict=module_sd(net),
                    optimizer_state_dict={}, ema={}, step=1), src)
    dst = tmp_path / 'zedo.pth'
    assert 'hidden_dim=64' in cli('zedo', src, dst).stderr  # sizes needed
    proc = cli('zedo', src, dst, '--model-cfg', 'hidden_dim=64',
               'embed_dim=32', '--prefix', 'head.denoiser.')
    assert proc.returncode == 0, proc.stderr
    lifter = MODELS.build(dict(
        type='ZeDOLifter',
        head=dict(type='ScoreHead', denoiser=dict(type='ZeDOScoreMLP',
                                                  **ZEDO))))
    load_checkpoint(lifter, str(dst), map_location='cpu', strict=True)
    x, t = torch.randn(4, 17, 3), torch.rand(4)
    with torch.no_grad():
        assert torch.equal(lifter.head.denoiser.eval()(x, t), net(x, t))


def test_diffpose_video_sizes(tmp_path):
    den = randomise(GCNdiff(**DEN), 1)
    torch.manual_seed(2)
    mix = randomise(MixSTE(**MIX), 2)
    src, pose = tmp_path / 'diffpose_video_uvxyz_cpn.pth', tmp_path / 'm.bin'
    torch.save([module_sd(den), {}, 80, 100], src)
    torch.save({'epoch': 1, 'model_pos': module_sd(mix)}, pose)
    dst = tmp_path / 'lifter.pth'
    proc = cli('diffpose', src, dst, '--pose-model', pose,
               '--pose-model-kind', 'mixste', '--pose-model-cfg',
               *[f'{k}={v}' for k, v in MIX.items()], '--model-cfg',
               *[f'{k}={v}' for k, v in DEN.items()])
    assert proc.returncode == 0, proc.stderr
    model = MODELS.build(dict(
        type='DiffPoseLifter', backbone=dict(type='MixSTE', **MIX),
        head=dict(type='DiffPoseHead', uv_noise_scale=0.5,
                  denoiser=dict(type='GCNdiff', **DEN)))).eval()
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    uv = torch.randn(2, 9, 17, 2)
    x, t = torch.randn(3, 17, 5), torch.tensor([0, 6, 12])
    with torch.no_grad():
        assert torch.equal(model.backbone(uv), mix(uv))
        assert torch.equal(model.head.denoiser(x, t), den(x, t))
    meta = torch.load(dst, weights_only=False)['meta']
    assert meta['pose_model_cfg'] == MIX and meta['denoiser_cfg'] == DEN


def test_diffpose_frame_and_single_module_sizes(tmp_path):
    gcn = randomise(GCNPose(**GCN), 3)
    den = randomise(GCNdiff(**DEN), 4)
    src, pose = tmp_path / 'diffpose_uvxyz_cpn.pth', tmp_path / 'gcn_xyz.pth'
    torch.save([module_sd(den), {}, 0, 0], src)
    torch.save([module_sd(gcn), {}, 0, 0], pose)
    dst = tmp_path / 'frame.pth'
    proc = cli('diffpose', src, dst, '--pose-model', pose,
               '--pose-model-kind', 'gcnpose', '--pose-model-cfg',
               'hid_dim=16', 'num_layers=1', 'num_heads=2', '--model-cfg',
               *[f'{k}={v}' for k, v in DEN.items()])
    assert proc.returncode == 0, proc.stderr
    sd = torch.load(dst, weights_only=False)['state_dict']
    one = tmp_path / 'gcnpose.pth'
    proc = cli('gcnpose', pose, one, '--prefix', 'backbone.', '--model-cfg',
               'hid_dim=16', 'num_layers=1', 'num_heads=2')
    assert proc.returncode == 0, proc.stderr
    single = torch.load(one, weights_only=False)['state_dict']
    for k, v in single.items():
        assert torch.equal(sd[k], v)
    # pose-model sizes belong to 'diffpose' only
    proc = cli('gcnpose', pose, one, '--pose-model-cfg', 'hid_dim=16')
    assert proc.returncode == 2 and 'pose_model_cfg' in proc.stderr
